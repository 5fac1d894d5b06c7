/**
 * What a WDF configuration or attributes structure holds when it is passed to a create call.
 *
 * Drivers fill these structures in straight-line code: an INIT macro resets the whole
 * structure (and may set fields from its arguments), then field assignments follow, then the
 * structure is passed by address. Because INIT resets, a structure re-initialised between two
 * objects does not carry settings from the first to the second; this module honours that.
 */
import type { CallFact, Span } from '../parser/facts.js';
import { tokenPattern } from './expressions.js';
import type { FunctionInfo } from './functions.js';

/** INIT macros: which argument is the structure, and which fields the others set. */
export interface InitMacro {
  readonly structType: string;
  readonly fieldsFromArgs?: readonly (readonly [number, string])[];
}

export const INIT_MACROS: Readonly<Record<string, InitMacro>> = {
  WDF_OBJECT_ATTRIBUTES_INIT: { structType: 'WDF_OBJECT_ATTRIBUTES' },
  WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE: { structType: 'WDF_OBJECT_ATTRIBUTES' },
  WDF_IO_QUEUE_CONFIG_INIT: { structType: 'WDF_IO_QUEUE_CONFIG', fieldsFromArgs: [[1, 'DispatchType']] },
  WDF_IO_QUEUE_CONFIG_INIT_DEFAULT_QUEUE: { structType: 'WDF_IO_QUEUE_CONFIG', fieldsFromArgs: [[1, 'DispatchType']] },
  WDF_DRIVER_CONFIG_INIT: { structType: 'WDF_DRIVER_CONFIG', fieldsFromArgs: [[1, 'EvtDriverDeviceAdd']] },
  WDF_PNPPOWER_EVENT_CALLBACKS_INIT: { structType: 'WDF_PNPPOWER_EVENT_CALLBACKS' },
  WDF_POWER_POLICY_EVENT_CALLBACKS_INIT: { structType: 'WDF_POWER_POLICY_EVENT_CALLBACKS' },
  WDF_FILEOBJECT_CONFIG_INIT: {
    structType: 'WDF_FILEOBJECT_CONFIG',
    fieldsFromArgs: [[1, 'EvtDeviceFileCreate'], [2, 'EvtFileClose'], [3, 'EvtFileCleanup']],
  },
  WDF_TIMER_CONFIG_INIT: { structType: 'WDF_TIMER_CONFIG', fieldsFromArgs: [[1, 'EvtTimerFunc']] },
  WDF_TIMER_CONFIG_INIT_PERIODIC: { structType: 'WDF_TIMER_CONFIG', fieldsFromArgs: [[1, 'EvtTimerFunc'], [2, 'Period']] },
  WDF_DPC_CONFIG_INIT: { structType: 'WDF_DPC_CONFIG', fieldsFromArgs: [[1, 'EvtDpcFunc']] },
  WDF_WORKITEM_CONFIG_INIT: { structType: 'WDF_WORKITEM_CONFIG', fieldsFromArgs: [[1, 'EvtWorkItemFunc']] },
  WDF_INTERRUPT_CONFIG_INIT: { structType: 'WDF_INTERRUPT_CONFIG', fieldsFromArgs: [[1, 'EvtInterruptIsr'], [2, 'EvtInterruptDpc']] },
  WDF_REQUEST_SEND_OPTIONS_INIT: { structType: 'WDF_REQUEST_SEND_OPTIONS', fieldsFromArgs: [[1, 'Flags']] },
  WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_NAME: {
    structType: 'WDF_IO_TARGET_OPEN_PARAMS',
    fieldsFromArgs: [[1, 'TargetDeviceName']],
  },
  WDF_IO_TARGET_OPEN_PARAMS_INIT_CREATE_BY_NAME: {
    structType: 'WDF_IO_TARGET_OPEN_PARAMS',
    fieldsFromArgs: [[1, 'TargetDeviceName']],
  },
  WDF_IO_TARGET_OPEN_PARAMS_INIT_EXISTING_DEVICE: {
    structType: 'WDF_IO_TARGET_OPEN_PARAMS',
    fieldsFromArgs: [[1, 'TargetDeviceObject']],
  },
  WDF_IO_TARGET_OPEN_PARAMS_INIT_REOPEN: { structType: 'WDF_IO_TARGET_OPEN_PARAMS' },
  WDF_IO_TARGET_OPEN_PARAMS_INIT_OPEN_BY_FILE: { structType: 'WDF_IO_TARGET_OPEN_PARAMS' },
};

export interface FieldValue {
  readonly value: string;
  readonly span: Span;
  /** True for `|=`: the flags written add to what was there. */
  readonly accumulated: boolean;
}

export type StructState =
  | { readonly kind: 'none' }
  | { readonly kind: 'unknown'; readonly reason: string }
  | {
      readonly kind: 'known';
      readonly variable: string;
      readonly init?: { readonly macro: string; readonly span: Span };
      readonly fields: ReadonlyMap<string, FieldValue>;
    };

const NO_STRUCT = new Set(['WDF_NO_OBJECT_ATTRIBUTES', 'WDF_NO_SEND_OPTIONS', 'NULL', '0', 'nullptr', 'WDF_NO_HANDLE']);

/** The name a structure argument refers to: `attributes` of `&attributes`. */
export function structVariable(argCore: string): string {
  return argCore.replace(/\s+/g, '');
}

/**
 * The contents of the structure passed as `argText`/`argCore` at `offset` in `fn`. A pointer
 * parameter or any expression this cannot follow is `unknown`, never assumed empty.
 */
export function structStateAt(fn: FunctionInfo, arg: string, argCore: string, offset: number): StructState {
  if (NO_STRUCT.has(arg.trim()) || NO_STRUCT.has(argCore.trim())) return { kind: 'none' };
  const variable = structVariable(argCore);
  const byAddress = arg.trim().startsWith('&') || /^\(.*\)\s*&/.test(arg.trim());
  const isParam = fn.fact.params.some((p) => p.name === variable);
  const local = fn.fact.locals.find((l) => l.name === variable);
  if (!/^[A-Za-z_]\w*(?:(?:\.|->)[A-Za-z_]\w*)*$/.test(variable)) {
    return { kind: 'unknown', reason: `the structure \`${arg}\` is not a variable drvcheck can follow` };
  }
  if (isParam && !byAddress) return { kind: 'unknown', reason: `the structure comes from parameter \`${variable}\` of ${fn.qualifiedName}` };

  let init: { macro: string; span: Span } | undefined;
  let initCall: CallFact | undefined;
  for (const call of fn.fact.calls) {
    if (call.span.startOffset >= offset) break;
    if (INIT_MACROS[call.callee] && structVariable(call.argCores[0] ?? '') === variable) {
      init = { macro: call.callee, span: call.span };
      initCall = call;
    }
  }
  const fields = new Map<string, FieldValue>();
  if (initCall) {
    for (const [index, field] of INIT_MACROS[initCall.callee]!.fieldsFromArgs ?? []) {
      const value = initCall.args[index];
      if (value !== undefined) fields.set(field, { value, span: initCall.span, accumulated: false });
    }
  }
  const from = init ? init.span.startOffset : -1;
  if (!init && !local?.init && !isParam && !fn.fact.locals.some((l) => l.name === variable)) {
    if (!fn.fact.assignments.some((a) => a.span.startOffset < offset && baseOf(a.lhs) === variable)) {
      return { kind: 'unknown', reason: `\`${variable}\` is not initialised in ${fn.qualifiedName}` };
    }
  }
  if (local?.init?.kind === 'list' && !init) {
    for (const item of local.init.items) {
      if (item.kind === 'designated' && item.value.kind === 'expr') {
        fields.set(item.field, { value: item.value.text, span: item.span, accumulated: false });
      }
    }
  }
  for (const a of fn.fact.assignments) {
    const start = a.span.startOffset;
    if (start <= from) continue;
    if (start >= offset) break;
    const field = fieldOf(a.lhs, variable);
    if (field === undefined) continue;
    const previous = fields.get(field);
    if (a.operator === '|=' && previous) {
      fields.set(field, { value: `${previous.value} | ${a.rhs}`, span: a.span, accumulated: true });
    } else {
      fields.set(field, { value: a.rhs, span: a.span, accumulated: a.operator === '|=' });
    }
  }
  return { kind: 'known', variable, ...(init ? { init } : {}), fields };
}

/** `Flags` for `opts.Flags` / `pOpts->Flags` when the root is `variable`. */
function fieldOf(lhs: string, variable: string): string | undefined {
  const compact = lhs.replace(/\s+/g, '');
  for (const sep of ['.', '->']) {
    const prefix = `${variable}${sep}`;
    if (compact.startsWith(prefix)) {
      const rest = compact.slice(prefix.length);
      if (/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/.test(rest)) return rest;
    }
  }
  return undefined;
}

function baseOf(lhs: string): string {
  return lhs.replace(/\s+/g, '').split(/\.|->|\[/)[0] ?? '';
}

/** True when the flags expression names `flag` as a token. */
export function hasFlag(value: string | undefined, flag: string): boolean {
  if (!value) return false;
  return tokenPattern(flag).test(value);
}
