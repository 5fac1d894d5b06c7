/**
 * Driver code is dense with annotation and calling-convention macros that tree-sitter cannot
 * know are macros (`_In_`, `_IRQL_requires_max_(DISPATCH_LEVEL)`, `NTAPI`, `IN`, `OPTIONAL`,
 * `__declspec(code_seg("PAGE"))`). Left in place they make whole functions unparseable.
 *
 * This pass replaces each such macro (and its argument list) by spaces of the same length,
 * keeping newlines, so every offset in the blanked text is still an offset in the original.
 * What it removes is not thrown away: IRQL annotations, function classes and code-section
 * markers are inputs to the analysis, so they are returned as located facts.
 *
 * The same pass also: reads `#pragma` lines (code sections, `alloc_text`, warning suppressions)
 * and blanks them; keeps one branch of each `#if` inside functions and records the conditions
 * of the branches between declarations; blanks the `try`/`except`/`finally`/`leave` macros of C
 * file systems, recording where they were; collects `drvcheck-ignore` comments; and turns lone
 * CRs and backslash-CRLF continuations into what tree-sitter reads, without moving any offset.
 */

export interface RemovedAnnotation {
  /** Macro name as written, e.g. `_IRQL_requires_max_` or `__declspec`. */
  readonly name: string;
  /** Raw text between the outer parentheses, or '' when the macro took no arguments. */
  readonly args: string;
  readonly offset: number;
  readonly end: number;
}

/** A blanked structured-exception-handling macro: control flow still needs to know it was there. */
export interface SehMacro {
  readonly word: 'try' | 'except' | 'finally' | 'leave';
  readonly offset: number;
  readonly end: number;
}

export type PragmaFact =
  | { readonly kind: 'alloc_text'; readonly section: string; readonly functions: readonly string[]; readonly offset: number }
  | { readonly kind: 'warning'; readonly action: WarningAction; readonly numbers: readonly number[]; readonly offset: number }
  | { readonly kind: 'code_seg'; readonly action: 'set' | 'push' | 'pop' | 'reset'; readonly section: string | null; readonly offset: number };

/** One `#if` branch kept between top-level declarations, with what must hold for it to be compiled. */
export interface ConditionalRegion {
  readonly start: number;
  readonly end: number;
  /** Conditions of this branch and of the branches enclosing it: `expr` must evaluate to `holds`. */
  readonly conditions: readonly { readonly expr: string; readonly holds: boolean }[];
}

/** `#pragma warning(suppress: N)`, `prefast(suppress: N)`, `disable`, `default`, `push`, `pop`. */
export type WarningAction = 'suppress' | 'disable' | 'default' | 'push' | 'pop';

/** A comment that carries a drvcheck suppression (`// drvcheck-ignore[rule]: reason`). */
export interface SuppressionComment {
  readonly offset: number;
  readonly end: number;
  readonly text: string;
  /** Code precedes the comment on its line: it applies to that line, not the next. */
  readonly trailing: boolean;
}

export interface BlankedSource {
  readonly text: string;
  readonly suppressionComments: readonly SuppressionComment[];
  readonly regions: readonly ConditionalRegion[];
  readonly annotations: readonly RemovedAnnotation[];
  readonly pragmas: readonly PragmaFact[];
  /** Where the `try`/`except(…)`/`finally`/`leave` macros of C file systems were blanked. */
  readonly sehMacros: readonly SehMacro[];
}

/** Words that are only decoration to the compiler of driver code. */
const PLAIN_MACROS = new Set([
  'NTAPI', 'WINAPI', 'APIENTRY', 'CALLBACK', 'STDCALL', 'FASTCALL', 'CDECL',
  '__stdcall', '__cdecl', '__fastcall', '__clrcall', '__thiscall', '__vectorcall',
  'NTSYSAPI', 'NTSYSCALLAPI', 'NTKERNELAPI', 'NTHALAPI', 'DECLSPEC_IMPORT', 'DECLSPEC_EXPORT',
  'IN', 'OUT', 'OPTIONAL', 'CONST', 'EXTERN_C', 'EXTERN_C_START', 'EXTERN_C_END',
  'INLINE', 'FORCEINLINE', '__forceinline', '__inline', 'DECLSPEC_NOINLINE', 'DECLSPEC_NORETURN',
  'DECLSPEC_NOTHROW', 'DECLSPEC_CACHEALIGN', 'DECLSPEC_GUARDNOCF', 'DECLSPEC_SAFEBUFFERS',
  '__unaligned', 'UNALIGNED', '__ptr64', '__ptr32', 'POINTER_64', 'POINTER_32', '__restrict',
  'PAGED_CODE_SEG', 'PAGE_CODE_SEG', 'INIT_CODE_SEG', 'NONPAGED_CODE_SEG', 'LOCKED_CODE_SEG',
  'PAGEDX', 'NONPAGEDX', 'FLTAPI', 'STDMETHODCALLTYPE', 'WINAPIV', 'NTSYSAPI_N', 'KSDDKAPI', '__RPC_FAR',
]);

/**
 * C sources of file systems (fastfat, cdfs) write structured exception handling through
 * macros: `try`, `except(...)`, `finally`, `leave`. In C they are not keywords; blanking them
 * leaves plain blocks, which keep every statement and call in order.
 */
const C_SEH_MACROS = new Set(['try', 'finally', 'leave']);
const C_SEH_WITH_FILTER = 'except';

/** Macros that stand for `__declspec(code_seg("…"))`, as drivers commonly define them. */
const SECTION_MACROS: ReadonlyMap<string, string> = new Map([
  ['PAGED_CODE_SEG', 'PAGE'],
  ['PAGE_CODE_SEG', 'PAGE'],
  ['PAGEDX', 'PAGE'],
  ['INIT_CODE_SEG', 'INIT'],
  ['NONPAGED_CODE_SEG', '.text'],
  ['NONPAGEDX', '.text'],
  ['LOCKED_CODE_SEG', '.text'],
]);

/** Macros whose argument list is removed together with them. */
const MACROS_WITH_ARGUMENTS = new Set([
  '__declspec', '__pragma', '_Pragma', 'DECLSPEC_ALIGN', 'DECLSPEC_DEPRECATED', '__attribute__',
  'DECLSPEC_SELECTANY', 'DECLSPEC_NOALIAS',
]);

// Modern SAL: `_In_`, `_Out_writes_bytes_(n)`, `_IRQL_requires_max_(X)`, `_Use_decl_annotations_`.
// All start with an underscore and a capital and end with an underscore; identifiers of that
// shape in driver code are SAL (structure tags such as `_DEVICE_CONTEXT` do not end with `_`).
const MODERN_SAL = /^_[A-Z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*_$/;
// Legacy SAL and driver annotations: `__in`, `__out_bcount(n)`, `__drv_maxIRQL(2)`, `__checkReturn`.
const LEGACY_SAL =
  /^__(?:drv_\w+|in|out|inout|in_opt|out_opt|inout_opt|deref\w*|field\w*|success|checkReturn|nullterminated|reserved|callback|bcount\w*|ecount\w*|in_\w+|out_\w+|inout_\w+|range|format_string|typefix|control_entrypoint|kernel_entry|notnull|maybenull|readonly|post|pre|valid|opt|struct_bcount|override|analysis_noreturn)$/;

/**
 * Most words (`status`, `if`, `Irp`, `NTSTATUS`) cannot be a macro of the lists above, and
 * cutting each out of the text to look it up costs more than the rest of the scan. For each
 * pair of first and last letters, bit `k` is set when a listed macro of length `k` starts and
 * ends with them (bit 31 stands for 31 and longer): the letters and length of a word rule most
 * words out before they are cut out.
 */
const LISTED_MACRO_LENGTHS = new Uint32Array(128 * 128);
for (const word of [...PLAIN_MACROS, ...MACROS_WITH_ARGUMENTS, ...C_SEH_MACROS, C_SEH_WITH_FILTER]) {
  LISTED_MACRO_LENGTHS[word.charCodeAt(0) * 128 + word.charCodeAt(word.length - 1)]! |= lengthBit(word.length);
}

function lengthBit(length: number): number {
  return 1 << Math.min(length, 31);
}

/** Whether `text[start, end)`, an identifier, may be listed above, judged without cutting it out. */
function mayBeListedMacro(text: string, start: number, end: number): boolean {
  const firstAndLast = text.charCodeAt(start) * 128 + text.charCodeAt(end - 1);
  return (LISTED_MACRO_LENGTHS[firstAndLast]! & lengthBit(end - start)) !== 0;
}

/**
 * A word starting with `_` that may be SAL, judged from the characters MODERN_SAL and
 * LEGACY_SAL require before the regexes run: legacy SAL starts with `__`; modern SAL has a
 * capital second and ends with `_` (`_DEVICE_EXTENSION` and `_Inout` are ruled out here).
 */
function mayBeSal(text: string, start: number, end: number): boolean {
  const second = text.charCodeAt(start + 1);
  if (second === 95 /* _ */) return true;
  return second >= 65 && second <= 90 && end - start > 2 && text.charCodeAt(end - 1) === 95;
}

// What the main loop of blankMacros does with a character. Characters outside ASCII are OTHER.
const OTHER = 0;
const LINE_BREAK = 1;
const SPACE = 2;
const SLASH = 3;
const HASH = 4;
const QUOTE = 5;
const OPENING = 6;
const CLOSING = 7;
const IDENT_START = 8;

/** The character classes above, by ASCII code: one lookup instead of a chain of comparisons. */
const CHAR_CLASS = new Uint8Array(128);
/** 1 for the characters an identifier continues with: letters, digits and `_`. */
const IDENT_PART = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  const digit = c >= 48 && c <= 57;
  if (letter) CHAR_CLASS[c] = IDENT_START;
  if (letter || digit) IDENT_PART[c] = 1;
}
CHAR_CLASS[10] = CHAR_CLASS[13] = LINE_BREAK;
CHAR_CLASS[32] = CHAR_CLASS[9] = CHAR_CLASS[12] = CHAR_CLASS[11] = SPACE;
CHAR_CLASS[47] = SLASH;
CHAR_CLASS[35] = HASH;
CHAR_CLASS[34] = CHAR_CLASS[39] = QUOTE;
CHAR_CLASS[123] = CHAR_CLASS[40] = OPENING;
CHAR_CLASS[125] = CHAR_CLASS[41] = CLOSING;

function charClass(ch: number): number {
  return ch < 128 ? CHAR_CLASS[ch]! : OTHER;
}

function isIdentPart(ch: number): boolean {
  return ch < 128 && IDENT_PART[ch] === 1;
}

export function isAnnotationMacro(name: string): boolean {
  return MODERN_SAL.test(name) || LEGACY_SAL.test(name);
}

export function sectionOfMacro(name: string): string | undefined {
  return SECTION_MACROS.get(name);
}

export interface BlankOptions {
  /** The file is C (not C++): `try`/`except`/`finally` are macros there. */
  readonly isC?: boolean;
}

export function blankMacros(original: string, options: BlankOptions = {}): BlankedSource {
  if (!primed) prime();
  return scan(original, options);
}

/**
 * Short texts that between them take every branch of the scan and of the helpers it calls:
 * CRLF and lone-CR line ends, continuations, comments with and without a suppression, each
 * conditional and pragma directive between declarations and inside a function (and the stray
 * and unclosed ones), strings and characters, SAL with and without arguments, a structure tag
 * shaped like SAL, `__declspec(…)`, plain macros, C's SEH macros, characters outside ASCII, and
 * a text ending in the middle of each construct that can run to its end.
 */
const PRIMERS = [
  '#else\n#elif X\n#endif\n#pragma warning(disable: 4201)\r\n#pragma alloc_text(PAGE, A)\r\n#pragma code_seg("PAGE")\r\n' +
    '#pragma code_seg(push)\r\n#pragma code_seg(pop)\r\n#pragma code_seg()\n#pragma prefast(suppress: 28121, "x")\r\n' +
    '#pragma warning(push)\n#pragma warning(once)\n#pragma once\n' +
    '#if 0\nint x;\n#elif defined(X) /* c */\nint y;\n#else\nint z;\n#endif\n#ifdef Y\n#ifndef Z\nint q;\n#endif\n#endif\n' +
    '// drvcheck-ignore[r]: why\n/* drvcheck-ignore[r] */ // a \\\r\n b\r\n' +
    'struct _FOO_ { int a; } _BAR_;\n_Use_decl_annotations_ NTSTATUS NTAPI F(_In_ PVOID a, IN ULONG b OPTIONAL, __in_bcount(n) PCHAR c)\r\n{\r\n' +
    '#if A\n  x = 1;\n#elif B\n  x = 2;\n#else\n  x = 3;\n#endif\n#pragma warning(suppress: 6001)\n' +
    '  __declspec(code_seg("PAGE")) int k; _IRQL_requires_max_(DISPATCH_LEVEL) char *s = "a\\"b"; char c = \'\\\'\'; \u00e9 = 0;\n' +
    '  __declspec\u00a0(x) j; _In_reads_(n; DECLSPEC_ALIGN k;\n' +
    '  try { leave; } except (EXCEPTION_EXECUTE_HANDLER) { } try { } finally { } except x;\n  s = "x\\\r\ny";\r}\r\n' +
    '#if B\nint f(void) {\n#if 0',
  'int s = "unterminated',
  '// a comment to the end',
  '/* unterminated',
  '__declspec((x',
];

let primed = false;

/**
 * Runs the scan over PRIMERS before the first real text, so that V8 has seen every branch of it
 * before it optimizes. Otherwise the scan's long loop is optimized during the first large file,
 * while rare branches (an SEH macro, a pragma inside a function) have not run yet, and each one
 * met later throws the optimized code away: on Windows-driver-samples each worker compiled the
 * scan about ten times, at about 20 ms of a core each, and ran it unoptimized in between. Primed,
 * it is compiled four times in the whole run (77 and 95 ms of compiling in two traced runs,
 * against 412 ms), and the check took 6.45 s against 6.56 s (medians of 7 alternating runs;
 * wia/ProdScan alone, 400 ms against 408 ms). Several rounds, because V8 starts recording what
 * a function meets only after it has run for a while.
 */
function prime(): void {
  primed = true;
  for (let round = 0; round < 4; round++) {
    for (const text of PRIMERS) {
      scan(text, { isC: true });
      scan(text, { isC: false });
    }
  }
}

function scan(original: string, options: BlankOptions): BlankedSource {
  // tree-sitter reads a backslash-LF line continuation but not backslash-CRLF, which Windows
  // sources are full of (in macros and in long string literals). Moving the backslash onto
  // the CR keeps every offset and line where it was.
  // A lone CR ends a line for the compiler (and in LineIndex) but not for tree-sitter's
  // comments; it becomes LF, which keeps every offset.
  const lf = hasLoneCr(original) ? original.replace(/\r(?!\n)/g, '\n') : original;
  const text = lf.includes('\\\r\n') ? lf.replace(/\\\r\n/g, ' \\\n') : lf;
  // No closure here refers to `text` or to the state of the scan: V8 would keep such variables
  // in a heap-allocated context, and the loop below reads them at every character.
  const blanked = new BlankedText(text);
  const annotations: RemovedAnnotation[] = [];
  const pragmas: PragmaFact[] = [];
  const suppressionComments: SuppressionComment[] = [];
  const sehMacros: SehMacro[] = [];
  let lineHasCode = false;
  const n = text.length;
  let i = 0;
  const conditionals = new ConditionalStack();
  // Nesting of braces and parentheses in the code read so far: 0 between top-level declarations.
  let depth = 0;

  while (i < n) {
    const ch = text.charCodeAt(i);
    const cls = charClass(ch);
    if (cls === LINE_BREAK) {
      lineHasCode = false;
      i++;
      continue;
    }
    if (cls === SPACE) {
      i++;
      continue;
    }
    if (cls === SLASH && text.charCodeAt(i + 1) === 47 /* / */) {
      const end = logicalLineEnd(text, i);
      noteComment(text, i, end, lineHasCode, suppressionComments);
      i = end;
      continue;
    }
    if (cls === SLASH && text.charCodeAt(i + 1) === 42 /* * */) {
      const close = text.indexOf('*/', i + 2);
      const end = close < 0 ? n : close + 2;
      noteComment(text, i, end, lineHasCode, suppressionComments);
      i = end;
      continue;
    }
    if (cls === HASH && !lineHasCode) {
      let end = logicalLineEnd(text, i);
      const directive = text.slice(i, end);
      const handled = conditionals.apply(directive, depth === 0, i, end);
      if (handled) {
        // Inside a function or an expression, one branch of each #if group is kept (the first
        // live one) and the directives and other branches become blank lines, so tree-sitter
        // reads the code as the compiler would in one configuration. Between top-level
        // declarations every branch is kept: tree-sitter reads those groups well, and each
        // branch may define functions of its own. `#if 0` branches are dropped everywhere.
        const lineEnd = end;
        if (!conditionals.active) end = nextDirective(text, end);
        if (handled === 'blank') blanked.blank(i, end);
        else if (end > lineEnd) blanked.blank(lineEnd, end);
      } else if (conditionals.active) {
        const pragma = readPragma(directive, i);
        if (pragma) pragmas.push(pragma);
        // Drivers put `#pragma warning(suppress: …)` between a function's return type and its
        // name; tree-sitter would split the definition there. The facts are kept above.
        if (/^#\s*pragma\b/.test(directive)) blanked.blank(i, end);
      }
      i = end;
      continue;
    }
    lineHasCode = true;
    if (cls === OPENING) depth++;
    else if (cls === CLOSING && depth > 0) depth--;
    if (cls === QUOTE) {
      i = skipQuoted(text, i, ch);
      continue;
    }
    if (cls === IDENT_START) {
      let j = i + 1;
      while (j < n && isIdentPart(text.charCodeAt(j))) j++;
      // Most words (`status`, `if`, `Irp`) cannot be a macro this pass knows: their first and
      // last letters and length, or for `_` words the shape of SAL, say so before the word is
      // cut out and looked up.
      if (!mayBeListedMacro(text, i, j) && !(ch === 95 /* _ */ && mayBeSal(text, i, j))) {
        i = j;
        continue;
      }
      const word = text.slice(i, j);
      if (options.isC && (C_SEH_MACROS.has(word) || word === C_SEH_WITH_FILTER)) {
        let end = j;
        if (word === C_SEH_WITH_FILTER) {
          const open = skipSpaces(text, j);
          if (text.charCodeAt(open) !== 40) {
            i = j;
            continue;
          }
          end = matchParen(text, open);
        }
        sehMacros.push({ word: word as SehMacro['word'], offset: i, end });
        blanked.blank(i, end);
        i = end;
        continue;
      }
      // Every SAL name starts with an underscore: the cheap test spares the regexes most words.
      const sal = ch === 95 /* _ */ && isAnnotationMacro(word);
      const withArgs = sal || MACROS_WITH_ARGUMENTS.has(word);
      if (sal || withArgs || PLAIN_MACROS.has(word)) {
        if (isStructTag(text, i, j)) {
          i = j;
          continue;
        }
        let end = j;
        let args = '';
        if (withArgs) {
          const open = skipSpaces(text, j);
          if (text.charCodeAt(open) === 40 /* ( */) {
            const close = matchParen(text, open);
            args = text.slice(open + 1, Math.max(open + 1, close - 1));
            end = close;
          }
        }
        annotations.push({ name: word, args, offset: i, end });
        blanked.blank(i, end);
        i = end;
        continue;
      }
      i = j;
      continue;
    }
    i++;
  }
  conditionals.closeAll(n);
  return { text: blanked.finish(), annotations, pragmas, regions: conditionals.regions, suppressionComments, sehMacros };
}

/** Keeps a comment that carries a drvcheck suppression. */
function noteComment(text: string, start: number, end: number, trailing: boolean, into: SuppressionComment[]): void {
  const body = text.slice(start, end);
  if (body.includes('drvcheck-ignore')) into.push({ offset: start, end, text: body, trailing });
}

/** The text with ranges replaced by spaces, built from left to right. */
class BlankedText {
  private readonly pieces: string[] = [];
  private copiedUpTo = 0;

  constructor(private readonly text: string) {}

  /** Replaces every character of [from, to) but CR and LF by a space. */
  blank(from: number, to: number): void {
    this.pieces.push(this.text.slice(this.copiedUpTo, from));
    this.pieces.push(spacesFor(this.text, from, to));
    this.copiedUpTo = to;
  }

  finish(): string {
    this.pieces.push(this.text.slice(this.copiedUpTo));
    return this.pieces.join('');
  }
}

/**
 * `text[from, to)` with every character but CR and LF replaced by a space. Most blanked ranges
 * are an annotation or a pragma line: one run of spaces, perhaps followed by the CR of a CRLF.
 */
function spacesFor(text: string, from: number, to: number): string {
  let blank = '';
  let runStart = from;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === 10 || c === 13) {
      blank += ' '.repeat(k - runStart) + (c === 10 ? '\n' : '\r');
      runStart = k + 1;
    }
  }
  return blank + ' '.repeat(to - runStart);
}

/**
 * Whether a CR not followed by LF occurs. Windows sources have a CR at every line end, and
 * stepping from one to the next with indexOf is cheaper than a regex over the whole text.
 */
function hasLoneCr(text: string): boolean {
  for (let cr = text.indexOf('\r'); cr >= 0; cr = text.indexOf('\r', cr + 1)) {
    if (text.charCodeAt(cr + 1) !== 10) return true;
  }
  return false;
}

/**
 * Which branch of each `#if` group is kept. The first branch is kept unless its condition is a
 * literal 0 (`#if 0`), in which case the next one is.
 */
class ConditionalStack {
  private readonly stack: {
    taken: boolean;
    active: boolean;
    parentActive: boolean;
    transparent: boolean;
    /** Conditions of the group's earlier branches, which are false in the later ones. */
    earlier: string[];
    /** The open branch of a transparent group, closed at the next directive of the group. */
    open?: { start: number; conditions: { expr: string; holds: boolean }[] };
  }[] = [];
  readonly regions: ConditionalRegion[] = [];

  get active(): boolean {
    return this.stack.length === 0 || this.stack[this.stack.length - 1]!.active;
  }

  /**
   * Updates the state for a conditional directive. Returns undefined when the directive is not
   * a conditional; 'blank' when the directive line is to be blanked; 'keep' when tree-sitter
   * can read the group as it is (a group between top-level declarations, `transparent`).
   */
  apply(directive: string, transparentHere: boolean, offset: number, lineEnd: number): 'blank' | 'keep' | undefined {
    const m = /^#\s*(if|ifdef|ifndef|elif|elifdef|elifndef|else|endif)\b(.*)/s.exec(directive);
    if (!m) return undefined;
    const kind = m[1]!;
    const condition = m[2]!.replace(/\/\*.*?\*\/|\/\/.*$/gm, '').replace(/\\\r?\n/g, ' ').trim();
    const expr = kind.endsWith('ifdef') ? `defined(${condition})` : kind.endsWith('ifndef') ? `!defined(${condition})` : condition;
    const disabled = kind === 'if' || kind === 'elif' ? /^\(?\s*0\s*\)?$/.test(condition) : false;
    const top = this.stack[this.stack.length - 1];
    switch (kind) {
      case 'if':
      case 'ifdef':
      case 'ifndef': {
        const parentActive = this.active;
        const active = parentActive && !disabled;
        const group = { taken: active || !parentActive, active, parentActive, transparent: transparentHere, earlier: [expr] };
        this.stack.push(group);
        if (transparentHere) this.openBranch(group, [{ expr, holds: true }], lineEnd);
        return transparentHere ? 'keep' : 'blank';
      }
      case 'elif':
      case 'elifdef':
      case 'elifndef':
        if (!top) return 'blank';
        top.active = top.parentActive && (top.transparent || !top.taken) && !disabled;
        top.taken ||= top.active;
        if (top.transparent) {
          this.closeBranch(top, offset);
          this.openBranch(top, [...top.earlier.map((e) => ({ expr: e, holds: false })), { expr, holds: true }], lineEnd);
        }
        top.earlier.push(expr);
        return top.transparent ? 'keep' : 'blank';
      case 'else':
        if (!top) return 'blank';
        top.active = top.parentActive && (top.transparent || !top.taken);
        top.taken = true;
        if (top.transparent) {
          this.closeBranch(top, offset);
          this.openBranch(top, top.earlier.map((e) => ({ expr: e, holds: false })), lineEnd);
        }
        return top.transparent ? 'keep' : 'blank';
      default: {
        const popped = this.stack.pop();
        if (popped?.transparent) this.closeBranch(popped, offset);
        return popped?.transparent ? 'keep' : 'blank';
      }
    }
  }

  /** Closes groups left open by a missing `#endif`. */
  closeAll(end: number): void {
    while (this.stack.length > 0) {
      const group = this.stack.pop()!;
      if (group.transparent) this.closeBranch(group, end);
    }
  }

  private openBranch(group: (typeof this.stack)[number], own: { expr: string; holds: boolean }[], start: number): void {
    const enclosing = [...this.stack].reverse().find((g) => g !== group && g.open)?.open?.conditions ?? [];
    group.open = { start, conditions: [...enclosing, ...own] };
  }

  private closeBranch(group: (typeof this.stack)[number], end: number): void {
    if (group.open) this.regions.push({ start: group.open.start, end, conditions: group.open.conditions });
    delete group.open;
  }
}

/**
 * `warning(disable: 4201 28121; once: 4385)`, `warning(push, 3)`, `prefast(suppress: 28121, "why")`.
 * Only the first specifier that drvcheck acts on is kept; numbers it cannot read are dropped.
 */
function readWarningPragma(kind: string, body: string, offset: number): PragmaFact | undefined {
  const specifiers = kind === 'prefast' ? [body.split(',')[0]!] : body.split(';');
  for (const spec of specifiers) {
    const m = /^\s*(suppress|disable|default|push|pop)\b\s*(?::\s*([^,)]*))?/.exec(spec);
    if (!m) continue;
    const action = m[1] as WarningAction;
    const numbers = (m[2] ?? '').split(/\s+/).filter((t) => /^\d+$/.test(t)).map(Number);
    return { kind: 'warning', action, numbers, offset };
  }
  return undefined;
}

/** Start of the next line that is a preprocessor directive, or the end of the text. */
function nextDirective(text: string, from: number): number {
  const re = /(^|\n)[ \t]*#/g;
  re.lastIndex = from;
  const m = re.exec(text);
  if (!m) return text.length;
  return m.index + m[1]!.length;
}

/**
 * The end of a logical line starting at `i`: a backslash before the newline continues it, in a
 * `//` comment as in a preprocessor directive.
 */
function logicalLineEnd(text: string, i: number): number {
  let j = i;
  for (;;) {
    const nl = text.indexOf('\n', j);
    if (nl < 0) return text.length;
    let k = nl - 1;
    if (text.charCodeAt(k) === 13) k--;
    if (text.charCodeAt(k) !== 92) return nl;
    j = nl + 1;
  }
}

function skipQuoted(text: string, i: number, quote: number): number {
  let j = i + 1;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === 92) {
      j += 2;
      continue;
    }
    if (c === quote || c === 10) return j + 1;
    j++;
  }
  return text.length;
}

function skipSpaces(text: string, i: number): number {
  let j = i;
  while (j < text.length && isWhitespace(text.charCodeAt(j))) j++;
  return j;
}

/** What `/\s/` matches, tested on a character code: ASCII without running the regex. */
function isWhitespace(ch: number): boolean {
  if (ch < 128) return ch === 32 || (ch >= 9 && ch <= 13);
  return /\s/.test(String.fromCharCode(ch));
}

/** Offset just past the parenthesis that closes the one at `open`, or the end of the text. */
function matchParen(text: string, open: number): number {
  let depth = 0;
  let j = open;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === 34 || c === 39) {
      j = skipQuoted(text, j, c);
      continue;
    }
    if (c === 40) depth++;
    else if (c === 41) {
      depth--;
      if (depth === 0) return j + 1;
    } else if (c === 59 || c === 123 || c === 125) {
      // A statement or block boundary inside an annotation's parentheses means the
      // parentheses are unbalanced: stop before it rather than swallow the code.
      return j;
    }
    j++;
  }
  return text.length;
}

/** `struct _FOO_ {` or `} _FOO_;`: the SAL-shaped word is a real name there. */
function isStructTag(text: string, start: number, end: number): boolean {
  const before = text.slice(Math.max(0, start - 12), start);
  if (/\b(struct|union|enum|class)\s+$/.test(before)) return true;
  const after = skipSpaces(text, end);
  return text.charCodeAt(after) === 123 /* { */;
}


const ALLOC_TEXT = /^#\s*pragma\s+alloc_text\s*\(\s*"?([\w.$]+)"?\s*,([^)]*)\)/;
const CODE_SEG = /^#\s*pragma\s+code_seg\s*\(([^)]*)\)/;

const WARNING_PRAGMA = /^#\s*pragma\s+(warning|prefast)\s*\((.*)\)/s;

function readPragma(line: string, offset: number): PragmaFact | undefined {
  const warning = WARNING_PRAGMA.exec(line);
  if (warning) return readWarningPragma(warning[1]!, warning[2]!, offset);
  const alloc = ALLOC_TEXT.exec(line);
  if (alloc) {
    const functions = alloc[2]!
      .split(',')
      .map((s) => s.trim())
      .filter((s) => /^[A-Za-z_]\w*$/.test(s));
    return { kind: 'alloc_text', section: alloc[1]!, functions, offset };
  }
  const seg = CODE_SEG.exec(line);
  if (seg) {
    const parts = seg[1]!.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    const quoted = parts.find((p) => p.startsWith('"'));
    const section = quoted ? quoted.replace(/"/g, '') : null;
    if (parts[0] === 'push') return { kind: 'code_seg', action: 'push', section, offset };
    if (parts[0] === 'pop') return { kind: 'code_seg', action: 'pop', section: null, offset };
    if (section === null) return { kind: 'code_seg', action: 'reset', section: null, offset };
    return { kind: 'code_seg', action: 'set', section, offset };
  }
  return undefined;
}
