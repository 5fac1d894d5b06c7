/**
 * A malformed suppression: no reason, or a rule drvcheck does not have. The engine reports it
 * while it reads the suppression comments of the sources.
 */
import type { RuleMeta } from '../../rule-kit/rule.js';

export const INVALID_SUPPRESSION: RuleMeta = {
  id: 'invalid-suppression',
  code: 'DC9002',
  title: 'Malformed suppression',
  severity: 'warning',
  summary: 'A `drvcheck-ignore` comment without a reason, or naming a rule drvcheck does not have.',
  rationale:
    'A suppression is a claim that a finding is wrong or accepted; without a reason nobody can review that claim later, and a misspelt rule id suppresses nothing while looking as if it did.',
  whyTestingMisses: 'A malformed suppression is silently inert: the finding it was meant for still appears, or a later one is wrongly thought covered.',
  fix: 'Write `// drvcheck-ignore[rule-id]: reason` with an existing rule id or code and a reason after the colon.',
  badExample: `VOID Helper(VOID)
{
    Log(); // drvcheck-ignore[irql-call-too-high]
}`,
  goodExample: `VOID Helper(VOID)
{
    Log();
}`,
  references: [{ title: 'drvcheck README: suppressions', url: 'https://www.npmjs.com/package/drvcheck' }],
};
