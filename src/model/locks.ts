/**
 * Where inside a function a lock or raise holds the IRQL up. A region runs from the acquire to
 * the first matching release, and never past the end of the block the acquire sits in, so a
 * release on an early-return branch or an acquire in one branch of an `if` does not leak
 * into code the lock does not cover.
 */
import { LOCK_ACQUIRES } from '../knowledge/locks.js';
import type { CallFact } from '../parser/facts.js';
import type { FunctionInfo } from './functions.js';
import { parseIrql, rank, type IrqlLevel } from './irql-level.js';

export interface LockRegion {
  readonly acquire: CallFact;
  readonly release?: CallFact;
  readonly level: IrqlLevel;
  readonly what: string;
  readonly start: number;
  readonly end: number;
}

const cache = new WeakMap<FunctionInfo, readonly LockRegion[]>();

const keyOf = (arg: string | undefined): string => (arg ?? '').replace(/^&\s*/, '').replace(/\s+/g, '');

export function lockRegions(fn: FunctionInfo): readonly LockRegion[] {
  const cached = cache.get(fn);
  if (cached) return cached;
  const regions: LockRegion[] = [];
  const calls = fn.fact.calls;
  calls.forEach((call, i) => {
    const shape = LOCK_ACQUIRES[call.callee];
    if (!shape || call.calleeKind !== 'identifier') return;
    const level = shape.raisesTo === 'argument' ? parseIrql(call.args[0] ?? '') : shape.raisesTo;
    if (!level) return;
    const key = keyOf(call.args[shape.key]);
    const release = calls.slice(i + 1).find((c) => shape.releasedBy.includes(c.callee) && keyOf(c.args[shape.releaseKey]) === key);
    const end = Math.min(release ? release.span.start.offset : Number.MAX_SAFE_INTEGER, call.scopeEnd);
    regions.push({ acquire: call, ...(release ? { release } : {}), level, what: shape.what, start: call.span.end.offset, end });
  });
  cache.set(fn, regions);
  return regions;
}

/** The highest lock region holding at `offset`, if any. */
export function heldAt(fn: FunctionInfo, offset: number): LockRegion | undefined {
  let best: LockRegion | undefined;
  for (const r of lockRegions(fn)) {
    if (r.start <= offset && offset < r.end && (!best || rank(r.level) > rank(best.level))) best = r;
  }
  return best;
}
