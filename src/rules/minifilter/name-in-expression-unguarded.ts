import { RAISING_MATCHERS } from '../../knowledge/wdm.js';
import { controlFlow } from '../../model/control-flow.js';
import { UnprotectedEntries } from '../../model/entry-paths.js';
import type { FunctionInfo } from '../../model/functions.js';
import { at, step } from '../../model/location.js';
import { describeRole } from '../../model/wdm-driver.js';
import type { CallFact } from '../../parser/facts.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';

/** The call has an `__except` handler around it in every copy of it the flow graph holds. */
function handledHere(fn: FunctionInfo, call: CallFact): boolean | undefined {
  const cf = controlFlow(fn);
  if (!cf) return undefined;
  const nodes = cf.nodesOf(call);
  if (nodes.length === 0) return undefined;
  return nodes.every((id) => cf.node(id).tries.includes('except'));
}

export const nameInExpressionUnguarded: Rule = {
  meta: {
    id: 'name-in-expression-unguarded',
    code: 'DC6004',
    title: 'FsRtlIsNameInExpression called without an exception handler',
    severity: 'error',
    summary: 'FsRtlIsNameInExpression is reached from a callback with no __try/__except around the call, in its function or in any caller on the way.',
    rationale:
      'In low-resource conditions FsRtlIsNameInExpression raises a structured exception (STATUS_NO_MEMORY) instead of returning. An exception that no handler catches in kernel mode is a bug check (KMODE_EXCEPTION_NOT_HANDLED, or SYSTEM_THREAD_EXCEPTION_NOT_HANDLED). A __finally does not handle it.',
    whyTestingMisses:
      'The routine only raises when a pool allocation fails, which needs memory pressure (or Driver Verifier\'s low-resources simulation) at the moment a name is matched.',
    fix: 'Call it inside __try { … } __except (EXCEPTION_EXECUTE_HANDLER) { … } and treat the exception as no match (or fail the operation), or make sure every path to it runs inside such a handler, as file systems do around their common routines.',
    badExample: `UNICODE_STRING g_Pattern;

FLT_PREOP_CALLBACK_STATUS PreCreate(PFLT_CALLBACK_DATA Data, PCFLT_RELATED_OBJECTS FltObjects, PVOID *CompletionContext)
{
    if (FsRtlIsNameInExpression(&g_Pattern, &Data->Iopb->TargetFileObject->FileName, TRUE, NULL)) {
        return FLT_PREOP_COMPLETE;
    }
    return FLT_PREOP_SUCCESS_NO_CALLBACK;
}

CONST FLT_OPERATION_REGISTRATION Callbacks[] = {
    { IRP_MJ_CREATE, 0, PreCreate, NULL },
    { IRP_MJ_OPERATION_END }
};`,
    goodExample: `UNICODE_STRING g_Pattern;

FLT_PREOP_CALLBACK_STATUS PreCreate(PFLT_CALLBACK_DATA Data, PCFLT_RELATED_OBJECTS FltObjects, PVOID *CompletionContext)
{
    BOOLEAN match = FALSE;
    __try {
        match = FsRtlIsNameInExpression(&g_Pattern, &Data->Iopb->TargetFileObject->FileName, TRUE, NULL);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        match = FALSE;
    }
    return match ? FLT_PREOP_COMPLETE : FLT_PREOP_SUCCESS_NO_CALLBACK;
}

CONST FLT_OPERATION_REGISTRATION Callbacks[] = {
    { IRP_MJ_CREATE, 0, PreCreate, NULL },
    { IRP_MJ_OPERATION_END }
};`,
    references: [
      { title: 'FsRtlIsNameInExpression (remarks: can raise STATUS_NO_MEMORY)', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/ntifs/nf-ntifs-_fsrtl_advanced_fcb_header-fsrtlisnameinexpression' },
      { title: 'Handling exceptions', url: 'https://learn.microsoft.com/windows-hardware/drivers/kernel/handling-exceptions' },
      { title: 'OSR: FsRtlIsNameInExpression can raise an exception', url: 'https://www.osr.com/blog/2019/03/04/psa-fsrtlisnameinexpression-can-raise-exception/' },
    ],
  },
  check(model) {
    // Without a name matcher there is nothing to judge, and no exception handler worth looking for.
    const matchers = model.functions.sitesCalling(RAISING_MATCHERS);
    if (matchers.length === 0) return [];
    const entries = new UnprotectedEntries(model.functions, {
      roots: model.callbacks.map((cb) => ({
        fn: cb.fn,
        subject: '',
        steps: [step(cb.location, cb.declaredOnly ? `${cb.fn.qualifiedName} is declared as ${cb.roleType}` : `${cb.fn.qualifiedName} is registered here as the ${describeRole(cb.roleType)} (${cb.how}); no exception handler of the driver is around it`)],
      })),
      passes: (site) => (handledHere(site.caller, site.call) === false ? '' : undefined),
      describe: (site, callee) => `${site.caller.qualifiedName} calls ${callee.qualifiedName} outside any __try/__except`,
    });
    const findings: RuleFinding[] = [];
    for (const { caller: fn, call } of matchers) {
      const entry = entries.entry(fn, '');
      if (!entry || call.calleeKind !== 'identifier' || handledHere(fn, call) !== false) continue;
      const location = at(fn.file, call.span);
      findings.push({
        location,
        message: `${call.callee} can raise STATUS_NO_MEMORY when it cannot allocate, and no __try/__except is around this call, here or in a caller on the way from the callback: the unhandled exception bug-checks the system. Wrap the call in __try/__except and treat the exception as no match.`,
        steps: [...entry.steps, step(location, `${call.callee} may raise here; ${fn.qualifiedName} handles no exception around it`)],
      });
    }
    return findings;
  },
};
