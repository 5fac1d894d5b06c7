/*++

Module Name:

    io.c

Abstract:

    I/O callbacks for fxsample.

    Default queue (no execution level: <= DISPATCH_LEVEL, arbitrary process):
        FxSampleEvtIoDeviceControl  error #1, UserMode mapping in an EvtIo callback
        FxSampleEvtIoRead           error #2, synchronous send at DISPATCH_LEVEL
        FxSampleEvtIoWrite          error #3, current-type format + send-and-forget
                                    to the remote target opened by name
        FxSampleEvtIoStop           pageable EvtIo callback

    Corrected variants:
        FxSampleEvtIoInCallerContext       the mapping, in the requester's thread
        FxSampleEvtIoDeviceControlPassive  the synchronous send, on the passive queue
        FxSampleEvtIoReadPassive           the remote send, formatted for the target,
                                           with a completion routine

Environment:

    Kernel mode only.

--*/

#include "fxsample.h"

#ifdef ALLOC_PRAGMA
#pragma alloc_text(PAGE, FxSampleEvtIoStop)
#pragma alloc_text(PAGE, FxSampleEvtIoReadPassive)
#pragma alloc_text(PAGE, FxSampleEvtIoDeviceControlPassive)
#endif

//
// Corrected variant of error #1. The framework calls this in the context of
// the thread that sent the request, so a UserMode view lands in the
// requesting process. The view is unmapped in that process when its handle
// is cleaned up (not shown).
//
_Use_decl_annotations_
VOID
FxSampleEvtIoInCallerContext(
    WDFDEVICE Device,
    WDFREQUEST Request
    )
{
    PDEVICE_CONTEXT devContext = DeviceGetContext(Device);
    PREQUEST_CONTEXT reqContext = RequestGetContext(Request);
    WDF_REQUEST_PARAMETERS params;
    NTSTATUS status;

    WDF_REQUEST_PARAMETERS_INIT(&params);
    WdfRequestGetParameters(Request, &params);

    reqContext->MappedUserAddress = NULL;

    if (params.Type == WdfRequestTypeDeviceControl &&
        params.Parameters.DeviceIoControl.IoControlCode == IOCTL_FXSAMPLE_MAP_SHARED_IN_CALLER) {

        __try {
            reqContext->MappedUserAddress = MmMapLockedPagesSpecifyCache(devContext->SharedMdl, // ok: context-user-mapping, irql-call-too-high
                                                                         UserMode,
                                                                         MmNonCached,
                                                                         NULL,
                                                                         FALSE,
                                                                         NormalPagePriority);
        } __except (EXCEPTION_EXECUTE_HANDLER) {
            reqContext->MappedUserAddress = NULL;
        }
    }

    status = WdfDeviceEnqueueRequest(Device, Request);
    if (!NT_SUCCESS(status)) {
        WdfRequestComplete(Request, status);
    }
}

_Use_decl_annotations_
VOID
FxSampleEvtIoDeviceControl(
    WDFQUEUE Queue,
    WDFREQUEST Request,
    size_t OutputBufferLength,
    size_t InputBufferLength,
    ULONG IoControlCode
    )
{
    PDEVICE_CONTEXT devContext = DeviceGetContext(WdfIoQueueGetDevice(Queue));
    PMDL MdlAddress = devContext->SharedMdl;
    PVOID MappedUserAddress = NULL;
    PVOID *outputAddress;
    NTSTATUS status;

    UNREFERENCED_PARAMETER(OutputBufferLength);
    UNREFERENCED_PARAMETER(InputBufferLength);

    switch (IoControlCode) {

    case IOCTL_FXSAMPLE_MAP_SHARED:
        //
        // Error #1: this callback runs in an arbitrary process, so the view is
        // mapped into whatever process happens to be current (and UserMode
        // mapping needs <= APC_LEVEL, which this queue does not guarantee).
        //
        __try {
            MappedUserAddress = MmMapLockedPagesSpecifyCache(MdlAddress, // expect: context-user-mapping
                                                             UserMode,
                                                             MmNonCached,
                                                             NULL,
                                                             FALSE,
                                                             NormalPagePriority);
        } __except (EXCEPTION_EXECUTE_HANDLER) {
            MappedUserAddress = NULL;
        }

        if (MappedUserAddress == NULL) {
            status = STATUS_INSUFFICIENT_RESOURCES;
            goto done;
        }
        break;

    case IOCTL_FXSAMPLE_MAP_SHARED_IN_CALLER:
        //
        // Corrected: the view was made in FxSampleEvtIoInCallerContext.
        //
        MappedUserAddress = RequestGetContext(Request)->MappedUserAddress;
        if (MappedUserAddress == NULL) {
            status = STATUS_INSUFFICIENT_RESOURCES;
            goto done;
        }
        break;

    case IOCTL_FXSAMPLE_QUERY_PEER:
        //
        // Waiting for the peer needs PASSIVE_LEVEL: hand over to the passive queue.
        //
        status = WdfRequestForwardToIoQueue(Request, devContext->PassiveQueue);
        if (NT_SUCCESS(status)) {
            return;
        }
        goto done;

    default:
        status = STATUS_INVALID_DEVICE_REQUEST;
        goto done;
    }

    status = WdfRequestRetrieveOutputBuffer(Request, sizeof(PVOID), (PVOID *)&outputAddress, NULL);
    if (NT_SUCCESS(status)) {
        *outputAddress = MappedUserAddress;
        WdfRequestCompleteWithInformation(Request, status, sizeof(PVOID));
        return;
    }

done:
    WdfRequestComplete(Request, status);
}

_Use_decl_annotations_
VOID
FxSampleEvtIoRead(
    WDFQUEUE Queue,
    WDFREQUEST Request,
    size_t Length
    )
{
    PDEVICE_CONTEXT devContext = DeviceGetContext(WdfIoQueueGetDevice(Queue));
    WDFIOTARGET IoTarget = devContext->MyIoTarget;
    WDF_REQUEST_SEND_OPTIONS SendOptions;
    WDF_OBJECT_ATTRIBUTES requestAttributes;
    WDFREQUEST IoctlRequest;
    WDFMEMORY outputMemory;
    ULONG_PTR information = 0;
    NTSTATUS Status;

    //
    // Reads larger than a status block are relayed to the peer by the
    // passive queue.
    //
    if (Length > FXSAMPLE_STATUS_BYTES) {
        Status = WdfRequestForwardToIoQueue(Request, devContext->PassiveQueue);
        if (!NT_SUCCESS(Status)) {
            WdfRequestComplete(Request, Status);
        }
        return;
    }

    //
    // Small reads return the peer's status block, fetched with an IOCTL.
    //
    WDF_OBJECT_ATTRIBUTES_INIT(&requestAttributes);
    requestAttributes.ParentObject = Request;

    Status = WdfRequestCreate(&requestAttributes, IoTarget, &IoctlRequest);
    if (!NT_SUCCESS(Status)) {
        goto ReadStatusEnd;
    }

    Status = WdfRequestRetrieveOutputMemory(Request, &outputMemory);
    if (!NT_SUCCESS(Status)) {
        goto ReadStatusEnd;
    }

    Status = WdfIoTargetFormatRequestForIoctl(IoTarget,
                                              IoctlRequest,
                                              IOCTL_FXPEER_GET_STATUS,
                                              NULL,
                                              NULL,
                                              outputMemory,
                                              NULL);
    if (!NT_SUCCESS(Status)) {
        goto ReadStatusEnd;
    }

    //
    // Error #2: a synchronous send waits, and this queue's callbacks may run
    // at DISPATCH_LEVEL. The 60-second timeout does not change that.
    //
    WDF_REQUEST_SEND_OPTIONS_INIT(&SendOptions, WDF_REQUEST_SEND_OPTION_SYNCHRONOUS);
    WDF_REQUEST_SEND_OPTIONS_SET_TIMEOUT(&SendOptions, WDF_REL_TIMEOUT_IN_SEC(60));

    Status = WdfRequestAllocateTimer(IoctlRequest);
    if (!NT_SUCCESS(Status)) {
        goto ReadStatusEnd;
    }

    if (!WdfRequestSend(IoctlRequest, IoTarget, &SendOptions)) { // expect: irql-call-too-high
        Status = WdfRequestGetStatus(IoctlRequest);
    }

    if (NT_SUCCESS(Status)) {
        Status = WdfRequestGetStatus(IoctlRequest);
        information = WdfRequestGetInformation(IoctlRequest);
    }

ReadStatusEnd:
    WdfRequestCompleteWithInformation(Request, Status, information);
}

_Use_decl_annotations_
VOID
FxSampleEvtIoWrite(
    WDFQUEUE Queue,
    WDFREQUEST Request,
    size_t Length
    )
{
    PDEVICE_CONTEXT devContext = DeviceGetContext(WdfIoQueueGetDevice(Queue));
    WDF_REQUEST_SEND_OPTIONS RequestSendOptions;
    BOOLEAN Result;
    NTSTATUS Status;

    UNREFERENCED_PARAMETER(Length);

    //
    // Error #3: MyIoTarget is a remote target opened by name. The current-type
    // format is for the local target only, and send-and-forget is not allowed
    // for a target opened by name.
    //
    WDF_REQUEST_SEND_OPTIONS_INIT(&RequestSendOptions,
                                  WDF_REQUEST_SEND_OPTION_SEND_AND_FORGET);

    WdfRequestFormatRequestUsingCurrentType(Request); // expect: iotarget-format-current-type-remote

    Result = WdfRequestSend(Request, devContext->MyIoTarget, &RequestSendOptions); // expect: iotarget-send-and-forget-remote

    if (Result == FALSE) {
        Status = WdfRequestGetStatus(Request);
        WdfRequestComplete(Request, Status);
    }
}

//
// Pageable EvtIo callback on the unconstrained default queue: the framework
// may call it at DISPATCH_LEVEL, where a page fault cannot be resolved.
//
_Use_decl_annotations_
VOID
FxSampleEvtIoStop( // expect: irql-pageable-code
    WDFQUEUE Queue,
    WDFREQUEST Request,
    ULONG ActionFlags
    )
{
    UNREFERENCED_PARAMETER(Queue);
    PAGED_CODE();

    if (ActionFlags & WdfRequestStopActionSuspend) {
        WdfRequestStopAcknowledge(Request, FALSE);
    } else if (ActionFlags & WdfRequestStopActionPurge) {
        WdfRequestCancelSentRequest(Request);
    }
}

//
// Corrected variant of error #2, on the PASSIVE_LEVEL queue (and pageable,
// which the passive constraint also makes correct).
//
_Use_decl_annotations_
VOID
FxSampleEvtIoDeviceControlPassive( // ok: irql-pageable-code
    WDFQUEUE Queue,
    WDFREQUEST Request,
    size_t OutputBufferLength,
    size_t InputBufferLength,
    ULONG IoControlCode
    )
{
    PDEVICE_CONTEXT devContext = DeviceGetContext(WdfIoQueueGetDevice(Queue));
    WDFIOTARGET IoTarget = devContext->MyIoTarget;
    WDF_REQUEST_SEND_OPTIONS SendOptions;
    WDF_OBJECT_ATTRIBUTES requestAttributes;
    WDFREQUEST IoctlRequest;
    WDFMEMORY outputMemory;
    ULONG_PTR information = 0;
    NTSTATUS Status;

    UNREFERENCED_PARAMETER(OutputBufferLength);
    UNREFERENCED_PARAMETER(InputBufferLength);
    PAGED_CODE();

    if (IoControlCode != IOCTL_FXSAMPLE_QUERY_PEER) {
        WdfRequestComplete(Request, STATUS_INVALID_DEVICE_REQUEST);
        return;
    }

    WDF_OBJECT_ATTRIBUTES_INIT(&requestAttributes);
    requestAttributes.ParentObject = Request;

    Status = WdfRequestCreate(&requestAttributes, IoTarget, &IoctlRequest);
    if (!NT_SUCCESS(Status)) {
        goto QueryPeerEnd;
    }

    Status = WdfRequestRetrieveOutputMemory(Request, &outputMemory);
    if (!NT_SUCCESS(Status)) {
        goto QueryPeerEnd;
    }

    Status = WdfIoTargetFormatRequestForIoctl(IoTarget,
                                              IoctlRequest,
                                              IOCTL_FXPEER_GET_STATUS,
                                              NULL,
                                              NULL,
                                              outputMemory,
                                              NULL);
    if (!NT_SUCCESS(Status)) {
        goto QueryPeerEnd;
    }

    WDF_REQUEST_SEND_OPTIONS_INIT(&SendOptions, WDF_REQUEST_SEND_OPTION_SYNCHRONOUS);
    WDF_REQUEST_SEND_OPTIONS_SET_TIMEOUT(&SendOptions, WDF_REL_TIMEOUT_IN_SEC(60));

    Status = WdfRequestAllocateTimer(IoctlRequest);
    if (!NT_SUCCESS(Status)) {
        goto QueryPeerEnd;
    }

    if (!WdfRequestSend(IoctlRequest, IoTarget, &SendOptions)) { // ok: irql-call-too-high
        Status = WdfRequestGetStatus(IoctlRequest);
    }

    if (NT_SUCCESS(Status)) {
        Status = WdfRequestGetStatus(IoctlRequest);
        information = WdfRequestGetInformation(IoctlRequest);
    }

QueryPeerEnd:
    WdfRequestCompleteWithInformation(Request, Status, information);
}

//
// Corrected variant of error #3: the request is formatted for the remote
// target and sent with a completion routine, so the framework keeps track
// of it and the driver completes it.
//
_Use_decl_annotations_
VOID
FxSampleEvtIoReadPassive( // ok: irql-pageable-code
    WDFQUEUE Queue,
    WDFREQUEST Request,
    size_t Length
    )
{
    PDEVICE_CONTEXT devContext = DeviceGetContext(WdfIoQueueGetDevice(Queue));
    WDFMEMORY outputMemory;
    NTSTATUS status;

    UNREFERENCED_PARAMETER(Length);
    PAGED_CODE();

    status = WdfRequestRetrieveOutputMemory(Request, &outputMemory);
    if (!NT_SUCCESS(status)) {
        WdfRequestComplete(Request, status);
        return;
    }

    status = WdfIoTargetFormatRequestForRead(devContext->MyIoTarget, // ok: iotarget-format-current-type-remote
                                             Request,
                                             outputMemory,
                                             NULL,
                                             NULL);
    if (!NT_SUCCESS(status)) {
        WdfRequestComplete(Request, status);
        return;
    }

    WdfRequestSetCompletionRoutine(Request, FxSampleEvtRequestReadCompletion, devContext);

    if (WdfRequestSend(Request, devContext->MyIoTarget, WDF_NO_SEND_OPTIONS) == FALSE) { // ok: iotarget-send-and-forget-remote
        status = WdfRequestGetStatus(Request);
        WdfRequestComplete(Request, status);
    }
}

_Use_decl_annotations_
VOID
FxSampleEvtRequestReadCompletion(
    WDFREQUEST Request,
    WDFIOTARGET Target,
    PWDF_REQUEST_COMPLETION_PARAMS Params,
    WDFCONTEXT Context
    )
{
    UNREFERENCED_PARAMETER(Target);
    UNREFERENCED_PARAMETER(Context);

    WdfRequestCompleteWithInformation(Request,
                                      Params->IoStatus.Status,
                                      Params->IoStatus.Information);
}
