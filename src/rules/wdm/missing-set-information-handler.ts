import { step } from '../../model/location.js';
import { wdmDriver } from '../../model/wdm-driver.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';

export const missingSetInformationHandler: Rule = {
  meta: {
    id: 'missing-set-information-handler',
    code: 'DC5010',
    title: 'Writable device without an IRP_MJ_SET_INFORMATION handler',
    severity: 'note',
    summary: 'A driver whose device applications open and write to handles IRP_MJ_WRITE but not IRP_MJ_SET_INFORMATION.',
    rationale:
      'An unhandled major function fails with STATUS_INVALID_DEVICE_REQUEST. Some runtimes send IRP_MJ_SET_INFORMATION when an application writes to a file handle (Cygwin sets FileEndOfFileInformation on write, for example), so their writes to the device fail although the driver handles IRP_MJ_WRITE.',
    whyTestingMisses:
      'Test programs call WriteFile directly, which sends only IRP_MJ_WRITE; the failure appears with the first user whose runtime or shell redirection sends the set-information request first.',
    fix: 'Register an IRP_MJ_SET_INFORMATION dispatch routine; for a device without files it can complete the request with STATUS_SUCCESS (or accept the information classes the runtimes send and fail the others).',
    badExample: `NTSTATUS DispatchWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\\\Device\\\\Sink");
    PDEVICE_OBJECT device;
    IoCreateDevice(DriverObject, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &device);
    DriverObject->MajorFunction[IRP_MJ_WRITE] = DispatchWrite;
    return STATUS_SUCCESS;
}`,
    goodExample: `NTSTATUS DispatchWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\\\Device\\\\Sink");
    PDEVICE_OBJECT device;
    IoCreateDevice(DriverObject, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &device);
    DriverObject->MajorFunction[IRP_MJ_WRITE] = DispatchWrite;
    DriverObject->MajorFunction[IRP_MJ_SET_INFORMATION] = DispatchWrite;
    return STATUS_SUCCESS;
}`,
    references: [
      { title: 'IRP_MJ_SET_INFORMATION', url: 'https://learn.microsoft.com/windows-hardware/drivers/kernel/irp-mj-set-information' },
      { title: 'Writing dispatch routines', url: 'https://learn.microsoft.com/windows-hardware/drivers/kernel/writing-dispatch-routines' },
    ],
  },
  check(model) {
    const driver = wdmDriver(model);
    if (driver.exposures.length === 0 || driver.handles('IRP_MJ_SET_INFORMATION')) return [];
    const findings: RuleFinding[] = [];
    for (const entry of driver.dispatch.filter((e) => e.major === 'IRP_MJ_WRITE' && !e.cleared)) {
      findings.push({
        location: entry.location,
        message: `The device handles IRP_MJ_WRITE but not IRP_MJ_SET_INFORMATION, which fails with STATUS_INVALID_DEVICE_REQUEST: runtimes that set the end of file when writing to a handle (Cygwin, for one) cannot write to it. Register an IRP_MJ_SET_INFORMATION handler, even one that just succeeds.`,
        steps: [driver.exposureStep(), step(entry.location, 'IRP_MJ_WRITE is handled here; no dispatch routine is registered for IRP_MJ_SET_INFORMATION')],
      });
    }
    return findings;
  },
};
