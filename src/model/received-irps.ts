/**
 * IRPs a driver received: the IRP parameter of its dispatch and StartIo routines, followed
 * into the helpers they hand it to. Rules about what must happen to a received IRP before
 * some call (a NULL check of its MDL, a next stack location) ask whether a path from a
 * dispatch routine reaches the call without it.
 */
import { lookupDdi } from '../knowledge/ddi.js';
import { IRP_SENDERS } from '../knowledge/wdm.js';
import type { CallFact } from '../parser/facts.js';
import { controlFlow, type FlowNode } from './control-flow.js';
import type { DriverModel } from './driver-model.js';
import type { CallSite, FunctionInfo } from './functions.js';
import { step } from './location.js';
import { UnprotectedEntries, type UnprotectedEntry } from './entry-paths.js';
import { memoized, normalizePath } from './expressions.js';
import { describeRole } from './wdm-driver.js';

/** Roles whose second parameter is an IRP the driver received from above. */
const RECEIVING_ROLES = new Set(['DRIVER_DISPATCH', 'DRIVER_STARTIO']);

/** The IRP parameter of a `(PDEVICE_OBJECT, PIRP)` routine. */
export function irpParameter(fn: FunctionInfo): string | undefined {
  const params = fn.fact.params;
  const irp = params.find((p) => /^(?:PIRP|IRP\s*\*|struct\s+_IRP\s*\*)$/.test(p.type.replace(/\s+/g, ' ').trim())) ?? (params.length === 2 ? params[1] : undefined);
  return irp?.name || undefined;
}

/** Dispatch and StartIo routines, entered with the IRP they received. */
export function receivedIrpRoots(model: DriverModel): UnprotectedEntry[] {
  const roots: UnprotectedEntry[] = [];
  for (const cb of model.callbacks) {
    if (!RECEIVING_ROLES.has(cb.roleType)) continue;
    // Declared with the role but called directly: its callers decide what the IRP has been through.
    if (cb.declaredOnly && model.functions.callers(cb.fn).length > 0) continue;
    const irp = irpParameter(cb.fn);
    if (!irp) continue;
    const registered = cb.declaredOnly
      ? `${cb.fn.qualifiedName} is declared as ${cb.roleType}: it receives IRP ${irp} from the I/O manager or the driver above`
      : `${cb.fn.qualifiedName} is registered here as the ${describeRole(cb.roleType)} (${cb.how}): it receives IRP ${irp}`;
    roots.push({ fn: cb.fn, subject: irp, steps: [step(cb.location, registered)] });
  }
  return roots;
}

/** The callee's name for the IRP the call hands it, if it does. */
function irpPassedTo(site: CallSite, irp: string, callee: FunctionInfo): string | undefined {
  const index = site.call.argCores.findIndex((a) => normalizePath(a) === irp);
  if (index < 0) return undefined;
  const name = callee.fact.params[index]?.name;
  return name || undefined;
}

/**
 * A call that hands the IRP to code drvcheck does not see through: a routine of the driver or
 * a function that is no documented DDI. It may do whatever the rule asks for (check the MDL,
 * set up the stack location, mark the IRP pending), so a path through it proves nothing.
 */
export function handsIrpToUnknown(model: DriverModel, fn: FunctionInfo, node: FlowNode, irp: string): boolean {
  const call = node.call;
  if (!call || !call.argCores.some((a) => normalizePath(a) === irp)) return false;
  return reachesUnseenCode(model, fn, call);
}

/**
 * A call whose effect on what it is handed is not known where it is made: a call into the
 * driver's own routines, which the asking rule does not follow, or into code drvcheck does not see.
 */
export function reachesUnseenCode(model: DriverModel, fn: FunctionInfo, call: CallFact): boolean {
  const site = model.functions.siteOf(fn, call);
  return (site !== undefined && site.callees.length > 0) || callsUnseenCode(call);
}

/**
 * A call into code drvcheck does not see: through a pointer, or to a function that is neither
 * a documented routine nor a logging or assertion macro.
 */
export function callsUnseenCode(call: CallFact): boolean {
  return call.calleeKind !== 'identifier' || (!isSystemRoutine(call.callee) && !isInertCall(call.callee));
}

/** Macros that only name or log their arguments. */
const INERT = /^(?:DBG_)?UNREFERENCED_|^(?:NT_)?ASSERT|^NT_VERIFY|print|trace|wpp|(?:^|_)LOG(?:_|$)|^Log[A-Z]|^DebugPrint|^DbgPrint/i;

export function isInertCall(callee: string): boolean {
  return INERT.test(callee);
}

/** A documented routine, or a name of the kernel's own prefixes (many are macros the DDI table lacks). */
const SYSTEM_PREFIX = /^(?:Io|Ke|Ex|Mm|Ps|Rtl|Ob|Zw|Nt|FsRtl|Flt|Po|Wmi|Hal|Cc|Se|Wdf|Ndis|Usbd|Storport|ScsiPort)[A-Z]/;

export function isSystemRoutine(callee: string): boolean {
  return lookupDdi(callee) !== undefined || SYSTEM_PREFIX.test(callee);
}

/** The shortest path from the entry of `fn` to one of `targets` through no node `blocks` accepts. */
export function pathFromEntry(fn: FunctionInfo, targets: readonly number[], blocks: (node: FlowNode) => boolean): number[] | undefined {
  const cf = controlFlow(fn);
  if (!cf) return undefined;
  const wanted = new Set(targets);
  return cf.findPath((n) => wanted.has(n.id), { blocks, follows: (_, edge) => !edge.exceptional });
}

/**
 * Where each function is entered with a received IRP for which a condition does not hold yet:
 * from a dispatch or StartIo routine, through calls reached on a path where `blocks` (the
 * rule's idea of what establishes the condition, or makes the path unknowable) stops nothing.
 */
export function irpEntriesWithout(
  model: DriverModel,
  blocks: (fn: FunctionInfo, irp: string) => (node: FlowNode) => boolean,
  describe: (site: CallSite, callee: FunctionInfo, irp: string) => string,
): UnprotectedEntries {
  return new UnprotectedEntries(model.functions, {
    roots: receivedIrpRoots(model),
    passes(site, irp, callee) {
      const name = irpPassedTo(site, irp, callee);
      if (!name) return undefined;
      const cf = controlFlow(site.caller);
      if (!cf) return undefined;
      return pathFromEntry(site.caller, cf.nodesOf(site.call), blocks(site.caller, irp)) ? name : undefined;
    },
    describe,
  });
}

/** Where each function is entered with a received IRP, on any path. */
const entriesCache = new WeakMap<DriverModel, UnprotectedEntries>();

export function receivedIrpEntries(model: DriverModel): UnprotectedEntries {
  return memoized(entriesCache, model, () =>
    new UnprotectedEntries(model.functions, {
      roots: receivedIrpRoots(model),
      passes: (site, irp, callee) => irpPassedTo(site, irp, callee),
      describe: (site, callee, irp) => `${site.caller.qualifiedName} passes ${irp} to ${callee.qualifiedName}`,
    }),
  );
}

/** The node passes `irp` down to the next driver (IoCallDriver and its kin). */
export function sendsIrp(node: FlowNode, irp: string): boolean {
  const index = node.call ? IRP_SENDERS[node.call.callee] : undefined;
  return index !== undefined && normalizePath(node.call!.argCores[index] ?? '') === irp;
}
