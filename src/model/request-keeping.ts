/**
 * Whether a request handler keeps the request it received after it returns: it marks it
 * cancelable, stores it where other code finds it later, adds it to a collection, or sends it
 * asynchronously to an I/O target with a completion routine. A request the handler completes,
 * sends synchronously or sends and forgets is not kept.
 *
 * Forwarding to another queue is not keeping: a request that sits in a queue belongs to the
 * framework again, and power-down does not wait for it.
 */
import { COMPLETION_ROUTINE_SETTERS, REQUEST_KEEPERS, requestArgumentOf } from '../knowledge/requests.js';
import type { FunctionInfo } from './functions.js';
import { at, type Location } from './location.js';
import type { ReceivedRequests, RequestHolder } from './received-requests.js';
import { sendOptionsOf } from './send-options.js';
import { isNullText } from './values.js';
import type { Callback } from './callbacks.js';
import { compact } from './expressions.js';

export interface RequestKeep {
  /** The function that keeps the request, and how the request reached it. */
  readonly holder: RequestHolder;
  readonly location: Location;
  /** What the driver does, for messages: "marks the request cancelable". */
  readonly what: string;
}


/** The first place the handler's request is kept past its return, handler first, then helpers. */
export function firstKeep(received: ReceivedRequests, handler: Callback): RequestKeep | undefined {
  for (const holder of received.chainOf(handler)) {
    const keep = keepIn(holder);
    if (keep) return keep;
  }
  return undefined;
}

function keepIn(holder: RequestHolder): RequestKeep | undefined {
  const { fn, variable } = holder;
  const kept: { offset: number; keep: RequestKeep }[] = [];
  for (const call of fn.fact.calls) {
    const what = REQUEST_KEEPERS[call.callee];
    if (what && compact(call.argCores[requestArgumentOf(call.callee)]) === variable) {
      kept.push({ offset: call.span.startOffset, keep: { holder, location: at(fn.file, call.span), what } });
    }
    if (call.callee === 'WdfRequestSend' && compact(call.argCores[0]) === variable && sentWithCompletionRoutine(fn, variable, call.span.startOffset)) {
      const options = sendOptionsOf(fn, call);
      if (options && !options.synchronous && !options.sendAndForget) {
        kept.push({ offset: call.span.startOffset, keep: { holder, location: at(fn.file, call.span), what: 'sends the request asynchronously with a completion routine' } });
      }
    }
  }
  for (const a of fn.fact.assignments) {
    if (a.operator !== '=' || compact(a.rhsCore) !== variable || !storesOutsideFunction(fn, a.lhsBase, a.lhsPath)) continue;
    kept.push({ offset: a.span.startOffset, keep: { holder, location: at(fn.file, a.span), what: `stores the request in \`${a.lhs}\`` } });
  }
  kept.sort((x, y) => x.offset - y.offset);
  return kept[0]?.keep;
}

function sentWithCompletionRoutine(fn: FunctionInfo, variable: string, before: number): boolean {
  return fn.fact.calls.some(
    (c) =>
      c.span.startOffset < before &&
      COMPLETION_ROUTINE_SETTERS.has(c.callee) &&
      compact(c.argCores[0]) === variable &&
      c.argCores[1] !== undefined &&
      !isNullText(c.argCores[1]),
  );
}

/** A field of something (`ctx->Pending`) or a global: somewhere code outside this call finds it. */
function storesOutsideFunction(fn: FunctionInfo, base: string, path: readonly string[]): boolean {
  if (path.length > 0) return true;
  return !fn.fact.locals.some((l) => l.name === base) && !fn.fact.params.some((p) => p.name === base);
}
