/** The rule catalog: every rule drvcheck runs, in the order of the README's rule list. */
import { contextUserMapping } from './context/context-user-mapping.js';
import { iotargetFormatCurrentTypeRemote } from './iotarget/iotarget-format-current-type-remote.js';
import { iotargetSendAndForgetRemote } from './iotarget/iotarget-send-and-forget-remote.js';
import { irqlCallTooHigh } from './irql/irql-call-too-high.js';
import { irqlPageableCode } from './irql/irql-pageable-code.js';
import { datascanHandleWrongProcess } from './minifilter/datascan-handle-wrong-process.js';
import { datascanSectionNotClosed } from './minifilter/datascan-section-not-closed.js';
import { nameInExpressionUnguarded } from './minifilter/name-in-expression-unguarded.js';
import { nameQueryUnsafe } from './minifilter/name-query-unsafe.js';
import type { Rule, RuleMeta } from '../rule-kit/rule.js';
import { INVALID_SUPPRESSION } from './suppression/invalid-suppression.js';
import { UNUSED_SUPPRESSION } from './suppression/unused-suppression.js';
import { queueMissingEvtIoStop } from './wdf/queue-missing-evtiostop.js';
import { queuePurgeInIoCallback } from './wdf/queue-purge-in-io-callback.js';
import { syncscopeWorkitemNeedsPassive } from './wdf/syncscope-workitem-needs-passive.js';
import { syncscopeTimerDispatch } from './wdf/syncscope-timer-dispatch.js';
import { deviceNameWithoutSddl } from './wdf/device-name-without-sddl.js';
import { iotargetFormatUnchecked } from './iotarget/iotarget-format-unchecked.js';
import { requestSendFailureNotCompleted } from './wdf/request-send-failure-not-completed.js';
import { requestCompletedTwice } from './wdf/request-completed-twice.js';
import { spinlockSend } from './wdf/spinlock-send.js';
import { irqlAnnotationMismatch } from './irql/irql-annotation-mismatch.js';
import { customObjectNaming } from './wdf/custom-object-naming.js';
import { customObjectAccessorStatus } from './wdf/custom-object-accessor-status.js';
import { cleanupLeavesQueuedIrps } from './wdm/cleanup-leaves-queued-irps.js';
import { completionPendingNotPropagated } from './wdm/completion-pending-not-propagated.js';
import { eresourceWithoutCriticalRegion } from './wdm/eresource-without-critical-region.js';
import { interruptNotDisconnected } from './wdm/interrupt-not-disconnected.js';
import { irpForwardWithoutStackLocation } from './wdm/irp-forward-without-stack-location.js';
import { mdlAddressUnchecked } from './wdm/mdl-address-unchecked.js';
import { missingSetInformationHandler } from './wdm/missing-set-information-handler.js';
import { pointerTruncation } from './wdm/pointer-truncation.js';
import { poolDoubleFree } from './wdm/pool-double-free.js';
import { poolLeakAtUnload } from './wdm/pool-leak-at-unload.js';

export const RULES: readonly Rule[] = [
  contextUserMapping,
  irqlCallTooHigh,
  irqlPageableCode,
  iotargetFormatCurrentTypeRemote,
  iotargetSendAndForgetRemote,
  // The WDF rule catalog (issue 4), in the order of its list.
  queueMissingEvtIoStop,
  queuePurgeInIoCallback,
  syncscopeWorkitemNeedsPassive,
  syncscopeTimerDispatch,
  deviceNameWithoutSddl,
  iotargetFormatUnchecked,
  requestSendFailureNotCompleted,
  requestCompletedTwice,
  spinlockSend,
  irqlAnnotationMismatch,
  customObjectNaming,
  customObjectAccessorStatus,
  // The WDM and minifilter rule catalog (issue 5), in the order of its list.
  mdlAddressUnchecked,
  irpForwardWithoutStackLocation,
  completionPendingNotPropagated,
  cleanupLeavesQueuedIrps,
  interruptNotDisconnected,
  poolLeakAtUnload,
  poolDoubleFree,
  eresourceWithoutCriticalRegion,
  pointerTruncation,
  missingSetInformationHandler,
  datascanSectionNotClosed,
  datascanHandleWrongProcess,
  nameQueryUnsafe,
  nameInExpressionUnguarded,
];

/** Rules the engine reports itself, from the suppressions in the sources. */
export const ENGINE_RULES: readonly RuleMeta[] = [UNUSED_SUPPRESSION, INVALID_SUPPRESSION];

