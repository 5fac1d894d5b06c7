/**
 * Facts about WDM and filter-manager routines that the WDM and minifilter rules need: which
 * argument is the IRP, the MDL, the queue, the section context; which calls disable normal
 * kernel APCs until a matching call enables them again. Tables, not branches: a routine the
 * rules should know is a new row. Sources: the WDK reference pages named beside each table.
 */
import { LOCK_ACQUIRES } from './locks.js';

/** Routines that read or map an MDL passed as their first argument (wdm.h MmGetMdl*, MmGetSystemAddressForMdl*). */
export const MDL_READERS: ReadonlySet<string> = new Set([
  'MmGetMdlByteCount',
  'MmGetMdlByteOffset',
  'MmGetMdlVirtualAddress',
  'MmGetMdlBaseVa',
  'MmGetMdlPfnArray',
  'MmGetSystemAddressForMdlSafe',
  'MmGetSystemAddressForMdl',
  'MmMapLockedPagesSpecifyCache',
  'MmMapLockedPages',
  'MmMapLockedPagesWithReservedMapping',
]);

/** Calls that send an IRP to the next lower driver, and the index of the IRP argument. */
export const IRP_SENDERS: Readonly<Record<string, number>> = {
  IoCallDriver: 1,
  IofCallDriver: 1,
  PoCallDriver: 1,
};

/** Calls that set up the next I/O stack location of the IRP passed first (Passing IRPs down the driver stack). */
export const NEXT_LOCATION_SETUP: ReadonlySet<string> = new Set([
  'IoCopyCurrentIrpStackLocationToNext',
  'IoSkipCurrentIrpStackLocation',
  'IoGetNextIrpStackLocation',
  'IoSetNextIrpStackLocation',
]);

export const COMPLETION_ROUTINE_SETTERS: Readonly<Record<string, { readonly irp: number; readonly routine: number }>> = {
  IoSetCompletionRoutine: { irp: 0, routine: 1 },
  IoSetCompletionRoutineEx: { irp: 1, routine: 2 },
};

/** Calls that mark the IRP passed at the index pending (IoCsqInsertIrp marks it itself). */
export const PENDING_MARKERS: Readonly<Record<string, number>> = {
  IoMarkIrpPending: 0,
  IoCsqInsertIrp: 1,
  IoCsqInsertIrpEx: 1,
};

/** Pool allocation routines (ExAllocatePool* family); their result is the allocation. */
export const POOL_ALLOCATORS: ReadonlySet<string> = new Set([
  'ExAllocatePool',
  'ExAllocatePoolWithTag',
  'ExAllocatePoolWithTagPriority',
  'ExAllocatePoolWithQuota',
  'ExAllocatePoolWithQuotaTag',
  'ExAllocatePool2',
  'ExAllocatePool3',
  'ExAllocatePoolZero',
  'ExAllocatePoolUninitialized',
  'ExAllocatePoolQuotaZero',
  'ExAllocatePoolQuotaUninitialized',
  'ExAllocatePoolPriorityZero',
  'ExAllocatePoolPriorityUninitialized',
]);

/** Pool free routines; the block is their first argument. */
export const POOL_FREES: ReadonlySet<string> = new Set(['ExFreePool', 'ExFreePoolWithTag', 'ExFreePool2']);

/** How a driver queues an IRP it received, and which arguments name the queue and the IRP. */
export interface IrpQueueInsert {
  readonly kind: 'cancel-safe queue' | 'list' | 'device queue' | 'StartIo queue';
  /** Argument naming the queue, or undefined for the device's StartIo queue. */
  readonly queue?: number;
  /** Argument holding the IRP, or its list entry (`&Irp->Tail.Overlay.ListEntry`). */
  readonly irp: number;
}

export const IRP_QUEUE_INSERTS: Readonly<Record<string, IrpQueueInsert>> = {
  IoCsqInsertIrp: { kind: 'cancel-safe queue', queue: 0, irp: 1 },
  IoCsqInsertIrpEx: { kind: 'cancel-safe queue', queue: 0, irp: 1 },
  InsertTailList: { kind: 'list', queue: 0, irp: 1 },
  InsertHeadList: { kind: 'list', queue: 0, irp: 1 },
  ExInterlockedInsertTailList: { kind: 'list', queue: 0, irp: 1 },
  ExInterlockedInsertHeadList: { kind: 'list', queue: 0, irp: 1 },
  KeInsertDeviceQueue: { kind: 'device queue', queue: 0, irp: 1 },
  KeInsertByKeyDeviceQueue: { kind: 'device queue', queue: 0, irp: 1 },
  IoStartPacket: { kind: 'StartIo queue', irp: 1 },
};

/** Calls that take IRPs out of a queue of the kind, and the argument naming the queue. */
export const IRP_QUEUE_REMOVALS: Readonly<Record<string, { readonly kinds: readonly IrpQueueInsert['kind'][]; readonly queue?: number }>> = {
  IoCsqRemoveNextIrp: { kinds: ['cancel-safe queue'], queue: 0 },
  IoCsqRemoveIrp: { kinds: ['cancel-safe queue'], queue: 0 },
  RemoveHeadList: { kinds: ['list'], queue: 0 },
  RemoveTailList: { kinds: ['list'], queue: 0 },
  ExInterlockedRemoveHeadList: { kinds: ['list'], queue: 0 },
  // An entry, not a list head: whatever list it is on.
  RemoveEntryList: { kinds: ['list'] },
  KeRemoveDeviceQueue: { kinds: ['device queue', 'StartIo queue'], queue: 0 },
  KeRemoveByKeyDeviceQueue: { kinds: ['device queue', 'StartIo queue'], queue: 0 },
  KeRemoveEntryDeviceQueue: { kinds: ['device queue', 'StartIo queue'], queue: 0 },
  IoCancelIrp: { kinds: ['cancel-safe queue', 'list', 'device queue', 'StartIo queue'] },
};

export const INTERRUPT_CONNECTS: ReadonlySet<string> = new Set(['IoConnectInterrupt', 'IoConnectInterruptEx']);
export const INTERRUPT_DISCONNECTS: ReadonlySet<string> = new Set(['IoDisconnectInterrupt', 'IoDisconnectInterruptEx']);

/** Calls that make a device reachable from applications: a named device, a link, an interface. */
export const DEVICE_EXPOSURES: Readonly<Record<string, { readonly nameArg?: number }>> = {
  IoCreateDevice: { nameArg: 2 },
  IoCreateDeviceSecure: { nameArg: 2 },
  WdmlibIoCreateDeviceSecure: { nameArg: 2 },
  IoCreateSymbolicLink: {},
  IoCreateUnprotectedSymbolicLink: {},
  IoRegisterDeviceInterface: {},
};

/** Routines that require normal kernel APCs to be disabled by the caller (ExAcquireResourceExclusiveLite remarks). */
export const APC_SENSITIVE_ACQUIRES: ReadonlySet<string> = new Set([
  'ExAcquireResourceExclusiveLite',
  'ExAcquireResourceSharedLite',
  'ExAcquireSharedStarveExclusive',
  'ExAcquireSharedWaitForExclusive',
  'ExTryToAcquireResourceExclusiveLite',
  'ExAcquireFastMutexUnsafe',
]);

/**
 * Calls that disable normal kernel APCs until their pair enables them again: critical and
 * guarded regions, the file-system entry macros, and anything that raises the IRQL to
 * APC_LEVEL or above (fast and guarded mutexes, spin locks, KeRaiseIrql).
 */
export const APC_DISABLERS: ReadonlySet<string> = new Set([
  'KeEnterCriticalRegion',
  'KeEnterGuardedRegion',
  'FsRtlEnterFileSystem',
  'ExEnterCriticalRegionAndAcquireResourceExclusive',
  'ExEnterCriticalRegionAndAcquireResourceShared',
  'ExEnterCriticalRegionAndAcquireSharedWaitForExclusive',
  'FltAcquireResourceExclusive',
  'FltAcquireResourceShared',
  'FltAcquirePushLockExclusive',
  'FltAcquirePushLockShared',
  'KeAcquireGuardedMutex',
  'KeAcquireGuardedMutexUnsafe',
  'ExTryToAcquireFastMutex',
  'KeTryToAcquireGuardedMutex',
  'IoAcquireCancelSpinLock',
  ...Object.keys(LOCK_ACQUIRES),
]);

export const APC_ENABLERS: ReadonlySet<string> = new Set([
  'KeLeaveCriticalRegion',
  'KeLeaveGuardedRegion',
  'FsRtlExitFileSystem',
  'ExReleaseResourceAndLeaveCriticalRegion',
  'FltReleaseResource',
  'FltReleasePushLock',
  'KeReleaseGuardedMutex',
  'KeReleaseGuardedMutexUnsafe',
  'IoReleaseCancelSpinLock',
  ...Object.values(LOCK_ACQUIRES).flatMap((l) => l.releasedBy),
]);

/** WDK macros written in capitals that only compute or assert: no hidden state change behind them. */
export const WDK_PURE_MACROS: ReadonlySet<string> = new Set([
  'NT_SUCCESS', 'NT_ERROR', 'NT_WARNING', 'NT_INFORMATION', 'CONTAINING_RECORD', 'FIELD_OFFSET', 'RTL_CONSTANT_STRING',
  'RTL_NUMBER_OF', 'RTL_FIELD_SIZE', 'ARRAYSIZE', 'ARGUMENT_PRESENT', 'PAGED_CODE', 'PAGED_CODE_LOCKED', 'ALIGN_UP',
  'ALIGN_DOWN', 'ALIGN_UP_BY', 'ALIGN_DOWN_BY', 'ROUND_TO_PAGES', 'BYTES_TO_PAGES', 'ADDRESS_AND_SIZE_TO_SPAN_PAGES',
  'PAGE_ALIGN', 'BYTE_OFFSET', 'MAX', 'MIN', 'C_ASSERT', 'ASSERT', 'ASSERTMSG', 'NT_ASSERT', 'NT_ASSERTMSG', 'NT_VERIFY',
  'UNREFERENCED_PARAMETER', 'DBG_UNREFERENCED_PARAMETER', 'DBG_UNREFERENCED_LOCAL_VARIABLE', 'HANDLE_TO_ULONG',
  'CTL_CODE', 'LOWORD', 'HIWORD', 'LOBYTE', 'HIBYTE',
]);

/** Data-scan section routines and their argument positions (FltCreateSectionForDataScan, FsRtlCreateSectionForDataScan). */
export const DATASCAN_CREATES: Readonly<Record<string, { readonly objectAttributes: number; readonly sectionContext?: number }>> = {
  FltCreateSectionForDataScan: { objectAttributes: 4, sectionContext: 2 },
  FsRtlCreateSectionForDataScan: { objectAttributes: 5 },
};
export const DATASCAN_CLOSE = 'FltCloseSectionForDataScan';

/** Position of SectionNotificationCallback in FLT_REGISTRATION (Windows 8 and later layouts). */
export const FLT_REGISTRATION_SECTION_NOTIFICATION = { field: 'SectionNotificationCallback', position: 15 } as const;

/** Name queries: which need a safe post-operation context and IRQL <= APC_LEVEL, and which also refuse paging I/O. */
export const NAME_QUERIES: Readonly<Record<string, { readonly refusesPagingIo: boolean }>> = {
  FltGetFileNameInformation: { refusesPagingIo: true },
  FltGetFileNameInformationUnsafe: { refusesPagingIo: false },
  FltGetDestinationFileNameInformation: { refusesPagingIo: false },
};

/** Routines documented to raise an exception (STATUS_NO_MEMORY) the caller must handle. */
export const RAISING_MATCHERS: ReadonlySet<string> = new Set(['FsRtlIsNameInExpression']);

/** Integer types of 32 bits (or fewer) on 64-bit Windows (LLP64: `long` is 32 bits). */
export const NARROW_INTEGER_TYPES: ReadonlySet<string> = new Set([
  'ULONG', 'LONG', 'DWORD', 'UINT', 'INT', 'int', 'long', 'unsigned', 'unsigned int', 'unsigned long', 'signed int',
  'signed long', 'long int', 'unsigned long int', 'ULONG32', 'LONG32', 'DWORD32', 'UINT32', 'INT32', '__int32',
  'unsigned __int32', 'uint32_t', 'int32_t', 'BOOL', 'NTSTATUS',
]);


/** WDK pointer typedefs (the P-prefixed names of wdm.h, ntifs.h, fltKernel.h that drivers use most). */
export const WDK_POINTER_TYPES: ReadonlySet<string> = new Set([
  'PVOID', 'LPVOID', 'PCVOID', 'LPCVOID', 'PCHAR', 'PUCHAR', 'PWCHAR', 'PWCH', 'PSTR', 'PWSTR', 'PCSTR', 'PCWSTR', 'PSZ',
  'PCSZ', 'LPSTR', 'LPWSTR', 'LPCSTR', 'LPCWSTR', 'PBYTE', 'LPBYTE', 'PBOOLEAN', 'PULONG', 'PLONG', 'PUSHORT', 'PSHORT',
  'PULONG64', 'PLONG64', 'PULONGLONG', 'PLONGLONG', 'PULONG_PTR', 'PSIZE_T', 'PIRP', 'PMDL', 'PDEVICE_OBJECT',
  'PDRIVER_OBJECT', 'PFILE_OBJECT', 'PIO_STACK_LOCATION', 'PKEVENT', 'PEPROCESS', 'PETHREAD', 'PKTHREAD', 'PKPROCESS',
  'PUNICODE_STRING', 'PANSI_STRING', 'PLIST_ENTRY', 'PSINGLE_LIST_ENTRY', 'PKSPIN_LOCK', 'PERESOURCE', 'PFAST_MUTEX',
  'PKMUTEX', 'PKSEMAPHORE', 'PKDPC', 'PKTIMER', 'PIO_WORKITEM', 'PKINTERRUPT', 'PSCSI_REQUEST_BLOCK', 'PIO_STATUS_BLOCK',
  'PFLT_CALLBACK_DATA', 'PFLT_FILTER', 'PFLT_INSTANCE', 'PFLT_CONTEXT', 'PFLT_VOLUME', 'PCFLT_RELATED_OBJECTS',
  'PFLT_RELATED_OBJECTS', 'PFLT_FILE_NAME_INFORMATION', 'PFLT_PORT', 'PFLT_IO_PARAMETER_BLOCK', 'PSECURITY_DESCRIPTOR',
  'PKAPC', 'PNDIS_PACKET', 'PNET_BUFFER', 'PNET_BUFFER_LIST', 'PURB', 'PDMA_ADAPTER', 'PCM_RESOURCE_LIST',
]);

/** Pointer-valued fields of WDK structures (IRP, IO_STACK_LOCATION, DEVICE_OBJECT, FILE_OBJECT, UNICODE_STRING). */
export const WDK_POINTER_FIELDS: ReadonlySet<string> = new Set([
  'SystemBuffer', 'UserBuffer', 'MdlAddress', 'DeviceExtension', 'Type3InputBuffer', 'FsContext', 'FsContext2',
  'AttachedDevice', 'NextDevice', 'DriverObject', 'DeviceObject', 'FileObject', 'RelatedFileObject', 'Vpb',
  'CurrentStackLocation', 'AuxiliaryBuffer', 'Flink', 'Blink',
]);

/** Calls whose result is a pointer. */
export const POINTER_RETURNING_CALLS: ReadonlySet<string> = new Set([
  ...POOL_ALLOCATORS,
  'MmGetSystemAddressForMdlSafe', 'MmGetSystemAddressForMdl', 'MmGetMdlVirtualAddress', 'MmMapIoSpace', 'MmMapIoSpaceEx',
  'MmMapLockedPagesSpecifyCache', 'MmMapLockedPages', 'IoGetCurrentIrpStackLocation', 'IoGetNextIrpStackLocation',
  'PsGetCurrentProcess', 'PsGetCurrentThread', 'IoGetCurrentProcess', 'IoAllocateMdl', 'IoAllocateIrp',
  'IoGetAttachedDeviceReference', 'IoGetRelatedDeviceObject', 'MmAllocateContiguousMemory',
  'MmAllocateContiguousMemorySpecifyCache', 'MmAllocateNonCachedMemory', 'MmGetSystemRoutineAddress',
]);

/** Calls whose arguments only end up in a log: a truncated address there is a wrong number in a trace. */
export const LOGGING_CALL = /print|trace|dbg|debug|log|assert|wpp/i;
