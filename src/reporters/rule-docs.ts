/**
 * A rule's documentation rendered from its metadata, the single source for `explain`, the
 * SARIF help text and the generated docs.
 */
import type { RuleMeta } from '../rule-kit/rule.js';

export function ruleHelpText(r: RuleMeta): string {
  return [
    `${r.id} (${r.code}, ${r.severity}): ${r.title}`,
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
    `# ${r.id} (${r.code})`,
    '',
    `**${r.title}** (default severity: ${r.severity}${r.codeAnalysisWarnings ? `; Code Analysis warnings ${r.codeAnalysisWarnings.join(', ')}` : ''})`,
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

/** The generated `docs/rules/` folder: one page per rule and an index, by file name. */
export function ruleDocFiles(metas: readonly RuleMeta[]): Map<string, string> {
  const files = new Map<string, string>();
  const header = '<!-- Generated from the rule metadata by `npm run docs`; do not edit. -->\n\n';
  for (const meta of metas) files.set(`${meta.id}.md`, header + ruleHelpMarkdown(meta));
  const index = [
    '# drvcheck rules',
    '',
    '| id | code | severity | title |',
    '| --- | --- | --- | --- |',
    ...metas.map((m) => `| [${m.id}](${m.id}.md) | ${m.code} | ${m.severity} | ${m.title} |`),
    '',
  ].join('\n');
  files.set('README.md', header + index);
  return files;
}
