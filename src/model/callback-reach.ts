/**
 * Which functions run inside a given kind of callback: the callbacks of some roles, and every
 * function of the unit they call, directly or through others. Each function keeps the
 * shortest path (breadth first): the registration, then each call on the way.
 */
import { roleLabel } from '../knowledge/registrations.js';
import type { Callback } from './callbacks.js';
import type { CallSite, FunctionIndex, FunctionInfo } from './functions.js';
import { at, step, type PathStep } from './location.js';

export interface CallbackReach {
  readonly root: Callback;
  /** From the registration of `root` to the entry of the function. */
  readonly steps: readonly PathStep[];
}

/**
 * The steps of a path one call longer than `from`'s, built only when a finding asks for them:
 * most functions reached are never reported.
 */
export class StepsThroughCall<From extends { readonly steps: readonly PathStep[] } = { readonly steps: readonly PathStep[] }> {
  private built?: readonly PathStep[];

  constructor(
    protected readonly from: From,
    private readonly site: CallSite,
    private readonly callee: FunctionInfo,
  ) {}

  get steps(): readonly PathStep[] {
    const { caller, call } = this.site;
    return (this.built ??= [...this.from.steps, step(at(caller.file, call.span), `${caller.qualifiedName} calls ${this.callee.qualifiedName}`)]);
  }
}

class ReachThroughCall extends StepsThroughCall<CallbackReach> implements CallbackReach {
  get root(): Callback {
    return this.from.root;
  }
}

export class CallbackReachability {
  private readonly reached = new Map<number, CallbackReach>();

  constructor(index: FunctionIndex, callbacks: readonly Callback[], roles: ReadonlySet<string>) {
    const queue: FunctionInfo[] = [];
    for (const cb of callbacks) {
      if (!roles.has(cb.roleType) || this.reached.has(cb.fn.id)) continue;
      const registered = step(
        cb.location,
        cb.declaredOnly ? `${cb.fn.qualifiedName} is declared as ${cb.roleType}` : `${cb.fn.qualifiedName} is registered here as the ${roleLabel(cb.roleType)} (${cb.how})`,
      );
      this.reached.set(cb.fn.id, { root: cb, steps: [registered] });
      queue.push(cb.fn);
    }
    for (let next = 0; next < queue.length; next++) {
      const fn = queue[next]!;
      const from = this.reached.get(fn.id)!;
      for (const site of index.callSites(fn)) {
        for (const callee of site.callees) {
          if (this.reached.has(callee.id)) continue;
          this.reached.set(callee.id, new ReachThroughCall(from, site, callee));
          queue.push(callee);
        }
      }
    }
  }

  /** How `fn` is reached from one of the callbacks, or undefined when it is not. */
  of(fn: FunctionInfo): CallbackReach | undefined {
    return this.reached.get(fn.id);
  }
}
