/**
 * The highest IRQL each callback may be called at, and the path steps that justify it: the
 * role's documented level, refined by WDF constraints (the queue's, device's or driver's
 * ExecutionLevel; a passive timer; passive interrupt handling). Where a constraint may apply
 * and drvcheck cannot tell, the callback is no IRQL root at all.
 */
import { lookupRole } from '../knowledge/roles.js';
import { QUEUE_IO_ROLES, ROLE_OVERRIDES, roleLabel } from '../knowledge/registrations.js';
import type { Callback } from './callbacks.js';
import type { FunctionInfo } from './functions.js';
import { irqlName, type IrqlLevel } from './irql-level.js';
import { step, type PathStep } from './location.js';
import type { SyncScopes } from './sync-scope.js';
import type { WdfObjects } from './wdf-objects.js';

export interface CallbackLevel {
  readonly level: IrqlLevel;
  readonly steps: readonly PathStep[];
}

export function roleMaxIrql(roleType: string): IrqlLevel | null {
  const override = ROLE_OVERRIDES[roleType];
  if (override && override.max !== undefined) return override.max;
  const fact = lookupRole(roleType);
  // A level that depends on configuration drvcheck does not model is no level to report against.
  if (!fact || (fact.conditional && !override && !QUEUE_IO_ROLES.has(roleType))) return null;
  return fact.max;
}

export function callbackLevel(cb: Callback, objects: WdfObjects, scopes?: SyncScopes): CallbackLevel | undefined {
  const max = roleMaxIrql(cb.roleType);
  if (!max) return undefined;
  const label = roleLabel(cb.roleType);
  const registered = step(
    cb.location,
    cb.declaredOnly
      ? `${cb.fn.qualifiedName} is declared as ${cb.roleType} (${cb.how})`
      : `${cb.fn.qualifiedName} is registered here as the ${label} (${cb.how})`,
  );
  const runsAt = (level: IrqlLevel, why: string): string => `the framework may call ${label} at ${irqlName(level)}${why ? `: ${why}` : ''}`;

  if (QUEUE_IO_ROLES.has(cb.roleType)) {
    if (cb.object?.kind === 'queue') {
      const verdict = objects.queueConstraint(cb.object);
      if (verdict.kind === 'passive' || verdict.kind === 'unknown') return undefined;
      const last = verdict.steps.length - 1;
      const steps = verdict.steps.map((s, i) => (i === last ? { ...s, message: `${s.message}, so ${runsAt(max, '')}` } : s));
      return { level: max, steps: [registered, ...steps] };
    }
    return unitFallback(cb, objects, max, registered);
  }
  // A timer or DPC serialized with a dispatch-level synchronization scope holds a spin lock.
  const serialized = cb.object && (cb.roleType === 'EVT_WDF_TIMER' || cb.roleType === 'EVT_WDF_DPC') ? scopes?.serializedUnderSpinLock(cb.object) : undefined;
  if (serialized) return { level: 'DISPATCH', steps: [registered, ...serialized] };
  if (cb.roleType === 'EVT_WDF_TIMER') {
    const timer = cb.object;
    if (timer?.kind !== 'timer') return undefined;
    const verdict = objects.timerConstraint(timer);
    if (verdict.kind === 'passive' || verdict.kind === 'unknown') return undefined;
    const last = verdict.steps.length - 1;
    const steps = verdict.steps.map((s, i) => (i === last ? { ...s, message: `${s.message}, so ${runsAt('DISPATCH', '')}` } : s));
    return { level: 'DISPATCH', steps: [registered, ...steps] };
  }
  if (cb.roleType === 'PFLT_POST_OPERATION_CALLBACK' && runsSynchronized(cb)) return undefined;
  if (cb.roleType === 'EVT_WDF_INTERRUPT_ISR' || cb.roleType === 'EVT_WDF_INTERRUPT_DPC') {
    const interrupt = cb.object;
    if (!interrupt || interrupt.config.kind !== 'known') return undefined;
    const passive = interrupt.config.fields.get('PassiveHandling')?.value.replace(/\s+/g, '');
    if (passive !== undefined && passive !== 'FALSE' && passive !== 'WdfFalse') return undefined;
    const level: IrqlLevel = cb.roleType === 'EVT_WDF_INTERRUPT_ISR' ? 'DIRQL' : 'DISPATCH';
    return { level, steps: [registered, step(interrupt.location, `interrupt created here without passive handling, so ${runsAt(level, '')}`)] };
  }
  return { level: max, steps: [registered] };
}

/**
 * A queue callback whose queue drvcheck could not tie to a create call: it runs at
 * DISPATCH_LEVEL at most unless some driver, device or queue of the unit is passive, which
 * could be the one it belongs to.
 */
function unitFallback(cb: Callback, objects: WdfObjects, max: IrqlLevel, registered: PathStep): CallbackLevel | undefined {
  if (objects.anyPassiveOrUnknown()) return undefined;
  const constraint = objects.driverConstraint();
  if (constraint.kind === 'unknown' || constraint.kind === 'passive') return undefined;
  const reason = `no driver, device or queue of this driver sets ExecutionLevel = WdfExecutionLevelPassive, so ${roleLabel(cb.roleType)} may run at ${irqlName(max)}`;
  return { level: max, steps: [{ ...registered, message: `${registered.message}; ${reason}` }] };
}

/**
 * Post-operation callbacks run at PASSIVE_LEVEL in the requesting thread for IRP_MJ_CREATE,
 * and whenever the pre-operation callback returns FLT_PREOP_SYNCHRONIZE. Any other post
 * callback may run at DISPATCH_LEVEL in an arbitrary thread.
 */
export function runsSynchronized(cb: Callback): boolean {
  const op = cb.fltOperation;
  if (!op) return false;
  if (op.major.replace(/\s+/g, '') === 'IRP_MJ_CREATE') return true;
  return op.pre.some(mayReturnSynchronize);
}

/** The pre-operation callback returns FLT_PREOP_SYNCHRONIZE directly or through a status variable. */
function mayReturnSynchronize(pre: FunctionInfo): boolean {
  const isSync = (text: string): boolean => /\bFLT_PREOP_SYNCHRONIZE\b/.test(text);
  return (
    pre.fact.returns.some(isSync) ||
    pre.fact.assignments.some((a) => isSync(a.rhs)) ||
    pre.fact.locals.some((l) => l.init?.kind === 'expr' && isSync(l.init.text))
  );
}
