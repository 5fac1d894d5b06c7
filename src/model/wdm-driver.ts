/**
 * What a WDM (or minifilter) driver unit declares about itself: its dispatch table
 * (`DriverObject->MajorFunction[…]`, including the loop that fills every entry), whether it makes
 * a device reachable from applications, and the code that runs when it is unloaded or its
 * device removed.
 */
import { roleLabel } from '../knowledge/registrations.js';
import { DEVICE_EXPOSURES } from '../knowledge/wdm.js';
import { StepsThroughCall } from './callback-reach.js';
import type { Callback } from './callbacks.js';
import type { DriverModel } from './driver-model.js';
import { memoized } from './expressions.js';
import type { FunctionInfo } from './functions.js';
import { at, step, type Location, type PathStep } from './location.js';
import { isNullText } from './values.js';

export interface DispatchEntry {
  /** `IRP_MJ_READ`, or `*` for an entry whose index is not a constant (the fill-every-entry loop). */
  readonly major: string;
  /** The routines the entry names; empty when the value is not a function drvcheck can resolve. */
  readonly fns: readonly FunctionInfo[];
  /** The entry is set to NULL: explicitly not handled. */
  readonly cleared: boolean;
  readonly location: Location;
}

/** Roles of the code that runs when the driver unloads or its device goes away. */
const UNLOAD_ROLES = new Set([
  'DRIVER_UNLOAD',
  'PFLT_FILTER_UNLOAD_CALLBACK',
  'PFLT_INSTANCE_TEARDOWN_CALLBACK',
  'PFLT_INSTANCE_QUERY_TEARDOWN_CALLBACK',
  'EVT_WDF_DRIVER_UNLOAD',
  'EVT_WDF_DEVICE_RELEASE_HARDWARE',
  'EVT_WDF_DEVICE_D0_EXIT',
  'EVT_WDF_DEVICE_SELF_MANAGED_IO_CLEANUP',
  'EVT_WDF_DEVICE_SURPRISE_REMOVAL',
  'EVT_WDF_OBJECT_CONTEXT_CLEANUP',
  'EVT_WDF_OBJECT_CONTEXT_DESTROY',
]);

/** Roles that make a driver unloadable at all. */
const UNLOADABLE_ROLES = new Set(['DRIVER_UNLOAD', 'PFLT_FILTER_UNLOAD_CALLBACK', 'EVT_WDF_DRIVER_UNLOAD']);

export interface UnloadReach {
  /** How the function is reached on the unload or remove path, shortest first. */
  readonly steps: readonly PathStep[];
}

export class WdmDriver {
  readonly dispatch: readonly DispatchEntry[];
  /** Where the driver gives a device a name, a symbolic link or a device interface. */
  readonly exposures: readonly Location[];
  /** Where the unload and remove paths start. */
  readonly unloadRoots: readonly Callback[];
  readonly canUnload: boolean;
  private readonly reach = new Map<number, UnloadReach>();
  /** Whether the unload path calls through a pointer, once `walk` has marked what it reaches. */
  private opaque?: boolean;

  constructor(private readonly model: DriverModel) {
    this.dispatch = readDispatchTable(model);
    this.exposures = readExposures(model);
    const callbacks = model.callbacks;
    const pnpDispatch = this.handlers('IRP_MJ_PNP').flatMap((e) => e.fns);
    const isKmdf = model.functions.calls('WdfDriverCreate');
    this.canUnload = isKmdf || pnpDispatch.length > 0 || callbacks.some((cb) => UNLOADABLE_ROLES.has(cb.roleType));
    const roots = callbacks.filter((cb) => UNLOAD_ROLES.has(cb.roleType));
    for (const entry of this.handlers('IRP_MJ_PNP')) {
      for (const fn of entry.fns) {
        roots.push({ fn, roleType: 'DRIVER_DISPATCH', how: `MajorFunction[${entry.major === '*' ? 'IRP_MJ_PNP' : entry.major}]`, location: entry.location, declaredOnly: false });
      }
    }
    this.unloadRoots = roots;
  }

  /**
   * The unload or remove path calls through a pointer (a dispatch table of its own, a class
   * driver's callbacks): what it frees or disconnects there is not visible. The path is
   * followed when a rule first asks about it: most units have nothing for it to free.
   */
  get unloadPathOpaque(): boolean {
    return (this.opaque ??= this.walk(this.model.callbacks));
  }

  /** The entries that handle a major function: its own, else the fill-every-entry ones. */
  handlers(major: string): DispatchEntry[] {
    const own = this.dispatch.filter((e) => e.major === major);
    return own.length > 0 ? own : this.dispatch.filter((e) => e.major === '*');
  }

  /** Whether the major function reaches a routine of the driver (a NULL entry does not). */
  handles(major: string): boolean {
    return this.handlers(major).some((e) => !e.cleared);
  }

  /**
   * How `fn` is reached when the driver unloads or a device is removed; undefined when it is
   * not. A function nothing in the unit calls or registers may be reached through a pointer
   * drvcheck cannot follow, so it counts as reached.
   */
  unloadReach(fn: FunctionInfo): UnloadReach | undefined {
    this.opaque ??= this.walk(this.model.callbacks);
    return this.reach.get(fn.id);
  }

  /** Marks what the unload and remove paths reach; true when they call through a pointer. */
  private walk(callbacks: readonly Callback[]): boolean {
    const queue: FunctionInfo[] = [];
    const add = (fn: FunctionInfo, reach: () => UnloadReach): void => {
      if (this.reach.has(fn.id)) return;
      this.reach.set(fn.id, reach());
      queue.push(fn);
    };
    let opaque = false;
    const follow = (from: number, markOpaque: boolean): void => {
      for (let i = from; i < queue.length; i++) {
        const fn = queue[i]!;
        const reached = this.reach.get(fn.id)!;
        for (const site of this.model.functions.callSites(fn)) {
          if (markOpaque && site.callees.length === 0 && site.call.calleeKind !== 'identifier' && site.call.calleeKind !== 'qualified') opaque = true;
          for (const callee of site.callees) add(callee, () => new StepsThroughCall(reached, site, callee));
        }
      }
    };
    for (const cb of this.unloadRoots) add(cb.fn, () => ({ steps: [step(cb.location, `${cb.fn.qualifiedName} is registered here as the ${describeRole(cb.roleType)} (${cb.how})`)] }));
    follow(0, true);
    // A routine never registered or called (or only declared with a role) may be reached through a
    // pointer drvcheck cannot follow, on the unload path as much as anywhere.
    const registered = new Set(callbacks.filter((cb) => !cb.declaredOnly).map((cb) => cb.fn.id));
    const known = queue.length;
    for (const fn of this.model.functions.all) {
      if (registered.has(fn.id) || fn.name === 'DriverEntry' || this.model.functions.callers(fn).length > 0) continue;
      add(fn, () => ({ steps: [step(fn.location, `${fn.qualifiedName} is not called in this driver: it may be reached through a pointer`)] }));
    }
    follow(known, false);
    return opaque;
  }

  /** The path step that says applications can open the device (the driver has an exposure). */
  exposureStep(): PathStep {
    return step(this.exposures[0]!, 'applications can open the device: it is named, linked or given an interface here');
  }
}

/** Names for roles the shared label table does not name. */
const LABELS: Readonly<Record<string, string>> = {
  DRIVER_UNLOAD: 'unload routine',
  DRIVER_ADD_DEVICE: 'AddDevice routine',
  PFLT_FILTER_UNLOAD_CALLBACK: 'filter unload callback',
  PFLT_INSTANCE_SETUP_CALLBACK: 'instance setup callback',
  PFLT_INSTANCE_QUERY_TEARDOWN_CALLBACK: 'instance query-teardown callback',
  PFLT_INSTANCE_TEARDOWN_CALLBACK: 'instance teardown callback',
  IO_WORKITEM_ROUTINE: 'work item routine',
  IO_WORKITEM_ROUTINE_EX: 'work item routine',
  WORKER_THREAD_ROUTINE: 'system worker routine',
  KSTART_ROUTINE: 'system thread routine',
  PFLT_PRE_OPERATION_CALLBACK: 'pre-operation callback',
  PFLT_POST_OPERATION_CALLBACK: 'post-operation callback',
  DRVCHECK_SAFE_POST_OPERATION: 'safe post-operation callback',
};

export function describeRole(roleType: string): string {
  return LABELS[roleType] ?? roleLabel(roleType);
}

const cache = new WeakMap<DriverModel, WdmDriver>();

export function wdmDriver(model: DriverModel): WdmDriver {
  return memoized(cache, model, () => new WdmDriver(model));
}

/** `a = b = F` assigns F to both: the value of a chain is its last operand. */
function chainValue(rhs: string): string {
  const parts = rhs.split(/(?<![=!<>])=(?!=)/);
  return parts[parts.length - 1]!.replace(/^[\s(]*(?:\([A-Za-z_]\w*\s*\)\s*)?&?\s*/, '').replace(/[\s)]*$/, '').trim();
}

function readDispatchTable(model: DriverModel): DispatchEntry[] {
  const entries: DispatchEntry[] = [];
  for (const fn of model.functions.all) {
    for (const a of fn.fact.assignments) {
      const at_ = a.lhsPath.indexOf('MajorFunction');
      if (at_ < 0 || a.operator !== '=') continue;
      const index = a.lhsPath[at_ + 1];
      if (!index?.startsWith('[')) continue;
      const inside = index.slice(1, -1).trim();
      const major = /^IRP_MJ_[A-Z_]+$/.test(inside) ? inside : '*';
      const value = chainValue(a.rhs);
      entries.push({
        major,
        fns: model.functions.resolveName(value, fn, fn.file),
        cleared: isNullText(value),
        location: at(fn.file, a.span),
      });
    }
  }
  return entries;
}

function readExposures(model: DriverModel): Location[] {
  const out: Location[] = [];
  for (const { caller: fn, call } of model.functions.sitesCalling(Object.keys(DEVICE_EXPOSURES))) {
    const shape = DEVICE_EXPOSURES[call.callee];
    if (!shape) continue;
    if (shape.nameArg !== undefined) {
      const name = call.args[shape.nameArg];
      if (name === undefined || isNullText(name)) continue;
    }
    out.push(at(fn.file, call.span));
  }
  return out;
}

/** Roles whose routines run with normal kernel APCs enabled (PASSIVE_LEVEL callbacks of WDM and the filter manager). */
export const APCS_ENABLED_ROLES: ReadonlySet<string> = new Set([
  'DRIVER_INITIALIZE',
  'DRIVER_DISPATCH',
  'DRIVER_UNLOAD',
  'DRIVER_ADD_DEVICE',
  'IO_WORKITEM_ROUTINE',
  'IO_WORKITEM_ROUTINE_EX',
  'WORKER_THREAD_ROUTINE',
  'KSTART_ROUTINE',
  'PFLT_PRE_OPERATION_CALLBACK',
  'DRVCHECK_SAFE_POST_OPERATION',
  'PFLT_DEFERRED_IO_WORKITEM_ROUTINE',
  'PFLT_GENERIC_WORKITEM_ROUTINE',
  'PFLT_FILTER_UNLOAD_CALLBACK',
  'PFLT_INSTANCE_SETUP_CALLBACK',
  'PFLT_INSTANCE_QUERY_TEARDOWN_CALLBACK',
  'PFLT_INSTANCE_TEARDOWN_CALLBACK',
]);
