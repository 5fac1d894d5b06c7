import { IRP_QUEUE_INSERTS, IRP_QUEUE_REMOVALS, type IrpQueueInsert } from '../../knowledge/wdm.js';
import type { DriverModel } from '../../model/driver-model.js';
import { lastFieldOf, normalizePath } from '../../model/expressions.js';
import type { FunctionInfo } from '../../model/functions.js';
import { at, step } from '../../model/location.js';
import { isInertCall, isSystemRoutine, receivedIrpEntries } from '../../model/received-irps.js';
import { wdmDriver } from '../../model/wdm-driver.js';
import { isNullText } from '../../model/values.js';
import type { CallFact } from '../../parser/facts.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';

interface QueuedIrp {
  readonly fn: FunctionInfo;
  readonly call: CallFact;
  readonly shape: IrpQueueInsert;
  /** The field that holds the queue (`ReadQueue` of `&ext->ReadQueue`), or undefined for the StartIo queue. */
  readonly queueField?: string;
  readonly irp: string;
}

/** `Irp` of `Irp`, of `&Irp->Tail.Overlay.ListEntry`, of `&Irp->Tail.Overlay.DeviceQueueEntry`. */
function irpOfArgument(core: string): string {
  const m = /^([A-Za-z_]\w*)->Tail\.Overlay\.(?:ListEntry|DeviceQueueEntry)$/.exec(normalizePath(core));
  return m ? m[1]! : normalizePath(core);
}

/** Functions reachable from `roots` over the call graph; undefined when a call leads somewhere drvcheck cannot follow. */
function reachableFrom(model: DriverModel, roots: readonly FunctionInfo[]): FunctionInfo[] | undefined {
  const seen = new Map<number, FunctionInfo>();
  const queue = [...roots];
  for (const r of roots) seen.set(r.id, r);
  for (let i = 0; i < queue.length; i++) {
    for (const site of model.functions.callSites(queue[i]!)) {
      // A call through a pointer, or into code outside the unit, may drain the queue.
      if (site.callees.length === 0 && (site.call.calleeKind !== 'identifier' || !isSystemRoutine(site.call.callee)) && !isInertCall(site.call.callee)) {
        return undefined;
      }
      for (const callee of site.callees) {
        if (seen.has(callee.id)) continue;
        seen.set(callee.id, callee);
        queue.push(callee);
      }
    }
  }
  return [...seen.values()];
}

/** The cleanup code touches the queue: removes from it, cancels IRPs, or reads the field that holds it. */
function touchesQueue(fns: readonly FunctionInfo[], queued: QueuedIrp): boolean {
  return fns.some((fn) =>
    fn.fact.calls.some((call) => {
      const removal = IRP_QUEUE_REMOVALS[call.callee];
      if (removal?.kinds.includes(queued.shape.kind)) {
        if (removal.queue === undefined || queued.queueField === undefined) return true;
        if (lastFieldOf(call.argCores[removal.queue] ?? '') === queued.queueField) return true;
      }
      return queued.queueField !== undefined && call.args.some((a) => mentionsField(a, queued.queueField!));
    }) || (queued.queueField !== undefined && fn.fact.assignments.some((a) => mentionsField(a.rhs, queued.queueField!))),
  );
}

/**
 * The IRP is queued to wait for something that may take indefinitely long: the queue is cancel
 * safe, or the driver gives the IRP a cancel routine. IRPs a driver queues without one (a
 * StartIo queue or a deferral list drained by the driver itself) are completed by the driver's
 * own progress, not by an event the application waits for.
 */
function waitsCancelably(fn: FunctionInfo, call: CallFact, shape: IrpQueueInsert, irp: string): boolean {
  if (shape.kind === 'cancel-safe queue') return true;
  if (shape.kind === 'StartIo queue') return !isNullText(call.args[3] ?? 'NULL');
  return fn.fact.calls.some((c) => c.callee === 'IoSetCancelRoutine' && normalizePath(c.argCores[0] ?? '') === irp && !isNullText(c.args[1] ?? 'NULL'));
}

function mentionsField(text: string, field: string): boolean {
  return new RegExp(`(?:->|\\.)\\s*${field}\\b`).test(text);
}

export const cleanupLeavesQueuedIrps: Rule = {
  meta: {
    id: 'cleanup-leaves-queued-irps',
    code: 'DC5004',
    title: 'Queued IRPs not completed at IRP_MJ_CLEANUP',
    severity: 'error',
    summary: 'A driver that parks the IRPs applications send it until something happens (in a cancel-safe queue, or in its own list or the StartIo queue with a cancel routine) has no IRP_MJ_CLEANUP handler, or one that never touches that queue.',
    rationale:
      'When an application closes its last handle to a file object the I/O manager sends IRP_MJ_CLEANUP; IRP_MJ_CLOSE only follows once every IRP of that file object has completed. A driver that holds IRPs in a queue must cancel and complete the ones of that file object in its DispatchCleanup routine. If it does not, the close waits for IRPs that nothing will complete, and the application hangs on exit (or its handle never goes away).',
    whyTestingMisses:
      'Test applications wait for their reads to complete before they close the handle, so the queue is empty at cleanup. A real application that exits, or closes the handle while a read is still outstanding, hangs.',
    fix: 'Register an IRP_MJ_CLEANUP dispatch routine that removes from each queue the IRPs whose stack location names the file object being cleaned up (IoCsqRemoveNextIrp with that file object as the peek context, for a cancel-safe queue), completes them with STATUS_CANCELLED, then completes the cleanup IRP with STATUS_SUCCESS.',
    badExample: `typedef struct _EXT { IO_CSQ Queue; } EXT, *PEXT;

NTSTATUS DispatchRead(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PEXT ext = (PEXT)DeviceObject->DeviceExtension;
    IoCsqInsertIrp(&ext->Queue, Irp, NULL);
    return STATUS_PENDING;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\\\Device\\\\Queue");
    PDEVICE_OBJECT device;
    IoCreateDevice(DriverObject, sizeof(EXT), &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &device);
    DriverObject->MajorFunction[IRP_MJ_READ] = DispatchRead;
    return STATUS_SUCCESS;
}`,
    goodExample: `typedef struct _EXT { IO_CSQ Queue; } EXT, *PEXT;

NTSTATUS DispatchRead(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PEXT ext = (PEXT)DeviceObject->DeviceExtension;
    IoCsqInsertIrp(&ext->Queue, Irp, NULL);
    return STATUS_PENDING;
}

NTSTATUS DispatchCleanup(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PEXT ext = (PEXT)DeviceObject->DeviceExtension;
    PFILE_OBJECT file = IoGetCurrentIrpStackLocation(Irp)->FileObject;
    PIRP pending;
    while ((pending = IoCsqRemoveNextIrp(&ext->Queue, file)) != NULL) {
        pending->IoStatus.Status = STATUS_CANCELLED;
        IoCompleteRequest(pending, IO_NO_INCREMENT);
    }
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\\\Device\\\\Queue");
    PDEVICE_OBJECT device;
    IoCreateDevice(DriverObject, sizeof(EXT), &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &device);
    DriverObject->MajorFunction[IRP_MJ_READ] = DispatchRead;
    DriverObject->MajorFunction[IRP_MJ_CLEANUP] = DispatchCleanup;
    return STATUS_SUCCESS;
}`,
    references: [
      { title: 'DispatchCleanup routines', url: 'https://learn.microsoft.com/windows-hardware/drivers/kernel/dispatchcleanup-routines' },
      { title: 'IRP_MJ_CLEANUP', url: 'https://learn.microsoft.com/windows-hardware/drivers/kernel/irp-mj-cleanup' },
      { title: 'Cancel-safe IRP queues', url: 'https://learn.microsoft.com/windows-hardware/drivers/kernel/cancel-safe-irp-queues' },
    ],
  },
  check(model) {
    const driver = wdmDriver(model);
    if (driver.exposures.length === 0 || driver.dispatch.length === 0) return [];
    // Only functions that insert an IRP in a queue can queue one.
    const inserts = new Map<FunctionInfo, CallFact[]>();
    for (const { caller, call } of model.functions.sitesCalling(Object.keys(IRP_QUEUE_INSERTS))) {
      const calls = inserts.get(caller);
      if (calls) calls.push(call);
      else inserts.set(caller, [call]);
    }
    if (inserts.size === 0) return [];
    const received = receivedIrpEntries(model);
    const queued: (QueuedIrp & { steps: ReturnType<typeof step>[] })[] = [];
    for (const [fn, calls] of inserts) {
      for (const entry of received.entries(fn)) {
        for (const call of calls) {
          const shape = IRP_QUEUE_INSERTS[call.callee];
          if (!shape || call.calleeKind !== 'identifier' || irpOfArgument(call.argCores[shape.irp] ?? '') !== entry.subject) continue;
          if (!waitsCancelably(fn, call, shape, entry.subject)) continue;
          const queueField = shape.queue === undefined ? undefined : lastFieldOf(call.argCores[shape.queue] ?? '');
          queued.push({ fn, call, shape, ...(queueField ? { queueField } : {}), irp: entry.subject, steps: [...entry.steps] });
        }
      }
    }
    if (queued.length === 0) return [];
    const cleanup = driver.handlers('IRP_MJ_CLEANUP').filter((e) => !e.cleared);
    // A handler drvcheck cannot resolve may do anything.
    if (cleanup.some((e) => e.fns.length === 0)) return [];
    const reached = reachableFrom(model, cleanup.flatMap((e) => e.fns));
    if (!reached) return [];
    const findings: RuleFinding[] = [];
    for (const q of queued) {
      if (cleanup.length > 0 && touchesQueue(reached, q)) continue;
      const location = at(q.fn.file, q.call.span);
      const what = q.queueField ? `${q.shape.kind} ${q.queueField}` : `the ${q.shape.kind}`;
      const exposed = driver.exposureStep();
      const verdict =
        cleanup.length === 0
          ? step(driver.dispatch[0]!.location, 'the dispatch table has no IRP_MJ_CLEANUP entry')
          : step(cleanup[0]!.location, `the IRP_MJ_CLEANUP handler ${cleanup[0]!.fns[0]!.qualifiedName} is registered here, and nothing it reaches removes IRPs from ${what}`);
      findings.push({
        location,
        message:
          cleanup.length === 0
            ? `${q.irp} is queued in ${what}, but the driver handles no IRP_MJ_CLEANUP: when the application closes its handle, IRPs still queued keep the file object open, and the application hangs on exit. Add a DispatchCleanup routine that cancels and completes the queued IRPs of the file object.`
            : `${q.irp} is queued in ${what}, but the IRP_MJ_CLEANUP handler never takes IRPs out of it: when the application closes its handle, IRPs still queued there keep the file object open, and the application hangs on exit. Complete the queued IRPs of the file object in DispatchCleanup.`,
        steps: [...q.steps, exposed, step(location, `${q.call.callee} queues ${q.irp} in ${what}`), verdict],
      });
    }
    return findings;
  },
};

