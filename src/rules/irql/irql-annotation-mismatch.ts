import { roleLabel } from '../../knowledge/registrations.js';
import { callbackLevel } from '../../model/callback-irql.js';
import { annotatedIrql } from '../../model/irql-contracts.js';
import { irqlName, rank } from '../../model/irql-level.js';
import { step } from '../../model/location.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';
import { DEVICE_ADD_WITH_QUEUES, defaultQueueInitialize } from '../../rule-kit/example-fragments.js';

export const irqlAnnotationMismatch: Rule = {
  meta: {
    id: 'irql-annotation-mismatch',
    code: 'DC4010',
    codeAnalysisWarnings: [28118],
    title: 'Callback annotated for PASSIVE_LEVEL but registered where it may run at DISPATCH_LEVEL',
    severity: 'error',
    summary:
      'A function annotated _IRQL_requires_(PASSIVE_LEVEL) or _IRQL_requires_max_(PASSIVE_LEVEL | APC_LEVEL) is registered as a callback the framework may call at DISPATCH_LEVEL.',
    rationale:
      'An IRQL annotation is a promise about every call of the function. Code Analysis checks the body against it, so a body annotated for PASSIVE_LEVEL may wait, touch pageable memory or call PASSIVE_LEVEL-only routines without a warning. The registration decides the real IRQL: an EvtIo callback without a passive execution-level constraint, a request completion routine, a DPC or an ordinary timer may be called at DISPATCH_LEVEL, where those calls bug-check. The annotation hides the defect it should expose.',
    whyTestingMisses:
      'The callback usually happens to run at PASSIVE_LEVEL (an EvtIo callback called in the requesting thread); the DISPATCH_LEVEL call comes with a synchronization scope, a lower driver completing at DISPATCH_LEVEL, or load.',
    fix:
      'Make the registration guarantee the annotation (ExecutionLevel = WdfExecutionLevelPassive on the queue, device or timer), or annotate what the framework guarantees (_IRQL_requires_max_(DISPATCH_LEVEL)) and fix the body for it.',
    badExample: `_IRQL_requires_max_(PASSIVE_LEVEL)
VOID EvtIoRead(WDFQUEUE Queue, WDFREQUEST Request, size_t Length)
{
    WdfRequestComplete(Request, STATUS_SUCCESS);
}

${defaultQueueInitialize('EvtIoRead', 'EvtIoRead')}

${DEVICE_ADD_WITH_QUEUES}`,
    goodExample: `_IRQL_requires_max_(DISPATCH_LEVEL)
VOID EvtIoRead(WDFQUEUE Queue, WDFREQUEST Request, size_t Length)
{
    WdfRequestComplete(Request, STATUS_SUCCESS);
}

${defaultQueueInitialize('EvtIoRead', 'EvtIoRead')}

${DEVICE_ADD_WITH_QUEUES}`,
    references: [
      { title: 'IRQL annotations for drivers', url: 'https://learn.microsoft.com/windows-hardware/drivers/devtest/irql-annotations-for-drivers' },
      { title: 'Using automatic synchronization: ExecutionLevel', url: 'https://learn.microsoft.com/windows-hardware/drivers/wdf/using-automatic-synchronization' },
    ],
  },
  check(model) {
    const findings: RuleFinding[] = [];
    const reported = new Set<number>();
    for (const cb of model.callbacks) {
      if (cb.declaredOnly || reported.has(cb.fn.id)) continue;
      const contract = annotatedIrql(cb.fn);
      if (!contract?.atMost || rank(contract.atMost) >= rank('DISPATCH')) continue;
      const level = callbackLevel(cb, model.objects, model.syncScopes);
      if (!level || rank(level.level) < rank('DISPATCH')) continue;
      reported.add(cb.fn.id);
      findings.push({
        location: contract.location,
        message: `${cb.fn.qualifiedName} is annotated ${contract.text}, but it is registered as the ${roleLabel(cb.roleType)}, which the framework may call at ${irqlName(level.level)}. Code Analysis checks the body against the annotation, so calls that are not allowed at ${irqlName(level.level)} go unreported. Constrain the registration to PASSIVE_LEVEL or annotate the IRQL the framework guarantees.`,
        steps: [...level.steps, step(contract.location, `${cb.fn.qualifiedName} is annotated ${contract.text} here: a promise its registration does not keep`)],
      });
    }
    return findings;
  },
};
