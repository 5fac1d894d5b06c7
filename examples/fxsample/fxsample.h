/*++

Module Name:

    fxsample.h

Abstract:

    Shared definitions for fxsample, a KMDF function driver that exposes a
    shared buffer to user mode and relays requests to a peer device.

    The sample deliberately contains the three KMDF architecture errors most
    often found in code reviews, each next to its corrected variant. See
    README.md for which function holds which.

Environment:

    Kernel mode only.

--*/

#pragma once

#include <ntddk.h>
#include <wdf.h>
#include <initguid.h>

EXTERN_C_START

// {5d3c8a2e-6b1f-4c77-9e0a-2f4b8c1d7e93}
DEFINE_GUID(GUID_DEVINTERFACE_FXSAMPLE,
    0x5d3c8a2e, 0x6b1f, 0x4c77, 0x9e, 0x0a, 0x2f, 0x4b, 0x8c, 0x1d, 0x7e, 0x93);

#define FXSAMPLE_POOL_TAG           'pmSF'
#define FXSAMPLE_SHARED_BYTES       (4 * PAGE_SIZE)
#define FXSAMPLE_STATUS_BYTES       64
#define FXSAMPLE_PEER_DEVICE_NAME   L"\\Device\\FxSamplePeer"

//
// Device controls understood by fxsample.
//
#define IOCTL_FXSAMPLE_MAP_SHARED \
    CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_BUFFERED, FILE_READ_ACCESS)
#define IOCTL_FXSAMPLE_MAP_SHARED_IN_CALLER \
    CTL_CODE(FILE_DEVICE_UNKNOWN, 0x901, METHOD_BUFFERED, FILE_READ_ACCESS)
#define IOCTL_FXSAMPLE_QUERY_PEER \
    CTL_CODE(FILE_DEVICE_UNKNOWN, 0x902, METHOD_BUFFERED, FILE_READ_ACCESS)

//
// Device control understood by the peer device.
//
#define IOCTL_FXPEER_GET_STATUS \
    CTL_CODE(FILE_DEVICE_UNKNOWN, 0xA00, METHOD_BUFFERED, FILE_ANY_ACCESS)

typedef struct _DEVICE_CONTEXT {
    WDFIOTARGET MyIoTarget;     // remote I/O target: the peer, opened by name
    WDFQUEUE    DefaultQueue;   // no execution-level constraint
    WDFQUEUE    PassiveQueue;   // WdfExecutionLevelPassive
    PVOID       SharedBuffer;
    PMDL        SharedMdl;
} DEVICE_CONTEXT, *PDEVICE_CONTEXT;

WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(DEVICE_CONTEXT, DeviceGetContext)

typedef struct _REQUEST_CONTEXT {
    PVOID MappedUserAddress;    // set by EvtIoInCallerContext
} REQUEST_CONTEXT, *PREQUEST_CONTEXT;

WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(REQUEST_CONTEXT, RequestGetContext)

//
// driver.c
//
DRIVER_INITIALIZE DriverEntry;

//
// device.c
//
EVT_WDF_DRIVER_DEVICE_ADD FxSampleEvtDeviceAdd;
EVT_WDF_DEVICE_PREPARE_HARDWARE FxSampleEvtDevicePrepareHardware;
EVT_WDF_DEVICE_RELEASE_HARDWARE FxSampleEvtDeviceReleaseHardware;
EVT_WDF_OBJECT_CONTEXT_CLEANUP FxSampleEvtDeviceContextCleanup;

//
// queue.c
//
_IRQL_requires_max_(PASSIVE_LEVEL)
NTSTATUS
FxSampleQueueInitialize(
    _In_ WDFDEVICE Device
    );

//
// io.c
//
EVT_WDF_IO_IN_CALLER_CONTEXT FxSampleEvtIoInCallerContext;
EVT_WDF_IO_QUEUE_IO_READ FxSampleEvtIoRead;
EVT_WDF_IO_QUEUE_IO_WRITE FxSampleEvtIoWrite;
EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL FxSampleEvtIoDeviceControl;
EVT_WDF_IO_QUEUE_IO_STOP FxSampleEvtIoStop;
EVT_WDF_IO_QUEUE_IO_READ FxSampleEvtIoReadPassive;
EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL FxSampleEvtIoDeviceControlPassive;
EVT_WDF_REQUEST_COMPLETION_ROUTINE FxSampleEvtRequestReadCompletion;

EXTERN_C_END
