/**
 * The grammar a header is read with. Headers are shared by C and C++ units, and nothing in a
 * `.h` name says which it is: a header is read as C first, and again as C++ when that may read
 * it better; the tree with fewer errors is kept, C's on a tie.
 */
import type { Node } from 'web-tree-sitter';

/** Regions tree-sitter recovered from in a tree: ERROR nodes, or 1 when only MISSING ones exist. */
export function countTreeErrors(root: Node): number {
  if (!root.hasError) return 0;
  return Math.max(1, root.descendantsOfType('ERROR').length);
}

/**
 * Syntax only C++ has, which C reads by inventing a token: a class's access labels or friends,
 * `::`, a namespace, a template, an operator, a virtual method, an array braced without `=`.
 */
const CPP_SYNTAX = /::|\bnamespace\b|\btemplate\s*<|\bclass\s+\w+\s*[:{]|\b(?:public|private|protected)\s*:|\boperator\b|\bvirtual\b|\]\s*\{/;

/**
 * Whether a header that C read as `root`, from `text`, is worth reading again as C++. Not when
 * C read it cleanly, nor when C's only faults are tokens it invented (a declaration macro left
 * without its `;`, most often) and the text shows no C++ syntax: C++ then invents the same
 * tokens. Of such headers in Windows-driver-samples, DMF, WDF, WinFsp and the synthetic corpus
 * (527), none read better as C++; of the 15 with C++ syntax (all in Windows-driver-samples),
 * every one did. Skipping the second parse saves 0.07-0.09 s of one thread's parsing on
 * Windows-driver-samples, and 0.4 s on the synthetic corpus, whose headers all lack a `;` so.
 */
export function mayReadBetterAsCpp(root: Node, text: string): boolean {
  if (!root.hasError) return false;
  return root.descendantsOfType('ERROR').length > 0 || CPP_SYNTAX.test(text);
}
