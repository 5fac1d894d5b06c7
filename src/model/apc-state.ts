/**
 * Whether normal kernel APCs are disabled at a call: the least number of critical or guarded
 * regions, file-system entries and IRQL raises open on any path from the function's entry
 * to it. A must-analysis: a region entered on only one branch does not count.
 */
import { IRQL_QUERIES } from '../knowledge/locks.js';
import { APC_DISABLERS, APC_ENABLERS, WDK_PURE_MACROS } from '../knowledge/wdm.js';
import type { CallFact } from '../parser/facts.js';
import { controlFlow, type FlowNode } from './control-flow.js';
import { memoized } from './expressions.js';
import type { FunctionInfo } from './functions.js';
import { annotatedIrql } from './irql-contracts.js';
import { rank } from './irql-level.js';
import { isInertCall } from './received-irps.js';

const LIMIT = 8;

/**
 * A driver macro in capitals (`FSP_ENTER_MJ(…)`) may expand to FsRtlEnterFileSystem or
 * KeEnterCriticalRegion: what follows it is not judged.
 */
function mayHideRegion(call: CallFact): boolean {
  return call.calleeKind === 'identifier' && /^[A-Z][A-Z0-9_]*$/.test(call.callee) && !WDK_PURE_MACROS.has(call.callee) && !isInertCall(call.callee);
}
const opaqueCache = new WeakMap<FunctionInfo, number>();

/**
 * Where `fn` first asks the kernel for the APC state or calls a macro that may open a region. The
 * IRQL queries include the APC ones (KeAreApcsDisabled): code that asks may be asserting that it
 * already runs with APCs disabled, the author's contract, so what follows it is not judged.
 */
function firstOpaqueCall(fn: FunctionInfo): number {
  return memoized(opaqueCache, fn, () => {
    let first = Infinity;
    for (const c of fn.fact.calls) if ((IRQL_QUERIES.has(c.callee) || mayHideRegion(c)) && c.span.startOffset < first) first = c.span.startOffset;
    return first;
  });
}

const cache = new WeakMap<FunctionInfo, Map<number, number> | null>();

function depths(fn: FunctionInfo): Map<number, number> | undefined {
  const found = memoized(cache, fn, () => {
    const cf = controlFlow(fn);
    if (!cf) return null;
    return cf.forward(
      0,
      (node: FlowNode, depth: number) => {
        const callee = node.kind === 'call' ? node.call?.callee : undefined;
        if (callee && APC_DISABLERS.has(callee)) return Math.min(depth + 1, LIMIT);
        if (callee && APC_ENABLERS.has(callee)) return Math.max(depth - 1, -LIMIT);
        return depth;
      },
      Math.min,
      (a, b) => a === b,
    );
  });
  return found ?? undefined;
}

/**
 * How `fn` stands at `call`, relative to its entry: 'disabled' when every path from the entry
 * opens a region first, 'enabled' when some path does not, 'unknown' when the flow cannot be
 * read or the function asks the kernel (KeAreApcsDisabled) or promises (its IRQL annotation)
 * what the state is.
 */
export function apcStateAt(fn: FunctionInfo, call: CallFact): 'disabled' | 'enabled' | 'unknown' {
  const cf = controlFlow(fn);
  const d = depths(fn);
  if (!cf || !d) return 'unknown';
  const contract = annotatedIrql(fn);
  if (contract?.atLeast && rank(contract.atLeast) >= rank('APC')) return 'unknown';
  if (firstOpaqueCall(fn) < call.span.startOffset) return 'unknown';
  const nodes = cf.nodesOf(call);
  if (nodes.length === 0) return 'unknown';
  let least = Infinity;
  for (const id of nodes) {
    const depth = d.get(id);
    if (depth !== undefined) least = Math.min(least, depth);
  }
  if (least === Infinity) return 'unknown';
  return least > 0 ? 'disabled' : 'enabled';
}
