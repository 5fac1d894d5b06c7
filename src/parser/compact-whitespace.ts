/**
 * tree-sitter's parsing time grows with every character it reads, whitespace and comments
 * included: about a quarter of driver code is indentation and alignment, and a fifth is
 * comments. This pass gives the parser a copy of the (blanked) text with most of both taken
 * out, and a table from each offset of the copy to the offset of the same character in the
 * text, so that the tree read from the copy is reported in the text's own offsets
 * (FlatTree.read applies the table).
 *
 * Only what the grammar reads as a separator is taken out, and every token keeps its own
 * extent:
 * - spaces and tabs that begin a line, or make it up, go;
 * - a run of spaces and tabs after other text on a line keeps its last character, so tokens
 *   stay apart and a token that ends in whitespace (a `#define`'s value up to the line's end)
 *   still ends where it did;
 * - line endings out of comments stay, so a directive still ends where it did (and after its
 *   condition, the parser reads a run of line endings as one token);
 * - whitespace right after a backslash stays whole: `\ ` then a newline is no line splice, and
 *   taking the spaces out would make it one; after a splice, the next line is not a new line;
 * - string and character literals are copied whole (a string that starts with spaces is a node
 *   that starts there);
 * - a comment keeps what makes it one: `/*` and the closing star and slash, or `//` and its
 *   last character, each mapped to its own offset, so it is the same token from the same
 *   start to the same end; quotes in it open nothing. On a directive's line a comment is
 *   copied whole: a directive's text takes in a `//` comment, and stops at a block comment.
 *
 * On text the parser reads without an error, the tree is the text's own, node for node (the
 * compact-whitespace test holds every fixture to that; so do the 2,300 files of the synthetic
 * corpus, and 1,335 of the 1,359 files of Windows-driver-samples it compacts). Where it must
 * recover from an error, it weighs the characters it skips, and with fewer of them it may
 * recover another way; on Windows-driver-samples no finding changed.
 */
import { endianness } from 'node:os';

/** The text the parser reads, and where each of its characters is in the original. */
export interface CompactText {
  readonly text: string;
  /** The original offset of each offset of `text`; one entry more, for its end. */
  readonly originals: Uint32Array;
}

const SPACE = 0x20;
const TAB = 0x09;
const VERTICAL_TAB = 0x0b;
const FORM_FEED = 0x0c;
const CR = 0x0d;
const LF = 0x0a;
const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const SLASH = 0x2f;
const STAR = 0x2a;
const R_LETTER = 0x52;
const HASH = 0x23;

const LITTLE_ENDIAN = endianness() === 'LE';

/** What the scan does with each ASCII character. */
const ORDINARY = 0;
const SPACE_KIND = 1;
const CR_KIND = 2;
const LF_KIND = 3;
const QUOTE_KIND = 4;
const SLASH_KIND = 5;
const RAW_KIND = 6;
const HASH_KIND = 7;
const KIND = new Uint8Array(128);
KIND[SPACE] = KIND[TAB] = KIND[VERTICAL_TAB] = KIND[FORM_FEED] = SPACE_KIND;
KIND[CR] = CR_KIND;
KIND[LF] = LF_KIND;
KIND[QUOTE] = KIND[APOSTROPHE] = QUOTE_KIND;
KIND[SLASH] = SLASH_KIND;
KIND[R_LETTER] = RAW_KIND;
KIND[HASH] = HASH_KIND;

/** The copy is built here, then decoded into a string: one buffer, grown to the largest text. */
let copyBuffer = new Uint16Array(0);

/** Texts smaller than this are parsed as they are: the copy would cost more than it saves. */
const WORTH_COMPACTING = 4096;

let compacting = true;

/**
 * Has the parser read every text as it is. A run starts with the copying loop not yet optimized
 * by V8, and over one driver it costs more than the parser saves: serial/serial (535 KB) took
 * 408 ms with copies against 391 ms without (medians of 7). Called by a run small enough to
 * stay on one thread, before it reads a file.
 */
export function parseTextsAsTheyAre(): void {
  compacting = false;
}

/**
 * A compacted copy of `text`, or undefined when there is too little to take out: a text shorter
 * than `minimumLength` (tests lower it), or one that would lose less than an eighth.
 */
export function compactWhitespace(text: string, minimumLength = WORTH_COMPACTING): CompactText | undefined {
  const length = text.length;
  // The copy is decoded from its UTF-16 code units as little-endian bytes.
  if (!compacting || length < minimumLength || !LITTLE_ENDIAN) return undefined;
  if (copyBuffer.length < length) copyBuffer = new Uint16Array(Math.max(length, copyBuffer.length * 2));
  const kept = copyBuffer;
  const originals = new Uint32Array(length + 1);
  let out = 0;
  // Whether the characters since the last line ending are all whitespace, on a line no
  // backslash splices onto the one before.
  let lineStart = true;
  // Whether the (spliced) line is a directive: its comments are copied whole (see the top).
  let inDirective = false;
  let i = 0;
  // One pass, every character looked at once; the common one is copied at the top.
  while (i < length) {
    const c = text.charCodeAt(i);
    const kind = c < 128 ? KIND[c]! : ORDINARY;
    if (kind === ORDINARY || (kind === CR_KIND && text.charCodeAt(i + 1) === LF)) {
      kept[out] = c;
      originals[out++] = i++;
      lineStart = false;
      continue;
    }
    if (kind === SPACE_KIND || kind === CR_KIND) {
      let end = i + 1;
      while (end < length && isHorizontalSpace(text.charCodeAt(end), text, end)) end++;
      // `\ ` then a newline is no line splice: cut, it would become one.
      const from = i > 0 && text.charCodeAt(i - 1) === BACKSLASH ? i : lineStart ? end : end - 1;
      for (let j = from; j < end; j++) {
        kept[out] = text.charCodeAt(j);
        originals[out++] = j;
      }
      i = end;
      continue;
    }
    if (kind === LF_KIND) {
      kept[out] = c;
      originals[out++] = i;
      // The line a backslash splices on may start inside a token (a directive's text).
      lineStart = !splicedAt(text, i);
      if (lineStart) inDirective = false;
      i++;
      continue;
    }
    const next = text.charCodeAt(i + 1);
    let end = i + 1;
    if (kind === SLASH_KIND && (next === SLASH || next === STAR)) {
      end = next === SLASH ? lineCommentEnd(text, i) : blockCommentEnd(text, i);
      // Out of a directive, a comment keeps only what makes it one, each character mapped to
      // its own offset: `/*` and `*/`, or `//` and its last character. It is still a comment
      // token, from the same start to the same end, and the tree does not change.
      const closed = next === STAR ? end - i >= 4 && text.charCodeAt(end - 2) === STAR && text.charCodeAt(end - 1) === SLASH : end - i >= 3;
      if (!inDirective && closed) {
        kept[out] = SLASH;
        originals[out++] = i;
        kept[out] = next;
        originals[out++] = i + 1;
        if (next === STAR) {
          kept[out] = STAR;
          originals[out++] = end - 2;
        }
        kept[out] = text.charCodeAt(end - 1);
        originals[out++] = end - 1;
        i = end;
        lineStart = false;
        continue;
      }
    } else if (kind === QUOTE_KIND) end = quotedEnd(text, i);
    else if (kind === RAW_KIND && next === QUOTE) end = Math.max(end, rawStringEnd(text, i));
    else if (kind === HASH_KIND && lineStart) inDirective = true;
    // A literal is copied whole: its whitespace is its content, and where that starts is a
    // node's start. So is a comment on a directive's line, or one never closed (or too short
    // to shrink).
    for (; i < end; i++) {
      kept[out] = text.charCodeAt(i);
      originals[out++] = i;
    }
    lineStart = false;
  }
  if (out > length - length / 8) return undefined;
  originals[out] = length;
  return { text: Buffer.from(kept.buffer, 0, out * 2).toString('utf16le'), originals: originals.subarray(0, out + 1) };
}

/**
 * Where a string or character literal opened at `at` ends: after its closing quote, or at the
 * end of its line when it has none (an apostrophe in a directive's text opens nothing).
 */
function quotedEnd(text: string, at: number): number {
  const quote = text.charCodeAt(at);
  for (let j = at + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === BACKSLASH) j++;
    else if (c === quote) return j + 1;
    else if (c === LF) return j;
  }
  return text.length;
}

/** Where a C++ raw string `R"delimiter( … )delimiter"` opened at `at` ends, or `at` when it is not one. */
function rawStringEnd(text: string, at: number): number {
  const open = text.indexOf('(', at + 2);
  if (open < 0 || open - (at + 2) > 16) return at;
  const delimiter = text.slice(at + 2, open);
  if (/[\s()\\"]/.test(delimiter)) return at;
  const close = text.indexOf(`)${delimiter}"`, open + 1);
  return close < 0 ? text.length : close + (open - at);
}

/** The end of a `//` comment: its line's end, past lines a backslash joins to it. */
function lineCommentEnd(text: string, at: number): number {
  let j = at + 2;
  for (;;) {
    const newline = text.indexOf('\n', j);
    if (newline < 0) return text.length;
    if (!splicedAt(text, newline)) return newline;
    j = newline + 1;
  }
}

/** The end of a block comment: after its closing star and slash, or the text's end when it has none. */
function blockCommentEnd(text: string, at: number): number {
  const close = text.indexOf('*/', at + 2);
  return close < 0 ? text.length : close + 2;
}

/**
 * Whether the line ending at `at` is a splice: a backslash before it joins the next line to
 * this one, so that line's indentation may be inside a token (a directive's text).
 */
function splicedAt(text: string, at: number): boolean {
  const before = text.charCodeAt(at - 1) === CR ? at - 2 : at - 1;
  return before >= 0 && text.charCodeAt(before) === BACKSLASH;
}

/**
 * Spaces, tabs, vertical tabs and form feeds; a carriage return only when no line feed follows
 * (a CR of a CRLF is part of the line ending, and stays).
 */
function isHorizontalSpace(c: number, text: string, at: number): boolean {
  const kind = c < 128 ? KIND[c] : ORDINARY;
  return kind === SPACE_KIND || (kind === CR_KIND && text.charCodeAt(at + 1) !== LF);
}
