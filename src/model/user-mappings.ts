/**
 * Calls that map an MDL's pages into a process's address space. With AccessMode UserMode they
 * map into whichever process is current, which is what the process-context rule is about and
 * why such a call needs APC_LEVEL or lower.
 */
import type { CallFact } from '../parser/facts.js';
import type { CallSite } from './functions.js';

export const MAPPING_CALLS: ReadonlySet<string> = new Set(['MmMapLockedPagesSpecifyCache', 'MmMapLockedPages']);

/** A call of a mapping DDI, whatever its access mode. */
export function isMappingCall(call: CallFact): boolean {
  return MAPPING_CALLS.has(call.callee) && call.calleeKind === 'identifier';
}

/** A mapping DDI (not a driver function of the same name) called with AccessMode UserMode. */
export function isUserModeMapping(site: CallSite): boolean {
  return isMappingCall(site.call) && site.callees.length === 0 && site.call.argCores[1]?.replace(/\s+/g, '') === 'UserMode';
}
