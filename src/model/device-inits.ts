/**
 * The WDFDEVICE_INIT structures a driver fills before WdfDeviceCreate: where each comes from
 * (a PnP device's init handed to EvtDriverDeviceAdd, a control device's from
 * WdfControlDeviceInitAllocate, a PDO's from WdfPdoInitAllocate) and the calls made on it
 * (a name, an SDDL string, device characteristics). Calls are matched to an init by the
 * variable they are made on within one function.
 */
import type { CallFact } from '../parser/facts.js';
import type { Callback } from './callbacks.js';
import type { FunctionIndex, FunctionInfo } from './functions.js';
import { at, type Location } from './location.js';
import type { WdfObject } from './wdf-objects.js';

export type InitOrigin =
  | { readonly kind: 'control'; readonly allocate: CallFact; readonly sddl: string }
  | { readonly kind: 'pdo'; readonly allocate: CallFact }
  | { readonly kind: 'pnp' }
  | { readonly kind: 'unknown' };

export interface DeviceInitCall {
  readonly fn: FunctionInfo;
  readonly call: CallFact;
  readonly location: Location;
  /** The init variable the call is made on (`DeviceInit`, `pInit`). */
  readonly init: string;
}

/** How far an init handed to helpers is followed back to its allocation. */
const MAX_DEPTH = 3;

const INIT_CALLS = /^Wdf(DeviceInit|PdoInit|FdoInit|ControlDeviceInit)\w+$/;

const compact = (text: string | undefined): string => (text ?? '').replace(/\s+/g, '').replace(/^\*/, '');

export class DeviceInits {
  private readonly addDeviceInits = new Set<string>();

  constructor(
    private readonly index: FunctionIndex,
    callbacks: readonly Callback[],
  ) {
    // The PWDFDEVICE_INIT parameter of EvtDriverDeviceAdd is a PnP device's init.
    for (const cb of callbacks) {
      if (cb.roleType !== 'EVT_WDF_DRIVER_DEVICE_ADD') continue;
      const name = cb.fn.fact.params[1]?.name;
      if (name) this.addDeviceInits.add(`${cb.fn.id}|${name}`);
    }
  }

  /** Every call of a `WdfDeviceInit*`-style DDI named `callee` in the unit. */
  callsOf(callee: string): DeviceInitCall[] {
    const found: DeviceInitCall[] = [];
    for (const { caller: fn, call } of this.index.sitesCalling([callee])) {
      if (call.calleeKind !== 'identifier') continue;
      found.push({ fn, call, location: at(fn.file, call.span), init: compact(call.argCores[0]) });
    }
    return found;
  }

  /** The calls made on the same init variable in the same function. */
  callsOnInit(fn: FunctionInfo, init: string): CallFact[] {
    return fn.fact.calls.filter((c) => INIT_CALLS.test(c.callee) && compact(c.argCores[0]) === init);
  }

  /**
   * Where the init in variable `init` of `fn` comes from: this function's allocation, the
   * EvtDriverDeviceAdd parameter, or, for a parameter of a helper, what every caller passes.
   */
  originOf(fn: FunctionInfo, init: string, depth = 0): InitOrigin {
    if (this.addDeviceInits.has(`${fn.id}|${init}`)) return { kind: 'pnp' };
    const allocate = allocationOf(fn, init);
    if (allocate?.callee === 'WdfControlDeviceInitAllocate') return { kind: 'control', allocate, sddl: allocate.args[1] ?? '' };
    if (allocate?.callee === 'WdfPdoInitAllocate') return { kind: 'pdo', allocate };
    const position = fn.fact.params.findIndex((p) => p.name === init);
    const callers = this.index.callers(fn);
    if (position < 0 || depth >= MAX_DEPTH || callers.length === 0) return { kind: 'unknown' };
    const origins = callers.map((site) => this.originOf(site.caller, compact(site.call.argCores[position]), depth + 1));
    const first = origins[0]!;
    return origins.every((o) => o.kind === first.kind && (o.kind !== 'control' || first.kind !== 'control' || o.sddl === first.sddl)) ? first : { kind: 'unknown' };
  }

  /** The origin of the init a device object was created from (`WdfDeviceCreate(&init, ...)`). */
  originOfDevice(device: WdfObject): InitOrigin {
    return this.originOf(device.createdIn, compact(device.call.argCores[0]));
  }
}

/** `init = WdfControlDeviceInitAllocate(...)` or `PWDFDEVICE_INIT init = WdfPdoInitAllocate(...)`. */
function allocationOf(fn: FunctionInfo, init: string): CallFact | undefined {
  const byCall = new Map<string, CallFact>();
  for (const call of fn.fact.calls) {
    if (call.callee === 'WdfControlDeviceInitAllocate' || call.callee === 'WdfPdoInitAllocate') byCall.set(call.callee, call);
  }
  if (byCall.size === 0) return undefined;
  const local = fn.fact.locals.find((l) => l.name === init);
  const callee = local?.initCall ?? fn.fact.assignments.find((a) => compact(a.lhs) === init && a.rhsCall)?.rhsCall;
  return callee ? byCall.get(callee) : undefined;
}
