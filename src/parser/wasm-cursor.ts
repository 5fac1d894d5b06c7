/**
 * Walks a tree with web-tree-sitter's wasm exports called directly. The public TreeCursor
 * copies its state into the wasm heap and back on every step and every question; here the
 * state is written once and stays in web-tree-sitter's transfer buffer while the walk runs,
 * which makes copying a tree (see flat-tree.ts) about four times faster.
 *
 * This leans on two things web-tree-sitter does not document: the options object given to
 * `Parser.init` becomes the Emscripten module (which then carries `HEAP32`, `_ts_init` and
 * the `_ts_tree_cursor_*_wasm` exports), and a Tree or TreeCursor keeps its wasm handles at
 * indices 0–3. The version is pinned; if either ever stops holding, the walk falls back to the
 * public TreeCursor, and a test fails so that the slowdown is not silent.
 */
import type { Tree, TreeCursor } from 'web-tree-sitter';

export interface CursorWalker {
  typeId(): number;
  fieldId(): number;
  startIndex(): number;
  endIndex(): number;
  isMissing(): boolean;
  gotoFirstChild(): boolean;
  gotoNextSibling(): boolean;
  gotoParent(): boolean;
  /** Frees the cursor. */
  release(): void;
}

type CursorExport = (tree: number) => number;

interface WasmBinding {
  HEAP32: Int32Array;
  _ts_init(): number;
  _ts_tree_cursor_current_node_type_id_wasm: CursorExport;
  _ts_tree_cursor_current_field_id_wasm: CursorExport;
  _ts_tree_cursor_start_index_wasm: CursorExport;
  _ts_tree_cursor_end_index_wasm: CursorExport;
  _ts_tree_cursor_current_node_is_missing_wasm: CursorExport;
  _ts_tree_cursor_goto_first_child_wasm: CursorExport;
  _ts_tree_cursor_goto_next_sibling_wasm: CursorExport;
  _ts_tree_cursor_goto_parent_wasm: CursorExport;
}

/** Given to `Parser.init`; Emscripten fills it with the module's exports. */
export const emscriptenModule: Record<string, unknown> = {};

const REQUIRED: readonly (keyof WasmBinding)[] = [
  '_ts_init',
  '_ts_tree_cursor_current_node_type_id_wasm',
  '_ts_tree_cursor_current_field_id_wasm',
  '_ts_tree_cursor_start_index_wasm',
  '_ts_tree_cursor_end_index_wasm',
  '_ts_tree_cursor_current_node_is_missing_wasm',
  '_ts_tree_cursor_goto_first_child_wasm',
  '_ts_tree_cursor_goto_next_sibling_wasm',
  '_ts_tree_cursor_goto_parent_wasm',
];

let transferBuffer: number | undefined;

function binding(): WasmBinding | undefined {
  const m = emscriptenModule;
  if (!(m['HEAP32'] instanceof Int32Array) || REQUIRED.some((name) => typeof m[name] !== 'function')) return undefined;
  return m as unknown as WasmBinding;
}

/** Whether walks take the direct path; a test keeps it true. */
export function directWalksAvailable(): boolean {
  return binding() !== undefined;
}

/** Handles a Tree or TreeCursor keeps at its numeric indices. */
type Handles = Record<0 | 1 | 2 | 3, number>;

export function cursorWalker(tree: Tree, cursor: TreeCursor): CursorWalker {
  const wasm = binding();
  const treeHandle = (tree as unknown as Handles)[0];
  const cursorHandles = cursor as unknown as Handles;
  if (!wasm || typeof treeHandle !== 'number' || typeof cursorHandles[0] !== 'number') return publicCursorWalker(cursor);
  // _ts_init only returns the address of the static transfer buffer: calling it again is harmless.
  transferBuffer ??= wasm._ts_init() >> 2;
  const at = transferBuffer;
  // HEAP32 is replaced when the wasm memory grows; read it at each use, not once.
  for (let i = 0; i < 4; i++) wasm.HEAP32[at + i] = cursorHandles[i as 0 | 1 | 2 | 3];
  return {
    typeId: () => wasm._ts_tree_cursor_current_node_type_id_wasm(treeHandle),
    fieldId: () => wasm._ts_tree_cursor_current_field_id_wasm(treeHandle),
    startIndex: () => wasm._ts_tree_cursor_start_index_wasm(treeHandle),
    endIndex: () => wasm._ts_tree_cursor_end_index_wasm(treeHandle),
    isMissing: () => wasm._ts_tree_cursor_current_node_is_missing_wasm(treeHandle) === 1,
    gotoFirstChild: () => wasm._ts_tree_cursor_goto_first_child_wasm(treeHandle) === 1,
    gotoNextSibling: () => wasm._ts_tree_cursor_goto_next_sibling_wasm(treeHandle) === 1,
    gotoParent: () => wasm._ts_tree_cursor_goto_parent_wasm(treeHandle) === 1,
    release: () => {
      // The cursor's own copy of its state is stale after the walk; take the current one back.
      for (let i = 0; i < 4; i++) cursorHandles[i as 0 | 1 | 2 | 3] = wasm.HEAP32[at + i]!;
      cursor.delete();
    },
  };
}

/** The same walk through web-tree-sitter's documented TreeCursor. */
export function publicCursorWalker(cursor: TreeCursor): CursorWalker {
  return {
    typeId: () => cursor.nodeTypeId,
    fieldId: () => cursor.currentFieldId,
    startIndex: () => cursor.startIndex,
    endIndex: () => cursor.endIndex,
    isMissing: () => cursor.nodeIsMissing,
    gotoFirstChild: () => cursor.gotoFirstChild(),
    gotoNextSibling: () => cursor.gotoNextSibling(),
    gotoParent: () => cursor.gotoParent(),
    release: () => cursor.delete(),
  };
}
