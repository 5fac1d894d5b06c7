import { POOL_FREES } from '../../knowledge/wdm.js';
import { controlFlow, type FlowNode } from '../../model/control-flow.js';
import type { DriverModel } from '../../model/driver-model.js';
import { normalizePath } from '../../model/expressions.js';
import type { FunctionInfo } from '../../model/functions.js';
import { at, step, type PathStep } from '../../model/location.js';
import { blockMentions, refersTo, storedAllocations, type BlockMention, type StoredAllocation } from '../../model/pool-storage.js';
import { reachesUnseenCode } from '../../model/received-irps.js';
import { describeRole, wdmDriver } from '../../model/wdm-driver.js';
import type { CallFact } from '../../parser/facts.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';

interface Release {
  readonly fn: FunctionInfo;
  readonly call: CallFact;
}

const IDENTIFIER = /^[A-Za-z_]\w*$/;

/** Per function, the locals that hold the stored block (`ring = Ext->Ring;`). */
function aliasesOf(mentions: readonly BlockMention[]): Map<FunctionInfo, Set<string>> {
  const aliases = new Map<FunctionInfo, Set<string>>();
  const add = (fn: FunctionInfo, name: string): void => {
    const names = aliases.get(fn);
    if (names) names.add(name);
    else aliases.set(fn, new Set([name]));
  };
  for (const m of mentions) {
    if (m.kind === 'initial value') add(m.fn, m.local.name);
    if (m.kind === 'assigned value' && IDENTIFIER.test(m.assignment.lhs)) add(m.fn, m.assignment.lhs);
  }
  return aliases;
}

/**
 * Calls that free the block, or hand it to code that may: a pool free of it (or of a local
 * holding it), or any routine of the driver or outside the kernel's own that receives it.
 * Only calls that mention the block, or a local holding it, can be one.
 */
function releasesOf(model: DriverModel, allocation: StoredAllocation, mentions: readonly BlockMention[]): Release[] {
  const aliases = aliasesOf(mentions);
  const candidates = new Map<FunctionInfo, Set<number>>();
  const candidate = (fn: FunctionInfo, index: number): void => {
    const calls = candidates.get(fn);
    if (calls) calls.add(index);
    else candidates.set(fn, new Set([index]));
  };
  for (const m of mentions) if (m.kind === 'argument') candidate(m.fn, m.index);
  for (const [fn, names] of aliases) {
    fn.fact.calls.forEach((call, index) => {
      if (call.argCores.some((core) => names.has(normalizePath(core)))) candidate(fn, index);
    });
  }
  const out: Release[] = [];
  for (const fn of [...candidates.keys()].sort((a, b) => a.id - b.id)) {
    const names = aliases.get(fn) ?? new Set<string>();
    const isBlock = (core: string): boolean => refersTo(allocation, core) || names.has(normalizePath(core));
    for (const index of [...candidates.get(fn)!].sort((a, b) => a - b)) {
      const call = fn.fact.calls[index]!;
      if (call === allocation.call) continue;
      if (POOL_FREES.has(call.callee)) {
        if (isBlock(call.argCores[0] ?? '')) out.push({ fn, call });
        continue;
      }
      if (!call.argCores.some(isBlock)) continue;
      if (reachesUnseenCode(model, fn, call)) out.push({ fn, call });
    }
  }
  return out;
}

/** The block is copied somewhere else that lives on (another global or structure): its owner is not followed. */
function escapes(allocation: StoredAllocation, mentions: readonly BlockMention[]): boolean {
  return mentions.some((m) => m.kind === 'assigned value' && !refersTo(allocation, m.assignment.lhs) && !IDENTIFIER.test(m.assignment.lhs));
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
    // Nothing kept beyond its function, nothing to free at unload: the unload path is not followed.
    if (storedAllocations(model).length === 0) return [];
    const driver = wdmDriver(model);
    if (!driver.canUnload || driver.unloadPathOpaque) return [];
    const findings: RuleFinding[] = [];
    for (const allocation of storedAllocations(model)) {
      const mentions = blockMentions(model).of(allocation);
      const releases = releasesOf(model, allocation, mentions);
      if (releases.some((r) => driver.unloadReach(r.fn)) || escapes(allocation, mentions) || freedBeforeReturn(allocation, releases)) continue;
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
