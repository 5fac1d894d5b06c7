/**
 * Where inside a function a lock or raise holds the IRQL up. A region runs from the acquire to
 * the first matching release, and never past the end of the block the acquire sits in, so a
 * release on an early-return branch or an acquire in one branch of an `if` does not leak
 * into code the lock does not cover.
 */
import { NO_EXTENSIONS, type KnowledgeExtensions } from '../knowledge/extensions.js';
import { LOCK_ACQUIRES, lockAcquiredBy } from '../knowledge/locks.js';
import type { CallFact } from '../parser/facts.js';
import { balanced, memoized, push } from './expressions.js';
import type { FunctionIndex, FunctionInfo } from './functions.js';
import { parseIrql, rank, type IrqlLevel } from './irql-level.js';

export interface LockRegion {
  readonly acquire: CallFact;
  readonly release?: CallFact;
  readonly level: IrqlLevel;
  readonly what: string;
  /** The lock as its acquire names it, casts and `&` removed: `ctx->Lock`. */
  readonly lock: string;
  /** The calls that release this kind of lock. */
  readonly releasedBy: readonly string[];
  readonly start: number;
  readonly end: number;
}

/**
 * Regions per knowledge tables, then per passive-interrupt flag, then per function: both
 * arguments change the regions (a unit's own lock wrappers add some, passive interrupt
 * handling removes WdfInterruptAcquireLock's), and callers ask with different ones (the IRQL
 * analysis with the unit's, spinlock-send with the defaults), so a region found for one must
 * never answer the other.
 */
const cache = new WeakMap<KnowledgeExtensions, readonly [WeakMap<FunctionInfo, readonly LockRegion[]>, WeakMap<FunctionInfo, readonly LockRegion[]>]>();

/**
 * False when `text` has no character `\s` matches: none of ASCII's blanks and controls and
 * nothing above U+009F. Cheaper than the regular expression on the many keys without spaces.
 */
function mayHaveSpace(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c >= 0xa0) return true;
  }
  return false;
}

/** `&(ctx->Lock)`, `(PKSPIN_LOCK)&ctx->Lock` and `&ctx->Lock` name the same lock. */
export function lockKey(arg: string | undefined): string {
  let key = arg ?? '';
  if (mayHaveSpace(key)) key = key.replace(/\s+/g, '');
  for (;;) {
    // Each step below takes off a leading `(` or `&`; most keys have neither, and the lock
    // models ask for the keys of every call and copy in a function.
    const first = key.charCodeAt(0);
    if (first !== 0x28 && first !== 0x26) return key;
    const before = key;
    key = key.replace(/^\((?:[A-Za-z_]\w*\*?|struct[A-Za-z_]\w*\*?)\)(?=[&\w(])/, '');
    key = key.replace(/^&/, '');
    if (/^\(.*\)$/.test(key) && balanced(key.slice(1, -1))) key = key.slice(1, -1);
    if (key === before) return key;
  }
}

/**
 * @param passiveInterrupts the unit creates interrupts with passive-level handling, whose
 * WdfInterruptAcquireLock takes a wait lock at PASSIVE_LEVEL rather than raising to DIRQL.
 */
export function lockRegions(fn: FunctionInfo, passiveInterrupts = false, knowledge: KnowledgeExtensions = NO_EXTENSIONS): readonly LockRegion[] {
  // Of the tables, the regions depend on the lock wrappers alone: a unit without any of its own
  // has the regions of the default tables, and one reading serves the IRQL analysis (which asks
  // with the unit's tables) and spinlock-send (which asks with the defaults).
  const tables = knowledge.locks.size === 0 ? NO_EXTENSIONS : knowledge;
  const byFunction = memoized(cache, tables, () => [new WeakMap(), new WeakMap()] as const)[passiveInterrupts ? 1 : 0];
  return memoized(byFunction, fn, () => findLockRegions(fn, passiveInterrupts, tables));
}

/** Per unit, then per knowledge tables: the unit's own lock wrappers acquire locks too. */
const acquirersCache = new WeakMap<FunctionIndex, WeakMap<KnowledgeExtensions, ReadonlySet<number>>>();

/**
 * The ids of the functions that call a lock acquire, a known one or one of the unit's wrappers:
 * no other function holds a lock of its own, so no other's lock regions need reading.
 */
export function lockAcquirers(index: FunctionIndex, knowledge: KnowledgeExtensions = NO_EXTENSIONS): ReadonlySet<number> {
  const byKnowledge = memoized(acquirersCache, index, () => new WeakMap<KnowledgeExtensions, ReadonlySet<number>>());
  return memoized(byKnowledge, knowledge, () => new Set(index.sitesCalling([...Object.keys(LOCK_ACQUIRES), ...knowledge.locks.keys()]).map((site) => site.caller.id)));
}

function findLockRegions(fn: FunctionInfo, passiveInterrupts: boolean, knowledge: KnowledgeExtensions): readonly LockRegion[] {
  const regions: LockRegion[] = [];
  const calls = fn.fact.calls;
  let copies: LockCopies | undefined;
  let positions: Map<string, number[]> | undefined;
  // The key of each call's argument, by argument: a function with many acquires asks the
  // same releases again for each.
  const keys = new Map<number, (string | undefined)[]>();
  /** The indexes of the calls that release each kind of lock, in order. */
  const releasesOf = new Map<readonly string[], number[]>();
  const keyAt = (j: number, arg: number): string => {
    let byCall = keys.get(arg);
    if (!byCall) keys.set(arg, (byCall = []));
    return (byCall[j] ??= lockKey(calls[j]!.args[arg]));
  };
  calls.forEach((call, i) => {
    const shape = knowledge.locks.get(call.callee) ?? lockAcquiredBy(call.callee);
    if (!shape || call.calleeKind !== 'identifier') return;
    if (passiveInterrupts && call.callee === 'WdfInterruptAcquireLock') return;
    const level = shape.raisesTo === 'argument' ? parseIrql(call.args[0] ?? '') : shape.raisesTo;
    if (!level) return;
    // The release of the same lock; else, so that a lock named two ways never stretches a
    // region past its real end, the next release of the same kind.
    const key = lockKey(call.args[shape.key]);
    const aliases = aliasesOf((copies ??= lockCopies(fn)), key, call.span.startOffset);
    let releases = releasesOf.get(shape.releasedBy);
    if (!releases) {
      positions ??= callPositions(calls);
      releases = [...new Set(shape.releasedBy.flatMap((callee) => positions!.get(callee) ?? []))].sort((a, b) => a - b);
      releasesOf.set(shape.releasedBy, releases);
    }
    const first = firstAfter(releases, i);
    let matching = first < releases.length ? releases[first] : undefined;
    for (let r = first; r < releases.length; r++) {
      if (aliases.has(keyAt(releases[r]!, shape.releaseKey))) {
        matching = releases[r];
        break;
      }
    }
    const release = matching === undefined ? undefined : calls[matching];
    const end = Math.min(release ? release.span.startOffset : Number.MAX_SAFE_INTEGER, call.scopeEnd);
    regions.push({ acquire: call, ...(release ? { release } : {}), level, what: shape.what, lock: key, releasedBy: shape.releasedBy, start: call.span.endOffset, end });
  });
  return regions;
}

/** The position in `sorted` of its first value above `index`. */
function firstAfter(sorted: readonly number[], index: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid]! > index) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** The indexes of each callee's calls, in order. */
function callPositions(calls: readonly CallFact[]): Map<string, number[]> {
  const positions = new Map<string, number[]>();
  calls.forEach((call, i) => push(positions, call.callee, i));
  return positions;
}

/** Where a function copies one name of a lock into another, read once for all its acquires. */
interface LockCopies {
  readonly locals: readonly { readonly offset: number; readonly name: string; readonly value: string }[];
  readonly assignments: readonly { readonly offset: number; readonly lhs: string; readonly rhs: string }[];
}

function lockCopies(fn: FunctionInfo): LockCopies {
  return {
    locals: fn.fact.locals.flatMap((l) => (l.init?.kind === 'expr' ? [{ offset: l.span.startOffset, name: l.name, value: lockKey(l.init.text) }] : [])),
    assignments: fn.fact.assignments.flatMap((a) => (a.operator === '=' ? [{ offset: a.span.startOffset, lhs: lockKey(a.lhs), rhs: lockKey(a.rhs) }] : [])),
  };
}

/** The names a lock goes by at an acquire: itself and a local it was copied from or into. */
function aliasesOf(copies: LockCopies, key: string, offset: number): Set<string> {
  const names = new Set([key]);
  for (const local of copies.locals) {
    if (local.offset >= offset) continue;
    if (local.name === key) names.add(local.value);
    if (local.value === key) names.add(local.name);
  }
  for (const a of copies.assignments) {
    if (a.offset >= offset) continue;
    if (a.lhs === key) names.add(a.rhs);
    if (a.rhs === key) names.add(a.lhs);
  }
  return names;
}

/** The highest lock region holding at `offset`, if any. */
export function heldAt(fn: FunctionInfo, offset: number, passiveInterrupts = false, knowledge: KnowledgeExtensions = NO_EXTENSIONS): LockRegion | undefined {
  let best: LockRegion | undefined;
  for (const r of lockRegions(fn, passiveInterrupts, knowledge)) {
    if (r.start <= offset && offset < r.end && (!best || rank(r.level) > rank(best.level))) best = r;
  }
  return best;
}
