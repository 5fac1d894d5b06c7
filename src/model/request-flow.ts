/**
 * Where a request is sent after a point of a function: by `WdfRequestSend` in the same
 * function, or in a helper of the unit the request is passed to (one level deep, so the target
 * is resolved with the caller's arguments). Stops at a reformat of the same request.
 */
import type { CallFact } from '../parser/facts.js';
import type { FunctionIndex, FunctionInfo } from './functions.js';
import { isFormatCall, type IoTargets, type TargetOrigin } from './io-targets.js';
import { at, type Location } from './location.js';
import { compact } from './expressions.js';

export interface RequestSend {
  readonly send: Location;
  readonly call: CallFact;
  readonly sender: FunctionInfo;
  readonly target: string;
  readonly origin: TargetOrigin;
  /** The helper call the request went through, when it was not sent directly. */
  readonly via?: Location;
}


function reformats(call: CallFact, request: string): boolean {
  return (
    (isFormatCall(call.callee) && compact(call.argCores[1]) === request) ||
    (call.callee === 'WdfRequestFormatRequestUsingCurrentType' && compact(call.argCores[0]) === request)
  );
}

/** The first send of `request` after call `fromIndex` of `fn`, if it is not reformatted before. */
export function nextSendOf(index: FunctionIndex, targets: IoTargets, fn: FunctionInfo, fromIndex: number, request: string): RequestSend | undefined {
  const calls = fn.fact.calls;
  const sites = index.callSites(fn);
  for (let i = fromIndex + 1; i < calls.length; i++) {
    const call = calls[i]!;
    if (reformats(call, request)) return undefined;
    if (call.callee === 'WdfRequestSend' && compact(call.argCores[0]) === request) {
      const target = call.argCores[1] ?? '';
      return { send: at(fn.file, call.span), call, sender: fn, target, origin: targets.originAt(fn, target, call.span.startOffset) };
    }
    const requestArg = call.argCores.findIndex((a) => compact(a) === request);
    const site = sites[i];
    if (requestArg < 0 || !site || site.callees.length !== 1) continue;
    const helper = site.callees[0]!;
    const param = helper.fact.params[requestArg]?.name;
    if (!param) continue;
    const inner = helper.fact.calls.find((c) => c.callee === 'WdfRequestSend' && compact(c.argCores[0]) === param);
    if (!inner || helper.fact.calls.some((c) => c.span.startOffset < inner.span.startOffset && reformats(c, param))) continue;
    const target = compact(inner.argCores[1]);
    const targetParam = helper.fact.params.findIndex((p) => p.name === target);
    const origin =
      targetParam >= 0 && call.argCores[targetParam] !== undefined
        ? targets.originAt(fn, call.argCores[targetParam]!, call.span.startOffset)
        : targets.originAt(helper, target, inner.span.startOffset);
    return {
      send: at(helper.file, inner.span),
      call: inner,
      sender: helper,
      target: targetParam >= 0 ? (call.argCores[targetParam] ?? target) : target,
      origin,
      via: at(fn.file, call.span),
    };
  }
  return undefined;
}
