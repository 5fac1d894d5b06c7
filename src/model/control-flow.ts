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
import type { AssignmentFact, CallFact, FlowExpression, FlowStatement, Span, VariableFact } from '../parser/facts.js';
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

export function isNoReturnCall(callee: string): boolean {
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
  let cf = cache.get(fn);
  if (cf === undefined) {
    const body = fn.fact.flow?.body;
    cf = null;
    if (body) {
      try {
        cf = new ControlFlow(fn, body);
      } catch (error) {
        if (!(error instanceof Unbuildable)) throw error;
      }
    }
    cache.set(fn, cf);
  }
  return cf ?? undefined;
}

const MAX_NODES = 60_000;

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
      if (node.call) {
        const list = this.byCall.get(node.call);
        if (list) list.push(node.id);
        else this.byCall.set(node.call, [node.id]);
      }
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
   */
  findPath(
    isTarget: (node: FlowNode) => boolean,
    options: { from?: readonly number[]; blocks?: (node: FlowNode) => boolean; follows?: (from: FlowNode, edge: FlowEdge) => boolean } = {},
  ): number[] | undefined {
    // Each reached node remembers the node it was first reached from, and whether that was a start.
    const parent = new Map<number, { readonly prev: number; readonly first: boolean }>();
    const queue: number[] = [];
    const reach = (from: FlowNode, edge: FlowEdge, first: boolean): void => {
      if (options.follows && !options.follows(from, edge)) return;
      if (parent.has(edge.to)) return;
      parent.set(edge.to, { prev: from.id, first });
      queue.push(edge.to);
    };
    for (const start of options.from ?? [this.entry]) {
      for (const edge of this.node(start).succ) reach(this.node(start), edge, true);
    }
    for (let i = 0; i < queue.length; i++) {
      const id = queue[i]!;
      const node = this.node(id);
      if (isTarget(node)) {
        const path = [id];
        for (let link = parent.get(id)!; ; link = parent.get(link.prev)!) {
          path.unshift(link.prev);
          if (link.first) break;
        }
        return path;
      }
      if (options.blocks?.(node)) continue;
      for (const edge of node.succ) reach(node, edge, false);
    }
    return undefined;
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

  private add(props: Omit<FlowNode, 'id' | 'succ'>, succ: FlowEdge[] = []): number {
    if (this.nodes.length >= MAX_NODES) throw new Unbuildable('the graph is too large');
    const id = this.nodes.length;
    this.nodes.push({ id, ...props, succ });
    return id;
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
    return this.events_(cond.span.start.offset, cond.span.end.offset, node, ctx);
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
        return this.events_(s.cond.span.start.offset, s.cond.span.end.offset, node, ctx);
      }
      case 'label': {
        const label = this.label(s.name);
        if (label.defined) throw new Unbuildable(`label ${s.name} is built twice`);
        label.defined = true;
        this.node(label.node).succ.push({ to: this.build(s.body, next, ctx) });
        return label.node;
      }
      case 'jump':
        return this.events_(s.span.start.offset, s.span.end.offset, this.jump(s, ctx), ctx);
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

function collectEvents(fn: FunctionInfo): Event[] {
  const events: Event[] = [];
  for (const call of fn.fact.calls) events.push({ kind: 'call', start: call.span.start.offset, end: call.span.end.offset, call });
  for (const a of fn.fact.assignments) events.push({ kind: 'assign', start: a.span.start.offset, end: a.span.end.offset, assignment: a });
  for (const l of fn.fact.locals) {
    if (l.init) events.push({ kind: 'declare', start: l.span.start.offset, end: l.span.end.offset, declaration: l });
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
