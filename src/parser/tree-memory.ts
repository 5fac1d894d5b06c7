/**
 * Reads a parsed tree straight out of web-tree-sitter's wasm memory, with no call into wasm
 * per node.
 *
 * Why: even the direct cursor walk (wasm-cursor.ts) makes about six wasm calls per node (type,
 * field, start, end, first child, next sibling), and each call re-derives the cursor's node
 * from its stack. The subtrees a parse leaves behind are plain structs in the module's linear
 * memory, so one loop in JavaScript can read them in the order a cursor would, for a fraction
 * of the cost.
 *
 * This follows the C sources of the pinned web-tree-sitter (its .wasm.map carries them):
 * `lib/src/subtree.h` for the layout of a subtree, `lib/src/tree_cursor.c` for which subtrees
 * a cursor shows (visible ones, aliased ones, and the visible children of hidden ones), for
 * where each starts, and for how a field name reaches a node through hidden wrappers; and
 * `struct TSLanguage` for the alias sequences, field maps and public symbol map. Before any
 * tree is read, the language's counts are checked against what web-tree-sitter reports; a read
 * that finds more or fewer nodes than the tree counts gives way to the cursor walk. Neither
 * proves the subtree layout: the flat-tree test does, comparing every node of every fixture
 * with web-tree-sitter's answers, and it fails if the memory read is not taken.
 */
import type { Language, Tree } from 'web-tree-sitter';
import { doubled } from '../typed-arrays.js';
import { emscriptenModule } from './wasm-cursor.js';

/** Receives the nodes of a tree in document order (pre-order), as a cursor visits them. */
export interface NodeSink {
  /** Adds a node under `parent` (-1 for the root) and returns its index; -1 when it has no room left. */
  add(parent: number, typeId: number, fieldId: number, start: number, end: number, missing: boolean, hasError: boolean): number;
}

interface Heap {
  u8: Uint8Array;
  u16: Uint16Array;
  u32: Uint32Array;
}

/** What a tree's language holds that a cursor consults, as addresses in wasm memory. */
interface LanguageTables {
  readonly maxAliasSequenceLength: number;
  readonly aliasSequences: number;
  readonly fieldCount: number;
  readonly fieldMapSlices: number;
  readonly fieldMapEntries: number;
  readonly publicSymbolMap: number;
}

/** `ts_builtin_sym_error`: never mapped through the public symbol map. */
const ERROR_SYMBOL = 0xffff;

// Offsets in `struct TSLanguage` (wasm32: 4-byte pointers).
const LANGUAGE_VERSION = 0;
const LANGUAGE_SYMBOL_COUNT = 4;
const LANGUAGE_ALIAS_COUNT = 8;
const LANGUAGE_FIELD_COUNT = 32;
const LANGUAGE_MAX_ALIAS_SEQUENCE_LENGTH = 36;
const LANGUAGE_FIELD_MAP_SLICES = 64;
const LANGUAGE_FIELD_MAP_ENTRIES = 68;
const LANGUAGE_PUBLIC_SYMBOL_MAP = 76;
const LANGUAGE_ALIAS_SEQUENCES = 84;

// Offsets in `SubtreeHeapData`, the form of every node with children.
const HEAP_PADDING_BYTES = 4;
const HEAP_SIZE_BYTES = 16;
const HEAP_ERROR_COST = 32;
const HEAP_CHILD_COUNT = 36;
const HEAP_SYMBOL = 40;
const HEAP_FLAGS = 44; // visible, named, extra, … in bits 0, 1, 2
const HEAP_MORE_FLAGS = 45; // depends_on_column, is_missing, is_keyword in bits 0, 1, 2
const HEAP_VISIBLE_CHILD_COUNT = 48;
const HEAP_PRODUCTION_ID = 66;

// `SubtreeInlineData`, the 8-byte form of small leaves: flags, symbol, …, padding, size.
const INLINE_SYMBOL = 1;
const INLINE_PADDING_BYTES = 6;
const INLINE_SIZE_BYTES = 7;
/** A `Subtree` is a union of the inline data and a pointer: 8 bytes in wasm32. */
const SUBTREE_SIZE = 8;
/** `struct TSTree` starts with its root `Subtree`, then the language pointer. */
const TREE_LANGUAGE = 8;

const tablesByAddress = new Map<number, LanguageTables | null>();

function heap(): Heap | undefined {
  const m = emscriptenModule;
  const u8 = m['HEAPU8'];
  const u16 = m['HEAPU16'];
  const u32 = m['HEAPU32'];
  if (!(u8 instanceof Uint8Array) || !(u16 instanceof Uint16Array) || !(u32 instanceof Uint32Array)) return undefined;
  return { u8, u16, u32 };
}

/** The handle a Tree keeps at index 0: the address of its `TSTree`. */
function treeAddress(tree: Tree): number | undefined {
  const address = (tree as unknown as Record<0, unknown>)[0];
  return typeof address === 'number' && address > 0 ? address : undefined;
}

/**
 * The language's tables, or null when its struct does not look like the layout above: the
 * counts must agree with what web-tree-sitter reports through its own exports.
 */
function languageTables(h: Heap, address: number, language: Language): LanguageTables | null {
  let tables = tablesByAddress.get(address);
  if (tables !== undefined) return tables;
  const u32 = (offset: number): number => h.u32[(address + offset) >>> 2]!;
  const version = u32(LANGUAGE_VERSION);
  const symbolCount = u32(LANGUAGE_SYMBOL_COUNT) + u32(LANGUAGE_ALIAS_COUNT);
  const fieldCount = u32(LANGUAGE_FIELD_COUNT);
  const plausible = version >= 13 && version <= 15 && symbolCount === language.types.length && fieldCount === language.fields.length - 1;
  tables = plausible
    ? {
        maxAliasSequenceLength: h.u16[(address + LANGUAGE_MAX_ALIAS_SEQUENCE_LENGTH) >>> 1]!,
        aliasSequences: u32(LANGUAGE_ALIAS_SEQUENCES),
        fieldCount,
        fieldMapSlices: u32(LANGUAGE_FIELD_MAP_SLICES),
        fieldMapEntries: u32(LANGUAGE_FIELD_MAP_ENTRIES),
        publicSymbolMap: u32(LANGUAGE_PUBLIC_SYMBOL_MAP),
      }
    : null;
  tablesByAddress.set(address, tables);
  return tables;
}

/**
 * Whether the read FlatTree.read takes gets the whole of `tree`. FlatTree.read gives way to the
 * cursor without a word, so the flat-tree test needs the read itself, not only the language
 * tables it starts from, to notice. The sink counts, and refuses a node past the tree's count
 * as FlatTree does, so that a read gone wrong stops where it would there.
 */
export function memoryReadable(tree: Tree): boolean {
  const size = tree.rootNode.descendantCount;
  let count = 0;
  const counter: NodeSink = { add: () => (count < size ? count++ : -1) };
  return readTreeFromMemory(tree, counter, size) && count === size;
}

/**
 * The parents whose children are being read, as a stack of records of FRAME_SIZE numbers in
 * one typed array: a tree has as many parents as leaves, and an object for each would be most
 * of the garbage a file makes. A hidden parent's children are shown as children of its
 * nearest visible ancestor, and a field it holds in its own parent passes to them.
 */
const FRAME_SIZE = 10;
/** Address of the parent's first child. */
const F_CHILDREN = 0;
const F_CHILD_COUNT = 1;
const F_NEXT = 2;
/** Index of the next child among those that are not extras: alias and field maps count these. */
const F_STRUCTURAL = 3;
/** Byte offset where the next child starts (its padding already skipped). */
const F_POSITION = 4;
/** Address of the parent's alias sequence, or 0. */
const F_ALIASES = 5;
/** Addresses of the parent's field-map entries. */
const F_FIELDS_FROM = 6;
const F_FIELDS_TO = 7;
/** Flat index the children are shown under. */
const F_SHOWN_UNDER = 8;
/** The field a hidden parent holds, which its children inherit; 0 under a visible parent. */
const F_INHERITED_FIELD = 9;

/** Shared by every read: reads do not nest, and the stack only grows to the deepest tree seen. */
let frameStack: Uint32Array<ArrayBuffer> = new Uint32Array(64 * FRAME_SIZE);

/**
 * Sends every node of `tree` (`size` of them, as the tree counts) to `sink` in the order a
 * cursor visits them. Returns false when the tree cannot be read from memory: having sent
 * nothing, or, when the read goes wrong, part of it.
 */
export function readTreeFromMemory(tree: Tree, sink: NodeSink, size: number): boolean {
  const h = heap();
  const address = treeAddress(tree);
  if (!h || address === undefined) return false;
  const tables = languageTables(h, h.u32[(address + TREE_LANGUAGE) >>> 2]!, tree.language);
  if (!tables) return false;
  return readSubtrees(h.u8, h.u16, h.u32, tables, address, sink, size);
}

/**
 * The loop of readTreeFromMemory, apart so that nothing it reads lives in a closure's context:
 * every value the loop reads at each node is a local or a parameter. With the stack and the
 * counters shared with helper closures, as before, V8 kept them on the heap, and copying every
 * tree of Windows-driver-samples took about 0.43 s on one thread against about 0.37 s now
 * (the last two of three rounds each, over the same trees).
 */
function readSubtrees(u8: Uint8Array, u16: Uint16Array, u32: Uint32Array, tables: LanguageTables, address: number, sink: NodeSink, size: number): boolean {
  const publicSymbolMap = tables.publicSymbolMap >>> 1;
  const fieldCount = tables.fieldCount;
  const fieldMapSlices = tables.fieldMapSlices >>> 1;
  const fieldMapEntries = tables.fieldMapEntries;
  const aliasSequences = tables.aliasSequences;
  const aliasStride = tables.maxAliasSequenceLength * 2;

  // The root: a heap subtree unless the tree is a single small leaf.
  const rootInline = (u8[address]! & 1) === 1;
  const root = rootInline ? 0 : u32[address >>> 2]!;
  const rootStart = rootInline ? u8[address + INLINE_PADDING_BYTES]! : u32[(root + HEAP_PADDING_BYTES) >>> 2]!;
  const rootSize = rootInline ? u8[address + INLINE_SIZE_BYTES]! : u32[(root + HEAP_SIZE_BYTES) >>> 2]!;
  const rootSymbol = rootInline ? u8[address + INLINE_SYMBOL]! : u16[(root + HEAP_SYMBOL) >>> 1]!;
  const rootMissing = rootInline ? (u8[address]! & 0x20) !== 0 : (u8[root + HEAP_MORE_FLAGS]! & 2) !== 0;
  const rootError = rootMissing || (!rootInline && u32[(root + HEAP_ERROR_COST) >>> 2]! > 0);
  const rootPublic = rootSymbol === ERROR_SYMBOL ? rootSymbol : u16[publicSymbolMap + rootSymbol]!;
  const rootIndex = sink.add(-1, rootPublic, 0, rootStart >>> 1, (rootStart + rootSize) >>> 1, rootMissing, rootError);
  if (rootIndex < 0) return false;
  const rootChildren = rootInline ? 0 : u32[(root + HEAP_CHILD_COUNT) >>> 2]!;

  let f = frameStack;
  let top = -FRAME_SIZE;
  // Opens a parent: pushes a frame for its children (the same steps at the root and below).
  let opening = rootChildren > 0 ? root : 0;
  let openingCount = rootChildren;
  let openingPosition = rootStart;
  let openingShownUnder = rootIndex;
  let openingField = 0;

  // Hidden subtrees are visited but not counted: this bounds a read of a layout gone wrong.
  let budget = 64 * size + 4096;
  for (;;) {
    if (opening !== 0) {
      const productionId = u16[(opening + HEAP_PRODUCTION_ID) >>> 1]!;
      let fieldsFrom = 0;
      let fieldsTo = 0;
      if (fieldCount > 0) {
        // TSMapSlice {uint16 index; uint16 length}; TSFieldMapEntry is 4 bytes.
        const slice = fieldMapSlices + productionId * 2;
        fieldsFrom = fieldMapEntries + u16[slice]! * 4;
        fieldsTo = fieldsFrom + u16[slice + 1]! * 4;
      }
      top += FRAME_SIZE;
      if (top + FRAME_SIZE > f.length) frameStack = f = doubled(f);
      f[top + F_CHILDREN] = opening - openingCount * SUBTREE_SIZE;
      f[top + F_CHILD_COUNT] = openingCount;
      f[top + F_NEXT] = 0;
      f[top + F_STRUCTURAL] = 0;
      f[top + F_POSITION] = openingPosition;
      f[top + F_ALIASES] = productionId === 0 ? 0 : aliasSequences + productionId * aliasStride;
      f[top + F_FIELDS_FROM] = fieldsFrom;
      f[top + F_FIELDS_TO] = fieldsTo;
      f[top + F_SHOWN_UNDER] = openingShownUnder;
      f[top + F_INHERITED_FIELD] = openingField;
      opening = 0;
    }
    if (top < 0) return true;
    if (--budget < 0) return false;
    const frame = top;
    const childCount = f[frame + F_CHILD_COUNT]!;
    const next = f[frame + F_NEXT]!;
    if (next === childCount) {
      top -= FRAME_SIZE;
      continue;
    }
    const children = f[frame + F_CHILDREN]!;
    const at = children + next * SUBTREE_SIZE;
    const inline = (u8[at]! & 1) === 1;
    const subtree = inline ? 0 : u32[at >>> 2]!;
    let visible: boolean;
    let extra: boolean;
    let missing: boolean;
    let symbol: number;
    let size: number;
    let grandchildren = 0;
    let errorCost: number;
    if (inline) {
      const flags = u8[at]!;
      visible = (flags & 2) !== 0;
      extra = (flags & 8) !== 0;
      missing = (flags & 0x20) !== 0;
      symbol = u8[at + INLINE_SYMBOL]!;
      size = u8[at + INLINE_SIZE_BYTES]!;
      errorCost = 0;
    } else {
      const flags = u8[subtree + HEAP_FLAGS]!;
      visible = (flags & 1) !== 0;
      extra = (flags & 4) !== 0;
      missing = (u8[subtree + HEAP_MORE_FLAGS]! & 2) !== 0;
      symbol = u16[(subtree + HEAP_SYMBOL) >>> 1]!;
      size = u32[(subtree + HEAP_SIZE_BYTES) >>> 2]!;
      grandchildren = u32[(subtree + HEAP_CHILD_COUNT) >>> 2]!;
      errorCost = u32[(subtree + HEAP_ERROR_COST) >>> 2]!;
    }
    const start = f[frame + F_POSITION]!;
    const structural = f[frame + F_STRUCTURAL]!;
    let alias = 0;
    if (!extra) {
      const aliases = f[frame + F_ALIASES]!;
      if (aliases !== 0) alias = u16[(aliases >>> 1) + structural]!;
      f[frame + F_STRUCTURAL] = structural + 1;
    }
    // Step past this child and the padding of the next, as the cursor's child iterator does.
    let position = start + size;
    f[frame + F_NEXT] = next + 1;
    if (next + 1 < childCount) {
      const following = at + SUBTREE_SIZE;
      position += (u8[following]! & 1) === 1 ? u8[following + INLINE_PADDING_BYTES]! : u32[(u32[following >>> 2]! + HEAP_PADDING_BYTES) >>> 2]!;
    }
    f[frame + F_POSITION] = position;
    // A field reaches a node through hidden wrappers, but never through an extra. The parent's
    // map gives a child its own field by entries that are not inherited.
    let field = 0;
    if (!extra) {
      const to = f[frame + F_FIELDS_TO]!;
      for (let entry = f[frame + F_FIELDS_FROM]!; entry < to; entry += 4) {
        // TSFieldMapEntry {uint16 field_id; uint8 child_index; bool inherited}.
        if (u8[entry + 3] === 0 && u8[entry + 2] === structural) {
          field = u16[entry >>> 1]!;
          break;
        }
      }
      if (field === 0) field = f[frame + F_INHERITED_FIELD]!;
    }
    const shownUnder = f[frame + F_SHOWN_UNDER]!;
    if (visible || alias !== 0) {
      const shown = alias || symbol;
      const index = sink.add(shownUnder, shown === ERROR_SYMBOL ? shown : u16[publicSymbolMap + shown]!, field, start >>> 1, (start + size) >>> 1, missing, missing || errorCost > 0);
      // More nodes than the tree counted: the layout is not what this reader expects.
      if (index < 0) return false;
      if (grandchildren > 0) {
        opening = subtree;
        openingCount = grandchildren;
        openingPosition = start;
        openingShownUnder = index;
        openingField = 0;
      }
    } else if (grandchildren > 0 && u32[(subtree + HEAP_VISIBLE_CHILD_COUNT) >>> 2]! > 0) {
      opening = subtree;
      openingCount = grandchildren;
      openingPosition = start;
      openingShownUnder = shownUnder;
      openingField = field;
    }
  }
}
