/**
 * Compiler-style text: `path:line:col: error: message [rule-id]`, a code frame with a caret
 * under the span, then one `note:` line per step of the path, so editors and terminals can
 * jump to every place the explanation names.
 */
import type { CheckResult, Finding, ReportedLocation } from '../engine/findings.js';

export interface TextOptions {
  /** Turns a root-relative path into the path shown (relative to the working directory). */
  readonly displayPath: (path: string) => string;
  readonly color: boolean;
  /** Only the findings, no summary line. */
  readonly quiet?: boolean;
  /** List the baseline entries that were fixed. */
  readonly reportFixed?: boolean;
}

export function formatText(result: CheckResult, options: TextOptions): string {
  const paint = painter(options.color);
  const out: string[] = [];
  for (const f of result.findings) {
    out.push(`${paint.bold(`${loc(f.location, options)}:`)} ${paint.severity(f.severity)} ${f.message} ${paint.dim(`[${f.ruleId}]`)}`);
    out.push(...codeFrame(f, paint));
    for (const s of f.steps) out.push(`  ${loc(s.location, options)}: ${paint.note('note:')} ${s.message}`);
    out.push('');
  }
  if (options.reportFixed) {
    for (const f of result.fixed) out.push(`${options.displayPath(f.path)}: fixed since the baseline: ${f.message} [${f.ruleId}]`);
  }
  if (!options.quiet) out.push(summary(result));
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}

function summary(result: CheckResult): string {
  const n = result.findings.length;
  const files = new Set(result.findings.map((f) => f.location.path)).size;
  const parts = [
    n === 0 ? 'no findings' : `${n} finding${n === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}`,
    `${result.analyzed.length} file${result.analyzed.length === 1 ? '' : 's'} analyzed in ${result.units.length} driver unit${result.units.length === 1 ? '' : 's'}`,
  ];
  if (result.suppressed.length > 0) parts.push(`${result.suppressed.length} suppressed in the source`);
  if (result.baselined > 0) parts.push(`${result.baselined} in the baseline`);
  if (result.fixed.length > 0) parts.push(`${result.fixed.length} baseline finding${result.fixed.length === 1 ? '' : 's'} fixed`);
  if (result.skipped.length > 0) parts.push(`${result.skipped.length} skipped (${result.skipped.map((s) => `${s.path}: ${s.reason}`).slice(0, 5).join('; ')}${result.skipped.length > 5 ? '; …' : ''})`);
  return `drvcheck: ${parts.join(', ')}`;
}

function loc(l: ReportedLocation, options: TextOptions): string {
  return `${options.displayPath(l.path)}:${l.span.startLine}:${l.span.startColumn}`;
}

function codeFrame(f: Finding, paint: Painter): string[] {
  if (f.sourceLine === undefined) return [];
  const raw = f.sourceLine;
  const line = expandTabs(raw);
  const startCol = f.location.span.startColumn;
  const endCol = f.location.span.endLine === f.location.span.startLine ? f.location.span.endColumn : raw.length + 1;
  const visualStart = expandTabs(raw.slice(0, startCol - 1)).length;
  const width = Math.max(1, expandTabs(raw.slice(startCol - 1, endCol - 1)).length);
  const gutter = String(f.location.span.startLine);
  const pad = ' '.repeat(gutter.length);
  return [`  ${gutter} | ${line}`, `  ${pad} | ${' '.repeat(visualStart)}${paint.caret(`^${'~'.repeat(width - 1)}`)}`];
}

function expandTabs(s: string): string {
  return s.replace(/\t/g, '    ');
}

interface Painter {
  bold(s: string): string;
  dim(s: string): string;
  note(s: string): string;
  caret(s: string): string;
  severity(s: string): string;
}

function painter(color: boolean): Painter {
  const wrap = (code: string) => (s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const red = wrap('1;31');
  const yellow = wrap('1;33');
  const cyan = wrap('1;36');
  return {
    bold: wrap('1'),
    dim: wrap('2'),
    note: cyan,
    caret: wrap('1;32'),
    severity: (s) => (s === 'error' ? red('error:') : s === 'warning' ? yellow('warning:') : cyan(`${s}:`)),
  };
}
