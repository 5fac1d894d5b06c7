/**
 * Synchronization scopes and what automatic serialization does with them. A device or queue
 * with SynchronizationScope = Device or Queue owns a callback lock: a spin lock when its
 * execution level is not passive, a mutex when it is. A timer, DPC or work item created with
 * AutomaticSerialization = TRUE under such a parent takes that lock around its callback, so
 * it must be able to acquire it: a DPC or (non-passive) timer runs at DISPATCH_LEVEL and
 * cannot take a passive lock; a work item runs at PASSIVE_LEVEL and needs one.
 *
 * Parents are followed through the handle variable a device or queue was created into, the
 * callers of a function that receives the parent as a parameter, and context fields the
 * handle is stored in. When a parent cannot be told, the answer is unknown.
 */
import type { FunctionIndex, FunctionInfo } from './functions.js';
import { fieldName } from './io-targets.js';
import { at, step, type Location, type PathStep } from './location.js';
import type { WdfObject, WdfObjects } from './wdf-objects.js';

/** A parent's callback lock, when it has one. */
export type ParentLock =
  | { readonly kind: 'none' }
  | { readonly kind: 'unknown' }
  | {
      readonly kind: 'lock';
      readonly scope: 'device' | 'queue';
      readonly passive: boolean;
      /** The object that owns the scope, where it is set, and where the execution level comes from. */
      readonly steps: readonly PathStep[];
    };

/** Whether a timer, DPC or work item asks for automatic serialization, and where that is decided. */
export type Serialization = { readonly serialized: boolean; readonly location: Location } | { readonly serialized: 'unknown' };

const MAX_DEPTH = 4;

export class SyncScopes {
  private readonly devices: readonly WdfObject[];
  private readonly queues: readonly WdfObject[];
  private readonly drivers: readonly WdfObject[];

  constructor(
    private readonly index: FunctionIndex,
    objects: WdfObjects,
  ) {
    this.devices = objects.all.filter((o) => o.kind === 'device');
    this.queues = objects.all.filter((o) => o.kind === 'queue');
    this.drivers = objects.all.filter((o) => o.kind === 'driver');
  }

  /** `AutomaticSerialization` as the create call sees it: the INIT macros set it to TRUE. */
  serialization(o: WdfObject): Serialization {
    if (o.config.kind !== 'known') return { serialized: 'unknown' };
    const field = o.config.fields.get('AutomaticSerialization');
    const file = o.createdIn.file;
    if (field) {
      const value = field.value.replace(/\s+/g, '');
      if (/^(TRUE|WdfTrue|1)$/.test(value)) return { serialized: true, location: at(file, field.span) };
      if (/^(FALSE|WdfFalse|0)$/.test(value)) return { serialized: false, location: at(file, field.span) };
      return { serialized: 'unknown' };
    }
    if (o.config.init) return { serialized: true, location: at(file, o.config.init.span) };
    return { serialized: 'unknown' };
  }

  /**
   * For a timer or DPC whose callback the framework runs holding its parent's spin lock: the
   * steps that show it. Such a callback runs at DISPATCH_LEVEL, whatever else the unit does.
   */
  serializedUnderSpinLock(o: WdfObject): readonly PathStep[] | undefined {
    if (o.kind !== 'timer' && o.kind !== 'dpc') return undefined;
    if (o.kind === 'timer' && o.execution.level !== 'inherit' && o.execution.level !== 'dispatch') return undefined;
    const serialization = this.serialization(o);
    if (serialization.serialized !== true) return undefined;
    const lock = this.parentLock(o);
    if (lock.kind !== 'lock' || lock.passive) return undefined;
    return [
      ...lock.steps,
      step(serialization.location, `AutomaticSerialization is TRUE here, so the framework calls the ${o.kind === 'timer' ? 'EvtTimerFunc' : 'EvtDpcFunc'} at DISPATCH_LEVEL holding the ${lock.scope} scope's spin lock`),
    ];
  }

  /** The callback lock of the parent a timer, DPC or work item is created under. */
  parentLock(o: WdfObject): ParentLock {
    if (o.attributes.kind !== 'known') return { kind: 'unknown' };
    const parent = o.attributes.fields.get('ParentObject');
    if (!parent) return { kind: 'unknown' };
    const candidates = this.resolve(o.createdIn, parent.value.replace(/\s+/g, ''), o.call.span.startOffset, 0);
    if (candidates.length === 0) return { kind: 'unknown' };
    const locks = candidates.map((c) => this.lockOf(c));
    const first = locks[0]!;
    if (first.kind !== 'lock') return locks.every((l) => l.kind === first.kind) ? first : { kind: 'unknown' };
    if (!locks.every((l) => l.kind === 'lock' && l.passive === first.passive)) return { kind: 'unknown' };
    const parentStep = step(at(o.createdIn.file, parent.span), `its parent is \`${parent.value}\``);
    return { ...first, steps: [parentStep, ...first.steps] };
  }

  /** The callback lock a device or queue owns (a queue also shares its device's). */
  lockOf(owner: WdfObject): ParentLock {
    const scope = this.scopeOf(owner);
    if (scope.kind === 'unknown') return { kind: 'unknown' };
    if (scope.kind === 'none') return { kind: 'none' };
    const level = this.levelOf(owner);
    if (level.kind === 'unknown') return { kind: 'unknown' };
    return {
      kind: 'lock',
      scope: scope.kind,
      passive: level.kind === 'passive',
      steps: [
        step(scope.location, `SynchronizationScope = ${scope.kind === 'device' ? 'WdfSynchronizationScopeDevice' : 'WdfSynchronizationScopeQueue'} is set here`),
        step(level.location, level.kind === 'passive' ? 'its execution level is passive here, so the scope\'s lock is a passive-level lock' : `${level.why}, so the scope's lock is a spin lock taken at DISPATCH_LEVEL`),
      ],
    };
  }

  private scopeOf(owner: WdfObject): { kind: 'device' | 'queue'; location: Location } | { kind: 'none' } | { kind: 'unknown' } {
    const own = fieldOf(owner, 'SynchronizationScope');
    if (own === 'unknown') return { kind: 'unknown' };
    if (own) {
      if (own.value === 'WdfSynchronizationScopeDevice') return { kind: 'device', location: own.location };
      if (own.value === 'WdfSynchronizationScopeQueue') return { kind: 'queue', location: own.location };
      if (own.value === 'WdfSynchronizationScopeNone') return { kind: 'none' };
      if (own.value !== 'WdfSynchronizationScopeInheritFromParent') return { kind: 'unknown' };
    }
    if (owner.kind === 'queue') {
      const device = this.deviceOfQueue(owner);
      return device ? this.scopeOf(device) : { kind: 'unknown' };
    }
    if (owner.kind === 'device') {
      if (this.drivers.length !== 1) return this.drivers.length === 0 ? { kind: 'none' } : { kind: 'unknown' };
      return this.scopeOf(this.drivers[0]!);
    }
    return { kind: 'none' };
  }

  private levelOf(owner: WdfObject): { kind: 'passive' | 'dispatch'; location: Location; why: string } | { kind: 'unknown' } {
    const own = fieldOf(owner, 'ExecutionLevel');
    if (own === 'unknown') return { kind: 'unknown' };
    if (own?.value === 'WdfExecutionLevelPassive') return { kind: 'passive', location: own.location, why: 'ExecutionLevel = WdfExecutionLevelPassive' };
    if (own?.value === 'WdfExecutionLevelDispatch') return { kind: 'dispatch', location: own.location, why: 'ExecutionLevel = WdfExecutionLevelDispatch' };
    if (own && own.value !== 'WdfExecutionLevelInheritFromParent') return { kind: 'unknown' };
    const parent = owner.kind === 'queue' ? this.deviceOfQueue(owner) : owner.kind === 'device' ? this.onlyDriver() : undefined;
    if (owner.kind === 'queue' && !parent) return { kind: 'unknown' };
    if (owner.kind === 'device' && this.drivers.length > 1) return { kind: 'unknown' };
    if (!parent) return { kind: 'dispatch', location: owner.location, why: `the ${owner.kind} is created here without ExecutionLevel = WdfExecutionLevelPassive` };
    const inherited = this.levelOf(parent);
    if (inherited.kind !== 'dispatch') return inherited;
    return { kind: 'dispatch', location: owner.location, why: `the ${owner.kind} is created here without ExecutionLevel = WdfExecutionLevelPassive (nor does its parent set it)` };
  }

  private onlyDriver(): WdfObject | undefined {
    return this.drivers.length === 1 ? this.drivers[0] : undefined;
  }

  private deviceOfQueue(queue: WdfObject): WdfObject | undefined {
    if (!queue.parent) return undefined;
    const found = this.resolve(queue.createdIn, queue.parent, queue.call.span.startOffset, 0).filter((o) => o.kind === 'device');
    return found.length === 1 ? found[0] : undefined;
  }

  /** The devices and queues a handle expression may name at `offset` in `fn`. */
  private resolve(fn: FunctionInfo, expr: string, offset: number, depth: number): WdfObject[] {
    if (depth > MAX_DEPTH) return [];
    const created = [...this.devices, ...this.queues].filter((o) => o.createdIn === fn && o.handle === expr && o.call.span.startOffset < offset);
    if (created.length > 0) return [created.at(-1)!];
    const getter = /^WdfIoQueueGetDevice\((.+)\)$/.exec(expr);
    if (getter) return this.resolve(fn, getter[1]!, offset, depth + 1).flatMap((q) => (q.kind === 'queue' ? [this.deviceOfQueue(q)].filter((d): d is WdfObject => !!d) : []));
    const param = fn.fact.params.findIndex((p) => p.name === expr);
    if (param >= 0) {
      const callers = this.index.callers(fn);
      const found = callers.map((site) => this.resolve(site.caller, (site.call.argCores[param] ?? '').replace(/\s+/g, ''), site.call.span.startOffset, depth + 1));
      if (callers.length === 0 || found.some((f) => f.length === 0)) return this.byType(fn.fact.params[param]!.type);
      return unique(found.flat());
    }
    const field = fieldName(expr);
    if (field) return this.storedIn(field, depth);
    const local = fn.fact.locals.find((l) => l.name === expr);
    return local ? this.byType(local.type) : [];
  }

  /** Objects whose handle is stored in a field of this name anywhere in the unit. */
  private storedIn(field: string, depth: number): WdfObject[] {
    const direct = [...this.devices, ...this.queues].filter((o) => o.handle !== undefined && fieldName(o.handle) === field);
    const assigned: WdfObject[] = [];
    for (const fn of this.index.all) {
      for (const a of fn.fact.assignments) {
        if (a.operator !== '=' || fieldName(a.lhs) !== field) continue;
        const found = this.resolve(fn, a.rhsCore.replace(/\s+/g, ''), a.span.startOffset, depth + 1);
        if (found.length === 0) return [];
        assigned.push(...found);
      }
    }
    return unique([...direct, ...assigned]);
  }

  /** A WDFDEVICE or WDFQUEUE whose origin is not followed: every object of that kind. */
  private byType(type: string): WdfObject[] {
    const t = type.replace(/\b(const|CONST)\b/g, '').trim();
    if (t === 'WDFDEVICE') return [...this.devices];
    if (t === 'WDFQUEUE') return [...this.queues];
    return [];
  }
}

function fieldOf(o: WdfObject, name: string): { value: string; location: Location } | 'unknown' | undefined {
  if (o.attributes.kind === 'none') return undefined;
  if (o.attributes.kind === 'unknown') return 'unknown';
  const field = o.attributes.fields.get(name);
  return field ? { value: field.value.replace(/\s+/g, ''), location: at(o.createdIn.file, field.span) } : undefined;
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
