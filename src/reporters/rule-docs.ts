/**
 * A rule's documentation rendered from its metadata, the single source for `explain`, the
 * SARIF help text and the generated docs.
 */
import type { RuleMeta } from '../rules/rule.js';

export function ruleHelpText(r: RuleMeta): string {
  return [
    `${r.id}: ${r.title}`,
    '',
    r.summary,
    '',
    `Why it is wrong: ${r.rationale}`,
    '',
    `Why testing misses it: ${r.whyTestingMisses}`,
    '',
    `How to fix: ${r.fix}`,
    '',
    'Bad:',
    indent(r.badExample),
    '',
    'Good:',
    indent(r.goodExample),
    '',
    'References:',
    ...r.references.map((ref) => `  - ${ref.title}: ${ref.url}`),
  ].join('\n');
}

export function ruleHelpMarkdown(r: RuleMeta): string {
  return [
    `# ${r.id}`,
    '',
    `**${r.title}** (default severity: ${r.severity})`,
    '',
    r.summary,
    '',
    '## Why it is wrong',
    '',
    r.rationale,
    '',
    '## Why testing misses it',
    '',
    r.whyTestingMisses,
    '',
    '## How to fix',
    '',
    r.fix,
    '',
    '## Bad',
    '',
    '```c',
    r.badExample,
    '```',
    '',
    '## Good',
    '',
    '```c',
    r.goodExample,
    '```',
    '',
    '## References',
    '',
    ...r.references.map((ref) => `- [${ref.title}](${ref.url})`),
    '',
  ].join('\n');
}

function indent(code: string): string {
  return code
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}
