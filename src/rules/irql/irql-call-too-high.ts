import { QUEUE_REQUEST_HANDLERS, QUEUE_WAITS } from '../../knowledge/requests.js';
import { NAME_QUERIES } from '../../knowledge/wdm.js';
import { requirementOf } from '../../model/call-requirements.js';
import { isMappingCall } from '../../model/user-mappings.js';
import { irqlName, rank } from '../../model/irql-level.js';
import { at, step } from '../../model/location.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';
import { DEVICE_ADD_WITH_QUEUES, defaultQueueInitialize } from '../../rule-kit/example-fragments.js';

const ADVICE = {
  queue: 'Set ExecutionLevel = WdfExecutionLevelPassive on the queue (or its device) so its callbacks run at PASSIVE_LEVEL, or move this work to a work item.',
  lock: 'Release the lock before this call, or move the work to a work item.',
  callback: 'Move this work to a work item (or a system thread), which runs at PASSIVE_LEVEL.',
} as const;


export const irqlCallTooHigh: Rule = {
  meta: {
    id: 'irql-call-too-high',
    code: 'DC1001',
    codeAnalysisWarnings: [28121, 28123],
    title: 'Call made at an IRQL above what it allows',
    severity: 'error',
    summary: 'Calls a routine whose documented (or annotated) IRQL requirement is lower than the IRQL the calling code may run at.',
    rationale:
      'Routines that wait (synchronous sends, *Synchronously DDIs, KeWaitFor* with a timeout, wait locks, fast mutexes) or touch pageable memory or files (Zw* calls) must be called below DISPATCH_LEVEL. WDF EvtIo callbacks without a passive execution-level constraint, request completion routines, DPCs and timers may run at DISPATCH_LEVEL, and so does any code that holds a spin lock. A wait at DISPATCH_LEVEL is a bug check (IRQL_NOT_LESS_OR_EQUAL or a deadlock).',
    whyTestingMisses:
      'KMDF usually calls EvtIo callbacks at PASSIVE_LEVEL because the request arrives in a thread at PASSIVE_LEVEL; the driver runs for months. A synchronization scope, a lower driver that completes requests at DISPATCH_LEVEL, or a different system load changes the IRQL, and the wait bug-checks.',
    fix: 'Set ExecutionLevel = WdfExecutionLevelPassive in the WDF_OBJECT_ATTRIBUTES of the queue (or its device) before creating it, so EvtIo callbacks run at PASSIVE_LEVEL; or defer the work to a work item; or use a non-blocking form (an asynchronous send with a completion routine, a spin lock instead of a mutex). Release spin locks before calling routines that need a lower IRQL.',
    badExample: `VOID EvtIoRead(WDFQUEUE Queue, WDFREQUEST Request, size_t Length)
{
    WDF_REQUEST_SEND_OPTIONS options;
    WDF_REQUEST_SEND_OPTIONS_INIT(&options, WDF_REQUEST_SEND_OPTION_SYNCHRONOUS);
    WdfRequestSend(Request, WdfDeviceGetIoTarget(WdfIoQueueGetDevice(Queue)), &options);
}

${defaultQueueInitialize('EvtIoRead', 'EvtIoRead')}

${DEVICE_ADD_WITH_QUEUES}`,
    goodExample: `VOID EvtIoRead(WDFQUEUE Queue, WDFREQUEST Request, size_t Length)
{
    WDF_REQUEST_SEND_OPTIONS options;
    WDF_REQUEST_SEND_OPTIONS_INIT(&options, WDF_REQUEST_SEND_OPTION_SYNCHRONOUS);
    WdfRequestSend(Request, WdfDeviceGetIoTarget(WdfIoQueueGetDevice(Queue)), &options);
}

NTSTATUS QueueInitialize(WDFDEVICE Device)
{
    WDF_IO_QUEUE_CONFIG config;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDFQUEUE queue;
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&config, WdfIoQueueDispatchParallel);
    config.EvtIoRead = EvtIoRead;
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ExecutionLevel = WdfExecutionLevelPassive;
    return WdfIoQueueCreate(Device, &config, &attributes, &queue);
}

${DEVICE_ADD_WITH_QUEUES}`,
    references: [
      { title: 'Using automatic synchronization: ExecutionLevel', url: 'https://learn.microsoft.com/windows-hardware/drivers/wdf/using-automatic-synchronization' },
      { title: 'WdfRequestSend (IRQL requirements)', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdfrequest/nf-wdfrequest-wdfrequestsend' },
      { title: 'Managing hardware priorities (IRQL)', url: 'https://learn.microsoft.com/windows-hardware/drivers/kernel/managing-hardware-priorities' },
    ],
  },
  check(model) {
    const findings: RuleFinding[] = [];
    for (const fn of model.functions.all) {
      // No call of a function that runs at no known IRQL and takes no lock is judged.
      if (!model.irql.mayRunRaised(fn)) continue;
      for (const site of model.functions.callSites(fn)) {
        const requirement = requirementOf(site, model.knowledge);
        if (!requirement) continue;
        // The level first, and the steps that prove it only for a call reported.
        const level = model.irql.levelAt(site);
        if (!level || rank(level) <= rank(requirement.max)) continue;
        const at_ = model.irql.levelAtCall(site)!;
        // A mapping made in an arbitrary thread is context-user-mapping's finding: one defect, one finding.
        if (isMappingCall(site.call) && model.threadContext.witness(fn)) continue;
        // queue-purge-in-io-callback reports a queue wait reached from a request handler, IRQL included.
        if (QUEUE_WAITS.has(site.call.callee) && model.reachedFrom(QUEUE_REQUEST_HANDLERS).of(fn)) continue;
        // Name queries above APC_LEVEL are name-query-unsafe findings, with the minifilter advice.
        if (site.call.callee in NAME_QUERIES) continue;
        const location = at(fn.file, site.call.span);
        const steps = [...at_.steps];
        if (requirement.decidedAt && !(requirement.decidedAt.file === location.file && requirement.decidedAt.span.startOffset === location.span.startOffset)) {
          steps.push(step(requirement.decidedAt, requirement.decidedWhat ?? 'the argument that decides the requirement is set here'));
        }
        steps.push(step(location, `${requirement.why}; here the IRQL may be ${irqlName(at_.level)}`));
        findings.push({
          location,
          message: `${site.call.callee} is called at up to ${irqlName(at_.level)}, but ${requirement.why}. ${ADVICE[at_.cause]}`,
          steps,
        });
      }
    }
    return findings;
  },
};
