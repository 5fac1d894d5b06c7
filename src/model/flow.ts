/**
 * Questions about the statement structure of one function body (the parser's `flow` facts):
 * which statement holds an offset, whether a branch always leaves the function, and which
 * code runs unconditionally after a point — following fall-through, `break` out of a switch
 * and `goto` to its label, and stopping where the path is no longer certain (a loop back
 * edge, a `continue`, a statement the parser left opaque).
 */
import type { CallFact, FlowNode } from '../parser/facts.js';
import { tokenPattern } from './expressions.js';
import type { FunctionInfo } from './functions.js';

export interface Range {
  readonly start: number;
  readonly end: number;
  /** A statement before this code on the way may have left the function (see `Continuation`). */
  readonly afterConditionalExit?: boolean;
}

/** Where a walk of the code after a point ended. */
export type WalkEnd = 'return' | 'end' | 'loop' | 'continue' | 'opaque' | 'goto-cycle' | 'unknown-label';

export interface Continuation {
  /** Code that runs after the point on every path that does not leave early, in execution order. */
  readonly ranges: readonly Range[];
  readonly end: WalkEnd;
  /**
   * A statement on the way may leave the function (a `return` or `goto` inside a branch): the
   * code after it runs only when that branch is not taken.
   */
  readonly passesConditionalExit: boolean;
}

interface Frame {
  readonly node: FlowNode;
  /** Index in the parent's children of the child on the path (for the last frame: -1). */
  readonly index: number;
}

const EXITS = new Set(['return', 'goto']);

/** The statements from the body down to the innermost statement that contains `offset`. */
function pathTo(root: FlowNode, offset: number): Frame[] {
  const path: Frame[] = [];
  let node: FlowNode | undefined = root;
  while (node) {
    const children: readonly FlowNode[] = node.children ?? [];
    const condition: FlowNode['condition'] = node.condition;
    const inCondition: boolean = condition !== undefined && offset >= condition.start && offset < condition.end;
    const index: number = inCondition ? -1 : children.findIndex((c) => offset >= c.start && offset < c.end);
    path.push({ node, index });
    node = index >= 0 ? children[index] : undefined;
  }
  return path;
}

/** The `if`, `switch` or loop statement that starts at `offset`. */
export function statementAt(fn: FunctionInfo, offset: number): FlowNode | undefined {
  const root = fn.fact.flow;
  if (!root) return undefined;
  const path = pathTo(root, offset);
  for (let i = path.length - 1; i >= 0; i--) if (path[i]!.node.start === offset && path[i]!.node.kind !== 'block') return path[i]!.node;
  return undefined;
}

/** True when every way through the statement leaves the function (`return`, `goto`). */
export function alwaysExits(node: FlowNode): boolean {
  switch (node.kind) {
    case 'return':
    case 'goto':
      return true;
    case 'block':
    case 'label':
    case 'case':
      return (node.children ?? []).some(alwaysExits);
    case 'if':
      return node.children?.length === 2 && alwaysExits(node.children[0]!) && alwaysExits(node.children[1]!);
    default:
      return false;
  }
}

/** True when some statement inside may leave the function or jump (`return`, `goto`). */
export function mayExit(node: FlowNode): boolean {
  if (EXITS.has(node.kind)) return true;
  return (node.children ?? []).some(mayExit);
}

/** True when the statement contains a `goto` anywhere. */
export function containsGoto(node: FlowNode): boolean {
  if (node.kind === 'goto') return true;
  return (node.children ?? []).some(containsGoto);
}

/** The conditions of every `if`, `switch` and loop of the function, in source order. */
function conditionsOf(fn: FunctionInfo): { readonly start: number; readonly end: number; readonly text: string }[] {
  const found: { start: number; end: number; text: string }[] = [];
  const visit = (node: FlowNode): void => {
    if (node.condition) found.push(node.condition);
    for (const c of node.children ?? []) visit(c);
  };
  if (fn.fact.flow) visit(fn.fact.flow);
  return found.sort((a, b) => a.start - b.start);
}

/** The plain variable a call's value is stored in (`status = F(…)`, `NTSTATUS status = F(…)`), if any. */
export function savedResultOf(call: CallFact): string | undefined {
  const result = call.result;
  return result?.kind === 'assigned' && result.variable && /^[A-Za-z_]\w*$/.test(result.variable) ? result.variable : undefined;
}

/** The conditions of `fn` that name `variable`, starting in [`from`, `to`), in source order. */
export function conditionsTesting(fn: FunctionInfo, variable: string, from: number, to = Infinity): { readonly start: number; readonly end: number; readonly text: string }[] {
  const token = tokenPattern(variable);
  return conditionsOf(fn).filter((c) => c.start >= from && c.start < to && token.test(c.text));
}

/**
 * The code that runs unconditionally after `offset` (the end of a call) until the function
 * returns or the path becomes uncertain. Branches of later `if`s and `switch`es are not part
 * of it (only their conditions are); a branch that may leave the function is noted.
 */
export function continuationAfter(fn: FunctionInfo, offset: number): Continuation {
  const root = fn.fact.flow;
  if (!root) return { ranges: [], end: 'opaque', passesConditionalExit: false };
  return new Walker(root, false).from(offset);
}

/**
 * All the code that may run after `offset` on some path: the rest of the statement, every
 * later statement with its branches, loops left and re-entered, `goto` targets. Branches of
 * an enclosing `if` that were not taken to reach the point are not part of it. Undefined
 * when the function has no flow facts.
 */
export function reachableAfter(fn: FunctionInfo, offset: number): readonly Range[] | undefined {
  const root = fn.fact.flow;
  if (!root) return undefined;
  return new Walker(root, true).from(offset).ranges;
}

class Walker {
  private readonly ranges: Range[] = [];
  private passesConditionalExit = false;
  private readonly labelsSeen = new Set<string>();

  /** @param reachable take whole statements (with their branches) and go on past loops. */
  constructor(
    private readonly root: FlowNode,
    private readonly reachable: boolean,
  ) {}

  from(offset: number): Continuation {
    const path = pathTo(this.root, offset);
    const leaf = path[path.length - 1]!.node;
    // The rest of the statement the point is in (a condition, or a simple statement).
    const restEnd = leaf.condition && offset < leaf.condition.end ? leaf.condition.end : leaf.end;
    this.push(offset, restEnd);
    if (leaf.kind === 'return' || leaf.kind === 'goto') {
      if (leaf.kind === 'goto') return this.jump(leaf.label ?? '');
      return this.done('return');
    }
    if (leaf.kind === 'if' || leaf.kind === 'switch') {
      this.noteBranches(leaf);
      if (this.reachable) this.push(restEnd, leaf.end);
    }
    if (leaf.kind === 'loop') {
      if (!this.reachable) return this.done('loop');
      this.push(leaf.start, leaf.end);
    }
    return this.afterChild(path, path.length - 1);
  }

  /** Continue after the statement at `path[depth]`, climbing out of the blocks that end. */
  private afterChild(path: readonly Frame[], depth: number): Continuation {
    for (let d = depth - 1; d >= 0; d--) {
      const { node, index } = path[d]!;
      switch (node.kind) {
        case 'block':
        case 'case':
        case 'label':
        // In a switch, falling off the end of a case runs the next case's statements.
        case 'switch': {
          const outcome = this.run((node.children ?? []).slice(index + 1));
          if (outcome !== 'fallthrough') return this.handle(outcome, path, d);
          break;
        }
        case 'try':
        case 'if':
          break;
        case 'loop':
          if (!this.reachable) return this.done('loop');
          this.push(node.start, node.end);
          break;
        default:
          return this.done('opaque');
      }
    }
    return this.done('end');
  }

  private handle(outcome: Exclude<Outcome, 'fallthrough'>, path: readonly Frame[], depth: number): Continuation {
    if (outcome === 'break' || (outcome === 'continue' && this.reachable)) {
      // Continue after the innermost switch (a break out of a loop ends the certain path).
      for (let d = depth; d >= 0; d--) {
        const { node } = path[d]!;
        if (node.kind === 'loop') {
          if (!this.reachable) return this.done('loop');
          this.push(node.start, node.end);
          return this.afterChild(path, d);
        }
        if (node.kind === 'switch' && outcome === 'break') return this.afterChild(path, d);
      }
      return this.done('opaque');
    }
    if (typeof outcome === 'object') return this.jump(outcome.label);
    return this.done(outcome);
  }

  /** Runs statements in order; reports how the sequence ended. */
  private run(statements: readonly FlowNode[]): Outcome {
    for (const s of statements) {
      const outcome = this.statement(s);
      if (outcome !== 'fallthrough') return outcome;
    }
    return 'fallthrough';
  }

  private statement(s: FlowNode): Outcome {
    switch (s.kind) {
      case 'simple':
        this.push(s.start, s.end);
        return 'fallthrough';
      case 'return':
        this.push(s.start, s.end);
        return 'return';
      case 'break':
        return 'break';
      case 'continue':
        return 'continue';
      case 'goto':
        return { label: s.label ?? '' };
      case 'block':
      case 'label':
      case 'case':
        return this.run(s.children ?? []);
      case 'try':
        return s.children?.[0] ? this.statement(s.children[0]) : 'fallthrough';
      case 'if':
      case 'switch':
      case 'loop':
        if (this.reachable) this.push(s.start, s.end);
        else if (s.condition) this.push(s.condition.start, s.condition.end);
        this.noteBranches(s);
        return 'fallthrough';
      default:
        return 'opaque';
    }
  }

  private push(start: number, end: number): void {
    this.ranges.push(this.passesConditionalExit ? { start, end, afterConditionalExit: true } : { start, end });
  }

  private noteBranches(s: FlowNode): void {
    if ((s.children ?? []).some(mayExit)) this.passesConditionalExit = true;
  }

  private jump(label: string): Continuation {
    if (this.labelsSeen.has(label)) return this.done('goto-cycle');
    this.labelsSeen.add(label);
    const target = findLabel(this.root, label);
    if (!target) return this.done('unknown-label');
    const path = pathTo(this.root, target.start);
    const depth = path.findIndex((f) => f.node === target);
    if (depth < 0) return this.done('unknown-label');
    const outcome = this.run(target.children ?? []);
    if (outcome !== 'fallthrough') return this.handle(outcome, path, depth);
    return this.afterChild(path, depth);
  }

  private done(end: WalkEnd): Continuation {
    return { ranges: this.ranges, end, passesConditionalExit: this.passesConditionalExit };
  }
}

type Outcome = 'fallthrough' | 'return' | 'break' | 'continue' | 'opaque' | { readonly label: string };

function findLabel(node: FlowNode, label: string): FlowNode | undefined {
  if (node.kind === 'label' && node.label === label) return node;
  for (const c of node.children ?? []) {
    const found = findLabel(c, label);
    if (found) return found;
  }
  return undefined;
}

/** True when `offset` lies in one of the ranges. */
export function inRanges(ranges: readonly Range[], offset: number): boolean {
  return ranges.some((r) => offset >= r.start && offset < r.end);
}
