/**
 * Reads the `// expect: rule-id` and `// ok: rule-id` annotations of fixture sources, and
 * compares them with what drvcheck reports: every finding must be expected, every
 * expectation found.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Finding } from '../src/engine/findings.js';

export interface Expectation {
  readonly path: string;
  readonly line: number;
  readonly ruleId: string;
}

const SOURCE = /\.(c|cpp|h|hpp)$/i;

export function filesOf(entry: string): string[] {
  if (!statSync(entry).isDirectory()) return [entry];
  return readdirSync(entry, { recursive: true, encoding: 'utf8' })
    .map((f) => join(entry, f))
    .filter((f) => SOURCE.test(f) && statSync(f).isFile())
    .sort();
}

export function annotations(entry: string, root: string, kind: 'expect' | 'ok'): Expectation[] {
  const found: Expectation[] = [];
  const marker = new RegExp(`//.*\\b${kind}:\\s*([\\w-]+(?:\\s*,\\s*[\\w-]+)*)`);
  for (const file of filesOf(entry)) {
    const lines = readFileSync(file, 'utf8').split(/\r?\n/);
    lines.forEach((text, i) => {
      const m = marker.exec(text);
      if (!m) return;
      for (const ruleId of m[1]!.split(',').map((s) => s.trim())) {
        found.push({ path: relative(root, file).split('\\').join('/'), line: i + 1, ruleId });
      }
    });
  }
  return found;
}

export function key(e: Expectation): string {
  return `${e.path}:${e.line}: ${e.ruleId}`;
}

export function findingKey(f: Finding): string {
  return `${f.location.path}:${f.location.span.startLine}: ${f.ruleId}`;
}

/** Fixture entries: each source file directly in the rule folder, and each sub-folder (one unit). */
export function fixtureEntries(ruleDir: string): string[] {
  return readdirSync(ruleDir)
    .map((name) => join(ruleDir, name))
    .filter((p) => statSync(p).isDirectory() || SOURCE.test(p))
    .sort();
}
