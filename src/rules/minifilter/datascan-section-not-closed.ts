import { DATASCAN_CLOSE, DATASCAN_CREATES } from '../../knowledge/wdm.js';
import { controlFlow, type ControlFlow, type FlowEdge, type FlowNode } from '../../model/control-flow.js';
import type { DriverModel } from '../../model/driver-model.js';
import { normalizePath } from '../../model/expressions.js';
import { branchSteps } from '../../model/flow-steps.js';
import { savedResultOf } from '../../model/flow.js';
import type { FunctionInfo } from '../../model/functions.js';
import { at, step } from '../../model/location.js';
import { fltRegistrations } from '../../model/minifilter.js';
import { callsUnseenCode } from '../../model/received-irps.js';
import type { CallFact } from '../../parser/facts.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';

const CREATE = 'FltCreateSectionForDataScan';
const CONTEXT_ARG = DATASCAN_CREATES[CREATE]!.sectionContext!;

/** Functions that close a data-scan section, themselves or through what they call. */
function closers(model: DriverModel): Set<number> {
  const closing = new Set<number>();
  const queue = [...new Set(model.functions.sitesCalling([DATASCAN_CLOSE]).map((site) => site.caller))];
  for (const fn of queue) closing.add(fn.id);
  for (let i = 0; i < queue.length; i++) {
    for (const site of model.functions.callers(queue[i]!)) {
      if (closing.has(site.caller.id)) continue;
      closing.add(site.caller.id);
      queue.push(site.caller);
    }
  }
  return closing;
}

/**
 * The function keeps the value it receives at parameter `index` beyond its return: stores it in
 * a structure or global, takes a reference for later, or hands it to code drvcheck cannot see.
 */
function retains(model: DriverModel, fn: FunctionInfo, index: number, depth = 0): boolean {
  const name = fn.fact.params[index]?.name;
  if (!name || depth > 4) return true;
  if (fn.fact.assignments.some((a) => normalizePath(a.rhsCore) === name && !/^[A-Za-z_]\w*$/.test(a.lhs))) return true;
  return model.functions.callSites(fn).some((site) => callRetains(model, site.call, site.callees, name, depth + 1));
}

/**
 * `call` keeps `value` beyond its return: takes a reference on it, or passes it to a callee that
 * retains it or to code drvcheck cannot see. `depth` is the callees' depth, which `retains` bounds.
 */
function callRetains(model: DriverModel, call: CallFact, callees: readonly FunctionInfo[], value: string, depth: number): boolean {
  const index = call.argCores.findIndex((a) => normalizePath(a) === value);
  if (index < 0) return false;
  if (call.callee === 'FltReferenceContext') return true;
  if (callees.length > 0) return callees.some((c) => retains(model, c, index, depth));
  return callsUnseenCode(call);
}

type Outcome = 'success' | 'failure' | 'unknown';

/** What a condition says about the create's status when it is true: `NT_SUCCESS(status)` means success. */
function testOf(cond: string, status: string | undefined): { whenTrue: Outcome } | undefined {
  const c = cond.replace(/\s+/g, '');
  const subject = status ? `(?:${status}|${CREATE}\\(.*\\))` : `${CREATE}\\(.*\\)`;
  if (new RegExp(`^NT_SUCCESS\\(${subject}\\)$`).test(c) || new RegExp(`^${subject}==STATUS_SUCCESS$`).test(c)) return { whenTrue: 'success' };
  if (new RegExp(`^!NT_SUCCESS\\(${subject}\\)$`).test(c) || new RegExp(`^${subject}!=STATUS_SUCCESS$`).test(c) || new RegExp(`^NT_ERROR\\(${subject}\\)$`).test(c)) {
    return { whenTrue: 'failure' };
  }
  return undefined;
}

interface Leak {
  readonly path: number[];
  readonly exit: FlowNode;
}

/**
 * A path from a successful create to the function's exit on which the section is neither
 * closed nor handed on. The first test of the create's status decides which branch is the
 * successful one; a test drvcheck does not understand ends the search.
 */
function leakPath(model: DriverModel, fn: FunctionInfo, cf: ControlFlow, call: CallFact, context: string, closing: ReadonlySet<number>): Leak | undefined {
  // `status = Flt…(…)` and `NTSTATUS status = Flt…(…)` alike: missing the declaration form
  // would leave the create's own failure test unread and report its early return as a leak.
  const status = savedResultOf(call);
  const closes = (node: FlowNode): boolean => {
    if (node.kind === 'assign' && node.assignment) {
      return normalizePath(node.assignment.rhsCore) === context && !/^[A-Za-z_]\w*$/.test(node.assignment.lhs);
    }
    if (node.kind !== 'call' || !node.call || node.call === call) return false;
    if (node.call.callee === DATASCAN_CLOSE) return true;
    const site = model.functions.siteOf(fn, node.call);
    if (site?.callees.some((c) => closing.has(c.id))) return true;
    return callRetains(model, node.call, site?.callees ?? [], context, 0);
  };
  // Breadth-first over (node, status still the create's), so the first test of it decides.
  const key = (id: number, fresh: boolean): string => `${id}|${fresh}`;
  const parent = new Map<string, string | null>();
  const queue: [number, boolean][] = [];
  for (const id of cf.nodesOf(call)) {
    parent.set(key(id, true), null);
    queue.push([id, true]);
  }
  for (let i = 0; i < queue.length; i++) {
    const [id, fresh] = queue[i]!;
    const node = cf.node(id);
    if (node.kind === 'return' || node.id === cf.exit) {
      const path: number[] = [];
      for (let k: string | null = key(id, fresh); k; k = parent.get(k) ?? null) path.unshift(Number(k.split('|')[0]));
      return { path, exit: node };
    }
    let nextFresh = fresh;
    let follow = (_: FlowEdge): boolean => true;
    if (closes(node)) continue;
    if (fresh && node.kind === 'branch' && node.cond && (status ? new RegExp(`\\b${status}\\b`).test(node.cond.text) : node.cond.text.includes(`${CREATE}(`))) {
      const test = testOf(node.cond.text, status);
      if (!test) continue;
      follow = (edge) => edge.branch === undefined || (edge.branch ? test.whenTrue : test.whenTrue === 'success' ? 'failure' : 'success') === 'success';
      nextFresh = false;
    }
    if (node.kind === 'assign' && status && node.assignment?.lhs === status && node.assignment.rhsCall !== CREATE) nextFresh = false;
    for (const edge of node.succ) {
      if (edge.exceptional || !follow(edge)) continue;
      const k = key(edge.to, nextFresh);
      if (parent.has(k)) continue;
      parent.set(k, key(id, fresh));
      queue.push([edge.to, nextFresh]);
    }
  }
  return undefined;
}

/** Whether a caller closes what it passed as `index` after the call returns. */
function someCallerCloses(model: DriverModel, fn: FunctionInfo, index: number, closing: ReadonlySet<number>): boolean {
  const callers = model.functions.callers(fn);
  if (callers.length === 0) return true;
  return callers.some((site) => {
    const cf = controlFlow(site.caller);
    if (!cf) return true;
    const isClose = (n: FlowNode): boolean =>
      n.kind === 'call' && !!n.call && (n.call.callee === DATASCAN_CLOSE || !!model.functions.siteOf(site.caller, n.call)?.callees.some((c) => closing.has(c.id)));
    return site.call.argCores[index] !== undefined && cf.canReach(isClose, cf.nodesOf(site.call));
  });
}

export const datascanSectionNotClosed: Rule = {
  meta: {
    id: 'datascan-section-not-closed',
    code: 'DC6001',
    title: 'Data-scan section left open, or no section notification callback',
    severity: 'error',
    summary: 'FltCreateSectionForDataScan without FltCloseSectionForDataScan on every path after it succeeds, or a filter that creates data-scan sections but registers no SectionNotificationCallback in its FLT_REGISTRATION.',
    rationale:
      'While a data-scan section exists, the filter manager has told the file system (FSCTL_SET_PURGE_FAILURE_MODE) to fail operations that conflict with the mapping, such as a purge before a non-cached write, with STATUS_PURGE_FAILED, and it calls the filter\'s SectionNotificationCallback so the filter can close the section and the operation can be retried. The filter must close each section with FltCloseSectionForDataScan when the scan is over; a section left open keeps the file in that mode, and without the callback nobody can be asked to close it: other processes\' operations on the file keep failing.',
    whyTestingMisses:
      'Scans in tests succeed and no other process touches the file while it is scanned. The path that leaks is an error path (the mapping or the scan failing), and the conflict needs a second process writing the same file non-cached during the scan.',
    fix: 'Close the section on every path after a successful FltCreateSectionForDataScan (a single cleanup label that calls FltCloseSectionForDataScan), and set FLT_REGISTRATION.SectionNotificationCallback to a routine that closes the section it is given.',
    badExample: `NTSTATUS ScanView(HANDLE Section);

NTSTATUS Scan(PFLT_INSTANCE Instance, PFILE_OBJECT FileObject, PFLT_CONTEXT SectionContext)
{
    HANDLE section;
    PVOID object;
    OBJECT_ATTRIBUTES oa;
    NTSTATUS status;
    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    status = FltCreateSectionForDataScan(Instance, FileObject, SectionContext, SECTION_MAP_READ, &oa, NULL, PAGE_READONLY, SEC_COMMIT, 0, &section, &object, NULL);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    status = ScanView(section);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    return FltCloseSectionForDataScan(SectionContext);
}

VOID Start(PFLT_INSTANCE Instance, PFILE_OBJECT FileObject, PFLT_CONTEXT SectionContext)
{
    Scan(Instance, FileObject, SectionContext);
}`,
    goodExample: `NTSTATUS ScanView(HANDLE Section);

NTSTATUS Scan(PFLT_INSTANCE Instance, PFILE_OBJECT FileObject, PFLT_CONTEXT SectionContext)
{
    HANDLE section;
    PVOID object;
    OBJECT_ATTRIBUTES oa;
    NTSTATUS status;
    InitializeObjectAttributes(&oa, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    status = FltCreateSectionForDataScan(Instance, FileObject, SectionContext, SECTION_MAP_READ, &oa, NULL, PAGE_READONLY, SEC_COMMIT, 0, &section, &object, NULL);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    status = ScanView(section);
    FltCloseSectionForDataScan(SectionContext);
    return status;
}

VOID Start(PFLT_INSTANCE Instance, PFILE_OBJECT FileObject, PFLT_CONTEXT SectionContext)
{
    Scan(Instance, FileObject, SectionContext);
}`,
    references: [
      { title: 'FltCreateSectionForDataScan', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/fltkernel/nf-fltkernel-fltcreatesectionfordatascan' },
      { title: 'FltCloseSectionForDataScan', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/fltkernel/nf-fltkernel-fltclosesectionfordatascan' },
      { title: 'PFLT_SECTION_CONFLICT_NOTIFICATION_CALLBACK', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/fltkernel/nc-fltkernel-pflt_section_conflict_notification_callback' },
    ],
  },
  check(model) {
    const creates = model.functions
      .sitesCalling([CREATE])
      .filter((site) => site.call.calleeKind === 'identifier')
      .map((site) => ({ fn: site.caller, call: site.call }));
    if (creates.length === 0) return [];
    const findings: RuleFinding[] = [];
    for (const registration of fltRegistrations(model)) {
      if (registration.sectionNotification !== 'absent') continue;
      const first = creates[0]!;
      findings.push({
        location: registration.location,
        message: `${registration.name} registers no SectionNotificationCallback, but the filter creates data-scan sections: when another operation conflicts with a section, the filter manager has no callback to ask the filter to close it, and the operation fails. Set SectionNotificationCallback to a routine that closes the section.`,
        steps: [step(at(first.fn.file, first.call.span), `${first.fn.qualifiedName} creates a data-scan section here`), step(registration.location, `${registration.name} leaves SectionNotificationCallback out (or NULL)`)],
      });
    }
    const closing = closers(model);
    for (const { fn, call } of creates) {
      const cf = controlFlow(fn);
      const context = normalizePath(call.argCores[CONTEXT_ARG] ?? '');
      if (!cf || !/^[A-Za-z_]\w*$/.test(context)) continue;
      const param = fn.fact.params.findIndex((p) => p.name === context);
      if (param < 0 && !fn.fact.locals.some((l) => l.name === context)) continue;
      const leak = leakPath(model, fn, cf, call, context, closing);
      if (!leak) continue;
      if (param >= 0 && someCallerCloses(model, fn, param, closing)) continue;
      const location = at(fn.file, call.span);
      const exitSpan = leak.exit.span ?? fn.fact.span;
      findings.push({
        location,
        message: `The data-scan section created here (section context ${context}) is not closed on every path: on this one ${fn.qualifiedName} returns without FltCloseSectionForDataScan. Until it is closed the file system fails operations that conflict with the section. Close it on every path after a successful create.`,
        steps: [step(location, `${CREATE} creates a section for the section context ${context}`), ...branchSteps(cf, leak.path), step(at(fn.file, exitSpan), `${fn.qualifiedName} returns here with the section still open`)],
      });
    }
    return findings;
  },
};
