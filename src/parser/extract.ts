/**
 * Reads one source file into plain syntax facts. The tree-sitter tree is walked once and
 * freed before this returns; nothing that refers to it escapes.
 */
import type { Node, Parser as ParserType, Tree } from 'web-tree-sitter';
import { Parser } from 'web-tree-sitter';
import { LineIndex, type DecodedSource } from '../source/decode.js';
import { blankMacros, sectionOfMacro, type ConditionalRegion, type PragmaFact, type RemovedAnnotation, type SehMacro } from './blank-macros.js';
import { readFlow, typeFacts } from './extract-flow.js';
import type {
  AnnotationFact,
  AssignmentFact,
  CallFact,
  FileFacts,
  FunctionFact,
  Initializer,
  ParameterFact,
  PrototypeFact,
  Span,
  TypedDeclarationFact,
  VariableFact,
} from './facts.js';
import { languageForPath, loadLanguages, type LanguageName } from './languages.js';

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
}

export class ParseTimeoutError extends Error {}

export async function extractFileFacts(path: string, source: DecodedSource, options: ParseOptions = {}): Promise<FileFacts> {
  const kind = languageForPath(path) ?? 'c';
  const blanked = blankMacros(source.text, { isC: kind === 'c' });
  let language: LanguageName = kind === 'header' ? 'c' : kind;
  let tree = await parse(language, blanked.text, options);
  if (kind === 'header' && tree.rootNode.hasError) {
    // Headers are shared by C and C++ units; a header C cannot read is usually C++.
    const cppTree = await parse('cpp', blanked.text, options);
    if (countErrors(cppTree.rootNode) < countErrors(tree.rootNode)) {
      tree.delete();
      tree = cppTree;
      language = 'cpp';
    } else {
      cppTree.delete();
    }
  }
  try {
    const walker = new FileWalker(new LineIndex(source.text), blanked.annotations, blanked.pragmas, blanked.regions, blanked.sehMacros ?? []);
    walker.walkFile(tree.rootNode);
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
      errorCount: countErrors(tree.rootNode),
      ...typeFacts(tree.rootNode),
      warningSuppressions: (blanked.warningSuppressions ?? []).map((w) => ({ line: walker.lines.position(w.offset).line, codes: w.codes })),
    };
  } finally {
    tree.delete();
  }
}

async function parse(language: LanguageName, text: string, options: ParseOptions): Promise<Tree> {
  const parser = await parserFor(language);
  const deadline = options.timeoutMs === undefined ? undefined : performance.now() + options.timeoutMs;
  const tree = parser.parse(text, null, deadline === undefined ? undefined : { progressCallback: () => performance.now() > deadline });
  if (!tree) {
    parser.reset();
    throw new ParseTimeoutError(`parsing took longer than ${options.timeoutMs} ms`);
  }
  return tree;
}

function countErrors(root: Node): number {
  if (!root.hasError) return 0;
  return root.descendantsOfType(['ERROR']).length + (root.isMissing ? 1 : 0) || 1;
}

const fold = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** The expression with casts, `&`, and parentheses taken off: what a value is. */
function coreOf(node: Node): Node {
  let current = node;
  for (;;) {
    if (current.type === 'cast_expression') {
      const value = current.childForFieldName('value');
      if (!value) return current;
      current = value;
    } else if (current.type === 'parenthesized_expression') {
      const inner = current.namedChildren.find((c) => c && c.type !== 'comment');
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

/** Descends pointer, reference and parenthesized declarators to the one that names the thing. */
function innerDeclarator(node: Node | null): { name: Node | null; fn: Node | null; pointer: boolean; array: boolean } {
  let current = node;
  let pointer = false;
  let array = false;
  let fn: Node | null = null;
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
        current = current.childForFieldName('declarator') ?? current.namedChildren.find((c) => c?.type !== 'comment') ?? null;
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
  private readonly sectionAt: (offset: number) => { name: string; offset: number } | undefined;

  constructor(
    readonly lines: LineIndex,
    private readonly removed: readonly RemovedAnnotation[],
    pragmas: readonly PragmaFact[],
    private readonly regions: readonly ConditionalRegion[],
    private readonly sehMacros: readonly SehMacro[] = [],
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
    return { start: this.lines.position(start), end: this.lines.position(end) };
  }

  nodeSpan(node: Node): Span {
    return this.spanOf(node.startIndex, node.endIndex);
  }

  /** Walks file-scope nodes iteratively: generated headers can nest thousands deep. */
  walkFile(root: Node): void {
    const stack: { node: Node; className?: string }[] = [{ node: root }];
    while (stack.length > 0) {
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
    this.functions.sort((a, b) => a.span.start.offset - b.span.start.offset);
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
  private annotationWindowStart(node: Node): number {
    const prev = node.previousSibling;
    return prev ? prev.endIndex : (node.parent?.startIndex ?? 0);
  }

  private readFunction(node: Node, className: string | undefined): void {
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
    this.functions.push({
      name,
      qualifiedName,
      ...(owner ? { className: owner } : {}),
      isStatic: node.children.some((c) => c?.type === 'storage_class_specifier' && c.text === 'static'),
      nameSpan: this.nodeSpan(unqualified(nameNode)),
      span: this.nodeSpan(node),
      params: this.readParameters(fn),
      annotations,
      ...(section ? { section } : {}),
      ...(pagedCall && pagedCall.callee === 'PAGED_CODE' ? { pagedCode: pagedCall.span } : {}),
      calls: bodyFacts.calls,
      assignments: bodyFacts.assignments,
      locals: bodyFacts.locals,
      returns: bodyFacts.returns,
      ...(conditions.length > 0 ? { conditions } : {}),
      flow: readFlow(body, fn, this.sehMacros, (start, end) => this.spanOf(start, end)),
    });
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

  private readParameters(fn: Node): ParameterFact[] {
    const list = fn.childForFieldName('parameters');
    if (!list) return [];
    const params: ParameterFact[] = [];
    for (const p of list.namedChildren) {
      if (!p || (p.type !== 'parameter_declaration' && p.type !== 'optional_parameter_declaration')) continue;
      const { name } = innerDeclarator(p.childForFieldName('declarator'));
      const type = p.childForFieldName('type')?.text ?? '';
      params.push({ name: name && name.type === 'identifier' ? name.text : '', type: fold(type) });
    }
    return params;
  }

  private readFileDeclaration(node: Node): void {
    const typeNode = node.childForFieldName('type');
    const typeText = typeNode ? fold(typeNode.text) : '';
    for (const declarator of node.childrenForFieldName('declarator')) {
      if (!declarator) continue;
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
  private readMemberDeclaration(node: Node, className: string): void {
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

  private readVariable(type: string, declarator: Node, inner: ReturnType<typeof innerDeclarator>): VariableFact {
    const value = declarator.type === 'init_declarator' ? declarator.childForFieldName('value') : null;
    const init = value ? this.readInitializer(value) : undefined;
    const valueCore = value ? coreOf(value) : null;
    return {
      name: inner.name ? lastName(inner.name.text) : '',
      type,
      pointer: inner.pointer,
      array: inner.array,
      ...(init ? { init } : {}),
      ...(valueCore?.type === 'call_expression' ? { initCall: calleeName(valueCore) } : {}),
      span: this.nodeSpan(declarator),
    };
  }

  private readInitializer(node: Node): Initializer {
    const span = this.nodeSpan(node);
    if (node.type === 'initializer_list') {
      const items: Initializer[] = [];
      for (const child of node.namedChildren) {
        if (child && child.type !== 'comment') items.push(this.readInitializer(child));
      }
      return { kind: 'list', items, span };
    }
    if (node.type === 'initializer_pair') {
      const designator = node.childForFieldName('designator');
      const value = node.childForFieldName('value');
      const field = designator ? designator.text.replace(/^[.[]|]$/g, '').trim() : '';
      if (value) return { kind: 'designated', field, value: this.readInitializer(value), span };
    }
    return { kind: 'expr', text: fold(node.text), core: fold(coreOf(node).text), span };
  }

  /** One pass over a function body, iterative so deeply nested expressions cannot overflow. */
  private readBody(body: Node): BodyFacts {
    const facts: BodyFacts = { calls: [], assignments: [], locals: [], returns: [] };
    const stack: BodyFrame[] = [{ node: body, conditional: false, guards: [], scopeEnd: body.endIndex }];
    while (stack.length > 0) {
      const frame = stack.pop()!;
      const { node } = frame;
      switch (node.type) {
        case 'call_expression':
          facts.calls.push(this.readCall(node, frame));
          break;
        case 'assignment_expression':
          facts.assignments.push(this.readAssignment(node));
          break;
        case 'return_statement': {
          const value = node.namedChildren.find((c) => c && c.type !== 'comment');
          facts.returns.push(value ? fold(value.text) : '');
          break;
        }
        case 'declaration': {
          const type = fold(node.childForFieldName('type')?.text ?? '');
          for (const declarator of node.childrenForFieldName('declarator')) {
            if (!declarator) continue;
            const inner = innerDeclarator(declarator);
            if (inner.name && !inner.fn) facts.locals.push(this.readVariable(type, declarator, inner));
          }
          break;
        }
        default:
          break;
      }
      pushBodyChildren(stack, frame);
    }
    facts.calls.sort((a, b) => a.span.start.offset - b.span.start.offset);
    facts.assignments.sort((a, b) => a.span.start.offset - b.span.start.offset);
    facts.locals.sort((a, b) => a.span.start.offset - b.span.start.offset);
    return facts;
  }

  private readCall(node: Node, frame: BodyFrame): CallFact {
    const fnNode = node.childForFieldName('function');
    const argList = node.childForFieldName('arguments');
    const args: string[] = [];
    const argCores: string[] = [];
    for (const a of argList?.namedChildren ?? []) {
      if (!a || a.type === 'comment') continue;
      args.push(fold(a.text));
      argCores.push(fold(coreOf(a).text));
    }
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
    return {
      callee,
      calleeKind,
      ...(receiver !== undefined ? { receiver } : {}),
      args,
      argCores,
      span: this.nodeSpan(node),
      conditional: frame.conditional,
      guards: frame.guards,
      scopeEnd: frame.scopeEnd,
    };
  }

  private readAssignment(node: Node): AssignmentFact {
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
        base = base.namedChildren.filter((c) => c && c.type !== 'comment').at(-1) ?? null;
      } else {
        break;
      }
    }
    const rightCore = right ? coreOf(right) : null;
    return {
      lhs: fold(left?.text ?? ''),
      lhsBase: base ? (base.type === 'call_expression' ? `${calleeName(base)}()` : fold(base.text)) : '',
      lhsPath: path,
      operator: node.childForFieldName('operator')?.text ?? '=',
      rhs: fold(right?.text ?? ''),
      rhsCore: fold(rightCore?.text ?? ''),
      ...(rightCore?.type === 'call_expression' ? { rhsCall: calleeName(rightCore) } : {}),
      span: this.nodeSpan(node),
    };
  }
}

interface BodyFrame {
  readonly node: Node;
  readonly conditional: boolean;
  /** Conditions of the enclosing `if`s and `?:`s, innermost last. */
  readonly guards: readonly string[];
  /** End offset of the innermost enclosing block. */
  readonly scopeEnd: number;
}

/**
 * Pushes a node's children with what they inherit: a branch of an `if` is conditional and
 * guarded by its condition; a block bounds the scope of what is acquired inside it.
 */
function pushBodyChildren(stack: BodyFrame[], frame: BodyFrame): void {
  const { node } = frame;
  const children = node.children;
  const branchy = BRANCHING.has(node.type);
  const condition = branchy ? node.childForFieldName('condition') : null;
  const guardText = condition && (node.type === 'if_statement' || node.type === 'conditional_expression') ? fold(condition.text) : undefined;
  for (let i = children.length - 1; i >= 0; i--) {
    const child = children[i];
    if (!child || child.type === 'comment') continue;
    const isCondition = condition !== null && condition.id === child.id;
    const inBranch = branchy && !isCondition;
    let scopeEnd = frame.scopeEnd;
    if (node.type === 'compound_statement') scopeEnd = node.endIndex;
    else if (inBranch && child.type !== 'compound_statement') scopeEnd = child.endIndex;
    stack.push({
      node: child,
      conditional: frame.conditional || inBranch,
      guards: inBranch && guardText !== undefined ? [...frame.guards, guardText] : frame.guards,
      scopeEnd,
    });
  }
}

const BRANCHING = new Set([
  'if_statement', 'else_clause', 'while_statement', 'for_statement', 'do_statement', 'switch_statement',
  'case_statement', 'conditional_expression', 'for_range_loop',
]);

function pushChildren(stack: { node: Node; className?: string }[], node: Node, className: string | undefined): void {
  const children = node.namedChildren;
  for (let i = children.length - 1; i >= 0; i--) {
    const child = children[i];
    if (child) stack.push(className === undefined ? { node: child } : { node: child, className });
  }
}

/** `Method` of `Class::Method` (possibly split across lines), where the finding should point. */
function unqualified(node: Node): Node {
  let current = node;
  while (current.type === 'qualified_identifier') {
    const name = current.childForFieldName('name');
    if (!name) break;
    current = name;
  }
  return current;
}

function calleeName(call: Node): string {
  const fn = call.childForFieldName('function');
  if (!fn) return '';
  if (fn.type === 'field_expression') return fn.childForFieldName('field')?.text ?? '';
  return fold(fn.text).replace(/\s+/g, '');
}

function lastName(text: string): string {
  const parts = text.split('::');
  return parts.at(-1)!.trim();
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
