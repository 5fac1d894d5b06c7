import type { CallFact } from '../../parser/facts.js';
import { infSecurityEntries } from '../../model/inf.js';
import { at, step, type PathStep } from '../../model/location.js';
import { hasFlag } from '../../model/struct-state.js';
import { isNullText } from '../../model/values.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';
import { emptySpanAt } from '../../source/span.js';

/** Where a step about a whole INF file points: its first character. */
const FILE_START = emptySpanAt({ line: 1, column: 1, offset: 0 });

export const deviceNameWithoutSddl: Rule = {
  meta: {
    id: 'device-name-without-sddl',
    code: 'DC4005',
    title: 'Named device object that nothing secures',
    severity: 'error',
    summary:
      'A device named with WdfDeviceInitAssignName whose init sets no SDDL string and no FILE_DEVICE_SECURE_OPEN characteristic, in a driver whose INF writes no Security value for it.',
    rationale:
      'A named device object can be opened by name by anyone its security descriptor admits. Without an SDDL string (WdfDeviceInitAssignSDDLString, or the one WdfControlDeviceInitAllocate takes) or an INF Security value, the descriptor is the default for the device type, which commonly lets any user open it. Without FILE_DEVICE_SECURE_OPEN, opens of names below the device (\\Device\\Name\\anything) are not checked against the device\'s descriptor at all. User-mode code then sends the driver I/O it was never meant to receive.',
    whyTestingMisses:
      'Tests run as an administrator, or from the application the driver was written for; nobody tries to open the device from an unprivileged account or through a path below its name.',
    fix:
      'Prefer a device interface (WdfDeviceCreateDeviceInterface) and no name. If the name is needed, call WdfDeviceInitAssignSDDLString with the narrowest SDDL that works (SDDL_DEVOBJ_SYS_ALL_ADM_ALL for administrators only) and WdfDeviceInitSetCharacteristics(DeviceInit, FILE_DEVICE_SECURE_OPEN, TRUE), or write HKR,,Security and DeviceCharacteristics values in the INF.',
    badExample: `NTSTATUS EvtDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit)
{
    DECLARE_CONST_UNICODE_STRING(name, L"\\\\Device\\\\Widget");
    WDFDEVICE device;
    NTSTATUS status = WdfDeviceInitAssignName(DeviceInit, &name);
    return WdfDeviceCreate(&DeviceInit, WDF_NO_OBJECT_ATTRIBUTES, &device);
}`,
    goodExample: `NTSTATUS EvtDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit)
{
    DECLARE_CONST_UNICODE_STRING(name, L"\\\\Device\\\\Widget");
    WDFDEVICE device;
    NTSTATUS status = WdfDeviceInitAssignSDDLString(DeviceInit, &SDDL_DEVOBJ_SYS_ALL_ADM_ALL);
    WdfDeviceInitSetCharacteristics(DeviceInit, FILE_DEVICE_SECURE_OPEN, TRUE);
    status = WdfDeviceInitAssignName(DeviceInit, &name);
    return WdfDeviceCreate(&DeviceInit, WDF_NO_OBJECT_ATTRIBUTES, &device);
}`,
    references: [
      { title: 'Controlling device access in KMDF drivers', url: 'https://learn.microsoft.com/windows-hardware/drivers/wdf/controlling-device-access-in-kmdf-drivers' },
      { title: 'WdfDeviceInitAssignSDDLString', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdfdevice/nf-wdfdevice-wdfdeviceinitassignsddlstring' },
      { title: 'Securing device objects (FILE_DEVICE_SECURE_OPEN)', url: 'https://learn.microsoft.com/windows-hardware/drivers/kernel/controlling-device-namespace-access' },
    ],
  },
  check(model) {
    const findings: RuleFinding[] = [];
    const inits = model.deviceInits;
    const infs = model.unit.infs ?? [];
    const infEntries = infSecurityEntries(infs);
    const securedSomewhere = ['WdfDeviceInitAssignSDDLString', 'WdfDeviceInitSetCharacteristics'].some((callee) =>
      inits.callsOf(callee).some((c) => securesInit(c.call)),
    );
    for (const named of inits.callsOf('WdfDeviceInitAssignName')) {
      const name = named.call.args[1];
      if (name === undefined || isNullText(name)) continue;
      const origin = inits.originOf(named.fn, named.init);
      if (origin.kind === 'control' && !isNullText(origin.sddl)) continue;
      if (inits.callsOnInit(named.fn, named.init).some(securesInit)) continue;
      // An init handed in from elsewhere may be secured by the caller.
      if (origin.kind === 'unknown' && securedSomewhere) continue;
      // PnP applies an INF Security value to the device it installs (not to a control device).
      if (origin.kind !== 'control' && infEntries.length > 0) continue;
      const steps: PathStep[] = [
        step(named.location, `the device is named ${name.replace(/^&/, '')} here: anyone its security descriptor admits can open it by name`),
        step(named.fn.location, `${named.fn.qualifiedName} sets no SDDL string and no FILE_DEVICE_SECURE_OPEN on \`${named.init}\``),
      ];
      if (origin.kind !== 'control') {
        for (const inf of infs) steps.push(step(at(inf.path, FILE_START), `${inf.path.split('/').pop()} writes no Security value for the device`));
      }
      const infNote = origin.kind === 'control' ? '' : infs.length > 0 ? ', and its INF writes no Security value' : ', and no INF of this driver was found to write a Security value';
      findings.push({
        location: named.location,
        message: `This device is given a name, but nothing restricts who opens it: no SDDL string, no FILE_DEVICE_SECURE_OPEN characteristic${infNote}. Any user the default descriptor admits can open it, and names below it are not checked at all. Prefer a device interface; if the name is needed, assign a narrow SDDL string and FILE_DEVICE_SECURE_OPEN.`,
        steps,
      });
    }
    return findings;
  },
};

/** An SDDL string assigned, or FILE_DEVICE_SECURE_OPEN among the characteristics set. */
function securesInit(call: CallFact): boolean {
  if (call.callee === 'WdfDeviceInitAssignSDDLString') return call.args[1] !== undefined && !isNullText(call.args[1]);
  if (call.callee === 'WdfDeviceInitSetCharacteristics') return hasFlag(call.args[1], 'FILE_DEVICE_SECURE_OPEN');
  return false;
}
