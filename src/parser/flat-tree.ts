/**
 * A tree-sitter tree copied into typed arrays in one pass, and read from there.
 *
 * Why: every call into web-tree-sitter's JavaScript API marshals a node or a cursor through
 * the wasm heap, and the facts of a file need a few million such calls. Copying the tree once
 * with a cursor and answering every later question (type, field, children, parent, text) from
 * plain arrays costs a fraction of that, and the tree can be freed right after the copy.
 *
 * Nodes are stored in document order (pre-order), so the descendants of a node are the
 * contiguous range after it, up to its `subtreeEnd`.
 */
import type { Language, Node, Tree } from 'web-tree-sitter';
import { readTreeFromMemory, type NodeSink } from './tree-memory.js';
import { cursorWalker, publicCursorWalker, type CursorWalker } from './wasm-cursor.js';

const HAS_ERROR = 1;
const MISSING = 2;

/** tree-sitter's built-in ERROR symbol: `(TSSymbol)-1`. */
const ERROR_TYPE_ID = 0xffff;

/** The names a grammar gives its node types and fields, looked up once per grammar. */
class GrammarTables {
  private readonly typeNames: readonly string[];
  private readonly named: Uint8Array;
  private readonly fieldIds = new Map<string, number>();
  /** A name can have several ids: an alias is a symbol of its own with a borrowed name. */
  private readonly typeIds = new Map<string, number[]>();
  /**
   * Masks of the name lists scans ask for, by list (callers pass constant lists): a byte per
   * possible type id, so that a scan over every node of a file tests each with one load. Weak,
   * so that a list a caller lets go of does not keep its 64 KiB mask for the whole run.
   */
  private readonly idMasks = new WeakMap<readonly string[], Uint8Array>();

  constructor(language: Language) {
    this.typeNames = Array.from(language.types, (t) => t || 'ERROR');
    this.named = new Uint8Array(language.types.length);
    for (let id = 0; id < language.types.length; id++) {
      this.named[id] = language.nodeTypeIsNamed(id) ? 1 : 0;
      const name = this.typeNames[id]!;
      const ids = this.typeIds.get(name);
      if (ids) ids.push(id);
      else this.typeIds.set(name, [id]);
    }
    language.fields.forEach((name, id) => {
      if (name) this.fieldIds.set(name, id);
    });
  }

  typeName(id: number): string {
    return id === ERROR_TYPE_ID ? 'ERROR' : (this.typeNames[id] ?? 'ERROR');
  }

  isNamed(id: number): boolean {
    return id === ERROR_TYPE_ID || this.named[id] === 1;
  }

  /** 1 at every id of the types named in `names` (ERROR's included), 0 elsewhere. */
  typeIdMask(names: readonly string[]): Uint8Array {
    let mask = this.idMasks.get(names);
    if (!mask) {
      mask = new Uint8Array(ERROR_TYPE_ID + 1);
      for (const name of names) {
        if (name === 'ERROR') mask[ERROR_TYPE_ID] = 1;
        for (const id of this.typeIds.get(name) ?? []) mask[id] = 1;
      }
      this.idMasks.set(names, mask);
    }
    return mask;
  }

  /** -1 for a name the grammar does not have: it then matches no child. */
  fieldId(name: string): number {
    return this.fieldIds.get(name) ?? -1;
  }
}

const tablesByLanguage = new WeakMap<Language, GrammarTables>();

/** What a finished tree keeps of its copying scratch space: facts may keep the tree a while. */
const NO_NODES = new Int32Array(0);

function tablesOf(language: Language): GrammarTables {
  let tables = tablesByLanguage.get(language);
  if (!tables) tablesByLanguage.set(language, (tables = new GrammarTables(language)));
  return tables;
}

export class FlatTree implements NodeSink {
  readonly size: number;
  readonly types: Uint16Array;
  readonly fields: Uint16Array;
  readonly starts: Uint32Array;
  readonly ends: Uint32Array;
  readonly parents: Int32Array;
  readonly nextSiblings: Int32Array;
  readonly previousSiblings: Int32Array;
  /** One past the last descendant of each node. */
  readonly subtreeEnds: Int32Array;
  private readonly flags: Uint8Array;
  /** The grammar's names, shared by every tree read with it. */
  private readonly grammar: GrammarTables;

  /**
   * Copies `tree` (parsed from `text`); the tree itself is not kept. By default the tree is read
   * straight from wasm memory (tree-memory.ts); `walk: 'direct'` and `'public'` take the cursor
   * walks instead, so that a test can compare all three.
   */
  static read(tree: Tree, text: string, walk: 'memory' | 'direct' | 'public' = 'memory', originals?: Uint32Array): FlatTree {
    const tables = tablesOf(tree.language);
    const size = tree.rootNode.descendantCount;
    if (walk === 'memory') {
      const read = new FlatTree(text, tables, size, originals);
      // A read that does not add up (a web-tree-sitter whose layout changed) gives way to the
      // cursor; the flat-tree test fails on it, so that the slowdown is not silent.
      if (readTreeFromMemory(tree, read, size) && read.count === size) {
        // Error flags came from each subtree's own error cost: nothing to propagate or look for.
        read.finishCopy();
        return read;
      }
    }
    const flat = new FlatTree(text, tables, size, originals);
    // Before the walk: the direct walker keeps its cursor where these calls would write.
    const hasError = tree.rootNode.hasError;
    const cursor = tree.walk();
    const walker = walk === 'public' ? publicCursorWalker(cursor) : cursorWalker(tree, cursor);
    try {
      flat.copy(walker);
    } finally {
      walker.release();
    }
    flat.finishCopy();
    if (hasError) flat.markErrors(tree.rootNode, 0);
    return flat;
  }

  /** Nodes added so far, while the tree is being copied. */
  private count = 0;
  /** The last child added under each node, while the tree is being copied; then released. */
  private lastChild: Int32Array;
  /**
   * When the tree was parsed from a compacted copy of `text` (compact-whitespace.ts): the offset
   * in `text` of each offset of the copy, while the tree is being copied; then released.
   */
  private originals: Uint32Array | undefined;

  private constructor(
    readonly text: string,
    tables: GrammarTables,
    size: number,
    originals: Uint32Array | undefined,
  ) {
    this.grammar = tables;
    this.originals = originals;
    this.size = size;
    this.types = new Uint16Array(size);
    this.fields = new Uint16Array(size);
    this.starts = new Uint32Array(size);
    this.ends = new Uint32Array(size);
    this.parents = new Int32Array(size);
    this.nextSiblings = new Int32Array(size).fill(-1);
    this.previousSiblings = new Int32Array(size).fill(-1);
    this.subtreeEnds = new Int32Array(size);
    this.flags = new Uint8Array(size);
    this.lastChild = new Int32Array(size).fill(-1);
  }

  /** Appends a node in document order: see NodeSink. */
  add(parent: number, typeId: number, fieldId: number, start: number, end: number, missing: boolean, hasError: boolean): number {
    const n = this.count++;
    // More nodes than the tree counted: only a read that has gone wrong gets here.
    if (n >= this.size) return -1;
    this.types[n] = typeId;
    this.fields[n] = fieldId;
    const originals = this.originals;
    if (originals === undefined) {
      this.starts[n] = start;
      this.ends[n] = end;
    } else if (end > start) {
      // A node's first and last characters are in the copy: map them, not the offsets between
      // characters, which may stand for several the copy left out.
      this.starts[n] = originals[start]!;
      this.ends[n] = originals[end - 1]! + 1;
    } else {
      // An empty node (a MISSING token) stands right after the character before it.
      const at = start > 0 ? originals[start - 1]! + 1 : 0;
      this.starts[n] = at;
      this.ends[n] = at;
    }
    this.parents[n] = parent;
    this.flags[n] = (missing ? MISSING : 0) | (hasError ? HAS_ERROR : 0);
    if (parent >= 0) {
      const previous = this.lastChild[parent]!;
      if (previous >= 0) {
        this.nextSiblings[previous] = n;
        this.previousSiblings[n] = previous;
      }
      this.lastChild[parent] = n;
    }
    return n;
  }

  private copy(walker: CursorWalker): void {
    // The open ancestors of the node under the cursor.
    const ancestors: number[] = [];
    for (;;) {
      const start = walker.startIndex();
      const end = walker.endIndex();
      const missing = start === end && walker.isMissing();
      // Error flags come after the walk (markErrors).
      const n = this.add(ancestors.length > 0 ? ancestors[ancestors.length - 1]! : -1, walker.typeId(), walker.fieldId(), start, end, missing, false);
      if (n < 0) throw new Error('the tree has more nodes than it counted');
      if (walker.gotoFirstChild()) {
        ancestors.push(n);
        continue;
      }
      while (!walker.gotoNextSibling()) {
        if (!walker.gotoParent()) {
          if (this.count !== this.size) throw new Error('the tree has fewer nodes than it counted');
          return;
        }
        ancestors.pop();
      }
    }
  }

  /** One ending for both walks, so that neither keeps its scratch array (an entry a node) as long as facts keep the tree. */
  private finishCopy(): void {
    this.markExtents();
    this.lastChild = NO_NODES;
    this.originals = undefined;
  }

  /** Subtree extents follow sibling links down. */
  private markExtents(): void {
    const { parents, nextSiblings, subtreeEnds, size } = this;
    for (let i = 0; i < size; i++) {
      const next = nextSiblings[i]!;
      const parent = parents[i]!;
      subtreeEnds[i] = next >= 0 ? next : parent >= 0 ? subtreeEnds[parent]! : size;
    }
  }

  /**
   * After a cursor walk: which nodes have errors, as web-tree-sitter says (a subtree's error
   * cost), asked along the nodes that have them, which are few. Flagging ERROR nodes and their
   * ancestors instead would be wrong twice: an ERROR leaf for one unexpected character costs
   * nothing, and a MISSING token the grammar hides (the newline that ends an `#include`) is
   * never visited by a cursor.
   */
  private markErrors(node: Node, index: number): void {
    this.flags[index]! |= HAS_ERROR;
    let child = this.firstChild(index);
    for (const c of node.children) {
      if (child < 0) break;
      if (c?.hasError) this.markErrors(c, child);
      child = this.nextSiblings[child]!;
    }
  }

  get root(): SyntaxNode {
    return new SyntaxNode(this, 0);
  }

  node(index: number): SyntaxNode {
    return new SyntaxNode(this, index);
  }

  typeName(index: number): string {
    return this.grammar.typeName(this.types[index]!);
  }

  isNamed(index: number): boolean {
    return this.grammar.isNamed(this.types[index]!);
  }

  hasError(index: number): boolean {
    return (this.flags[index]! & HAS_ERROR) !== 0;
  }

  isMissing(index: number): boolean {
    return (this.flags[index]! & MISSING) !== 0;
  }

  fieldId(name: string): number {
    return this.grammar.fieldId(name);
  }

  textOf(index: number): string {
    return this.text.slice(this.starts[index], this.ends[index]);
  }

  /** The first child with the field, or -1. Like web-tree-sitter, an ERROR node has no fields. */
  childWithField(index: number, fieldId: number): number {
    if (this.types[index] === ERROR_TYPE_ID) return -1;
    for (let c = this.firstChild(index); c >= 0; c = this.nextSiblings[c]!) {
      if (this.fields[c] === fieldId) return c;
    }
    return -1;
  }

  firstChild(index: number): number {
    return index + 1 < this.size && this.parents[index + 1] === index ? index + 1 : -1;
  }

  /** Nodes of the named types under `index` (itself included), in document order. */
  descendantsOfTypes(index: number, types: readonly string[]): number[] {
    const mask = this.grammar.typeIdMask(types);
    const nodeTypes = this.types;
    const out: number[] = [];
    const end = this.subtreeEnds[index]!;
    for (let i = index; i < end; i++) if (mask[nodeTypes[i]!] === 1) out.push(i);
    return out;
  }
}

/**
 * One node of a FlatTree, with the part of web-tree-sitter's Node interface that fact
 * extraction uses. Cheap to make: a tree and an index. `id` is the index, unique in its tree.
 */
export class SyntaxNode {
  constructor(
    readonly tree: FlatTree,
    readonly id: number,
  ) {}

  get type(): string {
    return this.tree.typeName(this.id);
  }

  get typeId(): number {
    return this.tree.types[this.id]!;
  }

  get startIndex(): number {
    return this.tree.starts[this.id]!;
  }

  get endIndex(): number {
    return this.tree.ends[this.id]!;
  }

  get text(): string {
    return this.tree.textOf(this.id);
  }

  get isNamed(): boolean {
    return this.tree.isNamed(this.id);
  }

  get hasError(): boolean {
    return this.tree.hasError(this.id);
  }

  get isMissing(): boolean {
    return this.tree.isMissing(this.id);
  }

  get parent(): SyntaxNode | null {
    const p = this.tree.parents[this.id]!;
    return p >= 0 ? new SyntaxNode(this.tree, p) : null;
  }

  get previousSibling(): SyntaxNode | null {
    const p = this.tree.previousSiblings[this.id]!;
    return p >= 0 ? new SyntaxNode(this.tree, p) : null;
  }

  get children(): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = this.tree.firstChild(this.id); c >= 0; c = this.tree.nextSiblings[c]!) out.push(new SyntaxNode(this.tree, c));
    return out;
  }

  get namedChildren(): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = this.tree.firstChild(this.id); c >= 0; c = this.tree.nextSiblings[c]!) {
      if (this.tree.isNamed(c)) out.push(new SyntaxNode(this.tree, c));
    }
    return out;
  }

  child(position: number): SyntaxNode | null {
    let i = 0;
    for (let c = this.tree.firstChild(this.id); c >= 0; c = this.tree.nextSiblings[c]!, i++) {
      if (i === position) return new SyntaxNode(this.tree, c);
    }
    return null;
  }

  childForFieldName(name: string): SyntaxNode | null {
    const c = this.tree.childWithField(this.id, this.tree.fieldId(name));
    return c >= 0 ? new SyntaxNode(this.tree, c) : null;
  }

  childrenForFieldName(name: string): SyntaxNode[] {
    const field = this.tree.fieldId(name);
    const out: SyntaxNode[] = [];
    if (this.typeId === ERROR_TYPE_ID) return out;
    for (let c = this.tree.firstChild(this.id); c >= 0; c = this.tree.nextSiblings[c]!) {
      if (this.tree.fields[c] === field) out.push(new SyntaxNode(this.tree, c));
    }
    return out;
  }
}
