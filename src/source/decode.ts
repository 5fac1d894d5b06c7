/**
 * Turns the bytes of a source file into text the parser can read, without losing the
 * ability to report positions in the file as the user sees it.
 *
 * Driver sources come from Windows editors: UTF-8 with or without a BOM, UTF-16 with a BOM
 * (Visual Studio's "Unicode" save), CP-1252 bytes from old code, CRLF line endings. Offsets
 * are kept in UTF-16 code units of the decoded text, which is what SARIF's default
 * `columnKind` (utf16CodeUnits) expects and what the parser reports.
 */
import { doubled } from '../typed-arrays.js';
import type { Position, Span } from './span.js';

export type SourceEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'latin-1';

export interface DecodedSource {
  readonly text: string;
  readonly encoding: SourceEncoding;
  /** True when bytes were not valid in the detected encoding and a fallback was used. */
  readonly lossy: boolean;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Where LineIndex collects a text's line starts before it keeps a copy of the right length. */
let lineStartsScratch: Int32Array<ArrayBuffer> = new Int32Array(4096);

export function decodeSource(bytes: Uint8Array): DecodedSource {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return decodeUtf8(bytes.subarray(3), 'utf-8-bom');
  }
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)), encoding: 'utf-16le', lossy: false };
  }
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    return { text: new TextDecoder('utf-16be').decode(bytes.subarray(2)), encoding: 'utf-16be', lossy: false };
  }
  return decodeUtf8(bytes, 'utf-8');
}

function decodeUtf8(bytes: Uint8Array, encoding: SourceEncoding): DecodedSource {
  try {
    return { text: strictUtf8.decode(bytes), encoding, lossy: false };
  } catch {
    // Not UTF-8: old driver sources are usually CP-1252. Latin-1 maps every byte to one
    // character, so offsets and columns stay one-to-one with the bytes of the file.
    return { text: new TextDecoder('latin1').decode(bytes), encoding: 'latin-1', lossy: true };
  }
}

/**
 * Maps offsets to lines and columns. CR, LF and CRLF each end a line, as in SARIF, so a file
 * with CRLF or mixed endings reports the line numbers an editor shows.
 */
export class LineIndex {
  /**
   * Where each line starts. A typed array, not an array of numbers: a run indexes every file
   * it reads, the lines of a unit's files live as long as its facts, and a typed array's
   * contents are not an object the garbage collector copies.
   */
  private readonly starts: Int32Array<ArrayBuffer>;
  /** The line (0-based) of the last position asked for. */
  private lastLine = 0;

  constructor(text: string) {
    // Jumps from line end to line end with indexOf, which searches natively, rather than
    // looking at every character: each file of a run is indexed once.
    let starts = lineStartsScratch;
    starts[0] = 0;
    let count = 1;
    let lf = text.indexOf('\n');
    let cr = text.indexOf('\r');
    while (lf >= 0 || cr >= 0) {
      let next: number;
      if (cr < 0 || (lf >= 0 && lf < cr)) {
        next = lf + 1;
        lf = text.indexOf('\n', lf + 1);
      } else {
        // CRLF is one line end; a lone CR is one too.
        next = text.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
        if (next === cr + 2) lf = text.indexOf('\n', next);
        cr = text.indexOf('\r', cr + 1);
      }
      if (count === starts.length) starts = lineStartsScratch = doubled(starts);
      starts[count++] = next;
    }
    this.starts = starts.slice(0, count);
  }

  get lineCount(): number {
    return this.starts.length;
  }

  position(offset: number): Position {
    const line = this.lineOf(offset);
    return { line: line + 1, column: offset - this.starts[line]! + 1, offset };
  }

  /** The span from `start` to `end` (offsets, `start` <= `end`). */
  span(start: number, end: number): Span {
    // Two line numbers, not two Position objects: spans are made by the hundred thousand.
    const from = this.lineOf(start);
    const to = this.lineOf(end);
    return { startLine: from + 1, startColumn: start - this.starts[from]! + 1, startOffset: start, endLine: to + 1, endColumn: end - this.starts[to]! + 1, endOffset: end };
  }

  /** The 0-based line of an offset. */
  private lineOf(offset: number): number {
    const starts = this.starts;
    // Extraction asks in nearly increasing order, mostly on the line it asked about last.
    let lo = this.lastLine;
    if (!(starts[lo]! <= offset && (lo + 1 === starts.length || offset < starts[lo + 1]!))) {
      lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid]! <= offset) lo = mid;
        else hi = mid - 1;
      }
      this.lastLine = lo;
    }
    return lo;
  }

  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line - 1, this.starts.length - 1))]!;
  }
}
