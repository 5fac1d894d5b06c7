/*++

Module Name:

    driver.c

Abstract:

    Driver entry point for fxsample.

Environment:

    Kernel mode only.

--*/

#include "fxsample.h"

#ifdef ALLOC_PRAGMA
#pragma alloc_text(INIT, DriverEntry)
#endif

_Use_decl_annotations_
NTSTATUS
DriverEntry( // ok: irql-pageable-code
    PDRIVER_OBJECT DriverObject,
    PUNICODE_STRING RegistryPath
    )
{
    WDF_DRIVER_CONFIG config;
    NTSTATUS status;

    //
    // No execution-level constraint on the driver object: the default queue
    // created in queue.c keeps the framework's default, <= DISPATCH_LEVEL.
    //
    WDF_DRIVER_CONFIG_INIT(&config, FxSampleEvtDeviceAdd);
    config.DriverPoolTag = FXSAMPLE_POOL_TAG;

    status = WdfDriverCreate(DriverObject,
                             RegistryPath,
                             WDF_NO_OBJECT_ATTRIBUTES,
                             &config,
                             WDF_NO_HANDLE);
    if (!NT_SUCCESS(status)) {
        KdPrint(("fxsample: WdfDriverCreate failed 0x%x\n", status));
    }
    return status;
}
