import { irqlName, rank } from '../../model/irql-level.js';
import { step } from '../../model/location.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';
import { DEVICE_ADD_WITH_QUEUES, defaultQueueInitialize } from '../../rule-kit/example-fragments.js';

export const irqlPageableCode: Rule = {
  meta: {
    id: 'irql-pageable-code',
    code: 'DC1002',
    codeAnalysisWarnings: [28170, 28172],
    title: 'Pageable code that may run at DISPATCH_LEVEL',
    severity: 'error',
    summary: 'A function placed in a pageable section (or asserting PAGED_CODE) is reachable from code that may run at DISPATCH_LEVEL or above.',
    rationale:
      'Code in a PAGE section can be paged out. At DISPATCH_LEVEL or above the memory manager cannot page it back in, so touching it is a bug check (IRQL_NOT_LESS_OR_EQUAL, or PAGED_CODE\'s assertion in checked builds). WDF EvtIo callbacks, completion routines, DPCs and timers may run at DISPATCH_LEVEL unless a passive execution level is set.',
    whyTestingMisses:
      'On a test machine with plenty of memory the pageable code is almost never paged out, and EvtIo callbacks usually happen to run at PASSIVE_LEVEL. Under memory pressure, or when the callback runs at DISPATCH_LEVEL, the page fault at raised IRQL crashes the system.',
    fix: 'Remove the function from the PAGE section (drop the #pragma alloc_text entry and PAGED_CODE()), or guarantee PASSIVE_LEVEL with ExecutionLevel = WdfExecutionLevelPassive on the queue or device.',
    badExample: `#pragma alloc_text(PAGE, EvtIoWrite)

VOID EvtIoWrite(WDFQUEUE Queue, WDFREQUEST Request, size_t Length)
{
    PAGED_CODE();
    WdfRequestComplete(Request, STATUS_SUCCESS);
}

${defaultQueueInitialize('EvtIoWrite', 'EvtIoWrite')}

${DEVICE_ADD_WITH_QUEUES}`,
    goodExample: `VOID EvtIoWrite(WDFQUEUE Queue, WDFREQUEST Request, size_t Length)
{
    WdfRequestComplete(Request, STATUS_SUCCESS);
}

${defaultQueueInitialize('EvtIoWrite', 'EvtIoWrite')}

${DEVICE_ADD_WITH_QUEUES}`,
    references: [
      { title: 'Making drivers pageable', url: 'https://learn.microsoft.com/windows-hardware/drivers/kernel/making-drivers-pageable' },
      { title: 'PAGED_CODE macro', url: 'https://learn.microsoft.com/windows-hardware/drivers/kernel/paged-code' },
    ],
  },
  check(model) {
    const findings: RuleFinding[] = [];
    for (const fn of model.functions.all) {
      const pageable = fn.section && /^PAGE/i.test(fn.section.name) ? fn.section : undefined;
      const asserted = fn.fact.pagedCode;
      if (!pageable && !asserted) continue;
      const witness = model.irql.witness(fn);
      if (!witness || rank(witness.level) < rank('DISPATCH')) continue;
      const marker = pageable
        ? step(pageable.location, `${fn.qualifiedName} is placed in the pageable section ${pageable.name} by ${pageable.how}`)
        : step({ file: fn.file, span: asserted! }, `${fn.qualifiedName} asserts PAGED_CODE(): it may only run below DISPATCH_LEVEL`);
      findings.push({
        location: fn.location,
        message: pageable
          ? `${fn.qualifiedName} is pageable but may run at ${irqlName(witness.level)}, where a page fault cannot be served and the system bug-checks. Make it non-pageable, or constrain its callers to PASSIVE_LEVEL.`
          : `${fn.qualifiedName} asserts PAGED_CODE() but may run at ${irqlName(witness.level)}, where the assertion fails (Driver Verifier and checked builds bug-check). Remove the assertion, or constrain its callers to PASSIVE_LEVEL.`,
        steps: [...model.irql.path(witness), marker],
      });
    }
    return findings;
  },
};
