/**
 * MSBuild's canonical error format, which Visual Studio's Error List and VS Code's
 * `$msCompile` problem matcher parse: `path(line,col,endLine,endCol): error DC1001: message [rule-id]`.
 */
import type { CheckResult } from '../engine/findings.js';
import type { RuleMeta } from '../rule-kit/rule.js';

export function formatMsbuild(result: CheckResult, metas: readonly RuleMeta[], displayPath: (path: string) => string): string {
  const codeOf = new Map(metas.map((m) => [m.id, m.code]));
  const lines = result.findings.map((f) => {
    const span = f.location.span;
    const category = f.severity === 'note' ? 'info' : f.severity;
    const path = displayPath(f.location.path).split('/').join('\\');
    return `${path}(${span.startLine},${span.startColumn},${span.endLine},${span.endColumn}): ${category} ${codeOf.get(f.ruleId) ?? 'DC0000'}: ${oneLine(f.message)} [${f.ruleId}]`;
  });
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
