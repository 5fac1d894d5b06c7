import type { FlowNode } from '../../parser/facts.js';
import { alwaysExits, conditionsTesting, containsGoto, inRanges, reachableAfter, savedResultOf, statementAt, type Range } from '../../model/flow.js';
import type { CallSite, FunctionInfo } from '../../model/functions.js';
import { at, step, type Location } from '../../model/location.js';
import { releasesRequest } from '../../model/request-completion.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';
import { compact } from '../../model/expressions.js';
import { emptySpanAt, endOf, spanBetween } from '../../source/span.js';


export const requestSendFailureNotCompleted: Rule = {
  meta: {
    id: 'request-send-failure-not-completed',
    code: 'DC4007',
    title: 'Received request not completed when WdfRequestSend fails',
    severity: 'error',
    summary:
      'WdfRequestSend returns FALSE for a request the driver received, and on that path the request is neither completed nor handed on (SDV rule ReqSendFail).',
    rationale:
      'WdfRequestSend returns FALSE when the framework could not send the request: the target is stopped, being removed or closed, the request was not formatted for it, or a send option is invalid. The request then never reached the target, no completion routine will run, and the driver still owns it. A received request the driver does not complete stays pending forever: the application\'s I/O never finishes, the file handle cannot close, and the device cannot be removed or powered down.',
    whyTestingMisses:
      'Sends fail only while the lower device is stopping, surprise-removed or misconfigured; functional tests send to a healthy target.',
    fix: 'When WdfRequestSend returns FALSE, complete the request with WdfRequestGetStatus(Request) (or hand it to someone who will).',
    badExample: `EVT_WDF_IO_QUEUE_IO_READ EvtIoRead;

VOID EvtIoRead(WDFQUEUE Queue, WDFREQUEST Request, size_t Length)
{
    WdfRequestFormatRequestUsingCurrentType(Request);
    WdfRequestSetCompletionRoutine(Request, ReadCompletion, NULL);
    WdfRequestSend(Request, WdfDeviceGetIoTarget(WdfIoQueueGetDevice(Queue)), WDF_NO_SEND_OPTIONS);
}`,
    goodExample: `EVT_WDF_IO_QUEUE_IO_READ EvtIoRead;

VOID EvtIoRead(WDFQUEUE Queue, WDFREQUEST Request, size_t Length)
{
    WdfRequestFormatRequestUsingCurrentType(Request);
    WdfRequestSetCompletionRoutine(Request, ReadCompletion, NULL);
    if (!WdfRequestSend(Request, WdfDeviceGetIoTarget(WdfIoQueueGetDevice(Queue)), WDF_NO_SEND_OPTIONS)) {
        WdfRequestComplete(Request, WdfRequestGetStatus(Request));
    }
}`,
    references: [
      { title: 'WdfRequestSend (return value)', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdfrequest/nf-wdfrequest-wdfrequestsend' },
      { title: 'Static Driver Verifier KMDF rule ReqSendFail', url: 'https://learn.microsoft.com/windows-hardware/drivers/devtest/kmdf-reqsendfail' },
    ],
  },
  check(model) {
    const findings: RuleFinding[] = [];
    if (!model.functions.calls('WdfRequestSend')) return findings;
    for (const fn of model.functions.all) {
      // A helper that returns a value may return the failure to a caller that completes.
      if (fn.fact.returnType !== undefined && !/^(VOID|void)$/.test(fn.fact.returnType)) continue;
      const sites = model.functions.callSites(fn);
      for (const holder of model.receivedRequests.heldBy(fn)) {
        for (const send of sites) {
          if (send.call.callee !== 'WdfRequestSend' || compact(send.call.argCores[0]) !== holder.variable) continue;
          const failure = failurePath(fn, send);
          if (!failure) continue;
          if (sites.some((s) => inRanges(failure.ranges, s.call.span.startOffset) && releasesRequest(s, holder.variable, model.requestCompletions))) continue;
          if (storedIn(fn, holder.variable, failure.ranges)) continue;
          const location = at(fn.file, send.call.span);
          findings.push({
            location,
            message: `When WdfRequestSend returns FALSE the request was not sent and the driver still owns \`${holder.variable}\`, but on that path it is neither completed nor handed on: it stays pending forever, and the application's I/O, handle close and device removal hang. Complete it with WdfRequestGetStatus(${holder.variable}) when the send fails.`,
            steps: [
              ...holder.steps,
              step(location, `WdfRequestSend returns FALSE here if the request cannot be sent (target stopped or removed, request not formatted for it)`),
              step(failure.where, failure.what),
            ],
          });
          break;
        }
      }
    }
    return findings;
  },
};

interface FailurePath {
  readonly ranges: readonly Range[];
  readonly where: Location;
  readonly what: string;
}

/**
 * The code that runs when the send returns FALSE: the failure branch of the `if` that tests
 * it (and what follows, when that branch does not leave), or everything after an unchecked
 * send. Undefined when the test is more than the send's result (`&&`, `||`, other
 * conditions on the saved result) or the failure branch jumps elsewhere.
 */
function failurePath(fn: FunctionInfo, send: CallSite): FailurePath | undefined {
  const end = fn.fact.span.endOffset;
  const result = send.call.result;
  const after = send.call.span.endOffset;
  // Everything that may run after the point; without flow facts, the rest of the function's text.
  const rest = (from: number): readonly Range[] => reachableAfter(fn, from) ?? [{ start: from, end }];
  const brace = { line: fn.fact.span.endLine, column: Math.max(1, fn.fact.span.endColumn - 1), offset: end - 1 };
  const whereEnd = at(fn.file, spanBetween(brace, endOf(fn.fact.span)));
  if (!result || result.kind === 'discarded') {
    return { ranges: rest(after), where: whereEnd, what: `the result is not checked, and nothing after the send completes or hands on the request before ${fn.qualifiedName} returns` };
  }
  if (result.kind === 'condition' && result.statement !== undefined) {
    const test = statementAt(fn, result.statement);
    if (!test || test.kind !== 'if' || /&&|\|\|/.test(test.condition?.text ?? '')) return undefined;
    return branchPath(fn, test, result.negated === true);
  }
  const saved = savedResultOf(send.call);
  if (saved) {
    const tests = conditionsTesting(fn, saved, after + 1);
    if (tests.length === 0) return { ranges: rest(after), where: whereEnd, what: `the result saved in \`${saved}\` is never tested, and nothing after the send completes or hands on the request` };
    const first = tests[0]!;
    const text = first.text.replace(/^\(\s*|\s*\)$/g, '').trim();
    const test = statementAt(fn, ownerStart(fn, first.start));
    if (!test || test.kind !== 'if') return undefined;
    if (new RegExp(`^!\\s*\\(?\\s*${saved}\\s*\\)?$|^${saved}\\s*==\\s*(FALSE|0)$|^(FALSE|0)\\s*==\\s*${saved}$|^${saved}\\s*!=\\s*TRUE$`).test(text)) return branchPath(fn, test, true);
    if (new RegExp(`^${saved}$|^${saved}\\s*==\\s*TRUE$|^${saved}\\s*!=\\s*(FALSE|0)$`).test(text)) return branchPath(fn, test, false);
    return undefined;
  }
  return undefined;
}

function branchPath(fn: FunctionInfo, test: FlowNode, failureIsThen: boolean): FailurePath | undefined {
  const branch = failureIsThen ? test.children?.[0] : test.children?.[1];
  if (branch && containsGoto(branch)) return undefined;
  const ranges: Range[] = [];
  if (branch) ranges.push({ start: branch.start, end: branch.end });
  const leaves = branch !== undefined && alwaysExits(branch);
  if (!leaves) ranges.push(...(reachableAfter(fn, test.end) ?? [{ start: test.end, end: fn.fact.span.endOffset }]));
  const where = branch ?? test;
  return {
    ranges,
    where: at(fn.file, emptySpanAt(where.at)),
    what: branch
      ? `this is the path taken when the send fails; it ${leaves ? 'returns' : 'goes on to the end of the function'} without completing or handing on the request`
      : 'when the send fails, execution continues after this test and reaches the end of the function without completing or handing on the request',
  };
}

/** The start of the `if` whose condition starts at `conditionStart`. */
function ownerStart(fn: FunctionInfo, conditionStart: number): number {
  let found = -1;
  const visit = (node: FlowNode): void => {
    if (node.condition?.start === conditionStart) found = node.start;
    for (const c of node.children ?? []) visit(c);
  };
  if (fn.fact.flow) visit(fn.fact.flow);
  return found;
}

/** `ctx->Pending = Request` on the failure path keeps the request for later. */
function storedIn(fn: FunctionInfo, request: string, ranges: readonly Range[]): boolean {
  return fn.fact.assignments.some((a) => a.operator === '=' && compact(a.rhsCore) === request && inRanges(ranges, a.span.startOffset));
}

