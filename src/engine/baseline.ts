/**
 * Baselines: the findings of a run recorded by fingerprint, so that a team adopting drvcheck
 * on an existing driver sees only what is new. Fingerprints leave line numbers out, so a
 * baseline survives edits that only move code.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Finding } from './findings.js';

export class BaselineError extends Error {}

export interface BaselineEntry {
  readonly fingerprint: string;
  readonly ruleId: string;
  readonly path: string;
  readonly message: string;
}

export function writeBaseline(file: string, findings: readonly Finding[]): void {
  const entries: BaselineEntry[] = findings.map((f) => ({ fingerprint: f.fingerprint, ruleId: f.ruleId, path: f.location.path, message: f.message }));
  writeFileSync(file, `${JSON.stringify({ tool: 'drvcheck', version: 1, findings: entries }, null, 2)}\n`);
}

export function readBaseline(file: string): BaselineEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new BaselineError(`${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not a drvcheck baseline (${(error as Error).message})`}`);
  }
  const findings = (doc as { tool?: unknown; findings?: unknown }).findings;
  if ((doc as { tool?: unknown }).tool !== 'drvcheck' || !Array.isArray(findings) || !findings.every((e) => typeof e?.fingerprint === 'string')) {
    throw new BaselineError(`${file}: not a drvcheck baseline (expected {"tool": "drvcheck", "findings": [{"fingerprint": …}]})`);
  }
  return findings as BaselineEntry[];
}
