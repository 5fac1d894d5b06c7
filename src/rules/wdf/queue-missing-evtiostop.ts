import { QUEUE_REQUEST_HANDLERS, QUEUE_STOPS } from '../../knowledge/requests.js';
import { roleLabel } from '../../knowledge/registrations.js';
import { at, step, where } from '../../model/location.js';
import { queuePower } from '../../model/queue-power.js';
import { firstKeep } from '../../model/request-keeping.js';
import type { DriverModel } from '../../model/driver-model.js';
import type { FunctionInfo } from '../../model/functions.js';
import type { CallFact } from '../../parser/facts.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';

/** The callback in which a driver may stop its queues itself before the device leaves D0. */
const SELF_MANAGED_SUSPEND = new Set(['EVT_WDF_DEVICE_SELF_MANAGED_IO_SUSPEND']);

export const queueMissingEvtIoStop: Rule = {
  meta: {
    id: 'queue-missing-evtiostop',
    code: 'DC4001',
    title: 'Power-managed queue keeps requests but has no EvtIoStop',
    severity: 'error',
    summary:
      'A power-managed queue whose request handlers keep requests after returning (cancelable, stored, or sent with a completion routine) and that registers no EvtIoStop.',
    rationale:
      'The framework does not let a device leave D0 while a request delivered from one of its power-managed queues is still with the driver. EvtIoStop is how the framework asks the driver to complete, cancel or acknowledge such a request. A driver that parks a request (waiting for data, for an interrupt, or for a lower driver) and has no EvtIoStop leaves the power transition waiting for an event that may never come; after the power watchdog expires the system stops with bug check 0x9F (DRIVER_POWER_STATE_FAILURE). A function driver\'s queues are power-managed by default; a filter driver\'s are not, and PowerManaged = WdfFalse opts out.',
    whyTestingMisses:
      'In testing the pending request is usually satisfied quickly, or no power transition happens while one is outstanding. Sleep, hibernate or selective suspend with a request parked (an application waiting for a notification) is what hangs, often only on customer machines.',
    fix:
      'Register EvtIoStop in the WDF_IO_QUEUE_CONFIG and, for each request the driver holds, complete it, cancel a sent request with WdfRequestCancelSentRequest, or call WdfRequestStopAcknowledge (after WdfRequestUnmarkCancelable for a cancelable one). Alternatively stop the queue yourself from EvtDeviceSelfManagedIoSuspend with WdfIoQueueStopSynchronously once the held requests can finish, or make the queue not power-managed.',
    badExample: `VOID EvtIoRead(WDFQUEUE Queue, WDFREQUEST Request, size_t Length)
{
    WdfRequestMarkCancelable(Request, EvtRequestCancel);
    QueueGetContext(Queue)->Pending = Request;
}

NTSTATUS QueueInitialize(WDFDEVICE Device)
{
    WDF_IO_QUEUE_CONFIG config;
    WDFQUEUE queue;
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&config, WdfIoQueueDispatchSequential);
    config.EvtIoRead = EvtIoRead;
    return WdfIoQueueCreate(Device, &config, WDF_NO_OBJECT_ATTRIBUTES, &queue);
}`,
    goodExample: `VOID EvtIoRead(WDFQUEUE Queue, WDFREQUEST Request, size_t Length)
{
    WdfRequestMarkCancelable(Request, EvtRequestCancel);
    QueueGetContext(Queue)->Pending = Request;
}

NTSTATUS QueueInitialize(WDFDEVICE Device)
{
    WDF_IO_QUEUE_CONFIG config;
    WDFQUEUE queue;
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&config, WdfIoQueueDispatchSequential);
    config.EvtIoRead = EvtIoRead;
    config.EvtIoStop = EvtIoStop;
    return WdfIoQueueCreate(Device, &config, WDF_NO_OBJECT_ATTRIBUTES, &queue);
}`,
    references: [
      { title: 'Using power-managed I/O queues', url: 'https://learn.microsoft.com/windows-hardware/drivers/wdf/using-power-managed-i-o-queues' },
      { title: 'EVT_WDF_IO_QUEUE_IO_STOP', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdfio/nc-wdfio-evt_wdf_io_queue_io_stop' },
      { title: 'Bug check 0x9F: DRIVER_POWER_STATE_FAILURE', url: 'https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0x9f--driver-power-state-failure' },
    ],
  },
  check(model) {
    // Only a queue whose configuration is known is judged.
    if (!model.objects.all.some((o) => o.kind === 'queue' && o.config.kind === 'known')) return [];
    if (stopsQueuesOnSuspend(model)) return [];
    const findings: RuleFinding[] = [];
    const devices = model.objects.all.filter((o) => o.kind === 'device');
    for (const queue of model.objects.all) {
      if (queue.kind !== 'queue' || queue.config.kind !== 'known') continue;
      const stop = queue.config.fields.get('EvtIoStop');
      if (stop && !/^(NULL|0|nullptr)$/.test(stop.value.trim())) continue;
      const acknowledged = acknowledgedForAnalysis(queue.createdIn, queue.call.span.startOffset);
      const power = queuePower(queue, devices, model.deviceInits, model.functions);
      if (power.kind !== 'managed') continue;
      for (const handler of model.callbacks.filter((cb) => cb.object === queue && QUEUE_REQUEST_HANDLERS.has(cb.roleType))) {
        const keep = firstKeep(model.receivedRequests, handler);
        if (!keep) continue;
        const label = roleLabel(handler.roleType);
        const keeper = keep.holder.fn.qualifiedName;
        findings.push({
          location: queue.location,
          message: `This queue is power-managed and has no EvtIoStop, but its ${label} ${handler.fn.qualifiedName} keeps requests after it returns (${keeper === handler.fn.qualifiedName ? 'it' : keeper} ${keep.what} at ${where(keep.location)}). On a power-down the framework waits for every request it delivered from this queue; one that is never completed stalls the transition until bug check 0x9F. Register EvtIoStop and complete, cancel or acknowledge the request there.`,
          steps: [
            step(queue.location, 'the queue is created here without EvtIoStop'),
            step(power.location, `it is power-managed: ${power.why}`),
            ...keep.holder.steps,
            step(keep.location, `${keeper} ${keep.what} here: the driver still holds it after the ${label} returns`),
          ],
          ...(acknowledged
            ? { suppression: { justification: `__analysis_assume(${acknowledged.args[0]}) before the queue is created`, location: at(queue.createdIn.file, acknowledged.span) } }
            : {}),
        });
        break;
      }
    }
    return findings;
  },
};

/**
 * `__analysis_assume(config.EvtIoStop != 0)` before the create: the author tells static
 * analysis (SDV) that the queue needs no EvtIoStop, usually with the reason in a comment.
 */
function acknowledgedForAnalysis(fn: FunctionInfo, before: number): CallFact | undefined {
  return fn.fact.calls.find((c) => c.callee === '__analysis_assume' && c.span.startOffset < before && /\bEvtIoStop\s*!=/.test(c.args[0] ?? ''));
}

/**
 * A driver that stops, drains or purges a queue from EvtDeviceSelfManagedIoSuspend accounts
 * for its delivered requests before the device leaves D0 (the echo sample does this instead of
 * EvtIoStop). Which queue is stopped is often a getter's result, so any such stop counts.
 */
function stopsQueuesOnSuspend(model: DriverModel): boolean {
  const suspend = model.reachedFrom(SELF_MANAGED_SUSPEND);
  return model.functions.all.some((fn) => suspend.of(fn) !== undefined && fn.fact.calls.some((c) => QUEUE_STOPS.has(c.callee)));
}


