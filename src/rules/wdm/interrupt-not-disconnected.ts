import { INTERRUPT_CONNECTS, INTERRUPT_DISCONNECTS } from '../../knowledge/wdm.js';
import { at, step } from '../../model/location.js';
import { describeRole, wdmDriver } from '../../model/wdm-driver.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';

export const interruptNotDisconnected: Rule = {
  meta: {
    id: 'interrupt-not-disconnected',
    code: 'DC5005',
    title: 'Interrupt connected but never disconnected on unload or removal',
    severity: 'error',
    summary: 'IoConnectInterrupt or IoConnectInterruptEx with no IoDisconnectInterrupt(Ex) reachable from the unload routine or the IRP_MJ_PNP (stop and remove) path.',
    rationale:
      'An interrupt object stays connected until the driver disconnects it, whether or not the driver is still loaded. Windows does not take interrupt resources back from a driver that unloads: the next interrupt of the device, or one on a shared line, calls the service routine at its old address in the unloaded image, and a reloaded driver that connects again leaves the stale object in the chain. Either way the system bug-checks.',
    whyTestingMisses:
      'Tests load the driver once and reboot. Unloading with the device quiet, and never reloading, hides it; the crash comes with the first unload-and-reload cycle or a driver update without a reboot.',
    fix: 'Call IoDisconnectInterrupt (IoDisconnectInterruptEx for IoConnectInterruptEx) with the interrupt object or connection context when the device is stopped or removed (IRP_MN_STOP_DEVICE, IRP_MN_REMOVE_DEVICE) and in the unload routine of a legacy driver, before the device object is deleted.',
    badExample: `PKINTERRUPT g_Interrupt;

BOOLEAN Isr(PKINTERRUPT Interrupt, PVOID Context)
{
    return TRUE;
}

VOID Unload(PDRIVER_OBJECT DriverObject)
{
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    KIRQL irql;
    KAFFINITY affinity;
    ULONG vector = HalGetInterruptVector(Isa, 0, 5, 5, &irql, &affinity);
    IoConnectInterrupt(&g_Interrupt, Isr, NULL, NULL, vector, irql, irql, Latched, FALSE, affinity, FALSE);
    DriverObject->DriverUnload = Unload;
    return STATUS_SUCCESS;
}`,
    goodExample: `PKINTERRUPT g_Interrupt;

BOOLEAN Isr(PKINTERRUPT Interrupt, PVOID Context)
{
    return TRUE;
}

VOID Unload(PDRIVER_OBJECT DriverObject)
{
    IoDisconnectInterrupt(g_Interrupt);
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    KIRQL irql;
    KAFFINITY affinity;
    ULONG vector = HalGetInterruptVector(Isa, 0, 5, 5, &irql, &affinity);
    IoConnectInterrupt(&g_Interrupt, Isr, NULL, NULL, vector, irql, irql, Latched, FALSE, affinity, FALSE);
    DriverObject->DriverUnload = Unload;
    return STATUS_SUCCESS;
}`,
    references: [
      { title: 'IoDisconnectInterruptEx', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iodisconnectinterruptex' },
      { title: 'Removing a device in a function driver', url: 'https://learn.microsoft.com/windows-hardware/drivers/kernel/removing-a-device-in-a-function-driver' },
      { title: 'IoConnectInterrupt', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-ioconnectinterrupt' },
    ],
  },
  check(model) {
    const connects = model.functions.sitesCalling(INTERRUPT_CONNECTS).map((site) => ({ fn: site.caller, call: site.call }));
    if (connects.length === 0) return [];
    const driver = wdmDriver(model);
    if (!driver.canUnload || driver.unloadPathOpaque) return [];
    const disconnects = model.functions.sitesCalling(INTERRUPT_DISCONNECTS).map((site) => ({ fn: site.caller, call: site.call }));
    if (disconnects.some((d) => driver.unloadReach(d.fn))) return [];
    const findings: RuleFinding[] = [];
    const unload = driver.unloadRoots.find((r) => r.roleType === 'DRIVER_UNLOAD') ?? driver.unloadRoots[0];
    for (const { fn, call } of connects) {
      const location = at(fn.file, call.span);
      const steps = [step(location, `${fn.qualifiedName} connects the interrupt here`)];
      if (unload) steps.push(step(unload.location, `${unload.fn.qualifiedName} is registered here as the ${describeRole(unload.roleType)} (${unload.how}); nothing it reaches disconnects the interrupt`));
      for (const d of disconnects.slice(0, 2)) {
        steps.push(step(at(d.fn.file, d.call.span), `${d.call.callee} is called only in ${d.fn.qualifiedName}, which the unload and remove paths do not reach`));
      }
      findings.push({
        location,
        message: `${call.callee} connects an interrupt that no unload or remove path disconnects: after the driver unloads, the next interrupt (or a reload that connects again) calls a service routine in the unloaded image and the system bug-checks. Call ${call.callee === 'IoConnectInterruptEx' ? 'IoDisconnectInterruptEx' : 'IoDisconnectInterrupt'} at IRP_MN_STOP_DEVICE/IRP_MN_REMOVE_DEVICE and in the unload routine.`,
        steps,
      });
    }
    return findings;
  },
};
