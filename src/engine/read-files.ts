/**
 * Reads and parses every file of a run. A file that cannot be read, is binary, is too large,
 * or takes too long to parse is skipped with its reason; it never stops the run.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { extractFileFacts, ParseTimeoutError } from '../parser/extract.js';
import type { FileFacts } from '../parser/facts.js';
import { decodeSource, type DecodedSource } from '../source/decode.js';
import { describeFsError } from '../source/discover.js';
import type { SkippedFile } from './findings.js';

export interface ReadLimits {
  /** Files larger than this many bytes are skipped. */
  readonly maxFileBytes: number;
  /** A parse longer than this many milliseconds is abandoned and the file skipped. */
  readonly parseTimeoutMs: number;
}

export const DEFAULT_LIMITS: ReadLimits = { maxFileBytes: 16 * 1024 * 1024, parseTimeoutMs: 20_000 };

export type ReadOutcome = { readonly ok: true; readonly facts: FileFacts } | { readonly ok: false; readonly skipped: SkippedFile };

export function readSource(root: string, path: string, limits: ReadLimits): { ok: true; source: DecodedSource } | { ok: false; reason: string } {
  const abs = join(root, path);
  let bytes: Buffer;
  try {
    const size = statSync(abs).size;
    if (size > limits.maxFileBytes) return { ok: false, reason: `larger than the ${formatBytes(limits.maxFileBytes)} file size limit (${formatBytes(size)})` };
    bytes = readFileSync(abs);
  } catch (error) {
    return { ok: false, reason: describeFsError(error, 'cannot be read') };
  }
  const source = decodeSource(bytes);
  if (source.encoding !== 'utf-16le' && source.encoding !== 'utf-16be' && bytes.includes(0)) {
    return { ok: false, reason: 'binary file (contains NUL bytes)' };
  }
  return { ok: true, source };
}

export async function readAndParse(root: string, path: string, limits: ReadLimits): Promise<ReadOutcome> {
  const read = readSource(root, path, limits);
  if (!read.ok) return { ok: false, skipped: { path, reason: read.reason } };
  try {
    return { ok: true, facts: await extractFileFacts(path, read.source, { timeoutMs: limits.parseTimeoutMs }) };
  } catch (error) {
    if (error instanceof ParseTimeoutError) return { ok: false, skipped: { path, reason: `parse time limit exceeded (${limits.parseTimeoutMs} ms)` } };
    return { ok: false, skipped: { path, reason: `internal error while parsing: ${(error as Error).message}` } };
  }
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}
