/*++

Module Name:

    device.c

Abstract:

    Device creation for fxsample: the device context, the shared buffer handed
    to user mode, and the remote I/O target for the peer device.

Environment:

    Kernel mode only.

--*/

#include "fxsample.h"

#ifdef ALLOC_PRAGMA
#pragma alloc_text(PAGE, FxSampleEvtDeviceAdd)
#pragma alloc_text(PAGE, FxSampleEvtDevicePrepareHardware)
#pragma alloc_text(PAGE, FxSampleEvtDeviceReleaseHardware)
#endif

_Use_decl_annotations_
NTSTATUS
FxSampleEvtDeviceAdd( // ok: irql-pageable-code
    WDFDRIVER Driver,
    PWDFDEVICE_INIT DeviceInit
    )
{
    WDF_PNPPOWER_EVENT_CALLBACKS pnpPowerCallbacks;
    WDF_OBJECT_ATTRIBUTES requestAttributes;
    WDF_OBJECT_ATTRIBUTES deviceAttributes;
    WDF_OBJECT_ATTRIBUTES targetAttributes;
    PDEVICE_CONTEXT devContext;
    WDFDEVICE device;
    NTSTATUS status;

    UNREFERENCED_PARAMETER(Driver);
    PAGED_CODE();

    WdfDeviceInitSetIoType(DeviceInit, WdfDeviceIoBuffered);

    //
    // The caller-context callback sees each request in the requesting
    // thread, before it is queued (the corrected variant of error #1).
    //
    WdfDeviceInitSetIoInCallerContextCallback(DeviceInit, FxSampleEvtIoInCallerContext);

    WDF_PNPPOWER_EVENT_CALLBACKS_INIT(&pnpPowerCallbacks);
    pnpPowerCallbacks.EvtDevicePrepareHardware = FxSampleEvtDevicePrepareHardware;
    pnpPowerCallbacks.EvtDeviceReleaseHardware = FxSampleEvtDeviceReleaseHardware;
    WdfDeviceInitSetPnpPowerEventCallbacks(DeviceInit, &pnpPowerCallbacks);

    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&requestAttributes, REQUEST_CONTEXT);
    WdfDeviceInitSetRequestAttributes(DeviceInit, &requestAttributes);

    //
    // No ExecutionLevel here: the device does not constrain its queues.
    //
    WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&deviceAttributes, DEVICE_CONTEXT);
    deviceAttributes.EvtCleanupCallback = FxSampleEvtDeviceContextCleanup;

    status = WdfDeviceCreate(&DeviceInit, &deviceAttributes, &device);
    if (!NT_SUCCESS(status)) {
        return status;
    }

    devContext = DeviceGetContext(device);

    status = WdfDeviceCreateDeviceInterface(device, &GUID_DEVINTERFACE_FXSAMPLE, NULL);
    if (!NT_SUCCESS(status)) {
        return status;
    }

    //
    // Nonpaged buffer that applications map into their address space.
    //
    devContext->SharedBuffer = ExAllocatePool2(POOL_FLAG_NON_PAGED,
                                               FXSAMPLE_SHARED_BYTES,
                                               FXSAMPLE_POOL_TAG);
    if (devContext->SharedBuffer == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }

    devContext->SharedMdl = IoAllocateMdl(devContext->SharedBuffer,
                                          FXSAMPLE_SHARED_BYTES,
                                          FALSE,
                                          FALSE,
                                          NULL);
    if (devContext->SharedMdl == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    MmBuildMdlForNonPagedPool(devContext->SharedMdl);

    //
    // Remote I/O target for the peer device. It is opened by name in
    // EvtDevicePrepareHardware.
    //
    WDF_OBJECT_ATTRIBUTES_INIT(&targetAttributes);
    targetAttributes.ParentObject = device;

    status = WdfIoTargetCreate(device, &targetAttributes, &devContext->MyIoTarget);
    if (!NT_SUCCESS(status)) {
        return status;
    }

    return FxSampleQueueInitialize(device);
}

_Use_decl_annotations_
NTSTATUS
FxSampleEvtDevicePrepareHardware( // ok: irql-pageable-code
    WDFDEVICE Device,
    WDFCMRESLIST ResourcesRaw,
    WDFCMRESLIST ResourcesTranslated
    )
{
    DECLARE_CONST_UNICODE_STRING(peerName, FXSAMPLE_PEER_DEVICE_NAME);
    PDEVICE_CONTEXT devContext = DeviceGetContext(Device);
    WDF_IO_TARGET_OPEN_PARAMS openParams;

    UNREFERENCED_PARAMETER(ResourcesRaw);
    UNREFERENCED_PARAMETER(ResourcesTranslated);
    PAGED_CODE();

    WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME(&openParams,
                                                &peerName,
                                                GENERIC_READ | GENERIC_WRITE);
    openParams.ShareAccess = FILE_SHARE_READ | FILE_SHARE_WRITE;

    return WdfIoTargetOpen(devContext->MyIoTarget, &openParams);
}

_Use_decl_annotations_
NTSTATUS
FxSampleEvtDeviceReleaseHardware( // ok: irql-pageable-code
    WDFDEVICE Device,
    WDFCMRESLIST ResourcesTranslated
    )
{
    UNREFERENCED_PARAMETER(ResourcesTranslated);
    PAGED_CODE();

    WdfIoTargetClose(DeviceGetContext(Device)->MyIoTarget);
    return STATUS_SUCCESS;
}

_Use_decl_annotations_
VOID
FxSampleEvtDeviceContextCleanup(
    WDFOBJECT Object
    )
{
    PDEVICE_CONTEXT devContext = DeviceGetContext((WDFDEVICE)Object);

    if (devContext->SharedMdl != NULL) {
        IoFreeMdl(devContext->SharedMdl);
        devContext->SharedMdl = NULL;
    }
    if (devContext->SharedBuffer != NULL) {
        ExFreePoolWithTag(devContext->SharedBuffer, FXSAMPLE_POOL_TAG);
        devContext->SharedBuffer = NULL;
    }
}
