import { irqlName } from '../../model/irql-level.js';
import { at, step } from '../../model/location.js';
import { isUserModeMapping, MAPPING_CALLS } from '../../model/user-mappings.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';


export const contextUserMapping: Rule = {
  meta: {
    id: 'context-user-mapping',
    code: 'DC2001',
    title: 'User-mode mapping made in an arbitrary thread context',
    severity: 'error',
    summary: 'Maps memory into the user address space of whatever process happens to be current, from a callback that does not run in the requesting process.',
    rationale:
      'MmMapLockedPagesSpecifyCache with AccessMode UserMode maps the pages into the address space of the current process. WDF EvtIo callbacks (all but EvtIoInCallerContext), completion and cancel routines, DPCs, timers, work items and ISRs are called in an arbitrary process and thread context, and DriverEntry and PnP callbacks run in the system process, so the mapping can land in an unrelated process.',
    whyTestingMisses:
      'When an application sends a request straight to the driver and the queue can dispatch it at once, KMDF happens to call EvtIoXxx in the requesting thread, so the mapping lands in the right process. A device that is not powered up yet, a synchronization scope, a different dispatch type, or a filter above the driver changes that, and the mapping silently goes to another process.',
    fix: 'Make the mapping in EvtIoInCallerContext (registered with WdfDeviceInitSetIoInCallerContextCallback), which runs in the requesting thread, store the address in the request context, then WdfDeviceEnqueueRequest; or share memory another way (a buffer the application allocates and sends with METHOD_OUT_DIRECT).',
    badExample: `VOID EvtIoRead(WDFQUEUE Queue, WDFREQUEST Request, size_t Length)
{
    PVOID user = MmMapLockedPagesSpecifyCache(mdl, UserMode, MmNonCached, NULL, FALSE, NormalPagePriority);
}

NTSTATUS QueueInitialize(WDFDEVICE Device)
{
    WDF_IO_QUEUE_CONFIG config;
    WDFQUEUE queue;
    WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE(&config, WdfIoQueueDispatchParallel);
    config.EvtIoRead = EvtIoRead;
    return WdfIoQueueCreate(Device, &config, WDF_NO_OBJECT_ATTRIBUTES, &queue);
}`,
    goodExample: `VOID EvtIoInCallerContext(WDFDEVICE Device, WDFREQUEST Request)
{
    PVOID user = MmMapLockedPagesSpecifyCache(mdl, UserMode, MmNonCached, NULL, FALSE, NormalPagePriority);
    WdfDeviceEnqueueRequest(Device, Request);
}

NTSTATUS EvtDeviceAdd(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit)
{
    WDFDEVICE device;
    WdfDeviceInitSetIoInCallerContextCallback(DeviceInit, EvtIoInCallerContext);
    return WdfDeviceCreate(&DeviceInit, WDF_NO_OBJECT_ATTRIBUTES, &device);
}`,
    references: [
      { title: 'MmMapLockedPagesSpecifyCache (remarks on UserMode)', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmmaplockedpagesspecifycache' },
      { title: 'EVT_WDF_IO_IN_CALLER_CONTEXT', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdfdevice/nc-wdfdevice-evt_wdf_io_in_caller_context' },
      { title: 'Request handlers run in an arbitrary thread context', url: 'https://learn.microsoft.com/windows-hardware/drivers/wdf/request-handlers' },
    ],
  },
  check(model) {
    const findings: RuleFinding[] = [];
    for (const site of model.functions.sitesCalling(MAPPING_CALLS)) {
      const { caller: fn, call } = site;
      if (!isUserModeMapping(site)) continue;
      const witness = model.threadContext.witness(fn);
      if (!witness) continue;
      const where = witness.context === 'arbitrary' ? 'an arbitrary thread' : 'the system process';
      findings.push({
        location: at(fn.file, call.span),
        message: `${call.callee} maps into the user address space of the current process, but ${fn.qualifiedName} runs in ${where}, so the pages may be mapped into an unrelated process. Map them in EvtIoInCallerContext, which runs in the requesting thread.`,
        steps: [...witness.steps, step(at(fn.file, call.span), `${call.callee} with UserMode maps into whichever process is current (and requires ${irqlName('APC')} or lower)`)],
      });
    }
    return findings;
  },
};
