import { POOL_FREES } from '../../knowledge/wdm.js';
import { controlFlow, type FlowNode } from '../../model/control-flow.js';
import type { DriverModel } from '../../model/driver-model.js';
import { normalizePath } from '../../model/expressions.js';
import type { FunctionInfo } from '../../model/functions.js';
import { at, step, type PathStep } from '../../model/location.js';
import { refersTo, storedAllocations, type StoredAllocation } from '../../model/pool-storage.js';
import { isInertCall, isSystemRoutine, siteOf } from '../../model/received-irps.js';
import { describeRole, wdmDriver } from '../../model/wdm-driver.js';
import type { CallFact } from '../../parser/facts.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';

interface Release {
  readonly fn: FunctionInfo;
  readonly call: CallFact;
}

/** Locals of `fn` that hold the stored block (`ring = Ext->Ring;`). */
function aliasesIn(fn: FunctionInfo, allocation: StoredAllocation): Set<string> {
  const names = new Set<string>();
  for (const l of fn.fact.locals) if (l.init?.kind === 'expr' && refersTo(allocation, l.init.core)) names.add(l.name);
  for (const a of fn.fact.assignments) if (/^[A-Za-z_]\w*$/.test(a.lhs) && refersTo(allocation, a.rhsCore)) names.add(a.lhs);
  return names;
}

/**
 * Calls that free the block, or hand it to code that may: a pool free of it (or of a local
 * holding it), or any routine of the driver or outside the kernel's own that receives it.
 */
function releasesOf(model: DriverModel, allocation: StoredAllocation): Release[] {
  const out: Release[] = [];
  for (const fn of model.functions.all) {
    const aliases = aliasesIn(fn, allocation);
    const isBlock = (core: string): boolean => refersTo(allocation, core) || aliases.has(normalizePath(core));
    for (const call of fn.fact.calls) {
      if (call === allocation.call) continue;
      if (POOL_FREES.has(call.callee)) {
        if (isBlock(call.argCores[0] ?? '')) out.push({ fn, call });
        continue;
      }
      if (!call.argCores.some(isBlock)) continue;
      const site = siteOf(model, fn, call);
      const unknown = (site?.callees.length ?? 0) > 0 || call.calleeKind !== 'identifier' || (!isSystemRoutine(call.callee) && !isInertCall(call.callee));
      if (unknown) out.push({ fn, call });
    }
  }
  return out;
}

/** The block is copied somewhere else that lives on (another global or structure): its owner is not followed. */
function escapes(model: DriverModel, allocation: StoredAllocation): boolean {
  return model.functions.all.some((fn) =>
    fn.fact.assignments.some((a) => refersTo(allocation, a.rhsCore) && !refersTo(allocation, a.lhs) && !/^[A-Za-z_]\w*$/.test(a.lhs)),
  );
}

/** Every path from the allocation to the function's exit frees it again: a temporary block. */
function freedBeforeReturn(allocation: StoredAllocation, releases: readonly Release[]): boolean {
  const cf = controlFlow(allocation.fn);
  if (!cf) return true;
  const own = new Set(releases.filter((r) => r.fn === allocation.fn).map((r) => r.call));
  if (own.size === 0) return false;
  const blocks = (n: FlowNode): boolean => n.kind === 'call' && !!n.call && own.has(n.call);
  return !cf.findPath((n) => n.id === cf.exit, { from: cf.nodesOf(allocation.call), blocks });
}

export const poolLeakAtUnload: Rule = {
  meta: {
    id: 'pool-leak-at-unload',
    code: 'DC5006',
    title: 'Pool kept in a global or device extension is not freed on unload',
    severity: 'error',
    summary: 'Memory from ExAllocatePool* is stored in a global or a device extension, and nothing reachable from the unload routine or the device-removal path frees it.',
    rationale:
      'Pool a driver allocates belongs to the driver until it frees it; unloading the driver or deleting the device object does not free it (a device extension is freed with the device object, the blocks it points to are not). Every unload leaks the blocks, and with Driver Verifier\'s pool tracking the unload itself bug-checks: DRIVER_VERIFIER_DETECTED_VIOLATION (0xC4) with parameter 1 = 0x62, "a driver has forgotten to free its pool allocations prior to unloading".',
    whyTestingMisses:
      'Without Driver Verifier a leak on unload is silent: the machine only loses some memory each time the driver is unloaded or the device removed, which tests rarely repeat.',
    fix: 'Free the block (ExFreePoolWithTag) in the unload routine, in IRP_MN_REMOVE_DEVICE handling (or the KMDF/filter-manager cleanup callback), and set the pointer to NULL.',
    badExample: `PVOID g_Table;

VOID Unload(PDRIVER_OBJECT DriverObject)
{
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    g_Table = ExAllocatePool2(POOL_FLAG_NON_PAGED, 4096, 'lbaT');
    if (g_Table == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    DriverObject->DriverUnload = Unload;
    return STATUS_SUCCESS;
}`,
    goodExample: `PVOID g_Table;

VOID Unload(PDRIVER_OBJECT DriverObject)
{
    ExFreePoolWithTag(g_Table, 'lbaT');
    g_Table = NULL;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    g_Table = ExAllocatePool2(POOL_FLAG_NON_PAGED, 4096, 'lbaT');
    if (g_Table == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    DriverObject->DriverUnload = Unload;
    return STATUS_SUCCESS;
}`,
    references: [
      { title: 'Bug check 0xC4 (DRIVER_VERIFIER_DETECTED_VIOLATION), parameter 0x62', url: 'https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc4--driver-verifier-detected-violation' },
      { title: 'Driver Verifier: pool tracking', url: 'https://learn.microsoft.com/windows-hardware/drivers/devtest/pool-tracking' },
      { title: 'Writing an Unload routine', url: 'https://learn.microsoft.com/windows-hardware/drivers/kernel/writing-an-unload-routine' },
    ],
  },
  check(model) {
    const driver = wdmDriver(model);
    if (!driver.canUnload || driver.unloadPathOpaque) return [];
    const findings: RuleFinding[] = [];
    for (const allocation of storedAllocations(model)) {
      const releases = releasesOf(model, allocation);
      if (releases.some((r) => driver.unloadReach(r.fn)) || escapes(model, allocation) || freedBeforeReturn(allocation, releases)) continue;
      const location = at(allocation.fn.file, allocation.call.span);
      const steps: PathStep[] = [step(location, `${allocation.call.callee} allocates the block`)];
      if (allocation.storedAt) steps.push(step(at(allocation.fn.file, allocation.storedAt), `it is kept in ${allocation.storage} here`));
      const root = driver.unloadRoots.find((r) => r.roleType === 'DRIVER_UNLOAD' || r.roleType === 'PFLT_FILTER_UNLOAD_CALLBACK') ?? driver.unloadRoots[0];
      if (root) steps.push(step(root.location, `${root.fn.qualifiedName} is registered here as the ${describeRole(root.roleType)}; nothing it reaches frees ${allocation.storage}`));
      for (const r of releases.slice(0, 2)) {
        steps.push(step(at(r.fn.file, r.call.span), `${allocation.storage} is released only in ${r.fn.qualifiedName}, which the unload and remove paths do not reach`));
      }
      findings.push({
        location,
        message: `The block allocated here is kept in ${allocation.storage} (a ${allocation.kind}) and nothing on the unload or device-removal path frees it: every unload leaks it, and under Driver Verifier the unload bug-checks (0xC4, parameter 0x62). Free it in the unload routine or when the device is removed.`,
        steps,
      });
    }
    return findings;
  },
};
