/**
 * Calls that raise the IRQL until a matching release: spin locks, interrupt locks, fast
 * mutexes and explicit raises. `key` is the argument that pairs an acquire with its release.
 */
import type { IrqlLevel } from './ddi.js';

export interface LockAcquire {
  readonly raisesTo: IrqlLevel | 'argument';
  /** Argument index naming the lock (or, for raises, the saved-IRQL variable). */
  readonly key: number;
  readonly releasedBy: readonly string[];
  /** Argument index of the release call that names the same lock. */
  readonly releaseKey: number;
  readonly what: string;
}

const spin = (releasedBy: string[], key = 0, releaseKey = 0): LockAcquire => ({ raisesTo: 'DISPATCH', key, releasedBy, releaseKey, what: 'spin lock' });

export const LOCK_ACQUIRES: Readonly<Record<string, LockAcquire>> = {
  KeAcquireSpinLock: spin(['KeReleaseSpinLock']),
  KeAcquireSpinLockRaiseToDpc: spin(['KeReleaseSpinLock']),
  KeAcquireSpinLockAtDpcLevel: spin(['KeReleaseSpinLockFromDpcLevel']),
  KeAcquireSpinLockForDpc: spin(['KeReleaseSpinLockForDpc']),
  KeAcquireInStackQueuedSpinLock: spin(['KeReleaseInStackQueuedSpinLock'], 1, 0),
  KeAcquireInStackQueuedSpinLockAtDpcLevel: spin(['KeReleaseInStackQueuedSpinLockFromDpcLevel'], 1, 0),
  KeAcquireInStackQueuedSpinLockForDpc: spin(['KeReleaseInStackQueuedSpinLockForDpc'], 1, 0),
  ExAcquireSpinLockExclusive: spin(['ExReleaseSpinLockExclusive']),
  ExAcquireSpinLockShared: spin(['ExReleaseSpinLockShared']),
  ExAcquireSpinLockExclusiveAtDpcLevel: spin(['ExReleaseSpinLockExclusiveFromDpcLevel']),
  ExAcquireSpinLockSharedAtDpcLevel: spin(['ExReleaseSpinLockSharedFromDpcLevel']),
  WdfSpinLockAcquire: { ...spin(['WdfSpinLockRelease']), what: 'WDF spin lock' },
  NdisAcquireSpinLock: spin(['NdisReleaseSpinLock']),
  NdisDprAcquireSpinLock: spin(['NdisDprReleaseSpinLock']),
  WdfInterruptAcquireLock: { raisesTo: 'DIRQL', key: 0, releasedBy: ['WdfInterruptReleaseLock'], releaseKey: 0, what: 'interrupt lock' },
  KeAcquireInterruptSpinLock: { raisesTo: 'DIRQL', key: 0, releasedBy: ['KeReleaseInterruptSpinLock'], releaseKey: 0, what: 'interrupt spin lock' },
  ExAcquireFastMutex: { raisesTo: 'APC', key: 0, releasedBy: ['ExReleaseFastMutex'], releaseKey: 0, what: 'fast mutex' },
  KeRaiseIrql: { raisesTo: 'argument', key: 1, releasedBy: ['KeLowerIrql'], releaseKey: 0, what: 'KeRaiseIrql' },
};

const ACQUIRE_BY_CALLEE: ReadonlyMap<string, LockAcquire> = new Map(Object.entries(LOCK_ACQUIRES));

/** The lock a call acquires, by callee name: a lookup made for every call of a unit. */
export function lockAcquiredBy(callee: string): LockAcquire | undefined {
  return ACQUIRE_BY_CALLEE.get(callee);
}

/** Calls that read the current IRQL: code after them may branch on it, so the analysis stops guessing. */
export const IRQL_QUERIES = new Set(['KeGetCurrentIrql', 'KeAreApcsDisabled', 'KeAreAllApcsDisabled']);

/**
 * Releases whose own IRQL requirement restates the acquire's: when the acquire is earlier in
 * the same function, the defect is reported once, at the acquire.
 */
export const RELEASE_OF: Readonly<Record<string, readonly string[]>> = {
  ExReleaseFastMutex: ['ExAcquireFastMutex', 'ExTryToAcquireFastMutex'],
  ExReleaseFastMutexUnsafe: ['ExAcquireFastMutexUnsafe'],
  KeReleaseGuardedMutex: ['KeAcquireGuardedMutex', 'KeTryToAcquireGuardedMutex'],
  KeReleaseMutex: ['KeWaitForSingleObject', 'KeWaitForMutexObject'],
  ExReleaseResourceLite: ['ExAcquireResourceExclusiveLite', 'ExAcquireResourceSharedLite', 'ExAcquireSharedStarveExclusive', 'ExAcquireSharedWaitForExclusive'],
  ExReleaseResourceAndLeaveCriticalRegion: ['ExEnterCriticalRegionAndAcquireResourceExclusive', 'ExEnterCriticalRegionAndAcquireResourceShared'],
  WdfWaitLockRelease: ['WdfWaitLockAcquire'],
  FltReleaseResource: ['FltAcquireResourceExclusive', 'FltAcquireResourceShared'],
  FltReleasePushLock: ['FltAcquirePushLockExclusive', 'FltAcquirePushLockShared'],
  ExReleasePushLockExclusive: ['ExAcquirePushLockExclusive'],
  ExReleasePushLockShared: ['ExAcquirePushLockShared'],
};

const ACQUIRES_OF_RELEASE: ReadonlyMap<string, readonly string[]> = new Map(Object.entries(RELEASE_OF));

/** The acquires a release call pairs with (see `RELEASE_OF`). */
export function acquiresReleasedBy(callee: string): readonly string[] | undefined {
  return ACQUIRES_OF_RELEASE.get(callee);
}
