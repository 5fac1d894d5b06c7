/**
 * The highest IRQL each function of a unit may run at, with a witness path: a callback root,
 * then each call on the way, including calls made while a lock raises the IRQL.
 *
 * Propagation is a worklist over the call graph. A function's level only ever rises, through
 * at most five levels, so each function is revisited a bounded number of times: linear in the
 * size of the call graph, and recursion-safe.
 */
import { NO_EXTENSIONS, type KnowledgeExtensions } from '../knowledge/extensions.js';
import { IRQL_QUERIES } from '../knowledge/locks.js';
import { QUEUE_IO_ROLES } from '../knowledge/registrations.js';
import type { Mutable } from '../mutable.js';
import type { Callback } from './callbacks.js';
import { calledBefore } from './call-order.js';
import { callbackLevel } from './callback-irql.js';
import type { CallSite, FunctionIndex, FunctionInfo } from './functions.js';
import { annotatedIrql } from './irql-contracts.js';
import { higher, irqlName, lower, rank, type IrqlLevel } from './irql-level.js';
import { at, step, type PathStep } from './location.js';
import { heldAt, lockAcquirers, type LockRegion } from './locks.js';
import type { SyncScopes } from './sync-scope.js';
import type { WdfObjects } from './wdf-objects.js';

export type IrqlWitness =
  | { readonly kind: 'root'; readonly fn: FunctionInfo; readonly level: IrqlLevel; readonly steps: readonly PathStep[]; readonly roleType?: string }
  | CallWitness;

type CallWitness = { readonly kind: 'call'; readonly fn: FunctionInfo; readonly level: IrqlLevel; readonly from?: IrqlWitness; readonly site: CallSite; readonly lock?: LockRegion };

export interface LevelAtCall {
  readonly level: IrqlLevel;
  readonly steps: readonly PathStep[];
  /** What raises the IRQL there: a held lock, a WDF queue without a passive constraint, or another callback. */
  readonly cause: 'lock' | 'queue' | 'callback';
}

/**
 * Conditions under which code runs at a lower IRQL than its callback may: a minifilter's
 * draining post-callback and a shared post-callback's create branch. Calls under them are
 * not judged, and their callees are not raised.
 */
const LOWERING_GUARD = /\bFLTFL_POST_OPERATION_DRAINING\b|MajorFunction\s*==\s*IRP_MJ_CREATE\b|\bIRP_MJ_CREATE\s*==/;

export class IrqlAnalysis {
  private readonly best = new Map<number, IrqlWitness>();
  private readonly sites = new Map<CallSite, { readonly lock?: LockRegion } | null>();
  private readonly passiveInterrupts: boolean;
  /** Functions that acquire a lock: a call in them may run raised whoever calls them. */
  private readonly acquiring: ReadonlySet<number>;

  constructor(
    index: FunctionIndex,
    callbacks: readonly Callback[],
    objects: WdfObjects,
    scopes?: SyncScopes,
    private readonly knowledge: KnowledgeExtensions = NO_EXTENSIONS,
  ) {
    this.passiveInterrupts = objects.all.some(
      (o) => o.kind === 'interrupt' && o.config.kind === 'known' && /^(TRUE|WdfTrue|1)$/.test(o.config.fields.get('PassiveHandling')?.value.replace(/\s+/g, '') ?? ''),
    );
    this.acquiring = lockAcquirers(index, knowledge);
    const queue: FunctionInfo[] = [];
    const raises = (fn: FunctionInfo, level: IrqlLevel): boolean => {
      const current = this.best.get(fn.id);
      return !current || rank(current.level) < rank(level);
    };
    const offer = (w: IrqlWitness): void => {
      if (!raises(w.fn, w.level)) return;
      this.best.set(w.fn.id, w);
      queue.push(w.fn);
    };
    for (const cb of callbacks) {
      const level = callbackLevel(cb, objects, scopes);
      if (level) offer({ kind: 'root', fn: cb.fn, level: level.level, steps: level.steps, roleType: cb.roleType });
    }
    for (const fn of index.all) {
      const declared = annotatedIrql(fn);
      if (declared?.atLeast && rank(declared.atLeast) >= rank('DISPATCH')) {
        offer({ kind: 'root', fn, level: declared.atLeast, steps: [step(declared.location, `${fn.qualifiedName} is annotated ${declared.text}`)] });
      }
    }
    // Every function is visited once even if no root reaches it: a call made under a spin
    // lock runs at DISPATCH_LEVEL whoever the caller is.
    const visit = (fn: FunctionInfo): void => {
      if (!this.mayRunRaised(fn)) return;
      const w = this.best.get(fn.id);
      for (const site of index.callSites(fn)) {
        if (site.callees.length === 0) continue;
        // Only the level propagates: the path steps are built for the calls a rule reports.
        const at = this.entryAndLock(site);
        if (!at) continue;
        const raisingLock = at.lock && (!w || rank(at.lock.level) > rank(w.level)) ? at.lock : undefined;
        for (const callee of site.callees) {
          const contract = annotatedIrql(callee);
          const level = contract?.atMost ? lower(at.level, contract.atMost) : at.level;
          // Most calls raise nothing new: the witness is made only for those that do.
          if (!raises(callee, level)) continue;
          const witness: Mutable<CallWitness> = { kind: 'call', fn: callee, level, site };
          if (w) witness.from = w;
          if (raisingLock) witness.lock = raisingLock;
          offer(witness);
        }
      }
    };
    for (const fn of index.all) visit(fn);
    for (let next = 0; next < queue.length; next++) visit(queue[next]!);
  }

  /**
   * Whether any call of `fn` may have a known IRQL: the function is entered at one, or it
   * acquires a lock. When not, `levelAtCall` is undefined at each of its calls.
   */
  mayRunRaised(fn: FunctionInfo): boolean {
    return this.best.has(fn.id) || this.acquiring.has(fn.id);
  }

  /** The highest IRQL the function may be entered at, with its witness. */
  witness(fn: FunctionInfo): IrqlWitness | undefined {
    return this.best.get(fn.id);
  }

  /**
   * The IRQL at a call: the caller's entry level, raised by any lock held there. Undefined when
   * nothing is known, or when the caller reads the current IRQL before the call and may branch
   * on it.
   */
  levelAtCall(site: CallSite): LevelAtCall | undefined {
    const at_ = this.entryAndLock(site);
    if (!at_) return undefined;
    const { level, entry: w, lock } = at_;
    if (lock && (!w || rank(lock.level) > rank(w.level))) {
      const acquired = step(at(site.caller.file, lock.acquire.span), `${lock.what} acquired here raises the IRQL to ${irqlName(lock.level)}`);
      return { level, steps: [...(w ? this.path(w) : []), acquired], cause: 'lock' };
    }
    return { level, steps: this.path(w!), cause: causeOf(w!) };
  }

  /** The IRQL at a call, as `levelAtCall` gives it, without the steps that prove it. */
  levelAt(site: CallSite): IrqlLevel | undefined {
    return this.entryAndLock(site)?.level;
  }

  /** The level at a call (see `levelAtCall`), with the caller's entry witness and the lock held there. */
  private entryAndLock(site: CallSite): { level: IrqlLevel; entry?: IrqlWitness; lock?: LockRegion } | undefined {
    const here = this.atSite(site);
    if (here === null) return undefined;
    const w = this.best.get(site.caller.id);
    const lock = here.lock;
    if (!w && !lock) return undefined;
    if (lock && (!w || rank(lock.level) > rank(w.level))) {
      return { level: w ? higher(w.level, lock.level) : lock.level, ...(w ? { entry: w } : {}), lock };
    }
    return { level: w!.level, entry: w!, ...(lock ? { lock } : {}) };
  }

  /**
   * What never changes at a call while levels propagate: whether it is judged at all (null
   * when the caller reads the IRQL before it, or it runs under a lowering guard), and the lock
   * held there.
   */
  private atSite(site: CallSite): { readonly lock?: LockRegion } | null {
    let here = this.sites.get(site);
    if (here === undefined) {
      const fn = site.caller;
      const offset = site.call.span.startOffset;
      if (calledBefore(fn, IRQL_QUERY_NAMES, offset) || site.call.guards.some((g) => LOWERING_GUARD.test(g))) here = null;
      else {
        const lock = this.acquiring.has(fn.id) ? heldAt(fn, offset, this.passiveInterrupts, this.knowledge) : undefined;
        here = lock ? { lock } : {};
      }
      this.sites.set(site, here);
    }
    return here;
  }

  /** The path steps from a root to the entry of the witness's function. */
  path(w: IrqlWitness): PathStep[] {
    const chain: IrqlWitness[] = [];
    for (let cur: IrqlWitness | undefined = w; cur; cur = cur.kind === 'call' ? cur.from : undefined) {
      chain.unshift(cur);
      if (chain.length > 64) break;
    }
    const steps: PathStep[] = [];
    for (const link of chain) {
      if (link.kind === 'root') {
        steps.push(...link.steps);
        continue;
      }
      if (link.lock) steps.push(step(at(link.site.caller.file, link.lock.acquire.span), `${link.lock.what} acquired here raises the IRQL to ${irqlName(link.lock.level)}`));
      steps.push(step(at(link.site.caller.file, link.site.call.span), `${link.site.caller.qualifiedName} calls ${link.fn.qualifiedName} at up to ${irqlName(link.level)}`));
    }
    return steps;
  }
}

/** Where a witness's level comes from: the lock that raised it on the way, or its root callback. */
function causeOf(w: IrqlWitness): LevelAtCall['cause'] {
  for (let cur: IrqlWitness | undefined = w; cur; cur = cur.kind === 'call' ? cur.from : undefined) {
    if (cur.kind === 'call' && cur.lock && (!cur.from || rank(cur.lock.level) > rank(cur.from.level))) return 'lock';
    if (cur.kind === 'root') return cur.roleType && QUEUE_IO_ROLES.has(cur.roleType) ? 'queue' : 'callback';
  }
  return 'callback';
}

const IRQL_QUERY_NAMES = [...IRQL_QUERIES];
