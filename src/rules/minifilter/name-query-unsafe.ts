import { NAME_QUERIES } from '../../knowledge/wdm.js';
import { controlFlow, type FlowNode } from '../../model/control-flow.js';
import { UnprotectedEntries } from '../../model/entry-paths.js';
import { branchSteps } from '../../model/flow-steps.js';
import { irqlName, rank } from '../../model/irql-level.js';
import { at, step } from '../../model/location.js';
import { fltOperations } from '../../model/minifilter.js';
import { pathFromEntry } from '../../model/received-irps.js';
import { describeRole } from '../../model/wdm-driver.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';

/** Operations that carry paging I/O. */
const PAGING_OPERATIONS = new Set(['IRP_MJ_READ', 'IRP_MJ_WRITE']);

/** A condition that tells paging I/O apart (or tells operations apart, in a shared callback). */
const PAGING_TEST = /PAGING_IO|PagingIo|MajorFunction/;

function testsPaging(node: FlowNode): boolean {
  return node.kind === 'branch' && !!node.cond && PAGING_TEST.test(node.cond.text);
}

export const nameQueryUnsafe: Rule = {
  meta: {
    id: 'name-query-unsafe',
    code: 'DC6003',
    title: 'File name queried where it can deadlock or is not allowed',
    severity: 'error',
    summary: 'FltGetFileNameInformation (or FltGetFileNameInformationUnsafe, FltGetDestinationFileNameInformation) above APC_LEVEL — in a post-operation callback that may run at DISPATCH_LEVEL, or under a spin lock — or, for FltGetFileNameInformation, in a read or write callback that does not exclude paging I/O.',
    rationale:
      'A name query may have to ask the file system, which takes locks and issues I/O: it requires IRQL <= APC_LEVEL, and post-operation callbacks other than create\'s may run at DISPATCH_LEVEL in an arbitrary thread unless made safe (FltDoCompletionProcessingWhenSafe, or FLT_PREOP_SYNCHRONIZE). In the paging I/O path the file system already holds its own resources; the filter manager refuses name queries there (STATUS_FLT_INVALID_NAME_REQUEST), because querying would recurse into the file system and could deadlock.',
    whyTestingMisses:
      'Post-operation callbacks usually run at PASSIVE_LEVEL, and names usually come from the filter manager\'s cache; the failure needs the query to reach the file system at DISPATCH_LEVEL, or memory pressure that produces paging reads and writes of the files being watched.',
    fix: 'Query the name in the pre-operation callback and pass it to the post-operation callback in the completion context, or complete in a safe callback with FltDoCompletionProcessingWhenSafe; skip paging I/O (FlagOn(Data->Iopb->IrpFlags, IRP_PAGING_IO), or FLTFL_OPERATION_REGISTRATION_SKIP_PAGING_IO in the operation registration); never query under a spin lock.',
    badExample: `FLT_POSTOP_CALLBACK_STATUS PostRead(PFLT_CALLBACK_DATA Data, PCFLT_RELATED_OBJECTS FltObjects, PVOID CompletionContext, FLT_POST_OPERATION_FLAGS Flags)
{
    PFLT_FILE_NAME_INFORMATION name;
    if (NT_SUCCESS(FltGetFileNameInformation(Data, FLT_FILE_NAME_NORMALIZED | FLT_FILE_NAME_QUERY_DEFAULT, &name))) {
        FltReleaseFileNameInformation(name);
    }
    return FLT_POSTOP_FINISHED_PROCESSING;
}

CONST FLT_OPERATION_REGISTRATION Callbacks[] = {
    { IRP_MJ_READ, FLTFL_OPERATION_REGISTRATION_SKIP_PAGING_IO, NULL, PostRead },
    { IRP_MJ_OPERATION_END }
};`,
    goodExample: `FLT_POSTOP_CALLBACK_STATUS PostReadWhenSafe(PFLT_CALLBACK_DATA Data, PCFLT_RELATED_OBJECTS FltObjects, PVOID CompletionContext, FLT_POST_OPERATION_FLAGS Flags)
{
    PFLT_FILE_NAME_INFORMATION name;
    if (NT_SUCCESS(FltGetFileNameInformation(Data, FLT_FILE_NAME_NORMALIZED | FLT_FILE_NAME_QUERY_DEFAULT, &name))) {
        FltReleaseFileNameInformation(name);
    }
    return FLT_POSTOP_FINISHED_PROCESSING;
}

FLT_POSTOP_CALLBACK_STATUS PostRead(PFLT_CALLBACK_DATA Data, PCFLT_RELATED_OBJECTS FltObjects, PVOID CompletionContext, FLT_POST_OPERATION_FLAGS Flags)
{
    FLT_POSTOP_CALLBACK_STATUS status = FLT_POSTOP_FINISHED_PROCESSING;
    FltDoCompletionProcessingWhenSafe(Data, FltObjects, CompletionContext, Flags, PostReadWhenSafe, &status);
    return status;
}

CONST FLT_OPERATION_REGISTRATION Callbacks[] = {
    { IRP_MJ_READ, FLTFL_OPERATION_REGISTRATION_SKIP_PAGING_IO, NULL, PostRead },
    { IRP_MJ_OPERATION_END }
};`,
    references: [
      { title: 'FltGetFileNameInformation (STATUS_FLT_INVALID_NAME_REQUEST)', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/fltkernel/nf-fltkernel-fltgetfilenameinformation' },
      { title: 'Ensuring that completion processing is performed at safe IRQL', url: 'https://learn.microsoft.com/windows-hardware/drivers/ifs/ensuring-that-completion-processing-is-performed-at-safe-irql' },
      { title: 'FltDoCompletionProcessingWhenSafe', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/fltkernel/nf-fltkernel-fltdocompletionprocessingwhensafe' },
    ],
  },
  check(model) {
    const queries = model.functions.sitesCalling(Object.keys(NAME_QUERIES));
    if (queries.length === 0) return [];
    const roots = fltOperations(model)
      .filter((op) => PAGING_OPERATIONS.has(op.major.replace(/\s+/g, '')) && !/FLTFL_OPERATION_REGISTRATION_SKIP_PAGING_IO/.test(op.flags))
      .flatMap((op) =>
        [...op.pre.map((fn) => ({ fn, role: 'PFLT_PRE_OPERATION_CALLBACK' })), ...op.post.map((fn) => ({ fn, role: 'PFLT_POST_OPERATION_CALLBACK' }))].map(({ fn, role }) => ({
          fn,
          subject: '',
          steps: [step(op.location, `${fn.qualifiedName} is registered here as the ${describeRole(role)} for ${op.major}, without FLTFL_OPERATION_REGISTRATION_SKIP_PAGING_IO: it is called for paging I/O too`)],
        })),
      );
    const paging = new UnprotectedEntries(model.functions, {
      roots,
      passes: (site) => (pathFromEntry(site.caller, controlFlow(site.caller)?.nodesOf(site.call) ?? [], testsPaging) ? '' : undefined),
      describe: (site, callee) => `${site.caller.qualifiedName} calls ${callee.qualifiedName} without excluding paging I/O`,
    });
    const findings: RuleFinding[] = [];
    for (const site of queries) {
      const fn = site.caller;
      const query = NAME_QUERIES[site.call.callee];
      if (!query || site.call.calleeKind !== 'identifier' || site.callees.length > 0) continue;
      const location = at(fn.file, site.call.span);
      const level = model.irql.levelAtCall(site);
      if (level && rank(level.level) > rank('APC')) {
        findings.push({
          location,
          message: `${site.call.callee} is called at up to ${irqlName(level.level)}, but a name query requires APC_LEVEL or below (it may have to query the file system). ${level.cause === 'lock' ? 'Query the name before acquiring the lock.' : 'Query it in the pre-operation callback, or defer the work with FltDoCompletionProcessingWhenSafe.'}`,
          steps: [...level.steps, step(location, `${site.call.callee} requires IRQL <= APC_LEVEL; here the IRQL may be ${irqlName(level.level)}`)],
        });
        continue;
      }
      const entry = query.refusesPagingIo ? paging.entry(fn, '') : undefined;
      const cf = controlFlow(fn);
      if (!entry || !cf) continue;
      const path = pathFromEntry(fn, cf.nodesOf(site.call), testsPaging);
      if (!path) continue;
      findings.push({
        location,
        message: `${site.call.callee} is reached for paging I/O: nothing on the path tests IRP_PAGING_IO. Name queries are not allowed in the paging path (querying the file system from inside its own paging I/O could deadlock): the filter manager fails them with STATUS_FLT_INVALID_NAME_REQUEST, so this callback never gets a name for paging reads and writes. Skip paging I/O (FlagOn(Data->Iopb->IrpFlags, IRP_PAGING_IO)) or register the operation with FLTFL_OPERATION_REGISTRATION_SKIP_PAGING_IO.`,
        steps: [...entry.steps, ...branchSteps(cf, path), step(location, `${site.call.callee} queries the name, also for paging reads and writes`)],
      });
    }
    return findings;
  },
};
