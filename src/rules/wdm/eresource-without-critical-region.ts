import { APC_DISABLERS, APC_SENSITIVE_ACQUIRES } from '../../knowledge/wdm.js';
import { apcStateAt } from '../../model/apc-state.js';
import { controlFlow } from '../../model/control-flow.js';
import { UnprotectedEntries } from '../../model/entry-paths.js';
import { branchSteps } from '../../model/flow-steps.js';
import { at, step } from '../../model/location.js';
import { APCS_ENABLED_ROLES, describeRole } from '../../model/wdm-driver.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';

export const eresourceWithoutCriticalRegion: Rule = {
  meta: {
    id: 'eresource-without-critical-region',
    code: 'DC5008',
    title: 'ERESOURCE or unsafe fast mutex acquired with normal kernel APCs enabled',
    severity: 'error',
    summary: 'ExAcquireResourceExclusiveLite, ExAcquireResourceSharedLite, ExAcquireSharedStarveExclusive or ExAcquireFastMutexUnsafe is reached from a callback on a path where no KeEnterCriticalRegion, KeEnterGuardedRegion or FsRtlEnterFileSystem (or a raised IRQL) disables normal kernel APCs.',
    rationale:
      'These routines do not disable APCs themselves; their callers must. A thread that holds an ERESOURCE with normal kernel APCs enabled can be suspended by an APC (thread suspension is delivered that way) while it holds the resource, and every thread that waits for the resource waits with it: a deadlock that involves threads of other processes. File systems enter the region once at the top of each dispatch entry point (FsRtlEnterFileSystem), which covers every acquire below it.',
    whyTestingMisses:
      'It takes a suspend or other normal kernel APC to arrive in the short window while the resource is held, which ordinary tests never arrange; Driver Verifier\'s deadlock detection or a debugger suspending threads finds it.',
    fix: 'Call KeEnterCriticalRegion before the acquire and KeLeaveCriticalRegion after the release (or use ExEnterCriticalRegionAndAcquireResourceExclusive / ExReleaseResourceAndLeaveCriticalRegion), or enter the region once at the top of the dispatch routine that reaches the acquire, as file systems do with FsRtlEnterFileSystem.',
    badExample: `ERESOURCE g_Lock;
ULONG g_Count;

NTSTATUS DispatchControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    ExAcquireResourceExclusiveLite(&g_Lock, TRUE);
    g_Count++;
    ExReleaseResourceLite(&g_Lock);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    ExInitializeResourceLite(&g_Lock);
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = DispatchControl;
    return STATUS_SUCCESS;
}`,
    goodExample: `ERESOURCE g_Lock;
ULONG g_Count;

NTSTATUS DispatchControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    KeEnterCriticalRegion();
    ExAcquireResourceExclusiveLite(&g_Lock, TRUE);
    g_Count++;
    ExReleaseResourceLite(&g_Lock);
    KeLeaveCriticalRegion();
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    ExInitializeResourceLite(&g_Lock);
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = DispatchControl;
    return STATUS_SUCCESS;
}`,
    references: [
      { title: 'ExAcquireResourceExclusiveLite (remarks: normal kernel APCs must be disabled)', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-exacquireresourceexclusivelite' },
      { title: 'Critical regions and guarded regions', url: 'https://learn.microsoft.com/windows-hardware/drivers/kernel/critical-regions-and-guarded-regions' },
      { title: 'FsRtlEnterFileSystem', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/ntifs/nf-ntifs-fsrtlenterfilesystem' },
    ],
  },
  check(model) {
    const acquires = model.functions.sitesCalling(APC_SENSITIVE_ACQUIRES);
    if (acquires.length === 0) return [];
    const roots = model.callbacks
      .filter((cb) => APCS_ENABLED_ROLES.has(cb.roleType))
      .map((cb) => ({
        fn: cb.fn,
        subject: '',
        steps: [step(cb.location, cb.declaredOnly ? `${cb.fn.qualifiedName} is declared as ${cb.roleType}, which runs with normal kernel APCs enabled` : `${cb.fn.qualifiedName} is registered here as the ${describeRole(cb.roleType)} (${cb.how}); it is called with normal kernel APCs enabled`)],
      }));
    const entries = new UnprotectedEntries(model.functions, {
      roots,
      passes: (site) => (apcStateAt(site.caller, site.call) === 'enabled' ? '' : undefined),
      describe: (site, callee) => `${site.caller.qualifiedName} calls ${callee.qualifiedName} with APCs still enabled on this path`,
    });
    const findings: RuleFinding[] = [];
    for (const { caller: fn, call } of acquires) {
      const entry = entries.entry(fn, '');
      if (!entry) continue;
      const cf = controlFlow(fn);
      if (!cf) continue;
      if (call.calleeKind !== 'identifier' || apcStateAt(fn, call) !== 'enabled') continue;
      const location = at(fn.file, call.span);
      const path = cf.findPath((n) => n.call === call, { blocks: (n) => n.kind === 'call' && APC_DISABLERS.has(n.call?.callee ?? '') });
      findings.push({
        location,
        message: `${call.callee} is called with normal kernel APCs enabled: no KeEnterCriticalRegion, KeEnterGuardedRegion or FsRtlEnterFileSystem covers it on this path, which the routine requires. A normal kernel APC that runs while the lock is held (one that suspends the thread, or waits for the same lock) stalls every thread waiting for it. Enter a critical region around the acquire, or once at the top of the entry point that reaches it.`,
        steps: [...entry.steps, ...(path ? branchSteps(cf, path) : []), step(location, `${call.callee} acquires the lock while APCs are enabled`)],
      });
    }
    return findings;
  },
};
