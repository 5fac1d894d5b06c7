/**
 * Source text with runs of whitespace folded to one space: how facts carry expressions. Most
 * texts (names, short arguments) have nothing to fold; a quick scan finds that out.
 */
export function fold(s: string): string {
  return needsFolding(s) ? s.replace(/\s+/g, ' ').trim() : s;
}

/** Whitespace other than a single space between two other characters. */
const NEEDS_FOLDING = /[^\S ]|\s\s|^\s|\s$/;

/**
 * NEEDS_FOLDING's answer by a loop over the characters, which is several times quicker than the
 * regular expression on the short texts of facts; it defers to the expression for any character
 * outside ASCII, where `\s` also means Unicode spaces.
 */
function needsFolding(s: string): boolean {
  // A space at the start needs folding, so the scan starts as if one preceded it.
  let afterSpace = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32) {
      if (afterSpace) return true;
      afterSpace = true;
    } else if (c >= 128) {
      return NEEDS_FOLDING.test(s);
    } else if (c >= 9 && c <= 13) {
      return true;
    } else {
      afterSpace = false;
    }
  }
  return afterSpace && s.length > 0;
}
