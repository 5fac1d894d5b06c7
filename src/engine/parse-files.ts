/**
 * Reads and parses one file of a run into its facts, taking them from the facts cache when the
 * file is unchanged. A file that cannot be read, is binary, is too large, or takes too long to
 * parse is skipped with its reason; it never stops the run.
 */
import { extractFileFacts, ParseTimeoutError } from '../parser/extract.js';
import type { FileFacts } from '../parser/facts.js';
import type { DecodedSource } from '../source/decode.js';
import { HEADER_EXTENSIONS } from '../source/discover.js';
import type { FactsCache } from './facts-cache.js';
import type { SkippedFile } from './findings.js';
import { decodeText, fileIdentity, readBytes, type ReadLimits } from './read-files.js';

export type ReadOutcome =
  | { readonly ok: true; readonly facts: FileFacts }
  /** `transient`: skipped for a reason other than the file's content (a parse that ran out of time or failed inside the parser). */
  | { readonly ok: false; readonly skipped: SkippedFile; readonly transient?: boolean };

/** A file's facts or why it was skipped; with a cache, also the file's identity as it was read. */
export interface ReadResult {
  readonly outcome: ReadOutcome;
  readonly identity?: string;
}

export async function readAndParse(root: string, path: string, limits: ReadLimits, cache?: FactsCache): Promise<ReadResult> {
  const read = readBytes(root, path, limits);
  const identity = cache ? fileIdentity(read) : undefined;
  const withIdentity = (outcome: ReadOutcome): ReadResult => (identity === undefined ? { outcome } : { outcome, identity });
  if (!read.ok) return withIdentity({ ok: false, skipped: { path, reason: read.reason } });
  const key = identity === undefined ? undefined : cache!.keyOf(path, identity);
  const cached = key ? cache!.get(key) : undefined;
  if (cached) return withIdentity({ ok: true, facts: cached });
  const decoded = decodeText(read.bytes);
  if (!decoded.ok) return withIdentity({ ok: false, skipped: { path, reason: decoded.reason } });
  // Statement trees are read on demand only for facts that live as long as their unit: not for
  // cached ones, nor for headers, which a worker keeps while queued units include them (see
  // UnitAnalyzer).
  const outcome = await parseDecoded(path, decoded.source, limits, !key && !HEADER_EXTENSIONS.test(path));
  if (outcome.ok && key) cache!.set(key, outcome.facts);
  return withIdentity(outcome);
}

/** Parses one decoded file; any failure becomes a skip reason for that file only. */
export async function parseDecoded(path: string, source: DecodedSource, limits: ReadLimits, lazyFlows = false): Promise<ReadOutcome> {
  try {
    return { ok: true, facts: await extractFileFacts(path, source, { timeoutMs: limits.parseTimeoutMs, lazyFlows }) };
  } catch (error) {
    if (error instanceof ParseTimeoutError) {
      return { ok: false, transient: true, skipped: { path, reason: `took longer than the per-file time limit of ${limits.parseTimeoutMs} ms (--parse-timeout)` } };
    }
    return { ok: false, transient: true, skipped: { path, reason: `internal error while parsing: ${(error as Error).message}` } };
  }
}
