/**
 * How drivers register callbacks, and what each callback role implies about the thread
 * context it runs in. Tables, not branches: a new registration form is a new row.
 *
 * Role types are the WDK's own typedef names (EVT_WDF_IO_QUEUE_IO_READ, IO_COMPLETION_ROUTINE,
 * ...); their IRQL comes from callback-roles.json unless `ROLE_OVERRIDES` says otherwise.
 */
import type { IrqlLevel } from './ddi.js';

/** Configuration-structure fields (and WDM object fields) that hold a callback. */
export const FIELD_ROLES: Readonly<Record<string, string>> = {
  EvtIoDefault: 'EVT_WDF_IO_QUEUE_IO_DEFAULT',
  EvtIoRead: 'EVT_WDF_IO_QUEUE_IO_READ',
  EvtIoWrite: 'EVT_WDF_IO_QUEUE_IO_WRITE',
  EvtIoDeviceControl: 'EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL',
  EvtIoInternalDeviceControl: 'EVT_WDF_IO_QUEUE_IO_INTERNAL_DEVICE_CONTROL',
  EvtIoStop: 'EVT_WDF_IO_QUEUE_IO_STOP',
  EvtIoResume: 'EVT_WDF_IO_QUEUE_IO_RESUME',
  EvtIoCanceledOnQueue: 'EVT_WDF_IO_QUEUE_IO_CANCELED_ON_QUEUE',
  EvtDriverDeviceAdd: 'EVT_WDF_DRIVER_DEVICE_ADD',
  EvtDriverUnload: 'EVT_WDF_DRIVER_UNLOAD',
  EvtDeviceD0Entry: 'EVT_WDF_DEVICE_D0_ENTRY',
  EvtDeviceD0EntryPostInterruptsEnabled: 'EVT_WDF_DEVICE_D0_ENTRY_POST_INTERRUPTS_ENABLED',
  EvtDeviceD0Exit: 'EVT_WDF_DEVICE_D0_EXIT',
  EvtDeviceD0ExitPreInterruptsDisabled: 'EVT_WDF_DEVICE_D0_EXIT_PRE_INTERRUPTS_DISABLED',
  EvtDevicePrepareHardware: 'EVT_WDF_DEVICE_PREPARE_HARDWARE',
  EvtDeviceReleaseHardware: 'EVT_WDF_DEVICE_RELEASE_HARDWARE',
  EvtDeviceSelfManagedIoCleanup: 'EVT_WDF_DEVICE_SELF_MANAGED_IO_CLEANUP',
  EvtDeviceSelfManagedIoFlush: 'EVT_WDF_DEVICE_SELF_MANAGED_IO_FLUSH',
  EvtDeviceSelfManagedIoInit: 'EVT_WDF_DEVICE_SELF_MANAGED_IO_INIT',
  EvtDeviceSelfManagedIoSuspend: 'EVT_WDF_DEVICE_SELF_MANAGED_IO_SUSPEND',
  EvtDeviceSelfManagedIoRestart: 'EVT_WDF_DEVICE_SELF_MANAGED_IO_RESTART',
  EvtDeviceSurpriseRemoval: 'EVT_WDF_DEVICE_SURPRISE_REMOVAL',
  EvtDeviceQueryRemove: 'EVT_WDF_DEVICE_QUERY_REMOVE',
  EvtDeviceQueryStop: 'EVT_WDF_DEVICE_QUERY_STOP',
  EvtDeviceUsageNotification: 'EVT_WDF_DEVICE_USAGE_NOTIFICATION',
  EvtDeviceUsageNotificationEx: 'EVT_WDF_DEVICE_USAGE_NOTIFICATION_EX',
  EvtDeviceRelationsQuery: 'EVT_WDF_DEVICE_RELATIONS_QUERY',
  EvtDeviceArmWakeFromS0: 'EVT_WDF_DEVICE_ARM_WAKE_FROM_S0',
  EvtDeviceDisarmWakeFromS0: 'EVT_WDF_DEVICE_DISARM_WAKE_FROM_S0',
  EvtDeviceWakeFromS0Triggered: 'EVT_WDF_DEVICE_WAKE_FROM_S0_TRIGGERED',
  EvtDeviceArmWakeFromSx: 'EVT_WDF_DEVICE_ARM_WAKE_FROM_SX',
  EvtDeviceArmWakeFromSxWithReason: 'EVT_WDF_DEVICE_ARM_WAKE_FROM_SX_WITH_REASON',
  EvtDeviceDisarmWakeFromSx: 'EVT_WDF_DEVICE_DISARM_WAKE_FROM_SX',
  EvtDeviceWakeFromSxTriggered: 'EVT_WDF_DEVICE_WAKE_FROM_SX_TRIGGERED',
  EvtDeviceFileCreate: 'EVT_WDF_DEVICE_FILE_CREATE',
  EvtFileClose: 'EVT_WDF_FILE_CLOSE',
  EvtFileCleanup: 'EVT_WDF_FILE_CLEANUP',
  EvtTimerFunc: 'EVT_WDF_TIMER',
  EvtDpcFunc: 'EVT_WDF_DPC',
  EvtWorkItemFunc: 'EVT_WDF_WORKITEM',
  EvtInterruptIsr: 'EVT_WDF_INTERRUPT_ISR',
  EvtInterruptDpc: 'EVT_WDF_INTERRUPT_DPC',
  EvtInterruptEnable: 'EVT_WDF_INTERRUPT_ENABLE',
  EvtInterruptDisable: 'EVT_WDF_INTERRUPT_DISABLE',
  EvtInterruptWorkItem: 'EVT_WDF_INTERRUPT_WORKITEM',
  // WDM: fields of DRIVER_OBJECT, DRIVER_EXTENSION and IO_CONNECT_INTERRUPT_PARAMETERS.
  MajorFunction: 'DRIVER_DISPATCH',
  DriverUnload: 'DRIVER_UNLOAD',
  AddDevice: 'DRIVER_ADD_DEVICE',
  DriverStartIo: 'DRIVER_STARTIO',
  ServiceRoutine: 'KSERVICE_ROUTINE',
};

const ROLE_OF_FIELD: ReadonlyMap<string, string> = new Map(Object.entries(FIELD_ROLES));

/** The role of the callback a field holds (see `FIELD_ROLES`): a lookup made for every assignment of a unit. */
export function fieldRole(field: string): string | undefined {
  return ROLE_OF_FIELD.get(field);
}

/** WDM fields are only callbacks on the objects that own them (`DriverObject->DriverUnload`). */
export const WDM_FIELD_OWNERS: Readonly<Record<string, RegExp>> = {
  MajorFunction: /./,
  DriverUnload: /./,
  AddDevice: /DriverExtension/,
  DriverStartIo: /./,
  ServiceRoutine: /FullySpecified|LineBased|MessageBased|Parameters/i,
};

/** Calls that register the function passed at `arg` for `role`. */
export const CALL_ROLES: Readonly<Record<string, { readonly arg: number; readonly role: string }>> = {
  WdfRequestSetCompletionRoutine: { arg: 1, role: 'EVT_WDF_REQUEST_COMPLETION_ROUTINE' },
  WdfRequestMarkCancelable: { arg: 1, role: 'EVT_WDF_REQUEST_CANCEL' },
  WdfRequestMarkCancelableEx: { arg: 1, role: 'EVT_WDF_REQUEST_CANCEL' },
  WdfDeviceInitSetIoInCallerContextCallback: { arg: 1, role: 'EVT_WDF_IO_IN_CALLER_CONTEXT' },
  WdfIoQueueReadyNotify: { arg: 1, role: 'EVT_WDF_IO_QUEUE_STATE' },
  WdfIoQueueStop: { arg: 1, role: 'EVT_WDF_IO_QUEUE_STATE' },
  WdfIoQueuePurge: { arg: 1, role: 'EVT_WDF_IO_QUEUE_STATE' },
  WdfIoQueueDrain: { arg: 1, role: 'EVT_WDF_IO_QUEUE_STATE' },
  IoSetCompletionRoutine: { arg: 1, role: 'IO_COMPLETION_ROUTINE' },
  IoSetCompletionRoutineEx: { arg: 2, role: 'IO_COMPLETION_ROUTINE' },
  IoSetCancelRoutine: { arg: 1, role: 'DRIVER_CANCEL' },
  KeInitializeDpc: { arg: 1, role: 'KDEFERRED_ROUTINE' },
  KeInitializeThreadedDpc: { arg: 1, role: 'KDEFERRED_ROUTINE' },
  IoInitializeDpcRequest: { arg: 1, role: 'IO_DPC_ROUTINE' },
  IoInitializeTimer: { arg: 1, role: 'IO_TIMER_ROUTINE' },
  IoQueueWorkItem: { arg: 1, role: 'IO_WORKITEM_ROUTINE' },
  IoQueueWorkItemEx: { arg: 1, role: 'IO_WORKITEM_ROUTINE_EX' },
  IoTryQueueWorkItem: { arg: 1, role: 'IO_WORKITEM_ROUTINE_EX' },
  ExInitializeWorkItem: { arg: 1, role: 'WORKER_THREAD_ROUTINE' },
  IoConnectInterrupt: { arg: 1, role: 'KSERVICE_ROUTINE' },
  PsCreateSystemThread: { arg: 5, role: 'KSTART_ROUTINE' },
  FltDoCompletionProcessingWhenSafe: { arg: 4, role: 'DRVCHECK_SAFE_POST_OPERATION' },
  FltQueueDeferredIoWorkItem: { arg: 2, role: 'PFLT_DEFERRED_IO_WORKITEM_ROUTINE' },
  FltQueueGenericWorkItem: { arg: 2, role: 'PFLT_GENERIC_WORKITEM_ROUTINE' },
};

/** Positions of callbacks in a `FLT_REGISTRATION` initializer, and in each `FLT_OPERATION_REGISTRATION`. */
export const FLT_REGISTRATION_FIELDS: readonly (readonly [number, string, string])[] = [
  [5, 'FilterUnloadCallback', 'PFLT_FILTER_UNLOAD_CALLBACK'],
  [6, 'InstanceSetupCallback', 'PFLT_INSTANCE_SETUP_CALLBACK'],
  [7, 'InstanceQueryTeardownCallback', 'PFLT_INSTANCE_QUERY_TEARDOWN_CALLBACK'],
  [8, 'InstanceTeardownStartCallback', 'PFLT_INSTANCE_TEARDOWN_CALLBACK'],
  [9, 'InstanceTeardownCompleteCallback', 'PFLT_INSTANCE_TEARDOWN_CALLBACK'],
];
export const FLT_OPERATION_FIELDS: readonly (readonly [number, string, string])[] = [
  [2, 'PreOperation', 'PFLT_PRE_OPERATION_CALLBACK'],
  [3, 'PostOperation', 'PFLT_POST_OPERATION_CALLBACK'],
];

/** The thread a callback runs in, as the rules about process context need it. */
export type ThreadContext = 'arbitrary' | 'system' | 'caller' | 'unknown';

export interface RoleOverride {
  /** IRQL the analysis uses instead of the table's; null: unknown, the role is no IRQL root. */
  readonly max?: IrqlLevel | null;
  readonly context?: ThreadContext;
  /** Why the table's value is not used. */
  readonly why?: string;
}

const ARBITRARY: RoleOverride = { context: 'arbitrary' };
const SYSTEM: RoleOverride = { context: 'system' };

export const ROLE_OVERRIDES: Readonly<Record<string, RoleOverride>> = {
  EVT_WDF_IO_QUEUE_IO_DEFAULT: ARBITRARY,
  EVT_WDF_IO_QUEUE_IO_READ: ARBITRARY,
  EVT_WDF_IO_QUEUE_IO_WRITE: ARBITRARY,
  EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL: ARBITRARY,
  EVT_WDF_IO_QUEUE_IO_INTERNAL_DEVICE_CONTROL: ARBITRARY,
  EVT_WDF_IO_QUEUE_IO_STOP: ARBITRARY,
  EVT_WDF_IO_QUEUE_IO_RESUME: ARBITRARY,
  EVT_WDF_IO_QUEUE_IO_CANCELED_ON_QUEUE: ARBITRARY,
  EVT_WDF_IO_QUEUE_STATE: ARBITRARY,
  EVT_WDF_REQUEST_COMPLETION_ROUTINE: ARBITRARY,
  EVT_WDF_REQUEST_CANCEL: ARBITRARY,
  EVT_WDF_TIMER: ARBITRARY,
  EVT_WDF_DPC: ARBITRARY,
  EVT_WDF_WORKITEM: SYSTEM,
  EVT_WDF_INTERRUPT_ISR: ARBITRARY,
  EVT_WDF_INTERRUPT_DPC: ARBITRARY,
  EVT_WDF_INTERRUPT_ENABLE: ARBITRARY,
  EVT_WDF_INTERRUPT_DISABLE: ARBITRARY,
  EVT_WDF_INTERRUPT_WORKITEM: SYSTEM,
  EVT_WDF_IO_IN_CALLER_CONTEXT: {
    max: 'PASSIVE',
    context: 'caller',
    why: 'called in the thread that sent the request, at the IRQL of its caller',
  },
  EVT_WDF_DRIVER_DEVICE_ADD: SYSTEM,
  EVT_WDF_DRIVER_UNLOAD: SYSTEM,
  EVT_WDF_DEVICE_D0_ENTRY: SYSTEM,
  EVT_WDF_DEVICE_D0_ENTRY_POST_INTERRUPTS_ENABLED: SYSTEM,
  EVT_WDF_DEVICE_D0_EXIT: SYSTEM,
  EVT_WDF_DEVICE_D0_EXIT_PRE_INTERRUPTS_DISABLED: SYSTEM,
  EVT_WDF_DEVICE_PREPARE_HARDWARE: SYSTEM,
  EVT_WDF_DEVICE_RELEASE_HARDWARE: SYSTEM,
  EVT_WDF_DEVICE_SELF_MANAGED_IO_CLEANUP: SYSTEM,
  EVT_WDF_DEVICE_SELF_MANAGED_IO_FLUSH: SYSTEM,
  EVT_WDF_DEVICE_SELF_MANAGED_IO_INIT: SYSTEM,
  EVT_WDF_DEVICE_SELF_MANAGED_IO_SUSPEND: SYSTEM,
  EVT_WDF_DEVICE_SELF_MANAGED_IO_RESTART: SYSTEM,
  EVT_WDF_DEVICE_SURPRISE_REMOVAL: SYSTEM,
  EVT_WDF_DEVICE_QUERY_REMOVE: SYSTEM,
  EVT_WDF_DEVICE_QUERY_STOP: SYSTEM,
  IO_COMPLETION_ROUTINE: ARBITRARY,
  DRIVER_CANCEL: ARBITRARY,
  KDEFERRED_ROUTINE: ARBITRARY,
  IO_DPC_ROUTINE: ARBITRARY,
  IO_TIMER_ROUTINE: ARBITRARY,
  DRIVER_STARTIO: ARBITRARY,
  KSERVICE_ROUTINE: ARBITRARY,
  IO_WORKITEM_ROUTINE: SYSTEM,
  IO_WORKITEM_ROUTINE_EX: SYSTEM,
  WORKER_THREAD_ROUTINE: { max: 'PASSIVE', context: 'system', why: 'system worker threads run at PASSIVE_LEVEL' },
  KSTART_ROUTINE: SYSTEM,
  DRIVER_INITIALIZE: SYSTEM,
  DRIVER_ADD_DEVICE: SYSTEM,
  DRIVER_UNLOAD: SYSTEM,
  // Dispatch routines of a top-level driver run in the requesting thread; lower in a stack
  // they may not, so they are not claimed either way.
  DRIVER_DISPATCH: { context: 'unknown' },
  PFLT_PRE_OPERATION_CALLBACK: { max: null, context: 'unknown', why: 'pre-operation IRQL depends on the operation (paging I/O)' },
  PFLT_POST_OPERATION_CALLBACK: ARBITRARY,
  DRVCHECK_SAFE_POST_OPERATION: {
    max: 'PASSIVE',
    context: 'unknown',
    why: 'FltDoCompletionProcessingWhenSafe calls it at a safe IRQL, normally PASSIVE_LEVEL',
  },
  PFLT_DEFERRED_IO_WORKITEM_ROUTINE: { max: 'PASSIVE', context: 'system', why: 'filter manager work items run at PASSIVE_LEVEL' },
  PFLT_GENERIC_WORKITEM_ROUTINE: { max: 'PASSIVE', context: 'system', why: 'filter manager work items run at PASSIVE_LEVEL' },
  EVT_WDF_OBJECT_CONTEXT_CLEANUP: { max: null, context: 'unknown', why: 'depends on the object type' },
  EVT_WDF_OBJECT_CONTEXT_DESTROY: { max: null, context: 'unknown', why: 'depends on the object type' },
};

/** Roles whose IRQL is governed by the WDF execution-level constraint of their queue. */
export const QUEUE_IO_ROLES = new Set([
  'EVT_WDF_IO_QUEUE_IO_DEFAULT',
  'EVT_WDF_IO_QUEUE_IO_READ',
  'EVT_WDF_IO_QUEUE_IO_WRITE',
  'EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL',
  'EVT_WDF_IO_QUEUE_IO_INTERNAL_DEVICE_CONTROL',
  'EVT_WDF_IO_QUEUE_IO_STOP',
  'EVT_WDF_IO_QUEUE_IO_RESUME',
  'EVT_WDF_IO_QUEUE_IO_CANCELED_ON_QUEUE',
  'EVT_WDF_IO_QUEUE_STATE',
]);

/** Short names for messages. */
export function roleLabel(roleType: string): string {
  const labels: Record<string, string> = {
    EVT_WDF_IO_QUEUE_IO_DEFAULT: 'EvtIoDefault',
    EVT_WDF_IO_QUEUE_IO_READ: 'EvtIoRead',
    EVT_WDF_IO_QUEUE_IO_WRITE: 'EvtIoWrite',
    EVT_WDF_IO_QUEUE_IO_DEVICE_CONTROL: 'EvtIoDeviceControl',
    EVT_WDF_IO_QUEUE_IO_INTERNAL_DEVICE_CONTROL: 'EvtIoInternalDeviceControl',
    EVT_WDF_IO_QUEUE_IO_STOP: 'EvtIoStop',
    EVT_WDF_IO_QUEUE_IO_RESUME: 'EvtIoResume',
    EVT_WDF_IO_QUEUE_IO_CANCELED_ON_QUEUE: 'EvtIoCanceledOnQueue',
    EVT_WDF_IO_IN_CALLER_CONTEXT: 'EvtIoInCallerContext',
    EVT_WDF_DEVICE_FILE_CREATE: 'EvtDeviceFileCreate',
    EVT_WDF_DEVICE_SELF_MANAGED_IO_SUSPEND: 'EvtDeviceSelfManagedIoSuspend',
    EVT_WDF_REQUEST_COMPLETION_ROUTINE: 'request completion routine',
    EVT_WDF_REQUEST_CANCEL: 'request cancel routine',
    EVT_WDF_TIMER: 'EvtTimerFunc',
    EVT_WDF_DPC: 'EvtDpcFunc',
    EVT_WDF_WORKITEM: 'EvtWorkItemFunc',
    EVT_WDF_INTERRUPT_ISR: 'EvtInterruptIsr',
    EVT_WDF_INTERRUPT_DPC: 'EvtInterruptDpc',
    IO_COMPLETION_ROUTINE: 'IRP completion routine',
    DRIVER_CANCEL: 'IRP cancel routine',
    KDEFERRED_ROUTINE: 'DPC routine',
    IO_DPC_ROUTINE: 'DpcForIsr routine',
    KSERVICE_ROUTINE: 'interrupt service routine',
    DRIVER_STARTIO: 'StartIo routine',
    DRIVER_DISPATCH: 'dispatch routine',
    DRIVER_INITIALIZE: 'DriverEntry',
    PFLT_POST_OPERATION_CALLBACK: 'post-operation callback',
    PFLT_PRE_OPERATION_CALLBACK: 'pre-operation callback',
    DRVCHECK_SAFE_POST_OPERATION: 'safe post-operation callback',
  };
  return labels[roleType] ?? roleType;
}

/** Roles whose IRQL and thread context drvcheck models (the overrides above and the queue roles). */
export function isCuratedRole(roleType: string): boolean {
  return roleType in ROLE_OVERRIDES || QUEUE_IO_ROLES.has(roleType) || roleType.startsWith('EVT_WDF_DEVICE_') || roleType.startsWith('EVT_WDF_FILE_');
}
