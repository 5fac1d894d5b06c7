/**
 * Reads one source file into plain syntax facts. The tree-sitter tree is copied into a
 * FlatTree and freed at once; the facts are read from the copy, and nothing that refers to
 * either escapes.
 */
import type { Parser as ParserType, Tree } from 'web-tree-sitter';
import { Parser } from 'web-tree-sitter';
import type { Mutable } from '../mutable.js';
import { LineIndex, type DecodedSource } from '../source/decode.js';
import { blankMacros, sectionOfMacro, type ConditionalRegion, type PragmaFact, type RemovedAnnotation, type SehMacro } from './blank-macros.js';
import { compactWhitespace } from './compact-whitespace.js';
import { lazyProperty, named, readFlow as readControlFlow, typeFacts } from './extract-flow.js';
import { FlatTree, type SyntaxNode } from './flat-tree.js';
import { firstGrammarOfHeader, keepsTheOtherReading, worthReadingWithTheOther } from './header-language.js';
import type {
  AnnotationFact,
  AssignmentFact,
  CallFact,
  CallResultUse,
  FileFacts,
  FlowNode,
  FunctionFact,
  Initializer,
  MacroCallFact,
  Position,
  ParameterFact,
  PrototypeFact,
  Span,
  TypedDeclarationFact,
  VariableFact,
} from './facts.js';
import { languageForPath, loadLanguages, type LanguageName } from './languages.js';
import { fold } from './text.js';

const parsers = new Map<LanguageName, ParserType>();

async function parserFor(language: LanguageName): Promise<ParserType> {
  let parser = parsers.get(language);
  if (!parser) {
    const languages = await loadLanguages();
    parser = new Parser();
    parser.setLanguage(languages[language]);
    parsers.set(language, parser);
  }
  return parser;
}

export interface ParseOptions {
  /** Abandon a parse that takes longer than this (milliseconds). */
  readonly timeoutMs?: number;
  /**
   * Read each function's statement trees (`flow` and `controlFlow.body`) only when they are
   * first asked for. Until then the facts keep what reading needs: the file's flat tree, its
   * line index and the file walker's tables. The caller says when that is worth it: not for
   * facts that are cached or kept for the whole run.
   */
  readonly lazyFlows?: boolean;
}

export class ParseTimeoutError extends Error {}

export async function extractFileFacts(path: string, source: DecodedSource, options: ParseOptions = {}): Promise<FileFacts> {
  // One time budget for the whole file: blanking, parsing and reading the tree.
  const deadline = options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + options.timeoutMs;
  const kind = languageForPath(path) ?? 'c';
  const blanked = blankMacros(source.text, { isC: kind === 'c' });
  const first: LanguageName = kind === 'header' ? firstGrammarOfHeader(blanked.text) : kind;
  let language = first;
  const compact = compactWhitespace(blanked.text);
  const parsed = compact?.text ?? blanked.text;
  let tree = await parse(first, parsed, deadline, options.timeoutMs);
  if (kind === 'header' && worthReadingWithTheOther(first, tree.rootNode)) {
    const other: LanguageName = first === 'c' ? 'cpp' : 'c';
    const otherTree = await parse(other, parsed, deadline, options.timeoutMs);
    if (keepsTheOtherReading(first, tree.rootNode, otherTree.rootNode)) {
      tree.delete();
      tree = otherTree;
      language = other;
    } else {
      otherTree.delete();
    }
  }
  let flat: FlatTree;
  try {
    flat = FlatTree.read(tree, blanked.text, 'memory', compact?.originals);
  } finally {
    tree.delete();
  }
  const walker = new FileWalker(
    new LineIndex(source.text),
    blanked.annotations,
    blanked.pragmas,
    blanked.regions,
    () => {
      if (performance.now() > deadline) throw new ParseTimeoutError(`reading the file took longer than ${options.timeoutMs} ms`);
    },
    blanked.sehMacros,
    options.lazyFlows ?? false,
  );
  walker.walkFile(flat.root);
  return {
    path,
    language,
    encoding: source.encoding,
    lossy: source.lossy,
    lineCount: walker.lines.lineCount,
    includes: walker.includes,
    functions: walker.functions,
    prototypes: walker.prototypes,
    typedDeclarations: walker.typedDeclarations,
    globals: walker.globals,
    allocText: walker.allocText,
    errorCount: countErrors(flat),
    suppressionComments: blanked.suppressionComments.map((c) => ({ text: c.text, span: walker.spanOf(c.offset, c.end), trailing: c.trailing })),
    warningPragmas: blanked.pragmas.flatMap((p) =>
      p.kind === 'warning' ? [{ line: walker.lines.position(p.offset).line, action: p.action, numbers: p.numbers }] : [],
    ),
    ...(walker.macroCalls.length > 0 ? { macroCalls: walker.macroCalls } : {}),
    ...typeFacts(flat),
  };
}

async function parse(language: LanguageName, text: string, deadline: number, timeoutMs: number | undefined): Promise<Tree> {
  const parser = await parserFor(language);
  // tree-sitter reports progress every few hundred operations (150,000 times over
  // Windows-driver-samples): the clock is read at every 64th report, a millisecond or two apart.
  let reports = 0;
  const progressCallback = (): boolean => (++reports & 63) === 0 && performance.now() > deadline;
  const tree = parser.parse(text, null, Number.isFinite(deadline) ? { progressCallback } : undefined);
  if (!tree) {
    parser.reset();
    throw new ParseTimeoutError(`parsing took longer than ${timeoutMs} ms`);
  }
  return tree;
}

/** Regions tree-sitter recovered from: ERROR nodes, or at least one when only MISSING ones exist. */
function countErrors(tree: FlatTree): number {
  if (!tree.hasError(0)) return 0;
  return Math.max(1, tree.descendantsOfTypes(0, ERROR_TYPES).length);
}

const ERROR_TYPES = ['ERROR'];

/** The expression with casts, `&`, and parentheses taken off: what a value is. */
function coreOf(node: SyntaxNode): SyntaxNode {
  let current = node;
  for (;;) {
    if (current.type === 'cast_expression') {
      const value = current.childForFieldName('value');
      if (!value) return current;
      current = value;
    } else if (current.type === 'parenthesized_expression') {
      const inner = named(current)[0];
      if (!inner) return current;
      current = inner;
    } else if (current.type === 'pointer_expression' && current.child(0)?.type === '&') {
      const arg = current.childForFieldName('argument');
      if (!arg) return current;
      current = arg;
    } else {
      return current;
    }
  }
}

/**
 * The folded text of coreOf(node), given the folded text of node (and the core, when the caller
 * has it already): most expressions are their own core, and their text need not be cut out and
 * folded twice.
 */
function textOfCore(node: SyntaxNode, text: string, core = coreOf(node)): string {
  return core === node ? text : fold(core.text);
}

/** Descends pointer, reference and parenthesized declarators to the one that names the thing. */
function innerDeclarator(node: SyntaxNode | null): { name: SyntaxNode | null; fn: SyntaxNode | null; pointer: boolean; array: boolean } {
  let current = node;
  let pointer = false;
  let array = false;
  let fn: SyntaxNode | null = null;
  while (current) {
    switch (current.type) {
      case 'function_declarator':
        fn ??= current;
        current = current.childForFieldName('declarator');
        break;
      case 'pointer_declarator':
      case 'reference_declarator':
        pointer = true;
        current = current.childForFieldName('declarator') ?? current.namedChildren.at(-1) ?? null;
        break;
      case 'array_declarator':
        array = true;
        current = current.childForFieldName('declarator');
        break;
      case 'parenthesized_declarator':
      case 'attributed_declarator':
      case 'init_declarator':
        current = current.childForFieldName('declarator') ?? named(current)[0] ?? null;
        break;
      default:
        return { name: current, fn, pointer, array };
    }
  }
  return { name: null, fn, pointer, array };
}

interface BodyFacts {
  calls: CallFact[];
  assignments: AssignmentFact[];
  locals: VariableFact[];
  returns: string[];
}

class FileWalker {
  readonly includes: string[] = [];
  readonly functions: FunctionFact[] = [];
  readonly prototypes: PrototypeFact[] = [];
  readonly typedDeclarations: TypedDeclarationFact[] = [];
  readonly globals: VariableFact[] = [];
  readonly allocText: { name: string; section: string; span: Span }[] = [];
  readonly macroCalls: MacroCallFact[] = [];
  private readonly sectionAt: (offset: number) => { name: string; offset: number } | undefined;

  constructor(
    readonly lines: LineIndex,
    private readonly removed: readonly RemovedAnnotation[],
    pragmas: readonly PragmaFact[],
    private readonly regions: readonly ConditionalRegion[],
    /** Throws when the file's time budget is spent; called every few thousand nodes. */
    private readonly checkTime: () => void,
    private readonly sehMacros: readonly SehMacro[],
    private readonly lazyFlows: boolean,
  ) {
    this.sectionAt = codeSegTimeline(pragmas);
    for (const pragma of pragmas) {
      if (pragma.kind !== 'alloc_text') continue;
      for (const name of pragma.functions) {
        this.allocText.push({ name, section: pragma.section, span: this.spanOf(pragma.offset, pragma.offset + 1) });
      }
    }
  }

  spanOf(start: number, end: number): Span {
    return this.lines.span(start, end);
  }

  nodeSpan(node: SyntaxNode): Span {
    return this.spanOf(node.startIndex, node.endIndex);
  }

  /** Walks file-scope nodes iteratively: generated headers can nest thousands deep. */
  walkFile(root: SyntaxNode): void {
    const stack: { node: SyntaxNode; className?: string }[] = [{ node: root }];
    let visited = 0;
    while (stack.length > 0) {
      if ((++visited & 1023) === 0) this.checkTime();
      const { node, className } = stack.pop()!;
      switch (node.type) {
        case 'function_definition':
          this.readFunction(node, className);
          continue;
        case 'declaration':
          this.readFileDeclaration(node);
          continue;
        case 'field_declaration':
          if (className) this.readMemberDeclaration(node, className);
          continue;
        case 'expression_statement': {
          const macro = readMacroCall(node, (n) => this.nodeSpan(n));
          if (macro) this.macroCalls.push(macro);
          continue;
        }
        case 'preproc_include': {
          const path = node.childForFieldName('path');
          if (path) this.includes.push(path.text.replace(/^["<]|[">]$/g, ''));
          continue;
        }
        case 'class_specifier':
        case 'struct_specifier': {
          const name = node.childForFieldName('name')?.text;
          const body = node.childForFieldName('body');
          if (body) pushChildren(stack, body, name ?? className);
          continue;
        }
        case 'translation_unit':
        case 'linkage_specification':
        case 'declaration_list':
        case 'namespace_definition':
        case 'template_declaration':
        case 'preproc_if':
        case 'preproc_ifdef':
        case 'preproc_else':
        case 'preproc_elif':
        case 'preproc_elifdef':
        case 'field_declaration_list':
        case 'ERROR':
          pushChildren(stack, node, className);
          continue;
        default:
          continue;
      }
    }
    sortByStart(this.functions);
  }

  private annotationsBetween(from: number, to: number): AnnotationFact[] {
    const result: AnnotationFact[] = [];
    let lo = 0;
    let hi = this.removed.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.removed[mid]!.offset < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.removed.length && this.removed[i]!.offset < to; i++) {
      const a = this.removed[i]!;
      result.push({ name: a.name, args: fold(a.args), span: this.spanOf(a.offset, a.end) });
    }
    return result;
  }

  /** Annotations written before a declaration belong to it, back to the previous sibling. */
  private annotationWindowStart(node: SyntaxNode): number {
    // A comment between the annotations and the declaration does not end the window.
    let prev = node.previousSibling;
    while (prev && prev.type === 'comment') prev = prev.previousSibling;
    if (prev) return prev.endIndex;
    // The file's first declaration owns everything before it: the root starts at its first
    // token, after the annotations blanked before it.
    const parent = node.parent;
    return parent?.parent ? parent.startIndex : 0;
  }

  private readFunction(node: SyntaxNode, className: string | undefined): void {
    const { name: nameNode, fn } = innerDeclarator(node.childForFieldName('declarator'));
    const body = node.childForFieldName('body');
    if (!nameNode || !fn || !body) return;
    let name = nameNode.text;
    let qualifiedName = name;
    let owner = className;
    if (nameNode.type === 'qualified_identifier') {
      const parts = fold(nameNode.text).split('::').map((s) => s.trim());
      name = parts.at(-1)!;
      owner = parts.slice(0, -1).join('::');
      qualifiedName = `${owner}::${name}`;
    } else if (owner) {
      qualifiedName = `${owner}::${name}`;
    }
    if (!/^~?[A-Za-z_]\w*$/.test(name) && !name.startsWith('operator')) return;
    const annotations = this.annotationsBetween(this.annotationWindowStart(node), body.startIndex);
    const bodyFacts = this.readBody(body);
    const pagedCall = bodyFacts.calls.find((c) => c.callee === 'PAGED_CODE' || c.callee === 'PAGED_CODE_LOCKED');
    const section = this.sectionOf(node.startIndex, annotations);
    const conditions = this.conditionsAt(node.startIndex);
    const returnType = returnTypeOf(node);
    const position = (o: number): Position => this.lines.position(o);
    const spanOf = (start: number, end: number): Span => this.spanOf(start, end);
    const fact: Mutable<FunctionFact> = {
      name,
      qualifiedName,
      isStatic: node.children.some((c) => c.type === 'storage_class_specifier' && c.text === 'static'),
      nameSpan: this.nodeSpan(unqualified(nameNode)),
      span: this.nodeSpan(node),
      params: this.readParameters(fn),
      annotations,
      calls: bodyFacts.calls,
      assignments: bodyFacts.assignments,
      locals: bodyFacts.locals,
      returns: bodyFacts.returns,
      flow: this.lazyFlows ? undefined : readFlow(body, position),
      controlFlow: readControlFlow(body, fn, this.sehMacros, spanOf, this.lazyFlows),
    };
    if (owner) fact.className = owner;
    if (section) fact.section = section;
    if (pagedCall && pagedCall.callee === 'PAGED_CODE') fact.pagedCode = pagedCall.span;
    if (conditions.length > 0) fact.conditions = conditions;
    if (returnType) fact.returnType = returnType;
    if (this.lazyFlows) lazyProperty(fact, 'flow', () => readFlow(body, position));
    this.functions.push(fact);
  }

  /** The conditions of the innermost kept `#if` branch around an offset. */
  private conditionsAt(offset: number): readonly { expr: string; holds: boolean }[] {
    let best: ConditionalRegion | undefined;
    for (const r of this.regions) {
      if (r.start <= offset && offset < r.end && (!best || r.start >= best.start)) best = r;
    }
    return best?.conditions ?? [];
  }

  private sectionOf(start: number, annotations: readonly AnnotationFact[]): FunctionFact['section'] {
    for (const a of annotations) {
      const macroSection = sectionOfMacro(a.name);
      if (macroSection) return { name: macroSection, how: a.name, span: a.span };
      if (a.name === '__declspec') {
        const m = /code_seg\s*\(\s*"([^"]*)"\s*\)/.exec(a.args);
        if (m) return { name: m[1]!, how: `__declspec(code_seg("${m[1]}"))`, span: a.span };
      }
    }
    const region = this.sectionAt(start);
    if (region) return { name: region.name, how: `#pragma code_seg("${region.name}")`, span: this.spanOf(region.offset, region.offset + 1) };
    return undefined;
  }

  private readParameters(fn: SyntaxNode): ParameterFact[] {
    const list = fn.childForFieldName('parameters');
    if (!list) return [];
    const params: ParameterFact[] = [];
    for (const p of list.namedChildren) {
      if (p.type !== 'parameter_declaration' && p.type !== 'optional_parameter_declaration') continue;
      const { name } = innerDeclarator(p.childForFieldName('declarator'));
      const type = p.childForFieldName('type')?.text ?? '';
      params.push({ name: name && name.type === 'identifier' ? name.text : '', type: fold(type) });
    }
    return params;
  }

  private readFileDeclaration(node: SyntaxNode): void {
    const typeNode = node.childForFieldName('type');
    const typeText = typeNode ? fold(typeNode.text) : '';
    for (const declarator of node.childrenForFieldName('declarator')) {
      const inner = innerDeclarator(declarator);
      if (!inner.name) continue;
      if (inner.fn) {
        this.prototypes.push({
          name: lastName(inner.name.text),
          annotations: this.annotationsBetween(this.annotationWindowStart(node), inner.fn.endIndex),
          span: this.nodeSpan(inner.name),
        });
        continue;
      }
      if (declarator.type === 'identifier' && typeNode?.type === 'type_identifier') {
        this.typedDeclarations.push({ typeName: typeText, name: declarator.text, span: this.nodeSpan(declarator) });
      }
      this.globals.push(this.readVariable(typeText, declarator, inner));
    }
  }

  /** `_IRQL_requires_max_(PASSIVE_LEVEL) NTSTATUS Flush();` inside a class: a method prototype. */
  private readMemberDeclaration(node: SyntaxNode, className: string): void {
    for (const declarator of node.childrenForFieldName('declarator')) {
      const inner = innerDeclarator(declarator);
      if (!inner.name || !inner.fn) continue;
      this.prototypes.push({
        name: `${className}::${lastName(inner.name.text)}`,
        annotations: this.annotationsBetween(this.annotationWindowStart(node), inner.fn.endIndex),
        span: this.nodeSpan(inner.name),
      });
    }
  }

  private readVariable(type: string, declarator: SyntaxNode, inner: ReturnType<typeof innerDeclarator>): VariableFact {
    const value = declarator.type === 'init_declarator' ? declarator.childForFieldName('value') : null;
    const init = value ? this.readInitializer(value) : undefined;
    const valueCore = value ? coreOf(value) : null;
    const variable: Mutable<VariableFact> = {
      name: inner.name ? lastName(inner.name.text) : '',
      type,
      pointer: inner.pointer,
      array: inner.array,
      span: this.nodeSpan(declarator),
    };
    if (init) variable.init = init;
    if (valueCore?.type === 'call_expression') variable.initCall = calleeName(valueCore);
    return variable;
  }

  /** Nested lists deeper than this are kept as text: registration tables are two or three deep. */
  private static readonly MAX_INITIALIZER_DEPTH = 16;

  private readInitializer(node: SyntaxNode, depth = 0): Initializer {
    const span = this.nodeSpan(node);
    if (node.type === 'initializer_list' && depth < FileWalker.MAX_INITIALIZER_DEPTH) {
      const items: Initializer[] = [];
      for (const child of named(node)) items.push(this.readInitializer(child, depth + 1));
      return { kind: 'list', items, span };
    }
    if (node.type === 'initializer_pair' && depth < FileWalker.MAX_INITIALIZER_DEPTH) {
      const designator = node.childForFieldName('designator');
      const value = node.childForFieldName('value');
      const field = designator ? designator.text.replace(/^[.[]|]$/g, '').trim() : '';
      if (value) return { kind: 'designated', field, value: this.readInitializer(value, depth + 1), span };
    }
    const text = fold(node.text);
    return { kind: 'expr', text, core: textOfCore(node, text), span };
  }

  /**
   * One pass over a function body in document order. A node's frame (is it conditional, under
   * which guards, in which block) comes from its parent's, which the pass has already made.
   */
  private readBody(body: SyntaxNode): BodyFacts {
    const facts: BodyFacts = { calls: [], assignments: [], locals: [], returns: [] };
    const tree = body.tree;
    const first = body.id;
    const count = tree.subtreeEnds[first]! - first;
    // Shared by every body: a body's frames are needed only while it is read.
    const frames = bodyFrames;
    const contexts = bodyContexts;
    const conditionField = tree.fieldId('condition');
    const subtreeEnds = tree.subtreeEnds;
    frames[0] = { conditional: false, guards: [], scopeEnd: body.endIndex };
    contexts[0] = this.visitBodyNode(tree, first, frames[0], facts);
    for (let k = 1; k < count; k++) {
      if ((k & 4095) === 0) this.checkTime();
      const index = first + k;
      // A leaf (a token, a name, a literal) holds no facts, and no node takes its frame: about
      // half the nodes of a body.
      if (subtreeEnds[index] === index + 1) continue;
      const parent = tree.parents[index]! - first;
      const frame = childFrame(tree, index, conditionField, frames[parent]!, contexts[parent]!);
      frames[k] = frame;
      contexts[k] = this.visitBodyNode(tree, index, frame, facts);
    }
    sortByStart(facts.calls);
    sortByStart(facts.assignments);
    sortByStart(facts.locals);
    return facts;
  }

  /** Reads the facts of one node of a body, and says what its children inherit. */
  private visitBodyNode(tree: FlatTree, index: number, frame: BodyFrame, facts: BodyFacts): ChildContext {
    const type = tree.typeName(index);
    switch (type) {
      case 'call_expression':
        facts.calls.push(this.readCall(tree.node(index), frame));
        break;
      case 'assignment_expression':
        facts.assignments.push(this.readAssignment(tree.node(index)));
        break;
      case 'return_statement': {
        const value = named(tree.node(index))[0];
        facts.returns.push(value ? fold(value.text) : '');
        break;
      }
      case 'declaration': {
        const node = tree.node(index);
        const declType = fold(node.childForFieldName('type')?.text ?? '');
        for (const declarator of node.childrenForFieldName('declarator')) {
          const inner = innerDeclarator(declarator);
          if (inner.name && !inner.fn) facts.locals.push(this.readVariable(declType, declarator, inner));
        }
        break;
      }
      default:
        break;
    }
    const branchy = BRANCHING.has(type);
    let guardText: string | undefined;
    if (type === 'if_statement' || type === 'conditional_expression') {
      const condition = tree.node(index).childForFieldName('condition');
      if (condition) guardText = fold(condition.text);
    }
    if (!branchy && type !== 'compound_statement') return PLAIN;
    return { branchy, guardText, blockEnd: type === 'compound_statement' ? tree.ends[index] : undefined };
  }

  private readCall(node: SyntaxNode, frame: BodyFrame): CallFact {
    const fnNode = node.childForFieldName('function');
    const argList = node.childForFieldName('arguments');
    // Arrays of the exact length (one grown by push keeps room for 17), made by map so that they
    // stay packed; the cores share the texts' array while every core is its argument's text, as
    // most are.
    const argNodes = argList ? named(argList) : NO_NODES;
    const args = argNodes.length === 0 ? NO_TEXTS : argNodes.map((a) => fold(a.text));
    const cores = argNodes.length === 0 ? NO_TEXTS : argNodes.map((a, i) => textOfCore(a, args[i]!));
    const argCores = cores.every((core, i) => core === args[i]) ? args : cores;
    let callee = fnNode ? fold(fnNode.text) : '';
    let calleeKind: CallFact['calleeKind'] = 'other';
    let receiver: string | undefined;
    if (fnNode?.type === 'identifier') {
      calleeKind = 'identifier';
    } else if (fnNode?.type === 'qualified_identifier') {
      calleeKind = 'qualified';
      callee = callee.replace(/\s+/g, '');
    } else if (fnNode?.type === 'field_expression') {
      calleeKind = 'field';
      callee = fnNode.childForFieldName('field')?.text ?? callee;
      receiver = fold(fnNode.childForFieldName('argument')?.text ?? '');
    } else if (fnNode?.type === 'template_function') {
      calleeKind = 'identifier';
      callee = fnNode.childForFieldName('name')?.text ?? callee;
    }
    const call: Mutable<CallFact> = {
      callee,
      calleeKind,
      args,
      argCores,
      span: this.nodeSpan(node),
      conditional: frame.conditional,
      guards: frame.guards,
      scopeEnd: frame.scopeEnd,
      result: resultUseOf(node),
    };
    if (receiver !== undefined) call.receiver = receiver;
    return call;
  }

  private readAssignment(node: SyntaxNode): AssignmentFact {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    const path: string[] = [];
    let base = left;
    while (base) {
      if (base.type === 'field_expression') {
        path.unshift(base.childForFieldName('field')?.text ?? '');
        base = base.childForFieldName('argument');
      } else if (base.type === 'subscript_expression') {
        const index = base.childForFieldName('index') ?? base.childForFieldName('indices');
        path.unshift(`[${fold(index?.text ?? '').replace(/^\[|\]$/g, '')}]`);
        base = base.childForFieldName('argument');
      } else if (base.type === 'parenthesized_expression' || base.type === 'cast_expression' || base.type === 'pointer_expression') {
        base = named(base).at(-1) ?? null;
      } else {
        break;
      }
    }
    const rightCore = right ? coreOf(right) : null;
    const rhs = fold(right?.text ?? '');
    const assignment: Mutable<AssignmentFact> = {
      lhs: fold(left?.text ?? ''),
      lhsBase: base ? (base.type === 'call_expression' ? `${calleeName(base)}()` : fold(base.text)) : '',
      lhsPath: path,
      operator: node.childForFieldName('operator')?.text ?? '=',
      rhs,
      rhsCore: right && rightCore ? textOfCore(right, rhs, rightCore) : '',
      span: this.nodeSpan(node),
    };
    if (rightCore?.type === 'call_expression') assignment.rhsCall = calleeName(rightCore);
    return assignment;
  }
}

/** Scratch space of readBody, indexed by a node's position in the body. */
const bodyFrames: BodyFrame[] = [];
const bodyContexts: ChildContext[] = [];

interface BodyFrame {
  readonly conditional: boolean;
  /** Conditions of the enclosing `if`s and `?:`s, innermost last. */
  readonly guards: readonly string[];
  /** End offset of the innermost enclosing block. */
  readonly scopeEnd: number;
}

/** What a node's children inherit from it. */
interface ChildContext {
  readonly branchy: boolean;
  readonly guardText: string | undefined;
  /** Set for a block: its end bounds the scope of what is acquired inside it. */
  readonly blockEnd: number | undefined;
  /** The frame the statements of a block share, made for the first of them. */
  blockFrame?: BodyFrame;
}

/** What most nodes pass on to their children: nothing. */
const PLAIN: ChildContext = { branchy: false, guardText: undefined, blockEnd: undefined };

/**
 * The frame of a child: a branch of an `if` (anything but its condition) is conditional and
 * guarded by the condition; a block bounds the scope of its statements. A child that changes
 * nothing shares its parent's frame.
 */
function childFrame(tree: FlatTree, index: number, conditionField: number, parent: BodyFrame, context: ChildContext): BodyFrame {
  if (context === PLAIN) return parent;
  const inBranch = context.branchy && tree.fields[index] !== conditionField;
  // A block (never branchy itself): all its statements share one frame.
  if (context.blockEnd !== undefined) return (context.blockFrame ??= { conditional: parent.conditional, guards: parent.guards, scopeEnd: context.blockEnd });
  if (!inBranch) return parent;
  return {
    conditional: true,
    guards: context.guardText !== undefined ? [...parent.guards, context.guardText] : parent.guards,
    scopeEnd: tree.typeName(index) === 'compound_statement' ? parent.scopeEnd : tree.ends[index]!,
  };
}

const BRANCHING = new Set([
  'if_statement', 'else_clause', 'while_statement', 'for_statement', 'do_statement', 'switch_statement',
  'case_statement', 'conditional_expression', 'for_range_loop',
]);

function pushChildren(stack: { node: SyntaxNode; className?: string }[], node: SyntaxNode, className: string | undefined): void {
  const children = node.namedChildren;
  for (let i = children.length - 1; i >= 0; i--) {
    const child = children[i]!;
    stack.push(className === undefined ? { node: child } : { node: child, className });
  }
}

/**
 * Puts facts in source order. A walk in document order nearly always finds them in that order
 * already (a declaration inside an initializer is the exception), and sorting a sorted array
 * still copies it: a check first spares the copy for almost every body of a run.
 */
function sortByStart(facts: { readonly span: Span }[]): void {
  for (let i = 1; i < facts.length; i++) {
    if (facts[i]!.span.startOffset < facts[i - 1]!.span.startOffset) {
      facts.sort((a, b) => a.span.startOffset - b.span.startOffset);
      return;
    }
  }
}

/** `Method` of `Class::Method` (possibly split across lines), where the finding should point. */
function unqualified(node: SyntaxNode): SyntaxNode {
  let current = node;
  while (current.type === 'qualified_identifier') {
    const name = current.childForFieldName('name');
    if (!name) break;
    current = name;
  }
  return current;
}

function calleeName(call: SyntaxNode): string {
  const fn = call.childForFieldName('function');
  if (!fn) return '';
  if (fn.type === 'field_expression') return fn.childForFieldName('field')?.text ?? '';
  return fold(fn.text).replace(/\s+/g, '');
}

function lastName(text: string): string {
  const at = text.lastIndexOf('::');
  return (at < 0 ? text : text.slice(at + 2)).trim();
}

/** Replays `#pragma code_seg` directives to tell which section is current at an offset. */
function codeSegTimeline(pragmas: readonly PragmaFact[]): (offset: number) => { name: string; offset: number } | undefined {
  const changes: { offset: number; section: { name: string; offset: number } | undefined }[] = [];
  const stack: ({ name: string; offset: number } | undefined)[] = [];
  let current: { name: string; offset: number } | undefined;
  for (const p of pragmas) {
    if (p.kind !== 'code_seg') continue;
    if (p.action === 'push') {
      stack.push(current);
      if (p.section !== null) current = { name: p.section, offset: p.offset };
    } else if (p.action === 'pop') {
      current = stack.pop();
    } else if (p.action === 'reset') {
      current = undefined;
    } else {
      current = { name: p.section!, offset: p.offset };
    }
    changes.push({ offset: p.offset, section: current });
  }
  return (offset) => {
    let result: { name: string; offset: number } | undefined;
    for (const change of changes) {
      if (change.offset > offset) break;
      result = change.section;
    }
    return result;
  };
}

// ---------------------------------------------------------------------------------------------
// Control-flow facts: the statement tree of a body, what a caller does with a call's value,
// return types and file-scope macro invocations (see the matching block of facts.ts).
// ---------------------------------------------------------------------------------------------

/** Nesting deeper than this is summarised as an `opaque` statement. */
const MAX_FLOW_DEPTH = 200;

const LOOPS = new Set(['while_statement', 'for_statement', 'do_statement', 'for_range_loop']);

/**
 * The statement tree of a body. Written without closures: it runs once per statement of every
 * function, and four closures per call were a sizeable share of the garbage a file makes.
 */
function readFlow(node: SyntaxNode, position: (offset: number) => Position, depth = 0): FlowNode {
  if (depth > MAX_FLOW_DEPTH) return flowNodeOf(node, position, 'opaque');
  const inner = depth + 1;
  switch (node.type) {
    case 'compound_statement':
    case 'translation_unit':
    case 'preproc_if':
    case 'preproc_ifdef':
    case 'preproc_else':
    case 'preproc_elif':
      return withChildren(flowNodeOf(node, position, 'block'), flowsOf(node, position, inner, isPlainPreprocessorLine));
    case 'if_statement': {
      const consequence = node.childForFieldName('consequence');
      const then = consequence ? readFlow(consequence, position, inner) : undefined;
      const alternative = node.childForFieldName('alternative');
      const otherwiseNode = alternative ? (alternative.type === 'else_clause' ? named(alternative)[0] : alternative) : undefined;
      const otherwise = otherwiseNode ? readFlow(otherwiseNode, position, inner) : undefined;
      const flow = withCondition(flowNodeOf(node, position, 'if'), conditionOf(node.childForFieldName('condition')));
      const children = [then ?? withChildren(flowNodeOf(node, position, 'block'), [])];
      if (otherwise) children.push(otherwise);
      return withChildren(flow, children);
    }
    case 'switch_statement': {
      const body = node.childForFieldName('body');
      const flow = withCondition(flowNodeOf(node, position, 'switch'), conditionOf(node.childForFieldName('condition')));
      return withChildren(flow, body ? flowsOf(body, position, inner) : []);
    }
    case 'case_statement':
      return withChildren(flowNodeOf(node, position, 'case'), flowsOf(node, position, inner, undefined, node.childForFieldName('value')?.id));
    case 'labeled_statement': {
      const label = node.childForFieldName('label');
      const flow = flowNodeOf(node, position, 'label');
      flow.label = label?.text ?? '';
      return withChildren(flow, flowsOf(node, position, inner, undefined, label?.id));
    }
    case 'goto_statement': {
      const flow = flowNodeOf(node, position, 'goto');
      flow.label = node.childForFieldName('label')?.text ?? '';
      return flow;
    }
    case 'return_statement':
    case 'throw_statement':
    case 'co_return_statement':
      return flowNodeOf(node, position, 'return');
    case 'break_statement':
      return flowNodeOf(node, position, 'break');
    case 'continue_statement':
      return flowNodeOf(node, position, 'continue');
    case 'seh_try_statement':
    case 'try_statement': {
      const body = node.childForFieldName('body');
      const handlers = flowsOf(node, position, inner, undefined, body?.id);
      return withChildren(flowNodeOf(node, position, 'try'), body ? [readFlow(body, position, inner), ...handlers] : handlers);
    }
    case 'seh_except_clause':
    case 'seh_finally_clause':
    case 'catch_clause': {
      const body = node.childForFieldName('body') ?? node.namedChildren.find((c) => c.type === 'compound_statement');
      return withChildren(flowNodeOf(node, position, 'block'), body ? [readFlow(body, position, inner)] : []);
    }
    default:
      if (LOOPS.has(node.type)) {
        const body = node.childForFieldName('body');
        const condition = node.type === 'for_statement' || node.type === 'for_range_loop' ? forHeader(node, body) : conditionOf(node.childForFieldName('condition'));
        return withChildren(withCondition(flowNodeOf(node, position, 'loop'), condition), body ? [readFlow(body, position, inner)] : []);
      }
      if (node.type === 'attributed_statement') {
        const statement = named(node).filter((c) => c.type !== 'attribute_declaration').at(-1);
        if (statement) return readFlow(statement, position, inner);
      }
      return flowNodeOf(node, position, 'simple');
  }
}

/** A flow node for `node` with what every kind has; the rest is set in the order of FlowNode. */
function flowNodeOf(node: SyntaxNode, position: (offset: number) => Position, kind: FlowNode['kind']): Mutable<FlowNode> {
  return { kind, start: node.startIndex, end: node.endIndex, at: position(node.startIndex) };
}

/** Sets a flow node's condition, when it has one: before its children, in the order of FlowNode. */
function withCondition(flow: Mutable<FlowNode>, condition: FlowNode['condition']): Mutable<FlowNode> {
  if (condition) flow.condition = condition;
  return flow;
}

function withChildren(flow: Mutable<FlowNode>, children: readonly FlowNode[]): FlowNode {
  flow.children = children;
  return flow;
}

/** Preprocessor lines in a block other than the `#if` groups, which hold statements. */
function isPlainPreprocessorLine(c: SyntaxNode): boolean {
  return c.type.startsWith('preproc_') && !c.type.startsWith('preproc_if') && !c.type.startsWith('preproc_el');
}

/** The flows of the named children of `parent`, but for the one with id `except` and those `skip` rejects. */
function flowsOf(parent: SyntaxNode, position: (offset: number) => Position, depth: number, skip?: (n: SyntaxNode) => boolean, except?: number): FlowNode[] {
  const out: FlowNode[] = [];
  for (const c of named(parent)) {
    if (c.id === except || (skip && skip(c))) continue;
    out.push(readFlow(c, position, depth));
  }
  return out;
}

function conditionOf(n: SyntaxNode | null): FlowNode['condition'] {
  return n ? { start: n.startIndex, end: n.endIndex, text: fold(n.text) } : undefined;
}

/** The `(init; condition; update)` part of a `for` as its controlling expression. */
function forHeader(node: SyntaxNode, body: SyntaxNode | null): FlowNode['condition'] {
  const open = node.children.find((c) => c.type === '(');
  const close = [...node.children].reverse().find((c) => c.type === ')' && (!body || c.endIndex <= body.startIndex));
  if (!open || !close) return undefined;
  return { start: open.startIndex, end: close.endIndex, text: fold(node.text.slice(open.startIndex - node.startIndex, close.endIndex - node.startIndex)) };
}

const FALSY = /^(FALSE|false|0|NULL|nullptr)$/;
const TRUTHY = /^(TRUE|true|1)$/;

/**
 * What a call fact shares with others rather than owning: a run reads about 140,000 calls, and
 * every object their facts hold is copied by the garbage collector as long as the facts live.
 * Results of the uses that carry nothing else, and the texts of a call without arguments. Not
 * frozen: a frozen object or array has a shape of its own, and the code that reads facts would
 * meet one more (facts are readonly by their types).
 */
const OTHER_USE: CallResultUse = { kind: 'other' };
const DISCARDED_USE: CallResultUse = { kind: 'discarded' };
const RETURNED_USE: CallResultUse = { kind: 'returned' };
const ARGUMENT_USE: CallResultUse = { kind: 'argument' };
const NO_NODES: readonly SyntaxNode[] = [];
const NO_TEXTS: readonly string[] = [];

/**
 * Climbs from a call through parentheses, casts, `!` and comparisons with TRUE/FALSE to the
 * construct that consumes its value.
 */
function resultUseOf(call: SyntaxNode): CallResultUse {
  let node: SyntaxNode = call;
  let negated = false;
  for (let guard = 0; guard < 32; guard++) {
    const parent = node.parent;
    if (!parent) return OTHER_USE;
    switch (parent.type) {
      case 'parenthesized_expression':
        if (isConditionOf(parent)) return conditionUse(parent.parent!, negated);
        node = parent;
        continue;
      case 'cast_expression':
        node = parent;
        continue;
      case 'condition_clause':
        return conditionUse(parent.parent!, negated);
      case 'unary_expression':
        if (parent.child(0)?.type !== '!') return OTHER_USE;
        negated = !negated;
        node = parent;
        continue;
      case 'binary_expression': {
        const op = parent.childForFieldName('operator')?.type;
        const other = parent.childForFieldName('left')?.id === node.id ? parent.childForFieldName('right') : parent.childForFieldName('left');
        const value = other ? fold(other.text) : '';
        if ((op !== '==' && op !== '!=') || !(FALSY.test(value) || TRUTHY.test(value))) return OTHER_USE;
        if ((op === '==') === FALSY.test(value)) negated = !negated;
        node = parent;
        continue;
      }
      case 'expression_statement':
        return DISCARDED_USE;
      case 'assignment_expression': {
        if (parent.childForFieldName('right')?.id !== node.id || parent.childForFieldName('operator')?.text !== '=') return OTHER_USE;
        return { kind: 'assigned', variable: fold(parent.childForFieldName('left')?.text ?? '') };
      }
      case 'init_declarator': {
        const { name } = innerDeclarator(parent.childForFieldName('declarator'));
        return name ? { kind: 'assigned', variable: lastName(name.text) } : OTHER_USE;
      }
      case 'return_statement':
        return RETURNED_USE;
      case 'argument_list':
        return ARGUMENT_USE;
      case 'conditional_expression':
        return parent.childForFieldName('condition')?.id === node.id ? conditionUse(parent, negated) : OTHER_USE;
      default:
        return OTHER_USE;
    }
  }
  return OTHER_USE;
}

function isConditionOf(node: SyntaxNode): boolean {
  const owner = node.parent;
  if (!owner) return false;
  return (
    (owner.type === 'if_statement' || owner.type === 'while_statement' || owner.type === 'do_statement' || owner.type === 'switch_statement') &&
    owner.childForFieldName('condition')?.id === node.id
  );
}

function conditionUse(owner: SyntaxNode, negated: boolean): CallResultUse {
  return { kind: 'condition', negated, statement: owner.startIndex };
}

/** `NTSTATUS` of `NTSTATUS Foo(...)`, `PVOID *` of `PVOID *Foo(...)`. */
function returnTypeOf(definition: SyntaxNode): string | undefined {
  const type = definition.childForFieldName('type');
  if (!type) return undefined;
  const { pointer } = innerDeclarator(definition.childForFieldName('declarator'));
  return fold(type.text) + (pointer ? ' *' : '');
}

/** `NAME(args);` at file scope: how WDF declaration macros are written. */
function readMacroCall(statement: SyntaxNode, spanOf: (n: SyntaxNode) => Span): MacroCallFact | undefined {
  const call = named(statement)[0];
  if (!call || call.type !== 'call_expression') return undefined;
  const fn = call.childForFieldName('function');
  if (!fn || fn.type !== 'identifier') return undefined;
  const argList = call.childForFieldName('arguments');
  const args = (argList ? named(argList) : []).map((a) => fold(a.text));
  return { name: fn.text, args, span: spanOf(call) };
}
