/**
 * The callbacks of a driver unit: every function the framework or the kernel calls, found from
 * how the driver registers it (configuration fields, registration calls, WDM object fields,
 * minifilter registration tables), from the role type it is declared with, and DriverEntry.
 */
import {
  isCuratedRole,
  CALL_ROLES,
  FIELD_ROLES,
  fieldRole,
  FLT_OPERATION_FIELDS,
  FLT_REGISTRATION_FIELDS,
  WDM_FIELD_OWNERS,
} from '../knowledge/registrations.js';
import { NO_EXTENSIONS, type KnowledgeExtensions } from '../knowledge/extensions.js';
import type { FileFacts, Initializer } from '../parser/facts.js';
import { push } from './expressions.js';
import type { CallSite, FunctionIndex, FunctionInfo } from './functions.js';
import { at, type Location } from './location.js';
import { INIT_MACROS } from './struct-state.js';
import type { WdfObject, WdfObjects } from './wdf-objects.js';

export interface Callback {
  readonly fn: FunctionInfo;
  readonly roleType: string;
  /** How it is registered, for messages: `WDF_IO_QUEUE_CONFIG.EvtIoRead`, `IoSetCompletionRoutine`. */
  readonly how: string;
  /** Where it is registered or, for a declared-only role, declared. */
  readonly location: Location;
  readonly declaredOnly: boolean;
  /** The WDF object whose configuration registered it, when the create call was found. */
  readonly object?: WdfObject;
  /** For minifilter operation callbacks: the operation, and the pre-operation callbacks of the same entry. */
  readonly fltOperation?: { readonly major: string; readonly pre: readonly FunctionInfo[] };
}

export function findCallbacks(
  index: FunctionIndex,
  objects: WdfObjects,
  files: readonly FileFacts[],
  knowledge: KnowledgeExtensions = NO_EXTENSIONS,
): Callback[] {
  const callbacks: Callback[] = [];
  const seen = new Set<string>();
  const add = (cb: Callback): void => {
    const key = `${cb.fn.id}|${cb.roleType}|${cb.location.file}:${cb.location.span.startOffset}`;
    if (seen.has(key)) return;
    seen.add(key);
    callbacks.push(cb);
  };
  const objectOfField = new Map<string, WdfObject>();
  for (const o of objects.all) {
    if (o.config.kind !== 'known') continue;
    for (const value of o.config.fields.values()) objectOfField.set(`${o.createdIn.file}:${value.span.startOffset}`, o);
  }
  const addFieldValue = (fn: FunctionInfo, field: string, value: string, location: Location, how: string): void => {
    const roleType = FIELD_ROLES[field];
    if (!roleType) return;
    const object = objectOfField.get(`${location.file}:${location.span.startOffset}`);
    // `cond ? FatFsdRead : FatFsdWrite` registers whichever branch is taken: both.
    const choice = /^[^?]+\?\s*&?\s*([A-Za-z_][\w:]*)\s*:\s*&?\s*([A-Za-z_][\w:]*)$/.exec(value);
    const names = choice ? [choice[1]!, choice[2]!] : [value];
    for (const target of names.flatMap((n) => index.resolveName(n, fn, fn.file))) {
      add({ fn: target, roleType, how, location, declaredOnly: false, ...(object ? { object } : {}) });
    }
  };

  // Only calls to INIT macros and registration calls register: found by name, not by a scan.
  const registering = new Map<number, CallSite[]>();
  for (const site of index.sitesCalling([...Object.keys(INIT_MACROS), ...knowledge.registrations.keys(), ...Object.keys(CALL_ROLES)])) {
    push(registering, site.caller.id, site);
  }
  for (const fn of index.all) {
    for (const a of fn.fact.assignments) {
      const field = lastField(a.lhsPath);
      if (!field || !fieldRole(field) || a.operator !== '=') continue;
      const owner = WDM_FIELD_OWNERS[field];
      if (owner && !owner.test(a.lhs)) continue;
      const how = a.lhs.replace(/\s+/g, '');
      addFieldValue(fn, field, a.rhsCore, at(fn.file, a.span), field === 'MajorFunction' ? how.replace(/^.*MajorFunction/, 'MajorFunction') : how);
    }
    for (const { call } of registering.get(fn.id) ?? []) {
      if (call.calleeKind !== 'identifier') continue;
      // INIT macros fill configuration fields from their arguments; the callback ones register.
      const init = INIT_MACROS[call.callee];
      if (init) {
        for (const [argIndex, field] of init.fieldsFromArgs ?? []) {
          const value = call.argCores[argIndex];
          if (value) addFieldValue(fn, field, value, at(fn.file, call.span), `${call.callee}(…, ${value})`);
        }
      }
      const registration = knowledge.registrations.get(call.callee) ?? CALL_ROLES[call.callee];
      if (registration) {
        const value = call.argCores[registration.arg];
        if (!value) continue;
        for (const target of index.resolveName(value, fn, fn.file)) {
          add({ fn: target, roleType: registration.role, how: call.callee, location: at(fn.file, call.span), declaredOnly: false });
        }
      }
    }
    // Only an initializer list registers anything.
    for (const local of fn.fact.locals) {
      if (local.init?.kind === 'list') addFromInitializer(local.type, local.init, fn, fn.file, index, add);
    }
  }
  for (const file of files) {
    for (const global of file.globals) {
      if (global.init?.kind === 'list') addFromInitializer(global.type, global.init, undefined, file.path, index, add);
    }
  }
  const registered = new Set(callbacks.map((c) => c.fn.id));
  for (const fn of index.all) {
    if (fn.name === 'DriverEntry' && !fn.fact.className) {
      add({ fn, roleType: 'DRIVER_INITIALIZE', how: 'driver entry point', location: fn.location, declaredOnly: false });
    }
    const configured = fn.fact.className ? undefined : knowledge.functionRoles.get(fn.name);
    if (configured) {
      add({ fn, roleType: configured.roleType, how: `declared in ${configured.source}`, location: fn.location, declaredOnly: true });
      continue;
    }
    if (registered.has(fn.id)) continue;
    for (const declared of fn.declaredRoles) {
      // Only roles whose calling conditions drvcheck models: a role of another framework
      // (NDIS, StorPort, ...) has serialization and IRQL rules of its own.
      if (!isCuratedRole(declared.roleType)) continue;
      add({ fn, roleType: declared.roleType, how: 'no registration found', location: declared.location, declaredOnly: true });
    }
  }
  return callbacks;
}

function lastField(path: readonly string[]): string | undefined {
  for (let i = path.length - 1; i >= 0; i--) {
    const p = path[i]!;
    if (!p.startsWith('[')) return p;
  }
  return undefined;
}

/** Minifilter registration tables and designated initializers of WDF configuration structures. */
function addFromInitializer(
  type: string,
  init: Initializer,
  fn: FunctionInfo | undefined,
  file: string,
  index: FunctionIndex,
  add: (cb: Callback) => void,
): void {
  const resolve = (text: string): FunctionInfo[] => (/^[A-Za-z_][\w:]*$/.test(text) ? index.resolveName(text, fn, file) : []);
  const bareType = type.replace(/\b(const|static|CONST)\b/g, '').trim();
  if (bareType === 'FLT_OPERATION_REGISTRATION' && init.kind === 'list') {
    for (const op of init.items) {
      if (op.kind !== 'list') continue;
      const major = op.items[0]?.kind === 'expr' ? op.items[0].text : 'operation';
      const preValue = itemAt(op, FLT_OPERATION_FIELDS[0]![0], FLT_OPERATION_FIELDS[0]![1]);
      const pre = preValue ? resolve(preValue.core) : [];
      for (const [position, field, role] of FLT_OPERATION_FIELDS) {
        const value = itemAt(op, position, field);
        if (!value) continue;
        for (const target of resolve(value.core)) {
          add({
            fn: target,
            roleType: role,
            how: `FLT_OPERATION_REGISTRATION ${field} for ${major}`,
            location: at(file, value.span),
            declaredOnly: false,
            fltOperation: { major, pre },
          });
        }
      }
    }
    return;
  }
  if (bareType === 'FLT_REGISTRATION' && init.kind === 'list') {
    for (const [position, field, role] of FLT_REGISTRATION_FIELDS) {
      const value = itemAt(init, position, field);
      if (!value) continue;
      for (const target of resolve(value.core)) {
        add({ fn: target, roleType: role, how: `FLT_REGISTRATION ${field}`, location: at(file, value.span), declaredOnly: false });
      }
    }
    return;
  }
  if (init.kind === 'list') {
    for (const item of init.items) {
      if (item.kind !== 'designated' || item.value.kind !== 'expr') continue;
      const role = FIELD_ROLES[item.field];
      if (!role || WDM_FIELD_OWNERS[item.field]) continue;
      for (const target of resolve(item.value.core)) {
        add({ fn: target, roleType: role, how: `${bareType}.${item.field}`, location: at(file, item.span), declaredOnly: false });
      }
    }
  }
}

function itemAt(list: Extract<Initializer, { kind: 'list' }>, position: number, field: string): Extract<Initializer, { kind: 'expr' }> | undefined {
  const designated = list.items.find((i) => i.kind === 'designated' && i.field === field);
  if (designated && designated.kind === 'designated' && designated.value.kind === 'expr') return designated.value;
  const positional = list.items[position];
  if (positional?.kind === 'expr' && !list.items.some((i) => i.kind === 'designated')) return positional;
  return undefined;
}
