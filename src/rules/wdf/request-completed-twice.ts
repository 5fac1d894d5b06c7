import { isRequestUse, REQUEST_COMPLETIONS } from '../../knowledge/requests.js';
import { continuationAfter, inRanges } from '../../model/flow.js';
import type { CallSite, FunctionInfo } from '../../model/functions.js';
import { at, step, where, type PathStep } from '../../model/location.js';
import type { DriverModel } from '../../model/driver-model.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';
import { compact } from '../../model/expressions.js';


export const requestCompletedTwice: Rule = {
  meta: {
    id: 'request-completed-twice',
    code: 'DC4008',
    title: 'Request completed twice, or used after completion',
    severity: 'error',
    summary:
      'A request is completed and then, on a path that runs after it, completed again or passed to a request method (WdfRequestRetrieve*, WdfRequestGetParameters, WdfRequestSend, ...).',
    rationale:
      'Completing a request hands it back to the framework, which completes the underlying IRP and may delete the request object at once. Any later call with the handle uses an object the driver no longer owns: a second completion completes the IRP twice (bug check MULTIPLE_IRP_COMPLETE_REQUESTS, or a WDF verifier bug check 0x10D), and a buffer retrieved after completion points into memory the I/O manager may already have freed.',
    whyTestingMisses:
      'The path that completes early is an error path (a bad length, an unknown IOCTL, a failed allocation) that functional tests rarely take; without Driver Verifier and WDF Verifier the second completion can go unnoticed until memory is reused.',
    fix:
      'Return (or jump past the common completion) right after completing a request on an early path, or record the status and complete in exactly one place.',
    badExample: `VOID EvtIoDeviceControl(WDFQUEUE Queue, WDFREQUEST Request, size_t OutLength, size_t InLength, ULONG Code)
{
    NTSTATUS status = STATUS_SUCCESS;
    if (InLength < sizeof(ULONG)) {
        WdfRequestComplete(Request, STATUS_BUFFER_TOO_SMALL);
    }
    WdfRequestComplete(Request, status);
}`,
    goodExample: `VOID EvtIoDeviceControl(WDFQUEUE Queue, WDFREQUEST Request, size_t OutLength, size_t InLength, ULONG Code)
{
    NTSTATUS status = STATUS_SUCCESS;
    if (InLength < sizeof(ULONG)) {
        WdfRequestComplete(Request, STATUS_BUFFER_TOO_SMALL);
        return;
    }
    WdfRequestComplete(Request, status);
}`,
    references: [
      { title: 'Completing I/O requests (WDF)', url: 'https://learn.microsoft.com/windows-hardware/drivers/wdf/completing-i-o-requests' },
      { title: 'WdfRequestComplete', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdfrequest/nf-wdfrequest-wdfrequestcomplete' },
      { title: 'Bug check 0x44: MULTIPLE_IRP_COMPLETE_REQUESTS', url: 'https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0x44--multiple-irp-complete-requests' },
    ],
  },
  check(model) {
    const findings: RuleFinding[] = [];
    // Every completion, direct or through a helper, is a call to a completion DDI somewhere.
    if (model.functions.sitesCalling(REQUEST_COMPLETIONS).length === 0) return findings;
    for (const fn of model.functions.all) {
      const sites = model.functions.callSites(fn);
      for (const first of sites) {
        const done = model.requestCompletions.completedBy(first);
        if (!done || !/^[A-Za-z_]\w*$/.test(done.request)) continue;
        const next = nextUseAfter(model, fn, sites, first, done.request);
        if (!next) continue;
        const request = done.request;
        const firstAt = at(fn.file, first.call.span);
        const secondAt = at(fn.file, next.site.call.span);
        const origin = model.receivedRequests.heldBy(fn).find((h) => h.variable === request);
        const steps: PathStep[] = [
          ...(origin ? origin.steps : []),
          step(firstAt, done.via ? `${done.via.qualifiedName} completes \`${request}\` here: from now on the framework owns it` : `\`${request}\` is completed here: from now on the framework owns it`),
          step(secondAt, next.kind === 'completion' ? `\`${request}\` is completed again here, on a path that runs after the first completion` : `\`${request}\` is used here, after its completion`),
        ];
        findings.push({
          location: secondAt,
          message:
            next.kind === 'completion'
              ? `\`${request}\` is completed twice: it was already completed at ${where(firstAt)}, and the path from there reaches this call. The second completion completes the IRP again (bug check 0x44, or WDF Verifier's 0x10D). Return after completing on the early path, or complete in one place.`
              : `\`${request}\` is passed to ${next.site.call.callee} after it was completed at ${where(firstAt)}: the framework may already have freed the request and its buffers. Return after completing on the early path.`,
          steps,
        });
      }
    }
    return findings;
  },
};

/**
 * The first completion or use of `request` on the code that runs unconditionally after the
 * completion `first`. Silent when the request variable is reassigned on the way, when a
 * reference is held across the completion, and when the first completion sits in a branch
 * and a later branch may leave the function (the two conditions may be the same test).
 */
function nextUseAfter(
  model: DriverModel,
  fn: FunctionInfo,
  sites: readonly CallSite[],
  first: CallSite,
  request: string,
): { kind: 'completion' | 'use'; site: CallSite } | undefined {
  const after = first.call.span.endOffset;
  const referenced = fn.fact.calls.some((c) => c.callee === 'WdfObjectReference' && c.span.startOffset < after && compact(c.argCores[0]) === request);
  const { ranges } = continuationAfter(fn, after);
  for (const range of ranges) {
    if (first.call.conditional && range.afterConditionalExit) return undefined;
    const events = [
      ...fn.fact.assignments.filter((a) => inRanges([range], a.span.startOffset) && compact(a.lhs) === request).map((a) => ({ offset: a.span.startOffset, site: undefined })),
      ...sites.filter((s) => inRanges([range], s.call.span.startOffset)).map((s) => ({ offset: s.call.span.startOffset, site: s })),
    ].sort((x, y) => x.offset - y.offset);
    for (const { site } of events) {
      if (!site) return undefined;
      if (site === first) continue;
      if (site.call.args.some((a) => compact(a) === `&${request}`)) return undefined;
      if (model.requestCompletions.completedBy(site)?.request === request) return { kind: 'completion', site };
      if (!referenced && isRequestUse(site.call.callee) && compact(site.call.argCores[0]) === request) return { kind: 'use', site };
    }
  }
  return undefined;
}
