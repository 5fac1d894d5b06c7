/**
 * Small driver sources the CLI tests write into temporary directories: a WDF DPC whose
 * callback waits, so each has a known irql-call-too-high finding.
 */

/**
 * A DPC that waits (line 6) and, with `withMutex`, takes a fast mutex (line 7): one or two
 * irql-call-too-high findings. `before` is prepended, moving every line down; `afterWait` ends
 * the waiting line (a comment, say).
 */
export function waitingDpcDriver(options: { before?: string; withMutex?: boolean; afterWait?: string } = {}): string {
  return `${options.before ?? ''}EVT_WDF_DPC WaitingDpc;
VOID WaitingDpc(_In_ WDFDPC Dpc)
{
    PDEVICE_CONTEXT ctx = GetContext(Dpc);
    UNREFERENCED_PARAMETER(ctx);
    KeWaitForSingleObject(&ctx->Event, Executive, KernelMode, FALSE, NULL);${options.afterWait ?? ''}
${options.withMutex ? '    ExAcquireFastMutex(&ctx->Mutex);\n' : ''}}
NTSTATUS CreateDpc(WDFDEVICE Device)
{
    WDF_DPC_CONFIG config;
    WDF_OBJECT_ATTRIBUTES attributes;
    WDFDPC dpc;
    WDF_DPC_CONFIG_INIT(&config, WaitingDpc);
    WDF_OBJECT_ATTRIBUTES_INIT(&attributes);
    attributes.ParentObject = Device;
    return WdfDpcCreate(&config, &attributes, &dpc);
}
`;
}
