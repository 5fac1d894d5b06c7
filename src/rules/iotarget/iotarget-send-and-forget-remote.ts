import { at, step, where } from '../../model/location.js';
import { sendOptionsOf } from '../../model/send-options.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';
import { OPEN_REMOTE_BY_NAME } from '../../rule-kit/example-fragments.js';
import { describeOpen, remoteTargetSteps } from '../../model/io-targets.js';

export const iotargetSendAndForgetRemote: Rule = {
  meta: {
    id: 'iotarget-send-and-forget-remote',
    code: 'DC3002',
    title: 'Send-and-forget to a remote target opened by name or with a file object',
    severity: 'error',
    summary: 'WdfRequestSend with WDF_REQUEST_SEND_OPTION_SEND_AND_FORGET to a remote I/O target that was opened by name or with a TargetFileObject.',
    rationale:
      'The WDF documentation forbids WDF_REQUEST_SEND_OPTION_SEND_AND_FORGET for a remote I/O target opened with WdfIoTargetOpenByName, or opened on an existing device with a TargetFileObject: the request needs a file object and a stack location that only a formatted, tracked send provides.',
    whyTestingMisses:
      'A KMDF optimization makes the send work while the remote stack has exactly the expected drivers; when a filter driver is loaded on the remote device the request arrives malformed and the system bug-checks.',
    fix: 'Send without SEND_AND_FORGET: format the request for the target (WdfIoTargetFormatRequestForXxx), set a completion routine with WdfRequestSetCompletionRoutine and complete the original request there.',
    badExample: `VOID EvtIoWrite(WDFQUEUE Queue, WDFREQUEST Request, size_t Length)
{
    WDF_REQUEST_SEND_OPTIONS options;
    PDEVICE_CONTEXT ctx = DeviceGetContext(WdfIoQueueGetDevice(Queue));
    WDF_REQUEST_SEND_OPTIONS_INIT(&options, WDF_REQUEST_SEND_OPTION_SEND_AND_FORGET);
    WdfRequestSend(Request, ctx->RemoteTarget, &options);
}

${OPEN_REMOTE_BY_NAME}`,
    goodExample: `VOID EvtIoWrite(WDFQUEUE Queue, WDFREQUEST Request, size_t Length)
{
    PDEVICE_CONTEXT ctx = DeviceGetContext(WdfIoQueueGetDevice(Queue));
    NTSTATUS status = WdfIoTargetFormatRequestForWrite(ctx->RemoteTarget, Request, NULL, NULL, NULL);
    WdfRequestSetCompletionRoutine(Request, WriteCompletion, ctx);
    WdfRequestSend(Request, ctx->RemoteTarget, WDF_NO_SEND_OPTIONS);
}

${OPEN_REMOTE_BY_NAME}`,
    references: [
      { title: 'WDF_REQUEST_SEND_OPTIONS_FLAGS (SEND_AND_FORGET restrictions)', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdfrequest/ne-wdfrequest-_wdf_request_send_options_flags' },
      { title: 'WdfIoTargetOpen', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdfiotarget/nf-wdfiotarget-wdfiotargetopen' },
    ],
  },
  check(model) {
    const findings: RuleFinding[] = [];
    for (const { caller: fn, call } of model.functions.sitesCalling(['WdfRequestSend'])) {
      if (call.calleeKind !== 'identifier') continue;
      const options = sendOptionsOf(fn, call);
      if (!options?.sendAndForget) continue;
      const target = call.argCores[1] ?? '';
      const origin = model.ioTargets.originAt(fn, target, call.span.startOffset);
      if (origin.kind !== 'remote' || origin.opens.length === 0) continue;
      if (!origin.opens.every((o) => o.mode === 'by-name' || o.mode === 'file-object')) continue;
      const open = origin.opens[0]!;
      findings.push({
        location: at(fn.file, call.span),
        message: `WdfRequestSend uses WDF_REQUEST_SEND_OPTION_SEND_AND_FORGET with \`${target}\`, a remote I/O target opened ${describeOpen(open.mode)} at ${where(open.location)}, which the framework does not allow. Format the request for the target and send it with a completion routine.`,
        steps: [
          ...remoteTargetSteps(origin.created, open),
          ...(options.setAt ? [step(options.setAt, 'WDF_REQUEST_SEND_OPTION_SEND_AND_FORGET is set here')] : []),
          step(at(fn.file, call.span), `the request is sent and forgotten to the remote target \`${target}\``),
        ],
      });
    }
    return findings;
  },
};
