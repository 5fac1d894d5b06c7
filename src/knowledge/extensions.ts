/**
 * Facts a codebase adds about its own wrappers (from `drvcheck.json`): a helper that must be
 * called at PASSIVE_LEVEL, a lock wrapper that raises the IRQL, a function that is an EvtIoRead
 * callback, a wrapper that registers a callback. They extend the built-in tables for one unit.
 */
import type { IrqlLevel } from './ddi.js';
import type { LockAcquire } from './locks.js';

export interface KnowledgeExtensions {
  readonly ddis: ReadonlyMap<string, { readonly max: IrqlLevel; readonly why?: string; readonly source: string }>;
  readonly locks: ReadonlyMap<string, LockAcquire & { readonly source: string }>;
  /** Function name → role type it has. */
  readonly functionRoles: ReadonlyMap<string, { readonly roleType: string; readonly source: string }>;
  readonly registrations: ReadonlyMap<string, { readonly arg: number; readonly role: string; readonly source: string }>;
}

export const NO_EXTENSIONS: KnowledgeExtensions = {
  ddis: new Map(),
  locks: new Map(),
  functionRoles: new Map(),
  registrations: new Map(),
};
