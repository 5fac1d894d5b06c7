import { nextSendOf } from '../../model/request-flow.js';
import { at, step, where } from '../../model/location.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';
import { OPEN_REMOTE_BY_NAME } from '../../rule-kit/example-fragments.js';
import { remoteTargetSteps } from '../../model/io-targets.js';
import { compact } from '../../model/expressions.js';

export const iotargetFormatCurrentTypeRemote: Rule = {
  meta: {
    id: 'iotarget-format-current-type-remote',
    code: 'DC3001',
    title: 'Request formatted for the local target and sent to a remote one',
    severity: 'error',
    summary: 'WdfRequestFormatRequestUsingCurrentType is used on a request that is then sent to a remote I/O target.',
    rationale:
      'WdfRequestFormatRequestUsingCurrentType copies the current stack location to the next one, which is only valid when the request goes to the driver\'s local I/O target, the next-lower driver of the same stack. A remote target (WdfIoTargetCreate + WdfIoTargetOpen) is another stack: the request must be formatted for that target with WdfIoTargetFormatRequestForRead/Write/Ioctl/InternalIoctl.',
    whyTestingMisses:
      'The request often carries enough stack locations and the remote driver tolerates the copied parameters, so it works; a filter driver loaded on the remote stack, or a request with too few stack locations, then corrupts memory or bug-checks.',
    fix: 'Format the request for the remote target with the matching WdfIoTargetFormatRequestForXxx call (and check its status) before WdfRequestSend, or send to the local target (WdfDeviceGetIoTarget).',
    badExample: `VOID EvtIoRead(WDFQUEUE Queue, WDFREQUEST Request, size_t Length)
{
    PDEVICE_CONTEXT ctx = DeviceGetContext(WdfIoQueueGetDevice(Queue));
    WdfRequestFormatRequestUsingCurrentType(Request);
    WdfRequestSend(Request, ctx->RemoteTarget, WDF_NO_SEND_OPTIONS);
}

${OPEN_REMOTE_BY_NAME}`,
    goodExample: `VOID EvtIoRead(WDFQUEUE Queue, WDFREQUEST Request, size_t Length)
{
    PDEVICE_CONTEXT ctx = DeviceGetContext(WdfIoQueueGetDevice(Queue));
    NTSTATUS status = WdfIoTargetFormatRequestForRead(ctx->RemoteTarget, Request, NULL, NULL, NULL);
    WdfRequestSend(Request, ctx->RemoteTarget, WDF_NO_SEND_OPTIONS);
}

${OPEN_REMOTE_BY_NAME}`,
    references: [
      { title: 'WdfRequestFormatRequestUsingCurrentType', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdfrequest/nf-wdfrequest-wdfrequestformatrequestusingcurrenttype' },
      { title: 'Formatting I/O requests', url: 'https://learn.microsoft.com/windows-hardware/drivers/wdf/formatting-i-o-requests' },
    ],
  },
  check(model) {
    const findings: RuleFinding[] = [];
    for (const { caller: fn, call: format, index: i } of model.functions.sitesCalling(['WdfRequestFormatRequestUsingCurrentType'])) {
      if (format.calleeKind !== 'identifier') continue;
      const request = compact(format.argCores[0]);
      const sent = nextSendOf(model.functions, model.ioTargets, fn, i, request);
      if (!sent) continue;
      const { origin } = sent;
      if (origin.kind !== 'remote' || origin.opens.length === 0 || origin.opens.some((o) => o.mode === 'same-stack' || o.mode === 'unknown')) continue;
      const open = origin.opens[0]!;
      findings.push({
        location: at(fn.file, format.span),
        message: `${request} is formatted with WdfRequestFormatRequestUsingCurrentType, which is only valid for the local I/O target, but it is sent to \`${sent.target}\`, a remote I/O target created at ${where(origin.created)}. Format it with WdfIoTargetFormatRequestForXxx for that target.`,
        steps: [
          ...remoteTargetSteps(origin.created, open),
          step(at(fn.file, format.span), 'the request is formatted for the local target only'),
          ...(sent.via ? [step(sent.via, `the request and \`${sent.target}\` are passed to ${sent.sender.qualifiedName}`)] : []),
          step(sent.send, `the request is sent to the remote target${sent.via ? '' : ` \`${sent.target}\``}`),
        ],
      });
    }
    return findings;
  },
};

