/**
 * What the I/O target rules share: how a remote target's origin is told in a finding's path,
 * and the driver fragment their documentation examples open the remote target with.
 */
import { step, type Location, type PathStep } from '../../model/location.js';
import type { OpenMode, TargetOpen } from '../../model/io-targets.js';

export const OPEN_REMOTE_BY_NAME = `NTSTATUS OpenRemote(WDFDEVICE Device, PUNICODE_STRING Name)
{
    WDF_IO_TARGET_OPEN_PARAMS params;
    WDFIOTARGET target;
    NTSTATUS status = WdfIoTargetCreate(Device, WDF_NO_OBJECT_ATTRIBUTES, &target);
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&params, Name, GENERIC_READ | GENERIC_WRITE);
    status = WdfIoTargetOpen(target, &params);
    DeviceGetContext(Device)->RemoteTarget = target;
    return status;
}`;

export function describeOpen(mode: OpenMode): string {
  switch (mode) {
    case 'by-name':
      return 'by name';
    case 'file-object':
      return 'on an existing device with a TargetFileObject';
    case 'existing-device':
      return 'on an existing device of another stack';
    default:
      return mode;
  }
}

/** The first steps of every I/O target finding: where the remote target is created and opened. */
export function remoteTargetSteps(created: Location, open: TargetOpen): PathStep[] {
  return [
    step(created, 'a remote I/O target is created here with WdfIoTargetCreate'),
    ...(open.decidedAt ? [step(open.decidedAt, `its open parameters are set here (${describeOpen(open.mode)})`)] : []),
    step(open.location, `the remote target is opened here ${describeOpen(open.mode)}`),
  ];
}
