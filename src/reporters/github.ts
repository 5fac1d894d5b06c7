/**
 * GitHub Actions workflow commands: each finding becomes an annotation on the pull request's
 * diff (`::error file=…,line=…::message`). Values are escaped as the runner requires.
 */
import type { CheckResult } from '../engine/findings.js';
import type { RuleMeta } from '../rule-kit/rule.js';

export function formatGithub(result: CheckResult, metas: readonly RuleMeta[], displayPath: (path: string) => string): string {
  const codeOf = new Map(metas.map((m) => [m.id, m.code]));
  const lines = result.findings.map((f) => {
    const span = f.location.span;
    const command = f.severity === 'error' ? 'error' : f.severity === 'warning' ? 'warning' : 'notice';
    const properties = [
      `file=${escapeProperty(displayPath(f.location.path))}`,
      `line=${span.startLine}`,
      `col=${span.startColumn}`,
      `endLine=${span.endLine}`,
      ...(span.endLine === span.startLine ? [`endColumn=${span.endColumn}`] : []),
      `title=${escapeProperty(`${codeOf.get(f.ruleId) ?? ''} ${f.ruleId}`.trim())}`,
    ];
    // Steps name their files as `file=` does, so that each can be opened from the same directory.
    const path = f.steps.map((s) => `${displayPath(s.location.path)}:${s.location.span.startLine}: ${s.message}`).join('\n');
    return `::${command} ${properties.join(',')}::${escapeData(path ? `${f.message}\n${path}` : f.message)}`;
  });
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
