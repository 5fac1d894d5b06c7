/**
 * The whole run: discover files and driver units, parse each file once, build one model per
 * unit, run the rules, and return findings sorted, deduplicated and fingerprinted.
 */
import { createHash } from 'node:crypto';
import { LineIndex } from '../source/decode.js';
import { discover } from '../source/discover.js';
import { DriverModel } from '../model/driver-model.js';
import type { FileFacts } from '../parser/facts.js';
import { RULES } from '../rules/index.js';
import type { Rule, RuleFinding } from '../rules/rule.js';
import { compareFindings, type AnalyzedFile, type CheckResult, type Finding, type SkippedFile, type UnitSummary } from './findings.js';
import { DEFAULT_LIMITS, readAndParse, readSource, type ReadLimits } from './read-files.js';

export interface CheckOptions {
  readonly paths: readonly string[];
  /** Directory reported paths are relative to; default: the deepest common directory of `paths`. */
  readonly root?: string;
  readonly limits?: Partial<ReadLimits>;
  readonly rules?: readonly Rule[];
}

export async function check(options: CheckOptions): Promise<CheckResult> {
  const limits: ReadLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const rules = options.rules ?? RULES;
  const found = discover(options.paths, options.root);
  const skipped: SkippedFile[] = [...found.skipped];
  const facts = new Map<string, FileFacts>();
  for (const path of found.files) {
    const outcome = await readAndParse(found.root, path, limits);
    if (outcome.ok) facts.set(path, outcome.facts);
    else skipped.push(outcome.skipped);
  }

  const byKey = new Map<string, Finding>();
  const units: UnitSummary[] = [];
  for (const unit of found.units) {
    const unitFiles = unit.files.map((f) => facts.get(f)).filter((f): f is FileFacts => f !== undefined);
    if (unitFiles.length === 0) continue;
    const model = new DriverModel(unit, unitFiles);
    // Every rule so far is about kernel-mode execution; a UMDF driver is summarised, not checked.
    for (const rule of model.isUserMode ? [] : rules) {
      let raw: RuleFinding[];
      try {
        raw = rule.check(model);
      } catch (error) {
        skipped.push({ path: unit.name, reason: `rule ${rule.meta.id} failed on this driver unit: ${(error as Error).message}` });
        continue;
      }
      for (const f of raw) {
        const finding = toFinding(rule, f);
        const key = `${finding.ruleId}|${finding.location.path}|${finding.location.span.start.offset}`;
        if (!byKey.has(key)) byKey.set(key, finding);
      }
    }
    units.push({
      name: unit.name,
      kind: unit.kind,
      ...(unit.driverType ? { driverType: unit.driverType } : {}),
      files: unitFiles.length,
      functions: model.functions.all.length,
      callbacks: model.callbacks.length,
    });
  }

  const findings = attachSourceLines([...byKey.values()].sort(compareFindings), found.root, limits);
  const analyzed: AnalyzedFile[] = [...facts.values()]
    .map((f) => ({ path: f.path, language: f.language, encoding: f.encoding, functions: f.functions.length, syntaxErrors: f.errorCount }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.reason < b.reason ? -1 : 1));
  return { root: found.root, findings: withUniqueFingerprints(findings), analyzed, skipped, units };
}

function toFinding(rule: Rule, f: RuleFinding): Finding {
  return {
    ruleId: rule.meta.id,
    severity: rule.meta.severity,
    message: f.message,
    location: { path: f.location.file, span: f.location.span },
    steps: f.steps.map((s) => ({ location: { path: s.file, span: s.span }, message: s.message })),
    fingerprint: fingerprintOf(rule.meta.id, f.location.file, f.message),
  };
}

/** Line numbers are left out so that a finding keeps its identity when unrelated edits move it. */
function fingerprintOf(ruleId: string, path: string, message: string): string {
  const stable = message.replace(/:\d+\b/g, ':');
  return createHash('sha256').update(`${ruleId}\0${path}\0${stable}`).digest('hex').slice(0, 32);
}

/** Two findings with the same fingerprint get an occurrence suffix, in source order. */
function withUniqueFingerprints(findings: Finding[]): Finding[] {
  const seen = new Map<string, number>();
  return findings.map((f) => {
    const n = seen.get(f.fingerprint) ?? 0;
    seen.set(f.fingerprint, n + 1);
    return n === 0 ? f : { ...f, fingerprint: `${f.fingerprint}:${n}` };
  });
}

function attachSourceLines(findings: Finding[], root: string, limits: ReadLimits): Finding[] {
  const lines = new Map<string, { text: string; index: LineIndex } | null>();
  return findings.map((f) => {
    let file = lines.get(f.location.path);
    if (file === undefined) {
      const read = readSource(root, f.location.path, limits);
      file = read.ok ? { text: read.source.text, index: new LineIndex(read.source.text) } : null;
      lines.set(f.location.path, file);
    }
    if (!file) return f;
    const start = file.index.lineStart(f.location.span.start.line);
    const end = f.location.span.start.line < file.index.lineCount ? file.index.lineStart(f.location.span.start.line + 1) : file.text.length;
    return { ...f, sourceLine: file.text.slice(start, end).replace(/\r?\n$|\r$/, '') };
  });
}
