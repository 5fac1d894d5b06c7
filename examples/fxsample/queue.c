/*++

Module Name:

    queue.c

Abstract:

    Queue creation for fxsample.

    The default queue has no execution-level constraint, so its callbacks can
    be called at any IRQL up to DISPATCH_LEVEL and in any process. The second
    queue is constrained to PASSIVE_LEVEL: work that waits, or code that is
    pageable, belongs there.

Environment:

    Kernel mode only.

--*/

#include "fxsample.h"

#ifdef ALLOC_PRAGMA
#pragma alloc_text(PAGE, FxSampleQueueInitialize)
#endif

_Use_decl_annotations_
NTSTATUS
FxSampleQueueInitialize( // ok: irql-pageable-code
    WDFDEVICE Device
    )
{
    PDEVICE_CONTEXT devContext = DeviceGetContext(Device);
    WDF_OBJECT_ATTRIBUTES passiveAttributes;
    WDF_IO_QUEUE_CONFIG queueConfig;
    NTSTATUS status;

    PAGED_CODE();

    //
    // Default, parallel queue. No attributes, so no ExecutionLevel.
    //
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&queueConfig, WdfIoQueueDispatchParallel);
    queueConfig.EvtIoRead = FxSampleEvtIoRead;
    queueConfig.EvtIoWrite = FxSampleEvtIoWrite;
    queueConfig.EvtIoDeviceControl = FxSampleEvtIoDeviceControl;
    queueConfig.EvtIoStop = FxSampleEvtIoStop;

    status = WdfIoQueueCreate(Device,
                              &queueConfig,
                              WDF_NO_OBJECT_ATTRIBUTES,
                              &devContext->DefaultQueue);
    if (!NT_SUCCESS(status)) {
        return status;
    }

    //
    // Passive-level queue. The default queue forwards to it the requests
    // whose processing must wait or touch pageable code.
    //
    WDF_OBJECT_ATTRIBUTES_INIT(&passiveAttributes);
    passiveAttributes.ExecutionLevel = WdfExecutionLevelPassive;

    WDF_IO_QUEUE_CONFIG_INIT(&queueConfig, WdfIoQueueDispatchSequential);
    queueConfig.EvtIoRead = FxSampleEvtIoReadPassive;
    queueConfig.EvtIoDeviceControl = FxSampleEvtIoDeviceControlPassive;

    return WdfIoQueueCreate(Device, // expect: queue-missing-evtiostop
                            &queueConfig,
                            &passiveAttributes,
                            &devContext->PassiveQueue);
}
