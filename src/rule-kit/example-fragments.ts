/**
 * Driver set-up that several rules' documentation examples share: a default queue with one
 * EvtIo callback, created on a device that has no execution-level constraint. The examples
 * are compiled into the tests (bad triggers, good does not), so they must stay complete.
 */

/** `QueueInitialize` creating a default parallel queue whose `field` (EvtIoRead, ...) is `handler`. */
export function defaultQueueInitialize(field: string, handler: string): string {
  return `NTSTATUS QueueInitialize(WDFDEVICE Device)
{
    WDF_IO_QUEUE_CONFIG config;
    WDFQUEUE queue;
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&config, WdfIoQueueDispatchParallel);
    config.${field} = ${handler};
    return WdfIoQueueCreate(Device, &config, WDF_NO_OBJECT_ATTRIBUTES, &queue);
}`;
}

/** `EvtDeviceAdd` creating the device without attributes and calling `QueueInitialize`. */
export const DEVICE_ADD_WITH_QUEUES = `NTSTATUS EvtDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit)
{
    WDFDEVICE device;
    NTSTATUS status = WdfDeviceCreate(&DeviceInit, WDF_NO_OBJECT_ATTRIBUTES, &device);
    return QueueInitialize(device);
}`;

/** `OpenRemote`: a remote I/O target created, opened by name, and kept in the device context. */
export const OPEN_REMOTE_BY_NAME = `NTSTATUS OpenRemote(WDFDEVICE Device, PUNICODE_STRING Name)
{
    WDF_IO_TARGET_OPEN_PARAMS params;
    WDFIOTARGET target;
    NTSTATUS status = WdfIoTargetCreate(Device, WDF_NO_OBJECT_ATTRIBUTES, &target);
    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&params, Name, GENERIC_READ | GENERIC_WRITE);
    status = WdfIoTargetOpen(target, &params);
    DeviceGetContext(Device)->RemoteTarget = target;
    return status;
}`;
