/**
 * Where the I/O target handle used at a point of a function comes from: the device's local
 * target (`WdfDeviceGetIoTarget`), or a remote target the driver created (`WdfIoTargetCreate`),
 * and how that remote target was opened. Handles are followed through locals, parameters
 * (into callers) and device-context fields (every write to a field of that name in the unit).
 * When writes disagree or cannot be followed, the origin is unknown.
 */
import type { CallFact } from '../parser/facts.js';
import type { FunctionIndex, FunctionInfo } from './functions.js';
import { at, step, type Location, type PathStep } from './location.js';
import { structStateAt, type StructState } from './struct-state.js';
import { emptySpanAt, startOf } from '../source/span.js';
import { push } from './expressions.js';
import { isNullText } from './values.js';

export type OpenMode = 'by-name' | 'file-object' | 'existing-device' | 'same-stack' | 'unknown';

export interface TargetOpen {
  readonly location: Location;
  readonly mode: OpenMode;
  /** Where the open parameters that decide the mode were set. */
  readonly decidedAt?: Location;
}

export type TargetOrigin =
  | { readonly kind: 'local'; readonly location: Location }
  | { readonly kind: 'remote'; readonly created: Location; readonly opens: readonly TargetOpen[] }
  | { readonly kind: 'unknown' };

const UNKNOWN: TargetOrigin = { kind: 'unknown' };
const LOCAL_TARGET_GETTERS = new Set(['WdfDeviceGetIoTarget']);
const FORMAT_CALLS = /^WdfIoTargetFormatRequestFor\w+$/;

interface Write {
  readonly fn: FunctionInfo;
  readonly offset: number;
  /** The value written: an expression, or the create call that produced a handle. */
  readonly value: { readonly kind: 'expr'; readonly text: string; readonly call?: string } | { readonly kind: 'create'; readonly call: CallFact };
}

/** An expression written, with the call it is the result of when it is one. */
function expressionValue(text: string, call: string | undefined): Write['value'] {
  return call ? { kind: 'expr', text, call } : { kind: 'expr', text };
}

export class IoTargets {
  private readonly fieldWrites = new Map<string, Write[]>();
  private readonly fieldOpens = new Map<string, { fn: FunctionInfo; call: CallFact }[]>();

  constructor(private readonly index: FunctionIndex) {
    const targetCalls = new Map<number, CallFact[]>();
    for (const { caller, call } of index.sitesCalling(['WdfIoTargetCreate', 'WdfIoTargetOpen'])) push(targetCalls, caller.id, call);
    for (const fn of index.all) {
      for (const a of fn.fact.assignments) {
        if (a.operator !== '=') continue;
        const field = fieldName(a.lhs);
        if (field) push(this.fieldWrites, field, { fn, offset: a.span.startOffset, value: expressionValue(a.rhsCore, a.rhsCall) });
      }
      for (const call of targetCalls.get(fn.id) ?? []) {
        if (call.callee === 'WdfIoTargetCreate') {
          const field = fieldName(call.argCores[2] ?? '');
          if (field) push(this.fieldWrites, field, { fn, offset: call.span.startOffset, value: { kind: 'create', call } });
        } else if (call.callee === 'WdfIoTargetOpen') {
          const field = fieldName(call.argCores[0] ?? '');
          if (field) push(this.fieldOpens, field, { fn, call });
        }
      }
    }
  }

  /** The origin of the target expression `expr` used at `offset` in `fn`. */
  originAt(fn: FunctionInfo, expr: string, offset: number, depth = 0): TargetOrigin {
    if (depth > 6) return UNKNOWN;
    const text = expr.replace(/\s+/g, '');
    const getter = /^(\w+)\(/.exec(text)?.[1];
    if (getter && LOCAL_TARGET_GETTERS.has(getter)) return { kind: 'local', location: at(fn.file, fn.fact.span) };
    const field = fieldName(text);
    if (field) return this.fieldOrigin(field, depth);
    if (!/^[A-Za-z_]\w*$/.test(text)) return UNKNOWN;
    return this.variableOrigin(fn, text, offset, depth);
  }

  private variableOrigin(fn: FunctionInfo, name: string, offset: number, depth: number): TargetOrigin {
    let last: Write | undefined;
    const local = fn.fact.locals.find((l) => l.name === name && l.span.startOffset < offset);
    if (local?.init?.kind === 'expr') {
      last = { fn, offset: local.span.startOffset, value: expressionValue(local.init.core, local.initCall) };
    }
    for (const a of fn.fact.assignments) {
      if (a.span.startOffset >= offset) break;
      if (a.lhs.replace(/\s+/g, '') === name && a.operator === '=') {
        last = { fn, offset: a.span.startOffset, value: expressionValue(a.rhsCore, a.rhsCall) };
      }
    }
    for (const call of fn.fact.calls) {
      if (call.span.startOffset >= offset) break;
      if (call.callee === 'WdfIoTargetCreate' && (call.argCores[2] ?? '').replace(/\s+/g, '') === name && (!last || call.span.startOffset > last.offset)) {
        last = { fn, offset: call.span.startOffset, value: { kind: 'create', call } };
      }
    }
    if (last) return this.originOfWrite(last, depth);
    const paramIndex = fn.fact.params.findIndex((p) => p.name === name);
    if (paramIndex < 0) return UNKNOWN;
    return this.merge(
      this.index.callers(fn).map((site) => {
        const arg = site.call.argCores[paramIndex];
        return arg === undefined ? UNKNOWN : this.originAt(site.caller, arg, site.call.span.startOffset, depth + 1);
      }),
    );
  }

  private fieldOrigin(field: string, depth: number): TargetOrigin {
    const writes = (this.fieldWrites.get(field) ?? []).filter((w) => !(w.value.kind === 'expr' && isNullText(w.value.text)));
    return this.merge(writes.map((w) => this.originOfWrite(w, depth + 1)));
  }

  private originOfWrite(w: Write, depth: number): TargetOrigin {
    if (w.value.kind === 'create') {
      return { kind: 'remote', created: at(w.fn.file, w.value.call.span), opens: this.opensOf(w.fn, w.value.call) };
    }
    if (w.value.call && LOCAL_TARGET_GETTERS.has(w.value.call)) return { kind: 'local', location: at(w.fn.file, emptySpanAt(startOf(w.fn.fact.span))) };
    if (w.value.call) return UNKNOWN;
    return this.originAt(w.fn, w.value.text, w.offset, depth + 1);
  }

  /** Opens of the handle a create call produced: in the creating function, and through its field. */
  private opensOf(fn: FunctionInfo, create: CallFact): TargetOpen[] {
    const handle = (create.argCores[2] ?? '').replace(/\s+/g, '');
    const opens: { fn: FunctionInfo; call: CallFact }[] = fn.fact.calls
      .filter((c) => c.callee === 'WdfIoTargetOpen' && c.span.startOffset > create.span.startOffset && (c.argCores[0] ?? '').replace(/\s+/g, '') === handle)
      .map((call) => ({ fn, call }));
    const stored = fn.fact.assignments.filter((a) => a.rhsCore.replace(/\s+/g, '') === handle).map((a) => fieldName(a.lhs));
    for (const field of [fieldName(handle), ...stored]) {
      if (field) opens.push(...(this.fieldOpens.get(field) ?? []));
    }
    const seen = new Set<CallFact>();
    return opens.filter((o) => !seen.has(o.call) && seen.add(o.call)).map((o) => openModeOf(o.fn, o.call));
  }

  /** Several origins agree, or the origin is unknown. */
  private merge(origins: readonly TargetOrigin[]): TargetOrigin {
    if (origins.length === 0) return UNKNOWN;
    const first = origins[0]!;
    if (first.kind === 'unknown') return UNKNOWN;
    if (origins.some((o) => o.kind !== first.kind)) return UNKNOWN;
    if (first.kind === 'remote') {
      const opens = origins.flatMap((o) => (o.kind === 'remote' ? o.opens : []));
      return { kind: 'remote', created: first.created, opens };
    }
    return first;
  }
}

function openModeOf(fn: FunctionInfo, call: CallFact): TargetOpen {
  const location = at(fn.file, call.span);
  const arg = call.args[1];
  const core = call.argCores[1];
  if (arg === undefined || core === undefined) return { location, mode: 'unknown' };
  const state: StructState = structStateAt(fn, arg, core, call.span.startOffset);
  if (state.kind !== 'known') return { location, mode: 'unknown' };
  const fileObject = state.fields.get('TargetFileObject');
  const type = state.fields.get('Type')?.value.replace(/\s+/g, '');
  const macro = state.init?.macro ?? '';
  const decidedAt = state.init ? at(fn.file, state.init.span) : undefined;
  if (macro.endsWith('_EXISTING_DEVICE') || type === 'WdfIoTargetOpenUseExistingDevice') {
    const device = state.fields.get('TargetDeviceObject');
    if (device && sameStackDevice(fn, device.value, call.span.startOffset)) return { location, mode: 'same-stack', ...(decidedAt ? { decidedAt } : {}) };
    if (fileObject && !isNullText(fileObject.value)) return { location, mode: 'file-object', decidedAt: at(fn.file, fileObject.span) };
    return { location, mode: 'existing-device', ...(decidedAt ? { decidedAt } : {}) };
  }
  if (macro.endsWith('_BY_NAME') || type === 'WdfIoTargetOpenByName') return { location, mode: 'by-name', ...(decidedAt ? { decidedAt } : {}) };
  return { location, mode: 'unknown' };
}

/** `WdfDeviceWdmGetAttachedDevice(device)`, directly or through a local: the next-lower device of this stack. */
function sameStackDevice(fn: FunctionInfo, value: string, offset: number): boolean {
  const text = value.replace(/\s+/g, '');
  if (text.startsWith('WdfDeviceWdmGetAttachedDevice(')) return true;
  if (!/^[A-Za-z_]\w*$/.test(text)) return false;
  const local = fn.fact.locals.find((l) => l.name === text);
  if (local?.initCall === 'WdfDeviceWdmGetAttachedDevice') return true;
  const last = fn.fact.assignments.filter((a) => a.span.startOffset < offset && a.lhs.replace(/\s+/g, '') === text).at(-1);
  return last?.rhsCall === 'WdfDeviceWdmGetAttachedDevice';
}

/** `Target` of `ctx->Target`, `GetContext(d)->Target`, `ctx.Target`; undefined for a plain name. */
export function fieldName(expr: string): string | undefined {
  const m = /(?:->|\.)\s*([A-Za-z_]\w*)\s*$/.exec(expr.replace(/^&\s*/, ''));
  return m ? m[1] : undefined;
}

export function isFormatCall(callee: string): boolean {
  return FORMAT_CALLS.test(callee);
}

/** How a finding's path tells the way a remote target was opened. */
export function describeOpen(mode: OpenMode): string {
  switch (mode) {
    case 'by-name':
      return 'by name';
    case 'file-object':
      return 'on an existing device with a TargetFileObject';
    case 'existing-device':
      return 'on an existing device of another stack';
    default:
      return mode;
  }
}

/** The first steps of every I/O target finding: where the remote target is created and opened. */
export function remoteTargetSteps(created: Location, open: TargetOpen): PathStep[] {
  return [
    step(created, 'a remote I/O target is created here with WdfIoTargetCreate'),
    ...(open.decidedAt ? [step(open.decidedAt, `its open parameters are set here (${describeOpen(open.mode)})`)] : []),
    step(open.location, `the remote target is opened here ${describeOpen(open.mode)}`),
  ];
}
