/**
 * Reads the control-flow skeleton of a function body (statements, branches, loops, jumps,
 * structured exception handling) and its casts, as plain facts. The model builds a control
 * flow graph from the skeleton and places the function's calls and assignments in it by offset.
 *
 * What is not read faithfully makes the skeleton absent, never approximate: a body with syntax
 * errors, a C++ `try`/`catch`, a `case` label outside its `switch` block. Rules that need flow
 * stay silent on such functions.
 */
import type { Mutable } from '../mutable.js';
import type { SehMacro } from './blank-macros.js';
import type { FlatTree, SyntaxNode } from './flat-tree.js';
import type { CastFact, FieldDeclarationFact, FlowCase, FlowExpression, FlowStatement, FunctionFlowFacts, Span } from './facts.js';
import { fold } from './text.js';


class Unreadable extends Error {}

/**
 * The flow facts of a function. With `lazy`, the statement skeleton (`body` or `unreadable`) is
 * read the first time it is asked for, from the flat tree, which the facts then keep: rules ask
 * for it on a few functions in twenty, and it is a large part of reading a body.
 */
export function readFlow(
  body: SyntaxNode,
  declarator: SyntaxNode,
  sehMacros: readonly SehMacro[],
  spanOf: (start: number, end: number) => Span,
  lazy = false,
): FunctionFlowFacts {
  const paramPointers = parameterPointers(declarator);
  const casts = readCasts(body, spanOf);
  if (body.hasError) return { unreadable: 'the body has syntax errors', paramPointers, casts };
  if (!lazy) return { ...readSkeleton(body, sehMacros, spanOf), paramPointers, casts };
  // Both keys, in the order an eager read writes them. The first read of either settles both;
  // the one that does not apply is then deleted, as an eager read would not have written it.
  const facts = { body: undefined, unreadable: undefined, paramPointers, casts } as Mutable<FunctionFlowFacts>;
  const settle = (): void => {
    const skeleton = readSkeletonOnDemand(body, sehMacros, spanOf);
    for (const key of ['body', 'unreadable'] as const) {
      if (skeleton[key] === undefined) delete facts[key];
      else Object.defineProperty(facts, key, { value: skeleton[key], configurable: true, enumerable: true, writable: true });
    }
  };
  for (const key of ['body', 'unreadable'] as const) {
    Object.defineProperty(facts, key, {
      configurable: true,
      enumerable: true,
      get() {
        settle();
        return facts[key];
      },
    });
  }
  return facts;
}

/**
 * A skeleton read on demand, under a rule: an error other than an unreadable body is reported
 * on the function (its skeleton absent, rules silent on it) rather than ending the rule for
 * the whole unit, as it ends the reading of the file when the skeleton is read at once.
 */
function readSkeletonOnDemand(body: SyntaxNode, sehMacros: readonly SehMacro[], spanOf: (start: number, end: number) => Span): Pick<FunctionFlowFacts, 'body' | 'unreadable'> {
  try {
    return readSkeleton(body, sehMacros, spanOf);
  } catch (error) {
    return { unreadable: `internal error while reading the body: ${(error as Error).message}` };
  }
}

function readSkeleton(body: SyntaxNode, sehMacros: readonly SehMacro[], spanOf: (start: number, end: number) => Span): Pick<FunctionFlowFacts, 'body' | 'unreadable'> {
  const macros = sehMacros.filter((m) => m.offset >= body.startIndex && m.end <= body.endIndex);
  try {
    return { body: new FlowReader(macros, spanOf).statement(body) };
  } catch (error) {
    // RangeError: the stack ran out before MAX_SKELETON_DEPTH; the limit keeps that rare, and
    // keeps the answer the same whether the skeleton is read at once or under a rule.
    if (error instanceof Unreadable || error instanceof RangeError) {
      return { unreadable: error instanceof Unreadable ? error.message : TOO_DEEP };
    }
    throw error;
  }
}

/** Statements nested deeper than this make a body unreadable: a fixed limit, not the stack's. */
const MAX_SKELETON_DEPTH = 500;
const TOO_DEEP = 'the body nests too deeply';

/**
 * Makes `key` of `target` computed on first read and then an ordinary property, keeping its
 * place among the keys: serialized facts look the same either way.
 */
export function lazyProperty<T extends object, K extends keyof T>(target: T, key: K, compute: () => T[K]): void {
  Object.defineProperty(target, key, {
    configurable: true,
    enumerable: true,
    get() {
      const value = compute();
      Object.defineProperty(target, key, { value, configurable: true, enumerable: true, writable: true });
      return value;
    },
  });
}

class FlowReader {
  constructor(
    private readonly seh: readonly SehMacro[],
    private readonly spanOf: (start: number, end: number) => Span,
  ) {}

  private expression(node: SyntaxNode): FlowExpression {
    return { text: fold(node.text), span: this.spanOf(node.startIndex, node.endIndex) };
  }

  private jump(jump: Extract<FlowStatement, { kind: 'jump' }>['jump'], start: number, end: number, extra: { target?: string; value?: string } = {}): FlowStatement {
    return { kind: 'jump', jump, span: this.spanOf(start, end), ...extra };
  }

  private depth = 0;

  statement(node: SyntaxNode): FlowStatement {
    if (this.depth >= MAX_SKELETON_DEPTH) throw new Unreadable(TOO_DEEP);
    this.depth++;
    try {
      return this.statementAt(node);
    } finally {
      this.depth--;
    }
  }

  private statementAt(node: SyntaxNode): FlowStatement {
    switch (node.type) {
      case 'compound_statement':
        return { kind: 'block', items: this.sequence(named(node)) };
      case 'if_statement': {
        const alternative = node.childForFieldName('alternative');
        const elseBody = alternative ? named(alternative).at(-1) : undefined;
        return {
          kind: 'if',
          cond: this.condition(node),
          then: this.child(node, 'consequence'),
          ...(elseBody ? { else: this.statement(elseBody) } : {}),
        };
      }
      case 'while_statement':
        return { kind: 'while', cond: this.condition(node), body: this.child(node, 'body') };
      case 'do_statement':
        return { kind: 'do', cond: this.condition(node), body: this.child(node, 'body') };
      case 'for_statement': {
        const init = node.childForFieldName('initializer');
        const cond = node.childForFieldName('condition');
        const update = node.childForFieldName('update');
        return {
          kind: 'for',
          ...(init ? { init: simple(init) } : {}),
          ...(cond ? { cond: this.expression(cond) } : {}),
          ...(update ? { update: simple(update) } : {}),
          body: this.child(node, 'body'),
        };
      }
      case 'for_range_loop': {
        const right = node.childForFieldName('right');
        return { kind: 'while', cond: right ? this.expression(right) : { text: '', span: this.spanOf(node.startIndex, node.startIndex) }, body: this.child(node, 'body') };
      }
      case 'switch_statement':
        return { kind: 'switch', cond: this.condition(node), cases: this.cases(node) };
      case 'case_statement':
        // Labels are read with their switch; one met here sits inside a nested block.
        throw new Unreadable('a case label nested inside a block of its switch');
      case 'labeled_statement': {
        const label = node.childForFieldName('label')?.text ?? '';
        const inner = named(node).filter((c) => c.type !== 'statement_identifier').at(-1);
        return { kind: 'label', name: label, body: inner ? this.statement(inner) : { kind: 'block', items: [] } };
      }
      case 'return_statement': {
        const value = named(node)[0];
        return this.jump('return', node.startIndex, node.endIndex, value ? { value: fold(value.text) } : {});
      }
      case 'break_statement':
        return this.jump('break', node.startIndex, node.endIndex);
      case 'continue_statement':
        return this.jump('continue', node.startIndex, node.endIndex);
      case 'goto_statement':
        return this.jump('goto', node.startIndex, node.endIndex, { target: node.childForFieldName('label')?.text ?? '' });
      case 'seh_leave_statement':
        return this.jump('leave', node.startIndex, node.endIndex);
      case 'throw_statement':
        return this.jump('throw', node.startIndex, node.endIndex);
      case 'seh_try_statement': {
        const handler = named(node).find((c) => c.type === 'seh_except_clause' || c.type === 'seh_finally_clause');
        const handlerBody = handler?.childForFieldName('body');
        if (!handler || !handlerBody) throw new Unreadable('a __try without its handler');
        const filter = handler.childForFieldName('filter');
        return {
          kind: 'try',
          handler: handler.type === 'seh_except_clause' ? 'except' : 'finally',
          body: this.child(node, 'body'),
          ...(filter ? { filter: this.expression(filter) } : {}),
          handlerBody: this.statement(handlerBody),
        };
      }
      case 'try_statement':
        throw new Unreadable('C++ exception handling');
      case 'expression_statement':
        return this.expressionStatement(node);
      default:
        return simple(node);
    }
  }

  private child(node: SyntaxNode, field: string): FlowStatement {
    const c = node.childForFieldName(field);
    return c ? this.statement(c) : { kind: 'block', items: [] };
  }

  private condition(node: SyntaxNode): FlowExpression {
    const c = node.childForFieldName('condition');
    if (!c) return { text: '', span: this.spanOf(node.startIndex, node.startIndex) };
    return this.expression(c.type === 'parenthesized_expression' || c.type === 'condition_clause' ? (named(c)[0] ?? c) : c);
  }

  /**
   * The items of a block. In C file systems `try {…} finally {…}` reads as two plain blocks
   * once the macros are blanked; the recorded macro positions pair them up again.
   */
  private sequence(items: readonly SyntaxNode[]): FlowStatement[] {
    const out: FlowStatement[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const before = i > 0 ? items[i - 1]!.endIndex : -1;
      const macro = this.macroBefore(before, item.startIndex);
      if (macro?.word === 'try' && item.type === 'compound_statement') {
        const next = items[i + 1];
        const handler = next ? this.macroBefore(item.endIndex, next.startIndex) : undefined;
        if (!next || next.type !== 'compound_statement' || (handler?.word !== 'except' && handler?.word !== 'finally')) {
          throw new Unreadable('a try macro without its handler');
        }
        const filterText = handler.word === 'except' ? '' : undefined;
        out.push({
          kind: 'try',
          handler: handler.word,
          body: this.statement(item),
          ...(filterText !== undefined ? { filter: { text: filterText, span: this.spanOf(handler.offset, handler.end) } } : {}),
          handlerBody: this.statement(next),
        });
        i++;
        continue;
      }
      if (macro?.word === 'leave' && item.type === 'expression_statement' && named(item).length === 0) {
        out.push(this.jump('leave', macro.offset, item.endIndex));
        continue;
      }
      out.push(this.statement(item));
    }
    return out;
  }

  private macroBefore(from: number, to: number): SehMacro | undefined {
    return this.seh.find((m) => m.offset > from && m.end <= to);
  }

  /** File systems jump out of `try` bodies through `try_return(S)` and `try_leave(S)` macros. */
  private expressionStatement(node: SyntaxNode): FlowStatement {
    const expr = named(node)[0];
    const fn = expr?.type === 'call_expression' ? expr.childForFieldName('function') : null;
    if (fn?.type === 'identifier' && fn.text === 'try_return') {
      return this.jump('goto', node.startIndex, node.endIndex, { target: 'try_exit' });
    }
    if (fn?.type === 'identifier' && fn.text === 'try_leave') {
      return this.jump('leave', node.startIndex, node.endIndex);
    }
    return simple(node);
  }

  private cases(node: SyntaxNode): FlowCase[] {
    const body = node.childForFieldName('body');
    if (!body) return [];
    if (body.type !== 'compound_statement') throw new Unreadable('a switch without a block');
    const cases: FlowCase[] = [];
    for (const item of named(body)) {
      if (item.type !== 'case_statement') {
        // Statements before the first label never run; anything else is not a plain switch.
        if (cases.length > 0) throw new Unreadable('a statement between case labels outside any case');
        continue;
      }
      const value = item.childForFieldName('value');
      const statements = named(item).filter((c) => c.id !== value?.id);
      cases.push({ ...(value ? { value: fold(value.text) } : {}), span: this.spanOf(item.startIndex, value ? value.endIndex : item.startIndex + 7), body: this.sequence(statements) });
    }
    return cases;
  }
}

/** A node's named children, comments left out. */
export function named(node: SyntaxNode): SyntaxNode[] {
  // One loop over the flat tree: extraction asks this of most nodes it reads.
  const tree = node.tree;
  const out: SyntaxNode[] = [];
  for (let c = tree.firstChild(node.id); c >= 0; c = tree.nextSiblings[c]!) {
    if (tree.isNamed(c) && tree.typeName(c) !== 'comment') out.push(tree.node(c));
  }
  return out;
}

function simple(node: SyntaxNode): FlowStatement {
  return { kind: 'simple', start: node.startIndex, end: node.endIndex };
}

/** Whether each parameter is declared with a pointer (or array) declarator. */
function parameterPointers(declarator: SyntaxNode): boolean[] {
  const list = declarator.childForFieldName('parameters');
  if (!list) return [];
  const out: boolean[] = [];
  for (const p of named(list)) {
    if (p.type !== 'parameter_declaration' && p.type !== 'optional_parameter_declaration') continue;
    let d = p.childForFieldName('declarator');
    let pointer = false;
    while (d) {
      if (/pointer_declarator|array_declarator|reference_declarator/.test(d.type)) pointer = true;
      d = d.childForFieldName('declarator');
    }
    out.push(pointer);
  }
  return out;
}

/**
 * A cast as tree-sitter may read it when it cannot know a name is a type: `(DWORD)(&x)` reads as
 * a call of `(DWORD)`, `(DWORD)&x` as a bitwise and. Returns the type name and the value.
 */
function pseudoCast(node: SyntaxNode): { type: string; value: SyntaxNode | null; addressOf: boolean } | undefined {
  if (node.type === 'call_expression') {
    const type = parenthesizedName(node.childForFieldName('function'));
    // Most calls are not pseudo-casts: their arguments are not read unless the callee is `(X)`.
    const args = type ? node.childForFieldName('arguments') : null;
    const values = args ? named(args) : [];
    if (type && values.length === 1) return { type, value: values[0]!, addressOf: false };
  }
  if (node.type === 'binary_expression' && node.childForFieldName('operator')?.text === '&') {
    const type = parenthesizedName(node.childForFieldName('left'));
    if (type) return { type, value: node.childForFieldName('right'), addressOf: true };
  }
  return undefined;
}

/** `X` of `(X)`: what a pseudo-cast's type looks like. */
function parenthesizedName(n: SyntaxNode | null): string | undefined {
  if (n?.type !== 'parenthesized_expression') return undefined;
  const inner = named(n);
  return inner.length === 1 && inner[0]!.type === 'identifier' ? inner[0]!.text : undefined;
}

function castOf(node: SyntaxNode): { type: string; value: SyntaxNode | null; addressOf: boolean } | undefined {
  if (node.type === 'cast_expression') {
    const type = node.childForFieldName('type');
    return type ? { type: fold(type.text), value: node.childForFieldName('value'), addressOf: false } : undefined;
  }
  return pseudoCast(node);
}

/** Node types a cast can have: see castOf. */
const CAST_SHAPES = ['cast_expression', 'call_expression', 'binary_expression'];

/** Nodes of the given types under `node`, in document order: one scan of the flat tree. */
function descendantsOfTypes(node: SyntaxNode, types: readonly string[]): SyntaxNode[] {
  return node.tree.descendantsOfTypes(node.id, types).map((i) => node.tree.node(i));
}

/** The outermost cast of each chain of casts in the body. */
function readCasts(body: SyntaxNode, spanOf: (start: number, end: number) => Span): CastFact[] {
  const casts: CastFact[] = [];
  for (const node of descendantsOfTypes(body, CAST_SHAPES)) {
    const outer = castOf(node);
    if (!outer || isInsideCast(node)) continue;
    const innerCasts: string[] = [];
    let addressOf = outer.addressOf;
    let value = unparen(outer.value);
    for (let inner = value ? castOf(value) : undefined; inner && !addressOf; inner = value ? castOf(value) : undefined) {
      innerCasts.push(inner.type);
      addressOf = inner.addressOf;
      value = unparen(inner.value);
    }
    if (!value) continue;
    addressOf ||= value.type === 'pointer_expression' && value.child(0)?.type === '&';
    const callee = value.type === 'call_expression' ? value.childForFieldName('function') : null;
    const argumentOf = enclosingCallee(node, body);
    const cast: Mutable<CastFact> = {
      type: outer.type,
      innerCasts,
      operand: fold(value.text),
      operandKind: addressOf ? 'address_of' : value.type,
      span: spanOf(node.startIndex, node.endIndex),
    };
    if (callee) cast.operandCall = fold(callee.type === 'field_expression' ? (callee.childForFieldName('field')?.text ?? '') : callee.text);
    if (argumentOf) cast.argumentOf = argumentOf;
    casts.push(cast);
  }
  return casts;
}

function unparen(node: SyntaxNode | null): SyntaxNode | null {
  let current = node;
  while (current?.type === 'parenthesized_expression') current = named(current)[0] ?? null;
  return current;
}

/** The cast is the value of another cast (through parentheses): the outer one describes the chain. */
function isInsideCast(node: SyntaxNode): boolean {
  let parent = node.parent;
  while (parent?.type === 'parenthesized_expression') parent = parent.parent;
  if (parent?.type === 'argument_list') parent = parent.parent;
  if (!parent) return false;
  const outer = castOf(parent);
  return outer !== undefined && outer.value !== null;
}

function enclosingCallee(node: SyntaxNode, stop: SyntaxNode): string | undefined {
  for (let current = node.parent; current && current.id !== stop.id; current = current.parent) {
    if (/statement$/.test(current.type)) return undefined;
    if (current.type === 'argument_list') {
      const fn = current.parent?.childForFieldName('function');
      if (!fn) return undefined;
      return fold(fn.type === 'field_expression' ? (fn.childForFieldName('field')?.text ?? '') : fn.text);
    }
  }
  return undefined;
}

const TYPE_DECLARATIONS = ['type_definition', 'field_declaration'];

/** What the file declares about types: its pointer typedefs and the fields of its structures, in one pass. */
export function typeFacts(tree: FlatTree): { pointerTypedefs: string[]; fieldDeclarations: FieldDeclarationFact[] } {
  const nodes = descendantsOfTypes(tree.root, TYPE_DECLARATIONS);
  return {
    pointerTypedefs: pointerTypedefs(nodes.filter((n) => n.type === 'type_definition')),
    fieldDeclarations: fieldDeclarations(nodes.filter((n) => n.type === 'field_declaration')),
  };
}

/** `PCTX` of `typedef struct _CTX {…} CTX, *PCTX;`, `PTAG` of `typedef VOID *PTAG;`. */
function pointerTypedefs(defs: readonly SyntaxNode[]): string[] {
  const names: string[] = [];
  for (const def of defs) {
    for (const d of def.childrenForFieldName('declarator')) {
      if (d.type !== 'pointer_declarator') continue;
      let inner: SyntaxNode | null = d;
      while (inner && inner.type === 'pointer_declarator') inner = inner.childForFieldName('declarator');
      if (inner?.type === 'type_identifier') names.push(inner.text);
    }
  }
  return names;
}

/** The fields of every structure and union the file defines. */
function fieldDeclarations(fields: readonly SyntaxNode[]): FieldDeclarationFact[] {
  const out: FieldDeclarationFact[] = [];
  const ownersOf = new Map<number, string[]>();
  for (const field of fields) {
    const struct = field.parent?.parent;
    if (!struct) continue;
    let owners = ownersOf.get(struct.id);
    if (!owners) {
      owners = structNames(struct);
      ownersOf.set(struct.id, owners);
    }
    const type = fold(field.childForFieldName('type')?.text ?? '');
    for (const d of field.childrenForFieldName('declarator')) {
      let inner: SyntaxNode | null = d;
      let pointer = false;
      while (inner && inner.type !== 'field_identifier') {
        if (/pointer_declarator|array_declarator/.test(inner.type)) pointer = true;
        if (inner.type === 'function_declarator') break;
        inner = inner.childForFieldName('declarator');
      }
      if (inner?.type === 'field_identifier') out.push({ name: inner.text, type, pointer, owners });
    }
  }
  return out;
}

/** `_CTX`, `CTX`, `*PCTX` of `typedef struct _CTX {…} CTX, *PCTX;`. */
function structNames(struct: SyntaxNode): string[] {
  const names: string[] = [];
  const tag = struct.childForFieldName('name');
  if (tag) names.push(tag.text);
  const def = struct.parent?.type === 'type_definition' ? struct.parent : null;
  for (const d of def?.childrenForFieldName('declarator') ?? []) {
    if (d.type === 'type_identifier') names.push(d.text);
    else if (d.type === 'pointer_declarator') {
      const inner = d.childForFieldName('declarator');
      if (inner?.type === 'type_identifier') names.push(`*${inner.text}`);
    }
  }
  return names;
}
