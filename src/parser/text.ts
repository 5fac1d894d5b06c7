/**
 * Source text with runs of whitespace folded to one space: how facts carry expressions. Most
 * texts (names, short arguments) have nothing to fold; one test finds that out.
 */
export const fold = (s: string): string => (NEEDS_FOLDING.test(s) ? s.replace(/\s+/g, ' ').trim() : s);

/** Whitespace other than a single space between two other characters. */
const NEEDS_FOLDING = /[^\S ]|\s\s|^\s|\s$/;
