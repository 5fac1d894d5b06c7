/**
 * Where in a function each callee is first called, so that "is X called before this point"
 * is a lookup rather than a scan of every call of the function, for each call asked about.
 */
import { memoized } from './expressions.js';
import type { FunctionInfo } from './functions.js';

const cache = new WeakMap<FunctionInfo, ReadonlyMap<string, number>>();

/** The start offset of the earliest call to each callee of `fn`. */
function firstCalls(fn: FunctionInfo): ReadonlyMap<string, number> {
  return memoized(cache, fn, () => {
    const first = new Map<string, number>();
    for (const call of fn.fact.calls) {
      const known = first.get(call.callee);
      if (known === undefined || call.span.startOffset < known) first.set(call.callee, call.span.startOffset);
    }
    return first;
  });
}

/** Some call to one of `callees` starts in `fn` before `offset`. */
export function calledBefore(fn: FunctionInfo, callees: readonly string[], offset: number): boolean {
  const first = firstCalls(fn);
  return callees.some((callee) => (first.get(callee) ?? Infinity) < offset);
}
