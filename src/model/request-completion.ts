/**
 * Where requests are completed: the completion DDIs, and the driver's own helpers that
 * complete a request parameter on every path (`CompleteRequest(Request, status)`), so a call
 * to such a helper counts as a completion of the argument it is given.
 */
import { REQUEST_COMPLETIONS, REQUEST_HAND_OFFS, REQUEST_KEEPERS, requestArgumentOf } from '../knowledge/requests.js';
import type { CallFact } from '../parser/facts.js';
import { mayExit } from './flow.js';
import type { CallSite, FunctionInfo } from './functions.js';
import { compact } from './expressions.js';


export class RequestCompletions {
  private readonly completing = new Map<number, ReadonlyMap<number, CallFact>>();


  /**
   * The request a call completes: the first argument of a completion DDI, or the argument a
   * helper completes on every path. Undefined when the call completes nothing.
   */
  completedBy(site: CallSite): { readonly request: string; readonly via?: FunctionInfo } | undefined {
    const { call } = site;
    if (REQUEST_COMPLETIONS.has(call.callee) && call.calleeKind === 'identifier') return { request: compact(call.argCores[0]) };
    if (site.callees.length !== 1) return undefined;
    const helper = site.callees[0]!;
    for (const [position] of this.paramsCompletedBy(helper)) {
      const arg = call.argCores[position];
      if (arg !== undefined) return { request: compact(arg), via: helper };
    }
    return undefined;
  }

  /** Parameters `fn` completes in its top-level statements, before anything that could return early. */
  paramsCompletedBy(fn: FunctionInfo): ReadonlyMap<number, CallFact> {
    let found = this.completing.get(fn.id);
    if (found) return found;
    const map = new Map<number, CallFact>();
    const body = fn.fact.flow;
    const completions = fn.fact.calls.filter((call) => REQUEST_COMPLETIONS.has(call.callee));
    for (const statement of completions.length > 0 ? (body?.children ?? []) : []) {
      if (statement.kind === 'simple') {
        for (const call of completions) {
          if (call.span.startOffset < statement.start || call.span.startOffset >= statement.end) continue;
          const position = fn.fact.params.findIndex((p) => p.name === compact(call.argCores[0]));
          if (position >= 0 && !map.has(position)) map.set(position, call);
        }
      }
      if (mayExit(statement)) break;
    }
    found = map;
    this.completing.set(fn.id, found);
    return found;
  }
}

/** Calls that only look at a request or log it: they leave it with the driver. */
const OBSERVERS = /^(WdfRequest(Get|Retrieve|Wdm|Is|SetInformation|FormatRequestUsingCurrentType|SetCompletionRoutine|AllocateTimer)\w*|WdfObjectGetTypedContext\w*|\w*(Trace|Print|Log)\w*)$/i;

/**
 * True when the call gives up the driver's hold on `request`: completes it, hands it to a
 * queue, a target or the framework, keeps it for later, or passes it to code whose effect
 * is not known (a function of the driver, a call through a pointer).
 */
export function releasesRequest(site: CallSite, request: string, completions: RequestCompletions): boolean {
  const { call } = site;
  if (completions.completedBy(site)?.request === request) return true;
  if ((REQUEST_HAND_OFFS.has(call.callee) || call.callee in REQUEST_KEEPERS) && compact(call.argCores[requestArgumentOf(call.callee)]) === request) return true;
  if (!call.argCores.some((a) => compact(a) === request)) return false;
  return !(call.calleeKind === 'identifier' && site.callees.length === 0 && OBSERVERS.test(call.callee));
}
