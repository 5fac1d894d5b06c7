/**
 * A suppression that suppresses nothing. The engine reports it, from the suppression comments
 * in the sources, after the rules have run: there is no model question to ask.
 */
import type { RuleMeta } from '../../rule-kit/rule.js';

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
