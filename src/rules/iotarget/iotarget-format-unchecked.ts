import { conditionsTesting, savedResultOf } from '../../model/flow.js';
import type { FunctionInfo } from '../../model/functions.js';
import { at, step, where } from '../../model/location.js';
import type { CallFact } from '../../parser/facts.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';
import { compact, tokenPattern } from '../../model/expressions.js';

/** DDIs that format a request for an I/O target; the request is their second argument. */
const FORMAT_CALLS = /^(WdfIoTargetFormatRequestFor\w+|WdfUsb\w*FormatRequest\w*)$/;


export const iotargetFormatUnchecked: Rule = {
  meta: {
    id: 'iotarget-format-unchecked',
    code: 'DC4006',
    title: 'Request sent although formatting it may have failed',
    severity: 'error',
    summary:
      'The status of WdfIoTargetFormatRequestFor* (or a WdfUsb*FormatRequest* method) is ignored, and the request is then sent with WdfRequestSend.',
    rationale:
      'Formatting a request for an I/O target can fail: a request the driver received carries the stack locations its own stack allotted, and when the target needs more the framework cannot reallocate the IRP it does not own, so the format call returns STATUS_REQUEST_NOT_ACCEPTED; it can also fail for lack of memory or a bad buffer. After a failed format the request is not set up for the target, and sending it anyway delivers a request with a stale or missing stack location to the next driver.',
    whyTestingMisses:
      'On the test machine the device stacks have the depths the developer expected. Another filter driver on the target stack, or a different bus driver, changes the stack size and the format starts failing in the field.',
    fix: 'Check the NTSTATUS the format call returns; on failure complete the request with that status instead of sending it.',
    badExample: `VOID EvtIoRead(WDFQUEUE Queue, WDFREQUEST Request, size_t Length)
{
    WDFIOTARGET target = DeviceGetContext(WdfIoQueueGetDevice(Queue))->Target;
    WdfIoTargetFormatRequestForRead(target, Request, NULL, NULL, NULL);
    WdfRequestSetCompletionRoutine(Request, ReadCompletion, NULL);
    if (!WdfRequestSend(Request, target, WDF_NO_SEND_OPTIONS)) {
        WdfRequestComplete(Request, WdfRequestGetStatus(Request));
    }
}`,
    goodExample: `VOID EvtIoRead(WDFQUEUE Queue, WDFREQUEST Request, size_t Length)
{
    WDFIOTARGET target = DeviceGetContext(WdfIoQueueGetDevice(Queue))->Target;
    NTSTATUS status = WdfIoTargetFormatRequestForRead(target, Request, NULL, NULL, NULL);
    if (!NT_SUCCESS(status)) {
        WdfRequestComplete(Request, status);
        return;
    }
    WdfRequestSetCompletionRoutine(Request, ReadCompletion, NULL);
    if (!WdfRequestSend(Request, target, WDF_NO_SEND_OPTIONS)) {
        WdfRequestComplete(Request, WdfRequestGetStatus(Request));
    }
}`,
    references: [
      { title: 'WdfIoTargetFormatRequestForRead (return value)', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdfiotarget/nf-wdfiotarget-wdfiotargetformatrequestforread' },
      { title: 'Formatting I/O requests', url: 'https://learn.microsoft.com/windows-hardware/drivers/wdf/formatting-i-o-requests' },
    ],
  },
  check(model) {
    const findings: RuleFinding[] = [];
    for (const { caller: fn, call: format, index: i } of model.functions.sitesMatching(FORMAT_CALLS)) {
      if (format.calleeKind !== 'identifier') continue;
      const request = compact(format.argCores[1]);
      if (!/^[A-Za-z_]\w*$/.test(request)) continue;
      const send = nextSend(fn, i, request);
      if (!send) continue;
      const ignored = ignoredStatus(fn, format, send);
      if (!ignored) continue;
      const location = at(fn.file, format.span);
      const sendAt = at(fn.file, send.span);
      findings.push({
        location,
        message: `The status of ${format.callee} is ${ignored}, and \`${request}\` is sent at ${where(sendAt)} anyway. If formatting fails (STATUS_REQUEST_NOT_ACCEPTED when the request has too few stack locations for the target, or no memory), an unformatted request goes to the target. Check the status and complete the request with it on failure.`,
        steps: [
          step(location, `${format.callee} formats \`${request}\` for the target and returns a status that is ${ignored}`),
          step(sendAt, `\`${request}\` is sent here whether or not the format succeeded`),
        ],
      });
    }
    return findings;
  },
};

/** The next WdfRequestSend of `request` in `fn`, unless the request is formatted again first. */
function nextSend(fn: FunctionInfo, from: number, request: string): CallFact | undefined {
  for (const call of fn.fact.calls.slice(from + 1)) {
    if (FORMAT_CALLS.test(call.callee) && compact(call.argCores[1]) === request) return undefined;
    if (call.callee === 'WdfRequestSend' && compact(call.argCores[0]) === request) return call;
  }
  return undefined;
}

/**
 * How the format status goes unchecked before the send: "discarded" when the call's value is
 * dropped, "never tested" when the variable it is stored in is tested by no condition between
 * the format and the send (nor guards the send). Undefined when it is checked, returned,
 * passed on, or used in a way this does not follow.
 */
function ignoredStatus(fn: FunctionInfo, format: CallFact, send: CallFact): string | undefined {
  const result = format.result;
  if (!result) return undefined;
  if (result.kind === 'discarded') return 'discarded';
  const saved = savedResultOf(format);
  if (!saved) return undefined;
  const token = tokenPattern(saved);
  const from = format.span.endOffset;
  const to = send.span.startOffset;
  if (conditionsTesting(fn, saved, from, to).length > 0) return undefined;
  if (send.guards.some((g) => token.test(g))) return undefined;
  // Any other reading of the variable before the send (passed to a helper, copied) may be a check.
  const readBy = fn.fact.calls.some((c) => c.span.startOffset >= from && c.span.startOffset < to && c.args.some((a) => token.test(a)) && !/(Trace|Print|Log)/i.test(c.callee));
  const copied = fn.fact.assignments.some((a) => a.span.startOffset >= from && a.span.startOffset < to && token.test(a.rhs));
  if (readBy || copied) return undefined;
  return `stored in \`${saved}\` but never tested`;
}
