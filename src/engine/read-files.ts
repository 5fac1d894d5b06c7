/**
 * Reads the files of a run: a file that cannot be read, is binary or is too large gets the
 * reason it is skipped; it never stops the run. What a file's content is, for the cache, is
 * its identity. (Parsing is in parse-files.ts, which loads the parser.)
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSource, type DecodedSource } from '../source/decode.js';
import { describeFsError } from '../source/discover.js';

export interface ReadLimits {
  /** Files larger than this many bytes are skipped. */
  readonly maxFileBytes: number;
  /** A parse longer than this many milliseconds is abandoned and the file skipped. */
  readonly parseTimeoutMs: number;
}

export const DEFAULT_LIMITS: ReadLimits = { maxFileBytes: 16 * 1024 * 1024, parseTimeoutMs: 20_000 };

export type BytesRead = { ok: true; bytes: Buffer } | { ok: false; reason: string };

export function readSource(root: string, path: string, limits: ReadLimits): { ok: true; source: DecodedSource } | { ok: false; reason: string } {
  const read = readBytes(root, path, limits);
  return read.ok ? decodeText(read.bytes) : read;
}

/** A file's bytes, unless it is not a regular file, is too large, or cannot be read. */
export function readBytes(root: string, path: string, limits: ReadLimits): BytesRead {
  const abs = join(root, path);
  let bytes: Buffer;
  try {
    const stats = statSync(abs);
    if (!stats.isFile()) return { ok: false, reason: 'not a regular file' };
    if (stats.size > limits.maxFileBytes) {
      return { ok: false, reason: `larger than the per-file size limit: ${formatBytes(stats.size)} > ${formatBytes(limits.maxFileBytes)} (--max-file-size)` };
    }
    bytes = readFileSync(abs);
  } catch (error) {
    return { ok: false, reason: describeFsError(error, 'cannot be read') };
  }
  return { ok: true, bytes };
}

/** NUL, and the control bytes a text file does not hold: all below 32 but tab, LF, VT, FF, CR and Ctrl-Z. */
const CONTROL_BYTES = /[\x00-\x08\x0e-\x19\x1b-\x1f]/g;

/**
 * Decodes a source file's bytes, refusing binary content. A few stray NUL bytes in a text
 * file (an editor accident) become spaces; a file where control bytes are common is binary.
 */
export function decodeText(bytes: Uint8Array): { ok: true; source: DecodedSource } | { ok: false; reason: string } {
  const source = decodeSource(bytes);
  if (source.encoding === 'utf-16le' || source.encoding === 'utf-16be') return { ok: true, source };
  // Valid UTF-8 without NUL bytes is text; only other files need the byte count below.
  if (!source.lossy && !source.text.includes('\0')) return { ok: true, source };
  // One character per byte, so that the regex counts bytes. Old drivers are often saved as
  // CP-1252, and every such file comes here; a one-driver run meets this cold, where a loop over
  // the bytes in JavaScript cost more than decoding the file. With the regex, wia/ProdScan (19 of
  // its 20 files CP-1252) took 391 ms against 403 ms (medians of 15 alternating runs).
  const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const binaryAbove = Math.max(8, bytes.length / 100);
  let controls = 0;
  let nuls = 0;
  for (const [byte] of latin1.matchAll(CONTROL_BYTES)) {
    if (byte === '\0') nuls++;
    else controls++;
    if (nuls + controls > binaryAbove) return { ok: false, reason: 'binary file (control bytes are not source text)' };
  }
  if (nuls === 0) return { ok: true, source };
  return { ok: true, source: { ...source, text: source.text.replace(/\0/g, ' '), lossy: true } };
}

/**
 * What a file is, for the cache: the hash of its bytes, or why they cannot be read (larger
 * than the limit, not a regular file, unreadable). Files with the same identity are analysed
 * alike.
 */
export function fileIdentity(read: BytesRead): string {
  return read.ok ? createHash('sha256').update(read.bytes).digest('hex') : `unread: ${read.reason}`;
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}
