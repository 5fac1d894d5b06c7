/**
 * Where a pool allocation is kept beyond the function that makes it: in a global, or in a
 * field of a device extension. The key a release of it is recognised by is the global's
 * path, or the field's name.
 */
import { POOL_ALLOCATORS } from '../knowledge/wdm.js';
import type { AssignmentFact, CallFact, Span, VariableFact } from '../parser/facts.js';
import { spanWithin } from '../source/span.js';
import { controlFlow, type FlowNode } from './control-flow.js';
import type { DriverModel } from './driver-model.js';
import { lastFieldOf, memoized, normalizePath, push, rootOf } from './expressions.js';
import type { FunctionInfo } from './functions.js';

export interface StoredAllocation {
  readonly fn: FunctionInfo;
  readonly call: CallFact;
  /** The lvalue the block ends up in: `g_Table`, `ext->Log`. */
  readonly storage: string;
  readonly kind: 'global' | 'device extension';
  /** Where it is stored, when that is not the allocation itself (`ext->Ring = buffer;`). */
  readonly storedAt?: Span;
}

/** `g_Buffers[i]` is kept under `g_Buffers`. */
function withoutSubscripts(text: string): string {
  let t = normalizePath(text);
  if (!t.includes('[')) return t;
  for (let before = ''; before !== t; ) {
    before = t;
    t = t.replace(/\[[^[\]]*\]/g, '');
  }
  return t;
}

function isLocalName(fn: FunctionInfo, name: string): boolean {
  return fn.fact.locals.some((l) => l.name === name) || fn.fact.params.some((p) => p.name === name);
}

/**
 * A local or parameter that points to a WDM device extension. (A KMDF device context is an
 * object context with its own cleanup callbacks: not judged here.)
 */
function isExtensionPointer(fn: FunctionInfo, name: string): boolean {
  const local = fn.fact.locals.find((l) => l.name === name);
  const param = fn.fact.params.find((p) => p.name === name);
  const type = local?.type ?? param?.type ?? '';
  if (/EXTENSION|(?:^|_)DEV_?EXT\b/i.test(type)) return true;
  if (local?.init?.kind === 'expr' && /DeviceExtension/.test(local.init.text)) return true;
  return fn.fact.assignments.some((a) => a.lhs === name && /DeviceExtension/.test(a.rhs));
}

function classify(fn: FunctionInfo, lhs: string, globals: ReadonlySet<string>): StoredAllocation['kind'] | undefined {
  const path = withoutSubscripts(lhs);
  if (/DeviceExtension/.test(path)) return 'device extension';
  const root = rootOf(path);
  if (!root || path.startsWith('*')) return undefined;
  if (isLocalName(fn, root)) {
    return path !== root && isExtensionPointer(fn, root) ? 'device extension' : undefined;
  }
  return globals.has(root) ? 'global' : undefined;
}

const allocationsCache = new WeakMap<DriverModel, readonly StoredAllocation[]>();

/** The allocations of the unit that are stored in a global or a device extension. */
export function storedAllocations(model: DriverModel): readonly StoredAllocation[] {
  return memoized(allocationsCache, model, () => findStoredAllocations(model));
}

function findStoredAllocations(model: DriverModel): StoredAllocation[] {
  const allocations = model.functions.sitesCalling(POOL_ALLOCATORS);
  if (allocations.length === 0) return [];
  const globals = new Set(model.files.flatMap((f) => f.globals.map((g) => g.name)));
  const out: StoredAllocation[] = [];
  for (const { caller: fn, call } of allocations) {
    if (call.calleeKind !== 'identifier') continue;
    const assignment = fn.fact.assignments.find((a) => a.operator === '=' && a.rhsCall === call.callee && spanWithin(call.span, a.span));
    const local = fn.fact.locals.find((l) => l.initCall === call.callee && spanWithin(call.span, l.span));
    const target = assignment?.lhs ?? local?.name;
    if (!target) continue;
    const kind = classify(fn, target, globals);
    if (kind) {
      out.push({ fn, call, storage: withoutSubscripts(target), kind });
      continue;
    }
    if (!/^[A-Za-z_]\w*$/.test(target) || !isLocalName(fn, target)) continue;
    // Kept in a local first: follow it to the stores it reaches before it is overwritten.
    for (const store of storesOf(fn, call, target)) {
      const storeKind = classify(fn, store.lhs, globals);
      if (storeKind) out.push({ fn, call, storage: withoutSubscripts(store.lhs), kind: storeKind, storedAt: store.span });
    }
  }
  return out;
}

function storesOf(fn: FunctionInfo, call: CallFact, local: string): { lhs: string; span: Span }[] {
  const cf = controlFlow(fn);
  if (!cf) return [];
  const writesLocal = (n: FlowNode): boolean =>
    (n.kind === 'assign' && n.assignment?.lhs === local) || (n.kind === 'declare' && n.declaration?.name === local);
  // The write of the allocation itself: the search starts after it and ends at the next write.
  const start = cf.nodes.filter((n) => writesLocal(n) && spanWithin(call.span, n.span!));
  const stores = new Map<number, { lhs: string; span: Span }>();
  const seen = new Set<number>();
  const queue = start.map((n) => n.id);
  while (queue.length > 0) {
    for (const edge of cf.node(queue.pop()!).succ) {
      if (seen.has(edge.to)) continue;
      seen.add(edge.to);
      const node = cf.node(edge.to);
      if (node.kind === 'assign' && node.assignment && normalizePath(node.assignment.rhsCore) === local && node.assignment.lhs !== local) {
        stores.set(node.span!.startOffset, { lhs: node.assignment.lhs, span: node.span! });
      }
      if (!writesLocal(node)) queue.push(edge.to);
    }
  }
  return [...stores.values()];
}

/** An argument or value that is the stored block: the same global path, or the same extension field. */
export function refersTo(allocation: StoredAllocation, text: string): boolean {
  return keysRefer(allocation, pathKeys(text));
}

/** What `refersTo` compares of a text: its path without subscripts, and that path's last field. */
interface PathKeys {
  readonly path: string;
  readonly last: string;
}

function pathKeys(text: string): PathKeys {
  const path = withoutSubscripts(text);
  return { path, last: lastFieldOf(path) };
}

function keysRefer(allocation: StoredAllocation, { path, last }: PathKeys): boolean {
  if (allocation.kind === 'global') {
    return path === allocation.storage || (allocation.storage.includes('.') || allocation.storage.includes('->') ? last === lastFieldOf(allocation.storage) && path !== last : false);
  }
  return path !== last && last === lastFieldOf(allocation.storage);
}

/** A text of the unit that may name a stored block, and where it is written. */
export type BlockMention =
  | { readonly kind: 'argument'; readonly fn: FunctionInfo; readonly call: CallFact; readonly index: number; readonly arg: number }
  | { readonly kind: 'initial value'; readonly fn: FunctionInfo; readonly local: VariableFact }
  | { readonly kind: 'assigned value'; readonly fn: FunctionInfo; readonly assignment: AssignmentFact };

/**
 * The texts of a unit that may name one of its stored blocks (call arguments, initial values,
 * assigned values), indexed by what `refersTo` compares: each allocation finds the texts that
 * refer to it by lookup, instead of reading the whole unit again.
 */
export class BlockMentions {
  private readonly byPath = new Map<string, BlockMention[]>();
  /** Texts that are a field (`ctx->Ring`), by the last field. */
  private readonly byLastField = new Map<string, BlockMention[]>();
  /**
   * A text refers to a block only if the last field of its path is the storage's last field,
   * which the text then contains, unless dropping a subscript could join two pieces of it: the
   * other texts are not worth reading.
   */
  private readonly mayName: (text: string) => boolean;

  constructor(model: DriverModel, allocations: readonly StoredAllocation[]) {
    const names = allocations.map((a) => lastFieldOf(a.storage));
    this.mayName = names.every((n) => /^[A-Za-z_]\w*$/.test(n)) ? (text) => text.includes('[') || names.some((n) => text.includes(n)) : () => true;
    for (const fn of model.functions.all) {
      fn.fact.calls.forEach((call, index) => call.argCores.forEach((core, arg) => this.add(core, { kind: 'argument', fn, call, index, arg })));
      for (const local of fn.fact.locals) if (local.init?.kind === 'expr') this.add(local.init.core, { kind: 'initial value', fn, local });
      for (const assignment of fn.fact.assignments) this.add(assignment.rhsCore, { kind: 'assigned value', fn, assignment });
    }
  }

  /** The texts that refer to the allocation's block, as `refersTo` judges them, in no particular order. */
  of(allocation: StoredAllocation): BlockMention[] {
    const byField = allocation.kind !== 'global' || allocation.storage.includes('.') || allocation.storage.includes('->');
    const found = new Set([...(allocation.kind === 'global' ? (this.byPath.get(allocation.storage) ?? []) : []), ...(byField ? (this.byLastField.get(lastFieldOf(allocation.storage)) ?? []) : [])]);
    return [...found];
  }

  private add(text: string, mention: BlockMention): void {
    if (!this.mayName(text)) return;
    const { path, last } = pathKeys(text);
    push(this.byPath, path, mention);
    if (path !== last) push(this.byLastField, last, mention);
  }
}

const mentionsCache = new WeakMap<DriverModel, BlockMentions>();

export function blockMentions(model: DriverModel): BlockMentions {
  return memoized(mentionsCache, model, () => new BlockMentions(model, storedAllocations(model)));
}
