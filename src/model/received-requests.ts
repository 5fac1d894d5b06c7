/**
 * Requests the driver received from the framework: the request parameter of each request
 * handler (EvtIoRead, EvtIoDeviceControl, ..., EvtIoInCallerContext), followed into the
 * driver's own helpers it is passed to. Each holder carries the path that proves where its
 * request came from: the registration, then each call that passed it on.
 */
import { REQUEST_HANDLER_PARAMS } from '../knowledge/requests.js';
import { roleLabel } from '../knowledge/registrations.js';
import type { Callback } from './callbacks.js';
import type { FunctionIndex, FunctionInfo } from './functions.js';
import { at, step, type PathStep } from './location.js';
import { push } from './expressions.js';

/** How deep a request is followed into helpers: far enough for real drivers, bounded for recursion. */
const MAX_HELPER_DEPTH = 4;

export interface RequestHolder {
  readonly fn: FunctionInfo;
  /** The parameter that holds the received request in `fn`. */
  readonly variable: string;
  /** The request handler the request was delivered to. */
  readonly handler: Callback;
  /** The registration of the handler, then each call that passed the request on to `fn`. */
  readonly steps: readonly PathStep[];
}

export class ReceivedRequests {
  private readonly holders = new Map<number, RequestHolder[]>();
  private readonly byHandler = new Map<Callback, RequestHolder[]>();

  constructor(index: FunctionIndex, callbacks: readonly Callback[]) {
    for (const cb of callbacks) {
      const position = REQUEST_HANDLER_PARAMS[cb.roleType];
      const variable = position === undefined ? undefined : cb.fn.fact.params[position]?.name;
      if (!variable) continue;
      const registered = step(
        cb.location,
        cb.declaredOnly
          ? `${cb.fn.qualifiedName} is declared as ${cb.roleType}: the framework delivers requests to it`
          : `${cb.fn.qualifiedName} is registered here as the ${roleLabel(cb.roleType)} (${cb.how}): the framework delivers \`${variable}\` to it`,
      );
      const chain: RequestHolder[] = [];
      const seen = new Set<string>();
      const queue: { holder: RequestHolder; depth: number }[] = [{ holder: { fn: cb.fn, variable, handler: cb, steps: [registered] }, depth: 0 }];
      for (let next = 0; next < queue.length; next++) {
        const { holder, depth } = queue[next]!;
        const key = `${holder.fn.id}|${holder.variable}`;
        if (seen.has(key)) continue;
        seen.add(key);
        chain.push(holder);
        push(this.holders, holder.fn.id, holder);
        if (depth >= MAX_HELPER_DEPTH) continue;
        for (const site of index.callSites(holder.fn)) {
          if (site.callees.length !== 1) continue;
          const position = site.call.argCores.findIndex((a) => a.replace(/\s+/g, '') === holder.variable);
          const helper = site.callees[0]!;
          const param = position < 0 ? undefined : helper.fact.params[position]?.name;
          if (!param) continue;
          queue.push({
            holder: {
              fn: helper,
              variable: param,
              handler: cb,
              steps: [...holder.steps, step(at(holder.fn.file, site.call.span), `${holder.fn.qualifiedName} passes the request to ${helper.qualifiedName}`)],
            },
            depth: depth + 1,
          });
        }
      }
      this.byHandler.set(cb, chain);
    }
  }

  /** The received requests `fn` holds in its parameters, one per handler that reaches it. */
  heldBy(fn: FunctionInfo): readonly RequestHolder[] {
    return this.holders.get(fn.id) ?? [];
  }

  /** The handler itself first, then the helpers its request reaches, nearest first. */
  chainOf(handler: Callback): readonly RequestHolder[] {
    return this.byHandler.get(handler) ?? [];
  }
}
