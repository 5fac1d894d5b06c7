import { QUEUE_REQUEST_HANDLERS, QUEUE_WAITS } from '../../knowledge/requests.js';
import { roleLabel } from '../../knowledge/registrations.js';
import { irqlName, rank } from '../../model/irql-level.js';
import { at, step } from '../../model/location.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';

export const queuePurgeInIoCallback: Rule = {
  meta: {
    id: 'queue-purge-in-io-callback',
    code: 'DC4002',
    title: 'Queue purged, stopped or drained synchronously from an EvtIo callback',
    severity: 'error',
    summary:
      'WdfIoQueuePurgeSynchronously, WdfIoQueueStopSynchronously, WdfIoQueueDrainSynchronously or WdfIoQueueStopAndPurgeSynchronously reached from a request handler (EvtIoRead, EvtIoWrite, EvtIoDeviceControl, EvtIoInternalDeviceControl, EvtIoDefault).',
    rationale:
      'The synchronous purge, stop and drain methods return only after every request the queue has delivered to the driver is completed or canceled. Called from a request handler, the wait includes requests that cannot finish while the handler is still running, so the handler waits for itself. The documentation forbids these calls from any EvtIo request handler, whichever queue the handler belongs to. They also wait, so they need PASSIVE_LEVEL.',
    whyTestingMisses:
      'The call only deadlocks when a request is in progress at the moment of the purge, and the code path (a reset or cancel IOCTL, an error path) is rarely exercised while other I/O is outstanding.',
    fix:
      'Use the asynchronous form (WdfIoQueuePurge, WdfIoQueueStop, WdfIoQueueDrain) with an EvtIoQueueState callback that continues the work, or queue a work item that performs the synchronous call outside the request handler.',
    badExample: `VOID EvtIoDeviceControl(WDFQUEUE Queue, WDFREQUEST Request, size_t OutLength, size_t InLength, ULONG Code)
{
    WdfIoQueuePurgeSynchronously(DeviceGetContext(WdfIoQueueGetDevice(Queue))->ReadQueue);
    WdfRequestComplete(Request, STATUS_SUCCESS);
}

NTSTATUS QueueInitialize(WDFDEVICE Device)
{
    WDF_IO_QUEUE_CONFIG config;
    WDFQUEUE queue;
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&config, WdfIoQueueDispatchSequential);
    config.EvtIoDeviceControl = EvtIoDeviceControl;
    return WdfIoQueueCreate(Device, &config, WDF_NO_OBJECT_ATTRIBUTES, &queue);
}`,
    goodExample: `VOID EvtIoDeviceControl(WDFQUEUE Queue, WDFREQUEST Request, size_t OutLength, size_t InLength, ULONG Code)
{
    WdfIoQueuePurge(DeviceGetContext(WdfIoQueueGetDevice(Queue))->ReadQueue, EvtReadQueuePurged, NULL);
    WdfRequestComplete(Request, STATUS_SUCCESS);
}

NTSTATUS QueueInitialize(WDFDEVICE Device)
{
    WDF_IO_QUEUE_CONFIG config;
    WDFQUEUE queue;
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&config, WdfIoQueueDispatchSequential);
    config.EvtIoDeviceControl = EvtIoDeviceControl;
    return WdfIoQueueCreate(Device, &config, WDF_NO_OBJECT_ATTRIBUTES, &queue);
}`,
    references: [
      { title: 'WdfIoQueuePurgeSynchronously', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdfio/nf-wdfio-wdfioqueuepurgesynchronously' },
      { title: 'WdfIoQueueStopSynchronously', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdfio/nf-wdfio-wdfioqueuestopsynchronously' },
      { title: 'WdfIoQueueDrainSynchronously', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdfio/nf-wdfio-wdfioqueuedrainsynchronously' },
    ],
  },
  check(model) {
    const findings: RuleFinding[] = [];
    const handlers = model.reachedFrom(QUEUE_REQUEST_HANDLERS);
    for (const fn of model.functions.all) {
      const reach = handlers.of(fn);
      if (!reach) continue;
      for (const site of model.functions.callSites(fn)) {
        const { call } = site;
        if (!QUEUE_WAITS.has(call.callee) || call.calleeKind !== 'identifier') continue;
        const location = at(fn.file, call.span);
        const level = model.irql.levelAtCall(site);
        const alsoIrql = level && rank(level.level) > rank('PASSIVE') ? ` It also waits at up to ${irqlName(level.level)}, where waiting is not allowed.` : '';
        findings.push({
          location,
          message: `${call.callee} waits until every request the queue delivered is completed or canceled, but it is reached from the ${roleLabel(reach.root.roleType)} ${reach.root.fn.qualifiedName}, a request handler that cannot finish while it waits: a deadlock.${alsoIrql} Use the asynchronous form with an EvtIoQueueState callback, or do this in a work item.`,
          steps: [...reach.steps, step(location, `${call.callee} waits here for the queue's delivered requests`)],
        });
      }
    }
    return findings;
  },
};
