import { DATASCAN_CREATES } from '../../knowledge/wdm.js';
import { normalizePath } from '../../model/expressions.js';
import type { FunctionInfo } from '../../model/functions.js';
import { at, step, type PathStep } from '../../model/location.js';
import { isNullText } from '../../model/values.js';
import { describeRole } from '../../model/wdm-driver.js';
import type { CallFact, Span } from '../../parser/facts.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';

/** Minifilter callbacks that run in the thread of the process doing the I/O, or a system worker: never the service's. */
const OPERATION_ROLES = new Set(['PFLT_PRE_OPERATION_CALLBACK', 'PFLT_POST_OPERATION_CALLBACK', 'DRVCHECK_SAFE_POST_OPERATION']);

/**
 * Whether the object attributes passed at `arg` ask for a kernel handle: NULL does not; a local
 * OBJECT_ATTRIBUTES is read from its last InitializeObjectAttributes (and later `.Attributes`
 * writes) before the call. Anything else is not known.
 */
function handleKind(fn: FunctionInfo, call: CallFact, arg: string, core: string): { kind: 'kernel' | 'user' | 'unknown'; where?: Span } {
  if (isNullText(arg)) return { kind: 'user', where: call.span };
  const name = normalizePath(core);
  if (!arg.trim().startsWith('&') || !fn.fact.locals.some((l) => l.name === name)) return { kind: 'unknown' };
  const before = (s: Span): boolean => s.startOffset < call.span.startOffset;
  const init = [...fn.fact.calls].reverse().find((c) => c.callee === 'InitializeObjectAttributes' && before(c.span) && normalizePath(c.argCores[0] ?? '') === name);
  const writes = fn.fact.assignments.filter((a) => before(a.span) && normalizePath(a.lhs) === `${name}.Attributes` && (!init || a.span.startOffset > init.span.startOffset));
  if (!init && writes.length === 0) return { kind: 'unknown' };
  const texts = [...(init ? [init.args[2] ?? ''] : []), ...writes.map((w) => w.rhs)];
  if (texts.some((t) => /\bOBJ_KERNEL_HANDLE\b/.test(t))) return { kind: 'kernel' };
  // Flags written out as constants: no OBJ_KERNEL_HANDLE among them. A variable could hold it.
  const literal = texts.every((t) => /^[\s|()]*$/.test(t.replace(/\bOBJ_[A-Z_]+\b|\b0[xX]?[0-9a-fA-F]*[uUlL]*\b|\bNULL\b/g, '')));
  return literal ? { kind: 'user', where: (init ?? writes.at(-1)!).span } : { kind: 'unknown' };
}

export const datascanHandleWrongProcess: Rule = {
  meta: {
    id: 'datascan-handle-wrong-process',
    code: 'DC6002',
    title: 'Data-scan section handle created in the wrong process',
    severity: 'error',
    summary: 'FsRtlCreateSectionForDataScan or FltCreateSectionForDataScan creates a user-mode handle (object attributes without OBJ_KERNEL_HANDLE) in an operation callback, which runs in the process doing the I/O (post-create: the process opening the file), not in the filter\'s service.',
    rationale:
      'The section handle is inserted in the handle table of the current process. Without OBJ_KERNEL_HANDLE it is an ordinary user-mode handle of that process. In a pre- or post-operation callback the current process is the one opening or using the file: the handle lands there, where the filter\'s user-mode scanner cannot use it, and where the application can use or close it.',
    whyTestingMisses:
      'When the scanner service itself opens the test file, or when the filter only maps the section in the kernel, nothing looks wrong; with a real application the service receives a handle value that does not exist in its own process.',
    fix: 'For a section only the driver uses, pass object attributes initialised with OBJ_KERNEL_HANDLE. For a section the user-mode service maps, create it in the service\'s context: in the message callback of the filter\'s communication port when the service asks for it, as the avscan sample does.',
    badExample: `FLT_POSTOP_CALLBACK_STATUS PostCreate(PFLT_CALLBACK_DATA Data, PCFLT_RELATED_OBJECTS FltObjects, PVOID CompletionContext, FLT_POST_OPERATION_FLAGS Flags)
{
    HANDLE section;
    PVOID object;
    OBJECT_ATTRIBUTES oa;
    InitializeObjectAttributes(&oa, NULL, OBJ_CASE_INSENSITIVE, NULL, NULL);
    FsRtlCreateSectionForDataScan(&section, &object, NULL, FltObjects->FileObject, SECTION_MAP_READ, &oa, NULL, PAGE_READONLY, SEC_COMMIT, 0);
    return FLT_POSTOP_FINISHED_PROCESSING;
}

CONST FLT_OPERATION_REGISTRATION Callbacks[] = {
    { IRP_MJ_CREATE, 0, NULL, PostCreate },
    { IRP_MJ_OPERATION_END }
};`,
    goodExample: `FLT_POSTOP_CALLBACK_STATUS PostCreate(PFLT_CALLBACK_DATA Data, PCFLT_RELATED_OBJECTS FltObjects, PVOID CompletionContext, FLT_POST_OPERATION_FLAGS Flags)
{
    HANDLE section;
    PVOID object;
    OBJECT_ATTRIBUTES oa;
    InitializeObjectAttributes(&oa, NULL, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    FsRtlCreateSectionForDataScan(&section, &object, NULL, FltObjects->FileObject, SECTION_MAP_READ, &oa, NULL, PAGE_READONLY, SEC_COMMIT, 0);
    return FLT_POSTOP_FINISHED_PROCESSING;
}

CONST FLT_OPERATION_REGISTRATION Callbacks[] = {
    { IRP_MJ_CREATE, 0, NULL, PostCreate },
    { IRP_MJ_OPERATION_END }
};`,
    references: [
      { title: 'FsRtlCreateSectionForDataScan (ObjectAttributes: OBJ_KERNEL_HANDLE)', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/ntifs/nf-ntifs-fsrtlcreatesectionfordatascan' },
      { title: 'FltCreateSectionForDataScan', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/fltkernel/nf-fltkernel-fltcreatesectionfordatascan' },
      { title: 'Object handles (OBJ_KERNEL_HANDLE)', url: 'https://learn.microsoft.com/windows-hardware/drivers/kernel/object-handles' },
    ],
  },
  check(model) {
    const findings: RuleFinding[] = [];
    const creates = model.functions.sitesCalling(Object.keys(DATASCAN_CREATES));
    if (creates.length === 0) return findings;
    // How each function is reached from an operation callback, shortest first.
    const reached = new Map<number, PathStep[]>();
    const queue: FunctionInfo[] = [];
    for (const cb of model.callbacks) {
      if (!OPERATION_ROLES.has(cb.roleType) || reached.has(cb.fn.id)) continue;
      const op = cb.fltOperation ? ` for ${cb.fltOperation.major}` : '';
      reached.set(cb.fn.id, [step(cb.location, `${cb.fn.qualifiedName} is registered here as the ${describeRole(cb.roleType)}${op}: it runs in the thread doing the I/O (or a system worker), not in the filter's service`)]);
      queue.push(cb.fn);
    }
    for (let i = 0; i < queue.length; i++) {
      const fn = queue[i]!;
      for (const site of model.functions.callSites(fn)) {
        for (const callee of site.callees) {
          if (reached.has(callee.id)) continue;
          reached.set(callee.id, [...reached.get(fn.id)!, step(at(fn.file, site.call.span), `${fn.qualifiedName} calls ${callee.qualifiedName}`)]);
          queue.push(callee);
        }
      }
    }
    for (const { caller: fn, call } of creates) {
      const path = reached.get(fn.id);
      if (!path) continue;
      const shape = DATASCAN_CREATES[call.callee];
      if (!shape || call.calleeKind !== 'identifier') continue;
      const arg = call.args[shape.objectAttributes];
      const core = call.argCores[shape.objectAttributes];
      if (arg === undefined || core === undefined) continue;
      const handle = handleKind(fn, call, arg, core);
      if (handle.kind !== 'user') continue;
      const location = at(fn.file, call.span);
      const how = isNullText(arg) ? 'no object attributes are passed' : `${normalizePath(core)} is initialised without OBJ_KERNEL_HANDLE here`;
      findings.push({
        location,
        message: `${call.callee} creates a user-mode section handle (${isNullText(arg) ? 'no object attributes' : 'no OBJ_KERNEL_HANDLE'}) from an operation callback: the handle goes into the handle table of the process doing the I/O (for post-create, the process opening the file), not the filter's service, which cannot use it. Use OBJ_KERNEL_HANDLE for a section the driver maps, or create the section when the service asks for it over the communication port.`,
        steps: [...path, ...(handle.where ? [step(at(fn.file, handle.where), how)] : []), step(location, `${call.callee} inserts a user-mode handle in the current process`)],
      });
    }
    return findings;
  },
};
