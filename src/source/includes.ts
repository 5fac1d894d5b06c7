/**
 * The names a source file's `#include` directives give, for discovery to follow. Discovery reads
 * every file of a run before any is parsed, so this is on the path of every large run: it
 * searches the file's bytes rather than decoding the file first. Every delimiter a directive has
 * (`#`, blanks, `include`, quotes, angle brackets, line ends) is ASCII, and UTF-8 and the single-
 * byte code pages keep ASCII bytes as they are and never use them inside another character, so
 * the bytes show the directives where the decoded text does. Only a name with other bytes in it,
 * or a file in UTF-16, is read from the decoded text, as the parser will read it.
 */
import { decodeSource } from './decode.js';

/**
 * An include directive from its `#`. Anchoring the pattern at line starts (`^[ \t]*#` with the
 * `m` flag) makes the regex engine try every line; searching for the `#` and then checking
 * that only blanks precede it on its line finds the same directives several times faster.
 */
const INCLUDE = /#[ \t]*include[ \t]*["<]([^">\r\n]+)[">]/g;

const HASH = 0x23;
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const LESS = 0x3c;
const GREATER = 0x3e;
const INCLUDE_WORD = 'include';

/** The names of the file's directives, in order, as includeNamesInText gives them for its decoded text. */
export function includeNames(bytes: Buffer): string[] {
  const utf16 = bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
  if (utf16) return includeNamesInText(decodeSource(bytes).text);
  // The text begins after a UTF-8 byte order mark: a directive on the first line starts it.
  const textStart = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const byteAt = (i: number): number | undefined => bytes[i];
  const names: string[] = [];
  let from = textStart;
  for (let word = bytes.indexOf(INCLUDE_WORD, from, 'latin1'); word >= 0; word = bytes.indexOf(INCLUDE_WORD, from, 'latin1')) {
    from = word + 1;
    let hash = word - 1;
    while (hash >= textStart && (bytes[hash] === SPACE || bytes[hash] === TAB)) hash--;
    if (hash < textStart || bytes[hash] !== HASH || !startsLine(byteAt, hash, textStart)) continue;
    let open = word + INCLUDE_WORD.length;
    while (open < bytes.length && (bytes[open] === SPACE || bytes[open] === TAB)) open++;
    if (bytes[open] !== QUOTE && bytes[open] !== LESS) continue;
    let close = open + 1;
    let ascii = true;
    while (close < bytes.length) {
      const b = bytes[close]!;
      if (b === QUOTE || b === GREATER || b === CR || b === LF) break;
      if (b >= 0x80) ascii = false;
      close++;
    }
    if (close === open + 1 || (bytes[close] !== QUOTE && bytes[close] !== GREATER)) continue;
    // A name with bytes outside ASCII is read as the decoded text has it.
    if (!ascii) return includeNamesInText(decodeSource(bytes).text);
    names.push(bytes.toString('latin1', open + 1, close));
    from = close + 1;
  }
  return names;
}

/** The names of the directives of decoded text: what includeNames must agree with. */
export function includeNamesInText(text: string): string[] {
  const names: string[] = [];
  const charAt = (i: number): number => text.charCodeAt(i);
  for (const m of text.matchAll(INCLUDE)) if (startsLine(charAt, m.index, 0)) names.push(m[1]!);
  return names;
}

/**
 * True when only spaces and tabs precede `at` on its line, in a text whose characters from
 * `textStart` on `codeAt` gives: the file's bytes, or its decoded text.
 */
function startsLine(codeAt: (i: number) => number | undefined, at: number, textStart: number): boolean {
  for (let i = at - 1; i >= textStart; i--) {
    const c = codeAt(i);
    if (c === LF || c === CR) return true;
    if (c !== SPACE && c !== TAB) return false;
  }
  return true;
}
