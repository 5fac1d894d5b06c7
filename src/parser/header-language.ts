/**
 * The grammar a header is read with. Headers are shared by C and C++ units, and nothing in a
 * `.h` name says which it is. A header is read first as C, or as C++ when its code shows
 * syntax only C++ has; then, when that reading has faults that the other grammar may not
 * have, again with the other; the tree with fewer errors is kept, C's on a tie.
 *
 * Before, every header was read as C first, and again as C++ whenever C found a fault. On
 * Windows-driver-samples that read 266 headers twice where one reading was wasted, and 115
 * more whose second reading could not help (see worthReadingWithTheOther); and 12 C++ class
 * headers that C reads without an error, as something else, were taken as C. Reading 222
 * headers as C++ first, and those 115 once, leaves the findings as they were and saves about
 * 0.2 s of one thread's parsing; the synthetic corpus saves 0.4 s.
 */
import type { Node } from 'web-tree-sitter';
import type { LanguageName } from './languages.js';

/**
 * Comments and literals, which are skipped, or (captured) syntax only C++ has: `::`, a
 * namespace, a template, a class's head or access labels, an operator, a virtual method, an
 * array braced without `=`. C reads these wrongly, or by inventing a token; tree-sitter's C
 * even reads a whole class without an error, as something else.
 */
const CPP_SYNTAX_IN_CODE =
  /\/\*[\s\S]*?(?:\*\/|$)|\/\/[^\n]*|"(?:[^"\\\n]|\\[\s\S])*"?|'(?:[^'\\\n]|\\[\s\S])*'?|(::|\bnamespace\b|\btemplate\s*<|\bclass\s+\w+\s*[:{]|\b(?:public|private|protected)\s*:|\boperator\b|\bvirtual\b|\]\s*\{)/g;

/** Whether the code of `text`, outside comments and literals, shows syntax only C++ has. */
function showsCppSyntax(text: string): boolean {
  CPP_SYNTAX_IN_CODE.lastIndex = 0;
  for (let m = CPP_SYNTAX_IN_CODE.exec(text); m; m = CPP_SYNTAX_IN_CODE.exec(text)) {
    if (m[1] !== undefined) return true;
  }
  return false;
}

/** The grammar a header is read with first. */
export function firstGrammarOfHeader(text: string): LanguageName {
  return showsCppSyntax(text) ? 'cpp' : 'c';
}

/**
 * Whether a header read first with `first` as `root` is worth reading with the other grammar.
 * Not when the first reading is clean. C++ first: whenever it has faults, since C may read
 * the header cleanly after all. C first: when it met an ERROR, and not when its only faults
 * are tokens it invented (a declaration macro left without its `;`, most often), since a
 * header without C++ syntax then reads no better as C++. Of such headers in
 * Windows-driver-samples, DMF, WDF, WinFsp and the synthetic corpus (527), none did.
 */
export function worthReadingWithTheOther(first: LanguageName, root: Node): boolean {
  if (!root.hasError) return false;
  return first === 'cpp' || root.descendantsOfType('ERROR').length > 0;
}

/** Of a header's two readings, the one with fewer errors is kept; C's on a tie. */
export function keepsTheOtherReading(first: LanguageName, firstRoot: Node, otherRoot: Node): boolean {
  const firstErrors = countTreeErrors(firstRoot);
  const otherErrors = countTreeErrors(otherRoot);
  return first === 'c' ? otherErrors < firstErrors : otherErrors <= firstErrors;
}

/** Regions tree-sitter recovered from in a tree: ERROR nodes, or 1 when only MISSING ones exist. */
function countTreeErrors(root: Node): number {
  if (!root.hasError) return 0;
  return Math.max(1, root.descendantsOfType('ERROR').length);
}
