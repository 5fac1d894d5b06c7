import { COMPLETION_ROUTINE_SETTERS, IRP_SENDERS, PENDING_MARKERS } from '../../knowledge/wdm.js';
import { controlFlow, type ControlFlow, type FlowNode } from '../../model/control-flow.js';
import type { DriverModel } from '../../model/driver-model.js';
import type { UnprotectedEntry } from '../../model/entry-paths.js';
import { mentions, normalizePath } from '../../model/expressions.js';
import { isNullText } from '../../model/values.js';
import { branchSteps } from '../../model/flow-steps.js';
import type { FunctionInfo } from '../../model/functions.js';
import { at, step, type PathStep } from '../../model/location.js';
import { handsIrpToUnknown, irpParameter, receivedIrpEntries, receivedIrpRoots, sendsIrp } from '../../model/received-irps.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';

const MORE_PROCESSING = 'STATUS_MORE_PROCESSING_REQUIRED';

/** The IRP is marked pending here, or handed to code that may mark it. */
function marksPending(model: DriverModel, fn: FunctionInfo, irp: string) {
  return (node: FlowNode): boolean => {
    if (node.kind === 'branch' && node.cond) return /\bPendingReturned\b/.test(node.cond.text);
    if (node.kind !== 'call' || !node.call) return false;
    const index = PENDING_MARKERS[node.call.callee];
    if (index !== undefined && normalizePath(node.call.argCores[index] ?? '') === irp) return true;
    return handsIrpToUnknown(model, fn, node, irp);
  };
}

/** The variable a node writes (`status = …`, `NTSTATUS status = …`), and the call it writes from. */
function written(node: FlowNode): { variable: string; call?: string; value: string } | undefined {
  if (node.kind === 'assign' && node.assignment && node.assignment.operator === '=' && /^[A-Za-z_]\w*$/.test(node.assignment.lhs)) {
    return { variable: node.assignment.lhs, ...(node.assignment.rhsCall ? { call: node.assignment.rhsCall } : {}), value: node.assignment.rhsCore };
  }
  if (node.kind === 'declare' && node.declaration?.init?.kind === 'expr') {
    return { variable: node.declaration.name, ...(node.declaration.initCall ? { call: node.declaration.initCall } : {}), value: node.declaration.init.core };
  }
  return undefined;
}

/**
 * Paths on which the function returns `value` (a status code): a `return value;`, or a return
 * of a variable last set to it on the way.
 */
function pathsReturning(cf: ControlFlow, isValue: (node: FlowNode) => boolean, blocks: (node: FlowNode) => boolean, from?: readonly number[]): { path: number[]; ret: FlowNode }[] {
  const out: { path: number[]; ret: FlowNode }[] = [];
  for (const ret of cf.nodes) {
    if (ret.kind !== 'return' || ret.value === undefined) continue;
    if (isValue(ret)) {
      const path = cf.findPath((n) => n === ret, { ...(from ? { from } : {}), blocks, follows: (_, e) => !e.exceptional });
      if (path) out.push({ path, ret });
      continue;
    }
    const variable = ret.value;
    if (!/^[A-Za-z_]\w*$/.test(variable)) continue;
    for (const set of cf.nodes) {
      const w = written(set);
      if (!w || w.variable !== variable || !isValue(set)) continue;
      const toSet = cf.findPath((n) => n === set, { ...(from ? { from } : {}), blocks, follows: (_, e) => !e.exceptional });
      if (!toSet) continue;
      const toRet = cf.findPath((n) => n === ret, { from: [set.id], blocks: (n) => blocks(n) || written(n)?.variable === variable, follows: (_, e) => !e.exceptional });
      if (toRet) {
        out.push({ path: [...toSet, ...toRet.slice(1)], ret });
        break;
      }
    }
  }
  return out;
}

/** The dispatch routine returns what the lower driver returned after setting the routine at `setter`. */
function returnsLowerStatus(cf: ControlFlow, setter: readonly number[], irp: string): FlowNode | undefined {
  const sends = (node: FlowNode): boolean => sendsIrp(node, irp);
  const isLowerStatus = (node: FlowNode): boolean => {
    if (node.kind === 'return') return /\b(?:Io|Iof|Po)CallDriver\s*\(/.test(node.value ?? '');
    const w = written(node);
    return w?.call !== undefined && w.call in IRP_SENDERS;
  };
  if (!cf.findPath(sends, { from: setter })) return undefined;
  return pathsReturning(cf, isLowerStatus, () => false, setter)[0]?.ret;
}

function returnsMoreProcessing(fn: FunctionInfo, value: string): boolean {
  if (value === MORE_PROCESSING) return true;
  if (!/^[A-Za-z_]\w*$/.test(value)) return value.includes(MORE_PROCESSING);
  // A status variable that may hold STATUS_MORE_PROCESSING_REQUIRED: which one is returned is not followed.
  return fn.fact.assignments.some((a) => a.lhs === value && a.rhs.includes(MORE_PROCESSING)) || fn.fact.locals.some((l) => l.name === value && l.init?.kind === 'expr' && l.init.text.includes(MORE_PROCESSING));
}

/** The routine's context parameter and the locals it is copied into. */
function contextNames(routine: FunctionInfo): string[] {
  const param = routine.fact.params[2]?.name;
  if (!param) return [];
  const names = [param];
  for (const l of routine.fact.locals) if (l.init?.kind === 'expr' && normalizePath(l.init.core) === param) names.push(l.name);
  for (const a of routine.fact.assignments) if (/^[A-Za-z_]\w*$/.test(a.lhs) && normalizePath(a.rhsCore) === param) names.push(a.lhs);
  return names;
}

function completionRoutineFindings(model: DriverModel, entries: Iterable<UnprotectedEntry>): RuleFinding[] {
  const findings: RuleFinding[] = [];
  for (const entry of entries) {
    const fn = entry.fn;
    const cf = controlFlow(fn);
    if (!cf) continue;
    for (const call of fn.fact.calls) {
      const shape = COMPLETION_ROUTINE_SETTERS[call.callee];
      if (!shape || normalizePath(call.argCores[shape.irp] ?? '') !== entry.subject) continue;
      const lower = returnsLowerStatus(cf, cf.nodesOf(call), entry.subject);
      if (!lower?.span) continue;
      for (const routine of model.functions.resolveName(call.argCores[shape.routine] ?? '', fn, fn.file)) {
        const rcf = controlFlow(routine);
        const irp = irpParameter(routine);
        if (!rcf || !irp) continue;
        const marks = marksPending(model, routine, irp);
        // The context the routine is given is not NULL here: its NULL branch is not taken, and a
        // test of it may pick any branch; drvcheck does not follow which.
        const context = isNullText(call.args[shape.routine + 1] ?? 'NULL') ? [] : contextNames(routine);
        const blocks = (n: FlowNode): boolean => marks(n) || (n.kind === 'branch' && !!n.cond && context.some((c) => mentions(n.cond!.text, c)));
        for (const ret of rcf.nodes) {
          if (ret.kind !== 'return' || ret.value === undefined || !ret.span || returnsMoreProcessing(routine, ret.value)) continue;
          const path = rcf.findPath((n) => n === ret, { blocks, follows: (_, e) => !e.exceptional });
          if (!path) continue;
          const location = at(routine.file, ret.span);
          findings.push({
            location,
            message: `${routine.qualifiedName} lets completion continue (returns ${ret.value}) without propagating the pending state: ${fn.qualifiedName} returns the lower driver's status, so when that is STATUS_PENDING the IRP must be marked pending here. Without it the I/O manager finishes completion wrongly: the requesting thread can hang, or completion runs twice. Add if (${irp}->PendingReturned) IoMarkIrpPending(${irp}); before returning.`,
            steps: [
              ...entry.steps,
              step(at(fn.file, call.span), `${call.callee} sets ${routine.qualifiedName} as the completion routine of ${entry.subject}`),
              step(at(fn.file, lower.span!), `${fn.qualifiedName} returns the status of the lower driver, which may be STATUS_PENDING`),
              ...branchSteps(rcf, path),
              step(location, `${routine.qualifiedName} returns ${ret.value} with no IoMarkIrpPending when ${irp}->PendingReturned is set`),
            ],
          });
        }
      }
    }
  }
  return findings;
}

function dispatchFindings(model: DriverModel): RuleFinding[] {
  const findings: RuleFinding[] = [];
  for (const root of receivedIrpRoots(model)) {
    const fn = root.fn;
    const cf = controlFlow(fn);
    if (!cf || !model.callbacks.some((cb) => cb.fn === fn && cb.roleType === 'DRIVER_DISPATCH')) continue;
    const blocks = marksPending(model, fn, root.subject);
    const isPending = (node: FlowNode): boolean => (node.kind === 'return' ? node.value : written(node)?.value) === 'STATUS_PENDING';
    for (const { path, ret } of pathsReturning(cf, isPending, blocks)) {
      if (!ret.span) continue;
      const location = at(fn.file, ret.span);
      const set = path.map((id) => cf.node(id)).find((n) => n !== ret && isPending(n));
      const steps: PathStep[] = [...root.steps, ...branchSteps(cf, path)];
      if (set?.span) steps.push(step(at(fn.file, set.span), `${written(set)!.variable} is set to STATUS_PENDING here`));
      steps.push(step(location, `${fn.qualifiedName} returns STATUS_PENDING; ${root.subject} was not marked pending on this path`));
      findings.push({
        location,
        message: `${fn.qualifiedName} returns STATUS_PENDING without calling IoMarkIrpPending(${root.subject}) on this path: the I/O manager then treats the IRP as completed synchronously, and its completion is finished wrongly (the requester can wait forever, or completion runs twice). Call IoMarkIrpPending before the IRP can be completed elsewhere, and before returning STATUS_PENDING.`,
        steps,
      });
    }
  }
  return findings;
}

export const completionPendingNotPropagated: Rule = {
  meta: {
    id: 'completion-pending-not-propagated',
    code: 'DC5003',
    title: 'Pending state of an IRP not propagated',
    severity: 'error',
    summary: 'A completion routine that returns anything but STATUS_MORE_PROCESSING_REQUIRED without "if (Irp->PendingReturned) IoMarkIrpPending(Irp)", or a dispatch routine that returns STATUS_PENDING without marking the IRP pending.',
    rationale:
      'Whether an IRP completes synchronously or asynchronously is recorded per stack location: a driver that returns STATUS_PENDING must have called IoMarkIrpPending, and a driver that returns the lower driver\'s status and lets completion continue from its completion routine must copy the lower driver\'s pending state up (IoMarkIrpPending when Irp->PendingReturned is set). The I/O manager uses that state to decide how to finish completion; when it disagrees with the status returned, the final stage of completion either never runs (the requester waits forever) or runs twice (a crash).',
    whyTestingMisses:
      'The lower driver usually completes the request at once, so PendingReturned is FALSE and the missing line does nothing. Only when the lower driver pends (a busy device, a slow bus, a filter below) does the pending state go missing, and the failure shows up far away as a hung thread or a corrupted IRP.',
    fix: 'In a completion routine that returns STATUS_CONTINUE_COMPLETION (or the IRP\'s status), add if (Irp->PendingReturned) { IoMarkIrpPending(Irp); } — or return STATUS_MORE_PROCESSING_REQUIRED and complete the IRP in the dispatch routine. In a dispatch routine, call IoMarkIrpPending(Irp) on every path that returns STATUS_PENDING, before the IRP can be completed by another routine.',
    badExample: `NTSTATUS ReadDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    return STATUS_CONTINUE_COMPLETION;
}

NTSTATUS DispatchRead(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PDEVICE_OBJECT lower = *(PDEVICE_OBJECT *)DeviceObject->DeviceExtension;
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(Irp, ReadDone, NULL, TRUE, TRUE, TRUE);
    return IoCallDriver(lower, Irp);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    DriverObject->MajorFunction[IRP_MJ_READ] = DispatchRead;
    return STATUS_SUCCESS;
}`,
    goodExample: `NTSTATUS ReadDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    if (Irp->PendingReturned) {
        IoMarkIrpPending(Irp);
    }
    return STATUS_CONTINUE_COMPLETION;
}

NTSTATUS DispatchRead(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PDEVICE_OBJECT lower = *(PDEVICE_OBJECT *)DeviceObject->DeviceExtension;
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(Irp, ReadDone, NULL, TRUE, TRUE, TRUE);
    return IoCallDriver(lower, Irp);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    DriverObject->MajorFunction[IRP_MJ_READ] = DispatchRead;
    return STATUS_SUCCESS;
}`,
    references: [
      { title: 'IoMarkIrpPending (remarks)', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iomarkirppending' },
      { title: 'Implementing an IoCompletion routine', url: 'https://learn.microsoft.com/windows-hardware/drivers/kernel/implementing-an-iocompletion-routine' },
      { title: 'C28143: IoMarkIrpPending must return STATUS_PENDING', url: 'https://learn.microsoft.com/windows-hardware/drivers/devtest/28143-iomarkirppending-must-return-statuspending' },
    ],
  },
  check(model) {
    // Only a function that sets a completion routine can forward an IRP to one.
    const setting = new Set(model.functions.sitesCalling(Object.keys(COMPLETION_ROUTINE_SETTERS)).map((site) => site.caller));
    const received = setting.size > 0 ? receivedIrpEntries(model) : undefined;
    const entries = received ? model.functions.all.filter((fn) => setting.has(fn)).flatMap((fn) => received.entries(fn)) : [];
    return [...completionRoutineFindings(model, entries), ...dispatchFindings(model)];
  },
};
