/**
 * Which functions may run in a thread the driver does not choose: reached from a callback
 * that the framework or kernel calls in an arbitrary thread, or in the system process. The
 * first path found (breadth first, so the shortest) is the witness.
 */
import { ROLE_OVERRIDES, roleLabel, type ThreadContext } from '../knowledge/registrations.js';
import type { Callback } from './callbacks.js';
import { runsSynchronized } from './callback-irql.js';
import type { FunctionIndex, FunctionInfo } from './functions.js';
import { at, step, type PathStep } from './location.js';

export interface ContextWitness {
  readonly context: Extract<ThreadContext, 'arbitrary' | 'system'>;
  readonly root: Callback;
  readonly steps: readonly PathStep[];
}

export function roleContext(roleType: string): ThreadContext {
  return ROLE_OVERRIDES[roleType]?.context ?? 'unknown';
}

export class ThreadContextAnalysis {
  private readonly witnesses = new Map<number, ContextWitness>();

  constructor(index: FunctionIndex, callbacks: readonly Callback[]) {
    const queue: FunctionInfo[] = [];
    // Arbitrary-context roots first, so a function reached both ways is explained by the
    // stronger claim.
    const ordered = [...callbacks].sort((a, b) => contextRank(roleContext(a.roleType)) - contextRank(roleContext(b.roleType)));
    for (const cb of ordered) {
      const context = roleContext(cb.roleType);
      if (context !== 'arbitrary' && context !== 'system') continue;
      if (cb.roleType === 'PFLT_POST_OPERATION_CALLBACK' && runsSynchronized(cb)) continue;
      if (this.witnesses.has(cb.fn.id)) continue;
      const label = roleLabel(cb.roleType);
      const how = context === 'arbitrary' ? 'is called in an arbitrary thread context' : 'runs in the system process, not in the requesting thread';
      const registered = step(
        cb.location,
        cb.declaredOnly
          ? `${cb.fn.qualifiedName} is declared as ${cb.roleType} (${cb.how}); a ${label} ${how}`
          : `${cb.fn.qualifiedName} is registered here as the ${label} (${cb.how}); it ${how}`,
      );
      this.witnesses.set(cb.fn.id, { context, root: cb, steps: [registered] });
      queue.push(cb.fn);
    }
    for (let next = 0; next < queue.length; next++) {
      const fn = queue[next]!;
      const w = this.witnesses.get(fn.id)!;
      for (const site of index.callSites(fn)) {
        for (const callee of site.callees) {
          if (this.witnesses.has(callee.id)) continue;
          this.witnesses.set(callee.id, {
            ...w,
            steps: [...w.steps, step(at(fn.file, site.call.span), `${fn.qualifiedName} calls ${callee.qualifiedName}`)],
          });
          queue.push(callee);
        }
      }
    }
  }

  witness(fn: FunctionInfo): ContextWitness | undefined {
    return this.witnesses.get(fn.id);
  }
}

function contextRank(context: ThreadContext): number {
  return context === 'arbitrary' ? 0 : context === 'system' ? 1 : 2;
}
