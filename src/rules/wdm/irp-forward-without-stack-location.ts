import { IRP_SENDERS, NEXT_LOCATION_SETUP } from '../../knowledge/wdm.js';
import { controlFlow, type FlowNode } from '../../model/control-flow.js';
import type { DriverModel } from '../../model/driver-model.js';
import { mentions, normalizePath } from '../../model/expressions.js';
import { branchSteps } from '../../model/flow-steps.js';
import type { FunctionInfo } from '../../model/functions.js';
import { at, step } from '../../model/location.js';
import { handsIrpToUnknown, irpEntriesWithout, pathFromEntry, sendsIrp } from '../../model/received-irps.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';

/** What sets up the next stack location of `irp`, or hands the IRP to code that might. */
function setsUpNextLocation(model: DriverModel, fn: FunctionInfo, irp: string, target?: FlowNode) {
  return (node: FlowNode): boolean => {
    if (node === target) return false;
    if (node.kind === 'assign' && node.assignment) {
      // `Irp->Tail.Overlay.CurrentStackLocation = …`: the location moved by hand.
      return mentions(node.assignment.lhs, irp) && /CurrentStackLocation|CurrentLocation/.test(node.assignment.lhs);
    }
    if (node.kind !== 'call' || !node.call) return false;
    if (NEXT_LOCATION_SETUP.has(node.call.callee) && normalizePath(node.call.argCores[0] ?? '') === irp) return true;
    return handsIrpToUnknown(model, fn, node, irp);
  };
}

export const irpForwardWithoutStackLocation: Rule = {
  meta: {
    id: 'irp-forward-without-stack-location',
    code: 'DC5002',
    title: 'Received IRP sent down without setting up the next stack location',
    severity: 'error',
    summary: 'IoCallDriver (or PoCallDriver) passes a received IRP to the next driver on a path with no IoCopyCurrentIrpStackLocationToNext, IoSkipCurrentIrpStackLocation or formatted next stack location before it.',
    rationale:
      'IoCallDriver advances the IRP to the next I/O stack location, and the lower driver reads its parameters (major and minor function, lengths, control code, file object) from there. Unless the driver copies its own location to the next one, skips its location, or formats the next one, the lower driver reads whatever an earlier user of the IRP left in it: it performs a different operation, with different buffers, or bug-checks.',
    whyTestingMisses:
      'A freshly allocated IRP often has a zeroed or a still-matching next location, so the lower driver happens to see something plausible. The result depends on the IRP\'s history and the stack size, and breaks with another lower driver or a reused IRP.',
    fix: 'Before IoCallDriver, call IoSkipCurrentIrpStackLocation (passing the request on unchanged, no completion routine) or IoCopyCurrentIrpStackLocationToNext (when setting a completion routine), or fill the location IoGetNextIrpStackLocation returns, on every path.',
    badExample: `NTSTATUS FilterDispatchWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PDEVICE_OBJECT lower = *(PDEVICE_OBJECT *)DeviceObject->DeviceExtension;
    return IoCallDriver(lower, Irp);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    DriverObject->MajorFunction[IRP_MJ_WRITE] = FilterDispatchWrite;
    return STATUS_SUCCESS;
}`,
    goodExample: `NTSTATUS FilterDispatchWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PDEVICE_OBJECT lower = *(PDEVICE_OBJECT *)DeviceObject->DeviceExtension;
    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(lower, Irp);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    DriverObject->MajorFunction[IRP_MJ_WRITE] = FilterDispatchWrite;
    return STATUS_SUCCESS;
}`,
    references: [
      { title: 'Passing IRPs down the driver stack', url: 'https://learn.microsoft.com/windows-hardware/drivers/kernel/passing-irps-down-the-driver-stack' },
      { title: 'IoCopyCurrentIrpStackLocationToNext', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iocopycurrentirpstacklocationtonext' },
      { title: 'IoSkipCurrentIrpStackLocation', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-ioskipcurrentirpstacklocation' },
    ],
  },
  check(model) {
    // Without a call that sends an IRP there is nothing to judge, and no path worth searching.
    if (!model.functions.sitesCalling(Object.keys(IRP_SENDERS)).length) return [];
    const entries = irpEntriesWithout(
      model,
      (fn, irp) => setsUpNextLocation(model, fn, irp),
      (site, callee, irp) => `${site.caller.qualifiedName} passes ${irp} to ${callee.qualifiedName} before setting up its next stack location`,
    );
    const findings: RuleFinding[] = [];
    for (const fn of model.functions.all) {
      const received = entries.entries(fn);
      if (received.length === 0 || !fn.fact.calls.some((c) => c.callee in IRP_SENDERS)) continue;
      const cf = controlFlow(fn);
      if (!cf) continue;
      for (const entry of received) {
        for (const node of cf.nodes) {
          if (node.kind !== 'call' || !sendsIrp(node, entry.subject)) continue;
          const path = pathFromEntry(fn, [node.id], setsUpNextLocation(model, fn, entry.subject, node));
          if (!path) continue;
          const call = node.call!;
          const location = at(fn.file, call.span);
          findings.push({
            location,
            message: `${call.callee} sends ${entry.subject} to the next driver, but on this path its next I/O stack location was never set up: the lower driver reads stale parameters from it. Call IoSkipCurrentIrpStackLocation or IoCopyCurrentIrpStackLocationToNext (or format the next location) first.`,
            steps: [...entry.steps, ...branchSteps(cf, path), step(location, `${call.callee} advances ${entry.subject} to a stack location nothing filled in`)],
          });
        }
      }
    }
    return findings;
  },
};
