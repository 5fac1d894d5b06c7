/**
 * Suppressions written in the sources: drvcheck's own comments, and the `#pragma warning` /
 * `#pragma prefast` suppressions driver code already carries for Code Analysis, mapped to
 * rules through each rule's Code Analysis warning numbers.
 *
 *   // drvcheck-ignore[rule-id, DC1001]: reason        on the line before, or trailing on the line
 *   // drvcheck-ignore-file[rule-id]: reason           anywhere in the file: the whole file
 */
import type { FileFacts, Span } from '../parser/facts.js';

/** What suppression needs of a file's facts: small enough to send back from a worker. */
export type SuppressionFacts = Pick<FileFacts, 'path' | 'suppressionComments' | 'warningPragmas'>;
import type { RuleMeta } from '../rule-kit/rule.js';

export interface SourceSuppression {
  readonly path: string;
  readonly span: Span;
  /** Rule ids or codes as written. */
  readonly rules: readonly string[];
  readonly reason: string;
  /** The line it covers, or 'file'. */
  readonly covers: number | 'file';
}

export interface MalformedSuppression {
  readonly path: string;
  readonly span: Span;
  readonly problem: string;
}

const DIRECTIVE = /drvcheck-ignore(-file)?\[([^\]]*)\](?:\s*:\s*(.*))?/;

export function readSuppressionComments(
  file: SuppressionFacts,
  knownRule: (token: string) => boolean,
): { suppressions: SourceSuppression[]; malformed: MalformedSuppression[] } {
  const suppressions: SourceSuppression[] = [];
  const malformed: MalformedSuppression[] = [];
  for (const comment of file.suppressionComments) {
    const body = comment.text.replace(/^\/[/*]\s*/, '').replace(/\*\/\s*$/, '');
    const m = DIRECTIVE.exec(body);
    if (!m) {
      malformed.push({ path: file.path, span: comment.span, problem: 'write it as `drvcheck-ignore[rule-id]: reason`' });
      continue;
    }
    const rules = m[2]!.split(',').map((r) => r.trim()).filter((r) => r.length > 0);
    const reason = (m[3] ?? '').trim();
    const unknown = rules.filter((r) => !knownRule(r));
    if (rules.length === 0) malformed.push({ path: file.path, span: comment.span, problem: 'it names no rule' });
    else if (unknown.length > 0) malformed.push({ path: file.path, span: comment.span, problem: `no rule is called ${unknown.map((u) => `\`${u}\``).join(', ')}` });
    else if (reason === '') malformed.push({ path: file.path, span: comment.span, problem: 'a reason is required after the colon' });
    else {
      const covers = m[1] ? 'file' : comment.trailing ? comment.span.startLine : comment.span.endLine + 1;
      suppressions.push({ path: file.path, span: comment.span, rules, reason, covers });
    }
  }
  return { suppressions, malformed };
}

/**
 * The lines on which each Code Analysis warning number is suppressed or disabled in a file,
 * replaying `suppress` (the next line), `disable`/`default` and `push`/`pop` in order.
 */
export function pragmaSuppressedLines(file: SuppressionFacts): (warning: number, line: number) => string | undefined {
  const intervals: { warning: number; from: number; to: number; how: string }[] = [];
  let open = new Map<number, { from: number; how: string }>();
  const stack: Map<number, { from: number; how: string }>[] = [];
  const close = (warning: number, at: number): void => {
    const o = open.get(warning);
    if (o) intervals.push({ warning, from: o.from, to: at, how: o.how });
  };
  for (const p of file.warningPragmas) {
    switch (p.action) {
      case 'suppress':
        for (const n of p.numbers) intervals.push({ warning: n, from: p.line + 1, to: p.line + 1, how: `#pragma warning(suppress: ${n})` });
        break;
      case 'disable':
        for (const n of p.numbers) if (!open.has(n)) open.set(n, { from: p.line + 1, how: `#pragma warning(disable: ${n})` });
        break;
      case 'default':
        for (const n of p.numbers) {
          close(n, p.line);
          open.delete(n);
        }
        break;
      case 'push':
        stack.push(new Map(open));
        break;
      case 'pop': {
        const restored = stack.pop() ?? new Map();
        for (const n of open.keys()) if (!restored.has(n)) close(n, p.line);
        const next = new Map<number, { from: number; how: string }>();
        for (const [n, o] of restored) next.set(n, open.get(n) ?? { ...o, from: p.line + 1 });
        open = next;
        break;
      }
    }
  }
  for (const n of open.keys()) close(n, Number.MAX_SAFE_INTEGER);
  return (warning, line) => intervals.find((i) => i.warning === warning && i.from <= line && line <= i.to)?.how;
}

/** True when a suppression token (id or code) names the rule. */
export function namesRule(token: string, meta: RuleMeta): boolean {
  return token === meta.id || token.toUpperCase() === meta.code;
}
