/**
 * The control-flow graph of one function, built from the parser's statement skeleton with the
 * function's calls, assignments and initialised declarations placed in it by offset, in the
 * order they are evaluated. Rules ask path questions of it: is there a path from the entry to
 * this call that passes no NULL check; does every path from this call to the exit close what
 * it opened; what is the least nesting of critical regions at this call.
 *
 * Where the skeleton is missing (syntax errors, C++ exceptions, a case label inside a nested
 * block, a goto to a label that is not there) there is no graph, and rules stay silent.
 */
import type { Mutable } from '../mutable.js';
import type { AssignmentFact, CallFact, FlowExpression, FlowStatement, Span, VariableFact } from '../parser/facts.js';
import { balanced, memoized, push } from './expressions.js';
import type { FunctionInfo } from './functions.js';

export type FlowNodeKind = 'entry' | 'exit' | 'join' | 'call' | 'assign' | 'declare' | 'branch' | 'return';

export interface FlowEdge {
  readonly to: number;
  /** The outcome of a branch node's condition this edge is taken on. */
  readonly branch?: boolean;
  /** For a `switch`: the case value, or null for `default` (and for no matching case). */
  readonly caseValue?: string | null;
  /** Taken when a call inside `__try` raises, to the `__except` handler. */
  readonly exceptional?: boolean;
}

export interface FlowNode {
  readonly id: number;
  readonly kind: FlowNodeKind;
  readonly call?: CallFact;
  readonly assignment?: AssignmentFact;
  readonly declaration?: VariableFact;
  /** The condition of a branch node (an `if`, a loop, `?:` is not one, a `switch` value). */
  readonly cond?: FlowExpression;
  readonly isSwitch?: boolean;
  /** The expression a return node returns. */
  readonly value?: string;
  readonly span?: Span;
  /** Innermost first: the `__try` statements (or `try` macros) the node is inside. */
  readonly tries: readonly ('except' | 'finally')[];
  readonly succ: FlowEdge[];
}

/** Calls after which control does not come back: bug checks and raised exceptions. */
const NO_RETURN = /^(?:KeBugCheck(?:Ex)?|ExRaiseStatus|RtlRaiseStatus|ExRaiseAccessViolation|ExRaiseDatatypeMisalignment|FsRtlRaiseStatus|[A-Z][a-z]{1,3}(?:RaiseStatus|NormalizeAndRaiseStatus|BugCheck)|__fastfail)$/;

function isNoReturnCall(callee: string): boolean {
  return NO_RETURN.test(callee);
}

type Event =
  | { readonly kind: 'call'; readonly start: number; readonly end: number; readonly call: CallFact }
  | { readonly kind: 'assign'; readonly start: number; readonly end: number; readonly assignment: AssignmentFact }
  | { readonly kind: 'declare'; readonly start: number; readonly end: number; readonly declaration: VariableFact };

const EVENT_ORDER = { call: 0, assign: 1, declare: 1 } as const;

class Unbuildable extends Error {}

/** Each function's graph is built once; a graph that cannot be built is remembered as null. */
const cache = new WeakMap<FunctionInfo, ControlFlow | null>();

export function controlFlow(fn: FunctionInfo): ControlFlow | undefined {
  return memoized(cache, fn, () => buildControlFlow(fn)) ?? undefined;
}

function buildControlFlow(fn: FunctionInfo): ControlFlow | null {
  const body = fn.fact.controlFlow?.body;
  if (!body) return null;
  try {
    return new ControlFlow(fn, body);
  } catch (error) {
    if (!(error instanceof Unbuildable)) throw error;
    return null;
  }
}

const MAX_NODES = 60_000;
/** States (node and facts) one path search may visit. */
const SEARCH_BUDGET = 200_000;

interface Context {
  readonly break?: number;
  readonly continue?: number;
  readonly leave?: number;
  /** Handler entry of the innermost enclosing `__except`. */
  readonly handler?: number;
  /** Enclosing `__finally` bodies, outermost first: a return runs them all on its way out. */
  readonly finallies: readonly { readonly body: FlowStatement; readonly context: Context }[];
  readonly tries: readonly ('except' | 'finally')[];
}

export class ControlFlow {
  readonly nodes: FlowNode[] = [];
  readonly entry = 0;
  readonly exit = 1;
  private readonly events: Event[];
  private readonly labels = new Map<string, { node: number; defined: boolean }>();
  private readonly byCall = new Map<CallFact, number[]>();
  /** What path searches learn and forget along each edge and node, read once per graph. */
  private pathFacts?: PathFacts;

  constructor(
    readonly fn: FunctionInfo,
    body: FlowStatement,
  ) {
    this.events = collectEvents(fn);
    const entry = this.add({ kind: 'entry', tries: [] });
    this.add({ kind: 'exit', tries: [] });
    const start = this.build(body, this.exit, { finallies: [], tries: [] });
    this.nodes[entry]!.succ.push({ to: start });
    for (const [name, label] of this.labels) {
      if (!label.defined) throw new Unbuildable(`goto ${name} without its label`);
    }
    for (const node of this.nodes) {
      if (node.call) push(this.byCall, node.call, node.id);
    }
  }

  /** The nodes of a call (more than one when a `__finally` body is copied onto each way out). */
  nodesOf(call: CallFact): readonly number[] {
    return this.byCall.get(call) ?? [];
  }

  node(id: number): FlowNode {
    return this.nodes[id]!;
  }

  /**
   * The shortest path from `from` (default: the entry) to a node accepted by `isTarget`,
   * through no node `blocks` accepts, over edges `follows` accepts. The start nodes are left
   * when the search begins, so a node can reach itself around a loop.
   *
   * Paths that contradict themselves are not paths: a branch on `!NT_SUCCESS(status)` taken
   * one way and a later branch on `NT_SUCCESS(status)` taken the incompatible way, with no write
   * to `status` between them, cannot both happen; nor can `if (p)` be taken after `p = NULL;`
   * (see `branchFacts` and `factsOfWrite`). A search that grows past its budget claims no path.
   */
  findPath(
    isTarget: (node: FlowNode) => boolean,
    options: {
      from?: readonly number[];
      /** The path must pass one of these first; `blocks` and `isTarget` count only after it. */
      through?: ReadonlySet<number>;
      blocks?: (node: FlowNode) => boolean;
      follows?: (from: FlowNode, edge: FlowEdge) => boolean;
    } = {},
  ): number[] | undefined {
    interface State {
      readonly id: number;
      readonly facts: KnownFacts;
      readonly passed: boolean;
      readonly prev: State | undefined;
    }
    const facts = (this.pathFacts ??= new PathFacts(this.nodes));
    // The fact sets already queued at each node, before (even slot) and after (odd) `through`.
    const seen: (Set<KnownFacts> | undefined)[] = [];
    const queue: State[] = [];
    const reach = (from: State, node: FlowNode, edgeIndex: number): void => {
      const edge = node.succ[edgeIndex]!;
      if (options.follows && !options.follows(node, edge)) return;
      const known = facts.along(from.facts, node.id, edgeIndex);
      if (known === null) return;
      const slot = edge.to * 2 + (from.passed ? 1 : 0);
      const states = (seen[slot] ??= new Set<KnownFacts>());
      if (states.has(known)) return;
      states.add(known);
      queue.push({ id: edge.to, facts: known, passed: from.passed, prev: from });
    };
    for (const start of options.from ?? [this.entry]) {
      const origin: State = { id: start, facts: facts.none, passed: !options.through, prev: undefined };
      const node = this.node(start);
      for (let e = 0; e < node.succ.length; e++) reach(origin, node, e);
    }
    for (let i = 0; i < queue.length; i++) {
      // Too many ways through to tell: no path is claimed.
      if (queue.length > SEARCH_BUDGET) return undefined;
      let state = queue[i]!;
      const node = this.node(state.id);
      if (state.passed && isTarget(node)) {
        const path: number[] = [];
        for (let cur: State | undefined = state; cur; cur = cur.prev) path.push(cur.id);
        path.reverse();
        return options.through ? path.slice(path.findIndex((id) => options.through!.has(id))) : path;
      }
      if (state.passed && options.blocks?.(node)) continue;
      if (!state.passed && options.through!.has(node.id)) state = { id: state.id, facts: state.facts, passed: true, prev: state.prev };
      const after = facts.after(state.facts, node);
      const here: State = after === state.facts ? state : { id: state.id, facts: after, passed: state.passed, prev: state.prev };
      for (let e = 0; e < node.succ.length; e++) reach(here, node, e);
    }
    return undefined;
  }

  /**
   * Whether some node `isTarget` accepts can be reached from `from` through no node `blocks`
   * accepts, whatever the branch conditions: a cheap over-approximation of `findPath`.
   */
  canReach(isTarget: (node: FlowNode) => boolean, from: readonly number[], blocks?: (node: FlowNode) => boolean): boolean {
    const seen = new Set<number>();
    const stack = [...from];
    while (stack.length > 0) {
      for (const e of this.node(stack.pop()!).succ) {
        if (seen.has(e.to)) continue;
        const node = this.node(e.to);
        if (isTarget(node)) return true;
        seen.add(e.to);
        if (!blocks?.(node)) stack.push(e.to);
      }
    }
    return false;
  }

  /** The nodes on some cycle through `id`: reachable from it, and reaching it again. */
  loopAround(id: number): Set<number> {
    const forward = new Set<number>();
    const stack = [id];
    while (stack.length > 0) {
      for (const e of this.node(stack.pop()!).succ) {
        if (!forward.has(e.to)) {
          forward.add(e.to);
          stack.push(e.to);
        }
      }
    }
    if (!forward.has(id)) return new Set();
    const preds = new Map<number, number[]>();
    for (const n of this.nodes) {
      for (const e of n.succ) push(preds, e.to, n.id);
    }
    const loop = new Set<number>([id]);
    const back = [id];
    while (back.length > 0) {
      for (const p of preds.get(back.pop()!) ?? []) {
        if (forward.has(p) && !loop.has(p)) {
          loop.add(p);
          back.push(p);
        }
      }
    }
    return loop;
  }

  /**
   * A forward data-flow solution: the state on entry to each node, joined over every path
   * that reaches it. `transfer` must be monotone and the states finite for this to end.
   */
  forward<T>(initial: T, transfer: (node: FlowNode, state: T) => T, join: (a: T, b: T) => T, equal: (a: T, b: T) => boolean): Map<number, T> {
    const before = new Map<number, T>([[this.entry, initial]]);
    const work = [this.entry];
    const queued = new Set(work);
    while (work.length > 0) {
      const id = work.pop()!;
      queued.delete(id);
      const node = this.node(id);
      const out = transfer(node, before.get(id)!);
      for (const edge of node.succ) {
        const old = before.get(edge.to);
        const next = old === undefined ? out : join(old, out);
        if (old !== undefined && equal(old, next)) continue;
        before.set(edge.to, next);
        if (!queued.has(edge.to)) {
          queued.add(edge.to);
          work.push(edge.to);
        }
      }
    }
    return before;
  }

  // ---- construction ----

  /** Adds a node made of `props`, which every caller writes as a fresh literal for it. */
  private add(props: Omit<FlowNode, 'id' | 'succ'>, succ: FlowEdge[] = []): number {
    if (this.nodes.length >= MAX_NODES) throw new Unbuildable('the graph is too large');
    // Completed in place rather than spread into a new literal, which V8 builds key by key.
    const node = props as Mutable<FlowNode>;
    node.id = this.nodes.length;
    node.succ = succ;
    this.nodes.push(node);
    return node.id;
  }

  private join(ctx: Context, succ: FlowEdge[] = []): number {
    return this.add({ kind: 'join', tries: ctx.tries }, succ);
  }

  private label(name: string): { node: number; defined: boolean } {
    let label = this.labels.get(name);
    if (!label) {
      label = { node: this.add({ kind: 'join', tries: [] }), defined: false };
      this.labels.set(name, label);
    }
    return label;
  }

  /** Chains the events inside [start, end) in front of `next`. */
  private events_(start: number, end: number, next: number, ctx: Context): number {
    const inside = eventsWithin(this.events, start, end);
    let cur = next;
    for (let i = inside.length - 1; i >= 0; i--) {
      const ev = inside[i]!;
      const succ: FlowEdge[] = [];
      if (ev.kind === 'call') {
        if (!isNoReturnCall(ev.call.callee)) succ.push({ to: cur });
        if (ctx.handler !== undefined) succ.push({ to: ctx.handler, exceptional: true });
        cur = this.add({ kind: 'call', call: ev.call, span: ev.call.span, tries: ctx.tries }, succ);
      } else if (ev.kind === 'assign') {
        cur = this.add({ kind: 'assign', assignment: ev.assignment, span: ev.assignment.span, tries: ctx.tries }, [{ to: cur }]);
      } else {
        cur = this.add({ kind: 'declare', declaration: ev.declaration, span: ev.declaration.span, tries: ctx.tries }, [{ to: cur }]);
      }
    }
    return cur;
  }

  private branch(cond: FlowExpression, onTrue: number, onFalse: number, ctx: Context): number {
    const constant = constantTruth(cond.text);
    const succ: FlowEdge[] = [];
    if (constant !== false) succ.push({ to: onTrue, branch: true });
    if (constant !== true) succ.push({ to: onFalse, branch: false });
    const node = this.add({ kind: 'branch', cond, span: cond.span, tries: ctx.tries }, succ);
    return this.events_(cond.span.startOffset, cond.span.endOffset, node, ctx);
  }

  private build(s: FlowStatement, next: number, ctx: Context): number {
    switch (s.kind) {
      case 'block': {
        let cur = next;
        for (let i = s.items.length - 1; i >= 0; i--) cur = this.build(s.items[i]!, cur, ctx);
        return cur;
      }
      case 'simple':
        return this.events_(s.start, s.end, next, ctx);
      case 'if': {
        const onTrue = this.build(s.then, next, ctx);
        const onFalse = s.else ? this.build(s.else, next, ctx) : next;
        return this.branch(s.cond, onTrue, onFalse, ctx);
      }
      case 'while': {
        const head = this.join(ctx);
        const body = this.build(s.body, head, { ...ctx, break: next, continue: head });
        this.node(head).succ.push({ to: this.branch(s.cond, body, next, ctx) });
        return head;
      }
      case 'do': {
        const test = this.join(ctx);
        const body = this.build(s.body, test, { ...ctx, break: next, continue: test });
        this.node(test).succ.push({ to: this.branch(s.cond, body, next, ctx) });
        return body;
      }
      case 'for': {
        const head = this.join(ctx);
        const update = s.update ? this.build(s.update, head, ctx) : head;
        const body = this.build(s.body, update, { ...ctx, break: next, continue: update });
        this.node(head).succ.push({ to: s.cond ? this.branch(s.cond, body, next, ctx) : body });
        return s.init ? this.build(s.init, head, ctx) : head;
      }
      case 'switch': {
        const inner: Context = { ...ctx, break: next };
        const starts: number[] = [];
        let fallthrough = next;
        for (let i = s.cases.length - 1; i >= 0; i--) {
          fallthrough = this.build({ kind: 'block', items: s.cases[i]!.body }, fallthrough, inner);
          starts[i] = fallthrough;
        }
        const succ: FlowEdge[] = s.cases.map((c, i) => ({ to: starts[i]!, caseValue: c.value ?? null }));
        if (!s.cases.some((c) => c.value === undefined)) succ.push({ to: next, caseValue: null });
        const node = this.add({ kind: 'branch', cond: s.cond, isSwitch: true, span: s.cond.span, tries: ctx.tries }, succ);
        return this.events_(s.cond.span.startOffset, s.cond.span.endOffset, node, ctx);
      }
      case 'label': {
        const label = this.label(s.name);
        if (label.defined) throw new Unbuildable(`label ${s.name} is built twice`);
        label.defined = true;
        this.node(label.node).succ.push({ to: this.build(s.body, next, ctx) });
        return label.node;
      }
      case 'jump':
        return this.events_(s.span.startOffset, s.span.endOffset, this.jump(s, ctx), ctx);
      case 'try': {
        if (s.handler === 'except') {
          const handler = this.build(s.handlerBody, next, ctx);
          return this.build(s.body, next, { ...ctx, leave: next, handler, tries: ['except', ...ctx.tries] });
        }
        const normal = this.build(s.handlerBody, next, ctx);
        return this.build(s.body, normal, {
          ...ctx,
          leave: normal,
          finallies: [...ctx.finallies, { body: s.handlerBody, context: ctx }],
          tries: ['finally', ...ctx.tries],
        });
      }
    }
  }

  private jump(s: Extract<FlowStatement, { kind: 'jump' }>, ctx: Context): number {
    const target = (to: number | undefined, what: string): number => {
      if (to === undefined) throw new Unbuildable(`${what} outside the statement it leaves`);
      return to;
    };
    switch (s.jump) {
      case 'return': {
        // The way out runs each enclosing __finally body, innermost first.
        let out = this.exit;
        for (const f of ctx.finallies) out = this.build(f.body, out, f.context);
        return this.add({ kind: 'return', span: s.span, tries: ctx.tries, ...(s.value !== undefined ? { value: s.value } : {}) }, [{ to: out }]);
      }
      case 'break':
        return this.join(ctx, [{ to: target(ctx.break, 'break') }]);
      case 'continue':
        return this.join(ctx, [{ to: target(ctx.continue, 'continue') }]);
      case 'leave':
        return this.join(ctx, [{ to: target(ctx.leave, '__leave') }]);
      case 'goto':
        return this.join(ctx, [{ to: this.label(s.target ?? '').node }]);
      case 'throw':
        return this.join(ctx);
    }
  }
}

/** What taking a branch says about a variable: `(status) == success` is known to be false. */
interface Fact {
  readonly key: string;
  readonly value: boolean;
  /** The variables the fact is about: a write to any of them forgets it. */
  readonly roots: readonly string[];
}
/**
 * The facts known on a path: one character for each fact some branch of the graph tests, in
 * the order of `PathFacts.keys`: '.' unknown, '0' known false, '1' known true. The same facts
 * make the same string, whatever order a path learned them in, so states compare cheaply.
 */
type KnownFacts = string;

const UNKNOWN = '.';

/** A fact as a search carries it: its place in the string, and its value. */
interface FactSlot {
  readonly index: number;
  readonly value: '0' | '1';
}

const PATH_TEXT = /^[A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)*$/;
const CONSTANT = /^(?:NULL|nullptr|0[xX]?[0-9a-fA-F]*[uUlL]*|[0-9]+[uUlL]*|[A-Z][A-Z0-9_]+|TRUE|FALSE|true|false)$/;
const TESTS = /^(NT_SUCCESS|NT_ERROR|NT_WARNING|NT_INFORMATION|FlagOn|BooleanFlagOn|IsListEmpty)\((.*)\)$/;

/**
 * A branch condition read as a fact about plain variables: `x`, `!x`, `x == CONSTANT`,
 * `x != NULL`, `NT_SUCCESS(x)`, `FlagOn(x, FLAG)`. Anything compound gives nothing.
 */
function conditionAtom(text: string): { key: string; positive: boolean; roots: string[] } | undefined {
  let t = text.replace(/\s+/g, '');
  let positive = true;
  for (;;) {
    if (/^\((.*)\)$/.test(t) && balanced(t.slice(1, -1))) t = t.slice(1, -1);
    else if (t.startsWith('!') && !t.startsWith('!=')) {
      positive = !positive;
      t = t.slice(1);
    } else break;
  }
  const rootOf = (p: string): string => /^[A-Za-z_]\w*/.exec(p)![0];
  if (PATH_TEXT.test(t)) return CONSTANT.test(t) ? undefined : { key: t, positive, roots: [rootOf(t)] };
  const compare = /^([^=!<>&|?]+)(==|!=)([^=!<>&|?]+)$/.exec(t);
  if (compare) {
    const [, left, op, right] = compare as unknown as [string, string, string, string];
    const [variable, constant] = PATH_TEXT.test(left) && CONSTANT.test(right) ? [left, right] : PATH_TEXT.test(right) && CONSTANT.test(left) ? [right, left] : [];
    if (!variable || !constant) return undefined;
    const equal = op === '==' ? positive : !positive;
    // `x != NULL` and `x` say the same.
    if (/^(?:NULL|nullptr|0|FALSE|false)$/.test(constant)) return { key: variable, positive: !equal, roots: [rootOf(variable)] };
    return { key: `${variable}==${constant}`, positive: equal, roots: [rootOf(variable)] };
  }
  const test = TESTS.exec(t);
  if (test && balanced(test[2]!)) {
    const args = test[2]!.split(',');
    if (!args.every((a) => PATH_TEXT.test(a) || CONSTANT.test(a)) || !args.some((a) => PATH_TEXT.test(a) && !CONSTANT.test(a))) return undefined;
    return { key: t, positive, roots: args.filter((a) => PATH_TEXT.test(a) && !CONSTANT.test(a)).map(rootOf) };
  }
  return undefined;
}

/** `a && b && c` split at its top-level operator `op`, or undefined when it is not such a chain. */
function splitTopLevel(text: string, op: '&&' | '||'): string[] | undefined {
  let t = text.trim();
  while (/^\((.*)\)$/s.test(t) && balanced(t.slice(1, -1))) t = t.slice(1, -1).trim();
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < t.length; i++) {
    const ch = t[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && t.startsWith(op, i)) {
      parts.push(t.slice(start, i));
      start = i + 2;
      i++;
    }
  }
  if (parts.length === 0) return undefined;
  parts.push(t.slice(start));
  return parts;
}

/**
 * The facts an edge out of a branch node establishes: those of a condition `conditionAtom`
 * reads, and of each part of an `a && b` taken true or an `a || b` taken false.
 */
function branchFacts(node: FlowNode, edge: FlowEdge): Fact[] {
  if (node.kind !== 'branch' || !node.cond || node.isSwitch || edge.branch === undefined) return [];
  const parts = (edge.branch ? splitTopLevel(node.cond.text, '&&') : splitTopLevel(node.cond.text, '||')) ?? [node.cond.text];
  const facts: Fact[] = [];
  for (const part of parts) {
    const atom = conditionAtom(part);
    if (atom) facts.push({ key: atom.key, value: edge.branch === atom.positive, roots: atom.roots });
  }
  return facts;
}

/** Status codes whose NT_SUCCESS is known: success codes, and the error names drivers use most. */
const SUCCESS_STATUS = /^STATUS_(?:SUCCESS|PENDING|TIMEOUT|REPARSE|ALERTED|USER_APC|WAIT_0)$/;
const ERROR_STATUS =
  /^STATUS_(?:INVALID\w*|INSUFFICIENT\w*|UNSUCCESSFUL|NOT_\w+|ACCESS_DENIED|NO_\w+|\w+_PROTECTED|CANCELLED|\w+_ERROR|\w+_FAILED|BUFFER_TOO_SMALL|BUFFER_OVERFLOW|OBJECT_NAME_\w+|OBJECT_PATH_\w+|DEVICE_\w+|DELETE_PENDING|SHARING_VIOLATION|END_OF_FILE|MORE_PROCESSING_REQUIRED|\w+_NOT_FOUND|\w+_NOT_SUPPORTED)$/;

/** What writing `value` to `variable` makes known: its truth, its equality, its NT_SUCCESS. */
function factsOfWrite(variable: string, value: string): Fact[] {
  const v = value.replace(/\s+/g, '').replace(/^\(([^()]*)\)$/, '$1');
  const roots = [variable.replace(/^(\w+).*$/, '$1')];
  const out: Fact[] = [];
  if (/^(?:NULL|nullptr|0|FALSE|false|0L|0UL)$/.test(v)) out.push({ key: variable, value: false, roots });
  else if (/^(?:TRUE|true|1)$/.test(v)) out.push({ key: variable, value: true, roots });
  if (/^STATUS_\w+$/.test(v)) {
    out.push({ key: `${variable}==${v}`, value: true, roots });
    if (v !== 'STATUS_SUCCESS') out.push({ key: `${variable}==STATUS_SUCCESS`, value: false, roots });
    const success = SUCCESS_STATUS.test(v) ? true : ERROR_STATUS.test(v) ? false : undefined;
    if (success !== undefined) out.push({ key: `NT_SUCCESS(${variable})`, value: success, roots });
  }
  return out;
}

/** What a node writes, as far as the facts on a path are concerned. */
interface NodeWrites {
  /** What writing a constant makes known, among the facts some branch tests. */
  readonly learned: readonly Fact[];
  /** The variables it writes: an assignment's or a declaration's, one whose address a call takes. */
  readonly written: readonly string[];
  /** Variables a call receives by value: it writes them when a known fact is about a field behind one. */
  readonly pointers: readonly string[];
}

const ROOT_OF_LVALUE = /^\s*\*?\s*([A-Za-z_]\w*)/;

function writesOf(node: FlowNode, isRelevant: (key: string) => boolean): NodeWrites {
  let learned: Fact[] = [];
  if (node.kind === 'assign' && node.assignment?.operator === '=' && PATH_TEXT.test(node.assignment.lhs)) learned = factsOfWrite(node.assignment.lhs, node.assignment.rhs);
  if (node.kind === 'declare' && node.declaration?.init?.kind === 'expr') learned = factsOfWrite(node.declaration.name, node.declaration.init.text);
  learned = learned.filter((f) => isRelevant(f.key));
  const written: string[] = [];
  const pointers: string[] = [];
  if (node.kind === 'assign' && node.assignment) written.push(ROOT_OF_LVALUE.exec(node.assignment.lhs)?.[1] ?? '');
  if (node.kind === 'declare' && node.declaration) written.push(node.declaration.name);
  if (node.kind === 'call' && node.call) {
    node.call.args.forEach((arg, i) => {
      const r = ROOT_OF_LVALUE.exec(node.call!.argCores[i] ?? '')?.[1];
      if (!r) return;
      // An address lets the callee write the variable; a pointer lets it write the fields behind it.
      if (arg.trim().startsWith('&')) written.push(r);
      else pointers.push(r);
    });
  }
  return { learned, written, pointers };
}

/** What a node does to the facts on a path, as places in `KnownFacts`. */
interface NodeEffect {
  /** Facts it makes stale whatever is known: those about a variable it writes. */
  readonly clears: readonly number[];
  /**
   * Facts it makes stale when one fact of `when` is known: a call may write the fields behind
   * a pointer it receives, when a known fact reads such a field.
   */
  readonly clearsWhen: readonly { readonly when: readonly number[]; readonly clears: readonly number[] }[];
  /** Facts writing a constant makes known. */
  readonly learns: readonly FactSlot[];
}

const NO_EFFECT: NodeEffect = { clears: [], clearsWhen: [], learns: [] };

/** `facts` with the fact at `index` set to `value` ('.' to forget it). */
function withFact(facts: KnownFacts, index: number, value: string): KnownFacts {
  return facts[index] === value ? facts : facts.slice(0, index) + value + facts.slice(index + 1);
}

/**
 * The facts a path search carries, read once per graph: those each edge establishes, and
 * what each node writes. Only facts some branch tests are worth carrying.
 */
class PathFacts {
  /** The key of each fact, by its place in `KnownFacts`. */
  private readonly keys: string[] = [];
  private readonly placeOf = new Map<string, number>();
  /** The places of the facts about each variable. A fact's variables follow from its key. */
  private readonly placesAbout = new Map<string, number[]>();
  /** The places of the facts that read a field behind each variable (`ctx->Count` for `ctx`). */
  private readonly placesBehind = new Map<string, number[]>();
  /** The facts each edge establishes, by edge number: the edges of node n start at `firstEdge[n]`. */
  private readonly edges: (readonly FactSlot[])[];
  private readonly firstEdge: number[] = [];
  private readonly effects: (NodeEffect | undefined)[] = [];
  /** Nothing known. */
  readonly none: KnownFacts;

  constructor(nodes: readonly FlowNode[]) {
    const established: Fact[][] = [];
    for (const n of nodes) {
      this.firstEdge.push(established.length);
      for (const e of n.succ) established.push(branchFacts(n, e));
    }
    for (const fact of established.flat()) {
      if (this.placeOf.has(fact.key)) continue;
      const place = this.keys.length;
      this.placeOf.set(fact.key, place);
      this.keys.push(fact.key);
      for (const root of fact.roots) {
        const places = this.placesAbout.get(root);
        if (places) places.push(place);
        else this.placesAbout.set(root, [place]);
      }
    }
    this.edges = established.map((facts) => facts.map((f) => this.slotOf(f)));
    this.none = UNKNOWN.repeat(this.keys.length);
  }

  /** `facts` with those taking the edge establishes; null when they contradict what is known. */
  along(facts: KnownFacts, node: number, edgeIndex: number): KnownFacts | null {
    let known = facts;
    for (const { index, value } of this.edges[this.firstEdge[node]! + edgeIndex]!) {
      const before = known[index];
      if (before === value) continue;
      if (before !== UNKNOWN) return null;
      known = withFact(known, index, value);
    }
    return known;
  }

  /**
   * Facts after a node: its writes make stale what was known of the variables they write (an
   * assignment, a declaration, an address passed to a call), and a write of a constant makes
   * something new known.
   */
  after(facts: KnownFacts, node: FlowNode): KnownFacts {
    const effect = (this.effects[node.id] ??= this.effectOf(node));
    if (effect === NO_EFFECT) return facts;
    let known = facts;
    for (const index of effect.clears) known = withFact(known, index, UNKNOWN);
    for (const { when, clears } of effect.clearsWhen) {
      if (when.some((index) => facts[index] !== UNKNOWN)) for (const index of clears) known = withFact(known, index, UNKNOWN);
    }
    for (const { index, value } of effect.learns) known = withFact(known, index, value);
    return known;
  }

  private effectOf(node: FlowNode): NodeEffect {
    const { learned, written, pointers } = writesOf(node, (key) => this.placeOf.has(key));
    const writes = new Set(written);
    const clears = [...writes].flatMap((variable) => this.placesAbout.get(variable) ?? []);
    const clearsWhen = [...new Set(pointers)]
      .filter((variable) => !writes.has(variable))
      .map((variable) => ({ when: this.behind(variable), clears: this.placesAbout.get(variable) ?? [] }))
      .filter((c) => c.when.length > 0 && c.clears.length > 0);
    const learns = learned.map((f) => this.slotOf(f));
    return clears.length === 0 && clearsWhen.length === 0 && learns.length === 0 ? NO_EFFECT : { clears, clearsWhen, learns };
  }

  private behind(variable: string): number[] {
    let places = this.placesBehind.get(variable);
    if (!places) {
      const field = `${variable}->`;
      places = this.keys.flatMap((key, place) => (key.includes(field) ? [place] : []));
      this.placesBehind.set(variable, places);
    }
    return places;
  }

  private slotOf(fact: Fact): FactSlot {
    return { index: this.placeOf.get(fact.key)!, value: fact.value ? '1' : '0' };
  }
}

function collectEvents(fn: FunctionInfo): Event[] {
  const events: Event[] = [];
  for (const call of fn.fact.calls) events.push({ kind: 'call', start: call.span.startOffset, end: call.span.endOffset, call });
  for (const a of fn.fact.assignments) events.push({ kind: 'assign', start: a.span.startOffset, end: a.span.endOffset, assignment: a });
  for (const l of fn.fact.locals) {
    if (l.init) events.push({ kind: 'declare', start: l.span.startOffset, end: l.span.endOffset, declaration: l });
  }
  events.sort((a, b) => a.start - b.start);
  return events;
}

/** Events inside [start, end), in evaluation order: an inner call before the call or assignment around it. */
function eventsWithin(events: readonly Event[], start: number, end: number): Event[] {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events[mid]!.start < start) lo = mid + 1;
    else hi = mid;
  }
  const inside: Event[] = [];
  for (let i = lo; i < events.length && events[i]!.start < end; i++) {
    if (events[i]!.end <= end) inside.push(events[i]!);
  }
  return inside.sort((a, b) => a.end - b.end || EVENT_ORDER[a.kind] - EVENT_ORDER[b.kind] || b.start - a.start);
}

/** `while (TRUE)`, `do … while (0)`, `for (;;)`: conditions whose outcome is written down. */
function constantTruth(text: string): boolean | undefined {
  const t = text.replace(/[\s()]/g, '');
  if (t === '' || /^(?:TRUE|true|1)$/.test(t)) return true;
  if (/^(?:FALSE|false|0)$/.test(t)) return false;
  return undefined;
}
