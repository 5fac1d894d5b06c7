/**
 * Rules the engine itself reports, from the suppressions in the sources rather than from the
 * driver model: a suppression that suppresses nothing, and one that is malformed. They have
 * metadata like every rule (docs, `explain`, SARIF) and can be configured like every rule.
 */
import type { RuleMeta } from './rule.js';

export const UNUSED_SUPPRESSION: RuleMeta = {
  id: 'unused-suppression',
  code: 'DC9001',
  title: 'Suppression that suppresses nothing',
  severity: 'warning',
  summary: 'A `drvcheck-ignore` comment names a rule that reports nothing on the line (or file) it covers.',
  rationale:
    'Stale suppressions hide the next real finding on that line and tell reviewers a defect is known where there is none. They usually outlive a fix or a moved line.',
  whyTestingMisses: 'Nothing fails when a suppression goes stale; only a checker that knows what it suppressed can tell.',
  fix: 'Delete the comment, or move it next to the finding it was meant for.',
  badExample: `VOID Helper(VOID)
{
    // drvcheck-ignore[irql-call-too-high]: the caller is always at PASSIVE_LEVEL
    Log();
}`,
  goodExample: `VOID Helper(VOID)
{
    Log();
}`,
  references: [{ title: 'drvcheck README: suppressions', url: 'https://www.npmjs.com/package/drvcheck' }],
};

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

export const ENGINE_RULES: readonly RuleMeta[] = [UNUSED_SUPPRESSION, INVALID_SUPPRESSION];
