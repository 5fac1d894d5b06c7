/**
 * What WDF request DDIs do to the request handle they are given: complete it, hand it on to
 * someone else, keep it with the driver past the callback, or only read it. Tables, not
 * branches: the rules about request ownership ask these sets.
 *
 * Source: the WDF request object reference (wdfrequest.h), learn.microsoft.com.
 */

/** Calls that complete the request in their first argument. */
export const REQUEST_COMPLETIONS: ReadonlySet<string> = new Set([
  'WdfRequestComplete',
  'WdfRequestCompleteWithInformation',
  'WdfRequestCompleteWithPriorityBoost',
]);

/**
 * Calls that give the request in their first argument to someone else, who then completes or
 * returns it: another queue, an I/O target, the framework (stop acknowledgement).
 */
export const REQUEST_HAND_OFFS: ReadonlySet<string> = new Set([
  'WdfRequestSend',
  'WdfRequestForwardToIoQueue',
  'WdfRequestForwardToParentDeviceIoQueue',
  'WdfRequestRequeue',
  'WdfRequestStopAcknowledge',
  'WdfDeviceEnqueueRequest',
]);

/** `WdfDeviceEnqueueRequest(Device, Request)` takes the request second. */
export const REQUEST_ARGUMENT: Readonly<Record<string, number>> = {
  WdfDeviceEnqueueRequest: 1,
  WdfCollectionAdd: 1,
};

/** Calls after which the driver holds the request past the callback that received it. */
export const REQUEST_KEEPERS: Readonly<Record<string, string>> = {
  WdfRequestMarkCancelable: 'marks the request cancelable',
  WdfRequestMarkCancelableEx: 'marks the request cancelable',
  WdfCollectionAdd: 'adds the request to a collection',
};

/** Calls that set a completion routine on the request in their first argument. */
export const COMPLETION_ROUTINE_SETTERS: ReadonlySet<string> = new Set(['WdfRequestSetCompletionRoutine']);

/** Queue DDIs that wait until every request the queue delivered is completed or canceled. */
export const QUEUE_WAITS: ReadonlySet<string> = new Set([
  'WdfIoQueuePurgeSynchronously',
  'WdfIoQueueStopSynchronously',
  'WdfIoQueueDrainSynchronously',
  'WdfIoQueueStopAndPurgeSynchronously',
]);

/** Queue DDIs that stop a queue and account for its delivered requests (with or without waiting). */
export const QUEUE_STOPS: ReadonlySet<string> = new Set([
  ...QUEUE_WAITS,
  'WdfIoQueueStop',
  'WdfIoQueuePurge',
  'WdfIoQueueDrain',
  'WdfIoQueueStopAndPurge',
]);

/** The argument position of the request in a request DDI: first, unless listed. */
export function requestArgumentOf(callee: string): number {
  return REQUEST_ARGUMENT[callee] ?? 0;
}

/**
 * Request DDIs a completed request must not be passed to: after completion the handle may
 * already be freed. Any `WdfRequest*` call other than these counts as a use.
 */
export function isRequestUse(callee: string): boolean {
  return /^WdfRequest[A-Z]/.test(callee) || callee === 'WdfObjectGetTypedContext' || callee === 'WdfObjectGetTypedContextWorker';
}

/**
 * Role types whose callbacks receive a request from the framework that the driver then owns
 * and must complete or hand on, and the parameter it arrives in.
 */
export const REQUEST_HANDLER_PARAMS: Readonly<Record<string, number>> = {
  EVT_WDF_IO_QUEUE_IO_DEFAULT: 1,
  EVT_WDF_IO_QUEUE_IO_READ: 1,
  EVT_WDF_IO_QUEUE_IO_WRITE: 1,
  EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL: 1,
  EVT_WDF_IO_QUEUE_IO_INTERNAL_DEVICE_CONTROL: 1,
  EVT_WDF_IO_IN_CALLER_CONTEXT: 1,
  EVT_WDF_IO_QUEUE_IO_CANCELED_ON_QUEUE: 1,
  EVT_WDF_DEVICE_FILE_CREATE: 1,
  EVT_WDF_REQUEST_CANCEL: 0,
};

/**
 * The request handlers of a queue (EvtIoDefault, EvtIoRead, EvtIoWrite, EvtIoDeviceControl,
 * EvtIoInternalDeviceControl): the callbacks from which the documentation forbids waiting for
 * any queue of the device to stop, drain or purge.
 */
export const QUEUE_REQUEST_HANDLERS: ReadonlySet<string> = new Set([
  'EVT_WDF_IO_QUEUE_IO_DEFAULT',
  'EVT_WDF_IO_QUEUE_IO_READ',
  'EVT_WDF_IO_QUEUE_IO_WRITE',
  'EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL',
  'EVT_WDF_IO_QUEUE_IO_INTERNAL_DEVICE_CONTROL',
]);
