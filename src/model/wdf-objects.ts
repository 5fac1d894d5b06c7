/**
 * The WDF objects a driver creates (driver, devices, queues, timers, work items, DPCs,
 * interrupts), with the configuration and attributes passed to each create call, and the
 * execution-level constraint that follows: set on the object, inherited from its device,
 * inherited from the driver.
 */
import type { CallFact } from '../parser/facts.js';
import type { FunctionIndex, FunctionInfo } from './functions.js';
import { at, step, type Location, type PathStep } from './location.js';
import { structStateAt, structVariable, type StructState } from './struct-state.js';

export type WdfObjectKind = 'driver' | 'device' | 'queue' | 'timer' | 'dpc' | 'workitem' | 'interrupt' | 'fileobject' | 'pnppower' | 'powerpolicy';

interface CreateCall {
  readonly kind: WdfObjectKind;
  readonly config?: number;
  readonly attributes?: number;
  readonly handle?: number;
  readonly parent?: number;
}

/** Where each create call takes its configuration, attributes, output handle and parent. */
const CREATE_CALLS: Readonly<Record<string, CreateCall>> = {
  WdfDriverCreate: { kind: 'driver', attributes: 2, config: 3, handle: 4 },
  WdfDeviceCreate: { kind: 'device', attributes: 1, handle: 2 },
  WdfIoQueueCreate: { kind: 'queue', parent: 0, config: 1, attributes: 2, handle: 3 },
  WdfTimerCreate: { kind: 'timer', config: 0, attributes: 1, handle: 2 },
  WdfDpcCreate: { kind: 'dpc', config: 0, attributes: 1, handle: 2 },
  WdfWorkItemCreate: { kind: 'workitem', config: 0, attributes: 1, handle: 2 },
  WdfInterruptCreate: { kind: 'interrupt', parent: 0, config: 1, attributes: 2, handle: 3 },
  WdfDeviceInitSetFileObjectConfig: { kind: 'fileobject', config: 1, attributes: 2 },
  WdfDeviceInitSetPnpPowerEventCallbacks: { kind: 'pnppower', config: 1 },
  WdfDeviceInitSetPowerPolicyEventCallbacks: { kind: 'powerpolicy', config: 1 },
};

export type ExecutionLevel = 'passive' | 'dispatch' | 'inherit' | 'unknown';

export interface WdfObject {
  readonly kind: WdfObjectKind;
  readonly createdIn: FunctionInfo;
  readonly call: CallFact;
  readonly location: Location;
  readonly config: StructState;
  readonly attributes: StructState;
  readonly execution: { readonly level: ExecutionLevel; readonly location?: Location; readonly why: string };
  /** The variable or field the handle is stored in (`queue`, `devCtx->Queue`). */
  readonly handle?: string;
  /** The parent handle's text, for queues and interrupts. */
  readonly parent?: string;
}

export function findWdfObjects(index: FunctionIndex): WdfObject[] {
  const objects: WdfObject[] = [];
  for (const { caller: fn, call } of index.sitesCalling(Object.keys(CREATE_CALLS))) {
    const shape = CREATE_CALLS[call.callee];
    if (!shape || call.calleeKind !== 'identifier') continue;
    const offset = call.span.startOffset;
    const stateOf = (i: number | undefined): StructState =>
      i === undefined || call.args[i] === undefined ? { kind: 'none' } : structStateAt(fn, call.args[i]!, call.argCores[i]!, offset);
    const attributes = stateOf(shape.attributes);
    objects.push({
      kind: shape.kind,
      createdIn: fn,
      call,
      location: at(fn.file, call.span),
      config: stateOf(shape.config),
      attributes,
      execution: executionOf(attributes, fn),
      ...(shape.handle !== undefined && call.argCores[shape.handle] ? { handle: structVariable(call.argCores[shape.handle]!) } : {}),
      ...(shape.parent !== undefined && call.argCores[shape.parent] ? { parent: structVariable(call.argCores[shape.parent]!) } : {}),
    });
  }
  return objects;
}

function executionOf(attributes: StructState, fn: FunctionInfo): WdfObject['execution'] {
  if (attributes.kind === 'none') return { level: 'inherit', why: 'no object attributes' };
  if (attributes.kind === 'unknown') return { level: 'unknown', why: attributes.reason };
  const field = attributes.fields.get('ExecutionLevel');
  if (!field) return { level: 'inherit', why: 'attributes without ExecutionLevel' };
  const location = at(fn.file, field.span);
  const value = field.value.replace(/\s+/g, '');
  if (value === 'WdfExecutionLevelPassive') return { level: 'passive', location, why: 'ExecutionLevel = WdfExecutionLevelPassive' };
  if (value === 'WdfExecutionLevelDispatch') return { level: 'dispatch', location, why: 'ExecutionLevel = WdfExecutionLevelDispatch' };
  if (value === 'WdfExecutionLevelInheritFromParent') return { level: 'inherit', location, why: 'ExecutionLevel = WdfExecutionLevelInheritFromParent' };
  return { level: 'unknown', location, why: `ExecutionLevel = ${field.value}` };
}

/** How an object's callbacks are constrained: passive, not passive (with the reasons), or unknown. */
export type ConstraintVerdict =
  | { readonly kind: 'passive'; readonly steps: readonly PathStep[] }
  | { readonly kind: 'dispatch'; readonly steps: readonly PathStep[] }
  | { readonly kind: 'unconstrained'; readonly steps: readonly PathStep[] }
  | { readonly kind: 'unknown' };

export class WdfObjects {
  readonly all: readonly WdfObject[];
  private readonly devices: readonly WdfObject[];
  private readonly drivers: readonly WdfObject[];

  constructor(index: FunctionIndex) {
    this.all = findWdfObjects(index);
    this.devices = this.all.filter((o) => o.kind === 'device');
    this.drivers = this.all.filter((o) => o.kind === 'driver');
  }

  /** Any driver, device or queue of the unit that is, or may be, constrained to PASSIVE_LEVEL. */
  anyPassiveOrUnknown(): WdfObject | undefined {
    return this.all.find(
      (o) => (o.kind === 'driver' || o.kind === 'device' || o.kind === 'queue') && (o.execution.level === 'passive' || o.execution.level === 'unknown'),
    );
  }

  /**
   * The execution level a queue's callbacks run under: its own attributes, else its device's,
   * else the driver's. When the device cannot be told apart from another device that may be
   * passive, the answer is unknown and the rules stay silent.
   */
  queueConstraint(queue: WdfObject): ConstraintVerdict {
    const own = queue.execution;
    if (own.level === 'passive') return { kind: 'passive', steps: [] };
    if (own.level === 'unknown') return { kind: 'unknown' };
    const queueStep = step(queue.location, `queue created here ${own.level === 'dispatch' ? 'with ExecutionLevel = WdfExecutionLevelDispatch' : 'without ExecutionLevel = WdfExecutionLevelPassive'}`);
    if (own.level === 'dispatch') return { kind: 'dispatch', steps: [queueStep] };
    const parent = this.inheritedFromDevice(queue);
    if (parent.kind !== 'unconstrained' && parent.kind !== 'dispatch') return parent;
    return { kind: parent.kind, steps: [queueStep, ...parent.steps] };
  }

  private inheritedFromDevice(queue: WdfObject): ConstraintVerdict {
    const sameFunction = this.devices.filter((d) => d.createdIn === queue.createdIn && d.handle !== undefined && d.handle === queue.parent);
    const candidates = sameFunction.length > 0 ? sameFunction : this.devices;
    if (candidates.length === 0) return { kind: 'unknown' };
    if (candidates.some((d) => d.execution.level === 'passive' || d.execution.level === 'unknown')) return { kind: 'unknown' };
    const steps: PathStep[] = [];
    for (const d of candidates) {
      if (d.execution.level === 'dispatch') return { kind: 'dispatch', steps: [step(d.location, 'its device is created with ExecutionLevel = WdfExecutionLevelDispatch')] };
      steps.push(step(d.location, `${candidates.length > 1 ? 'a device of this driver' : 'its device'} is created here without an ExecutionLevel constraint`));
    }
    const driver = this.driverConstraint();
    if (driver.kind !== 'unconstrained' && driver.kind !== 'dispatch') return driver;
    return { kind: 'unconstrained', steps: [...steps, ...driver.steps] };
  }

  /**
   * A timer inherits its parent's execution level (ExecutionLevel applies to timers from KMDF
   * 1.9). Its parent is `attributes.ParentObject`: a device created in the same function is
   * followed; any other parent is unknown unless no device or driver of the unit is passive.
   */
  timerConstraint(timer: WdfObject): ConstraintVerdict {
    const own = timer.execution;
    if (own.level === 'passive' || own.level === 'unknown') return { kind: own.level === 'passive' ? 'passive' : 'unknown', steps: [] };
    const timerStep = step(timer.location, `timer created here ${own.level === 'dispatch' ? 'with ExecutionLevel = WdfExecutionLevelDispatch' : 'without ExecutionLevel = WdfExecutionLevelPassive'}`);
    if (own.level === 'dispatch') return { kind: 'dispatch', steps: [timerStep] };
    const parent = timer.attributes.kind === 'known' ? timer.attributes.fields.get('ParentObject')?.value.replace(/\s+/g, '') : undefined;
    const device = parent ? this.devices.find((d) => d.createdIn === timer.createdIn && d.handle === parent) : undefined;
    const candidates = device ? [device] : this.devices;
    if (candidates.some((d) => d.execution.level === 'passive' || d.execution.level === 'unknown')) return { kind: 'unknown' };
    const driver = this.driverConstraint();
    if (driver.kind !== 'unconstrained' && driver.kind !== 'dispatch') return driver;
    const deviceSteps = device ? [step(device.location, 'its parent device is created here without an ExecutionLevel constraint')] : [];
    return { kind: 'unconstrained', steps: [timerStep, ...deviceSteps] };
  }

  driverConstraint(): ConstraintVerdict {
    if (this.drivers.length === 0) return { kind: 'unconstrained', steps: [] };
    if (this.drivers.some((d) => d.execution.level === 'passive' || d.execution.level === 'unknown')) return { kind: 'unknown' };
    return { kind: 'unconstrained', steps: this.drivers.map((d) => step(d.location, 'the driver object is created here without an ExecutionLevel constraint')) };
  }

}

