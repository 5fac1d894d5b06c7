/**
 * What a minifilter's registration tables say: for each operation, its flags and callbacks
 * (`FLT_OPERATION_REGISTRATION`), and whether the `FLT_REGISTRATION` names a section
 * notification callback.
 */
import { FLT_REGISTRATION_SECTION_NOTIFICATION } from '../knowledge/wdm.js';
import type { Initializer } from '../parser/facts.js';
import type { DriverModel } from './driver-model.js';
import type { FunctionInfo } from './functions.js';
import { at, type Location } from './location.js';
import { isNullText } from './values.js';

export interface FltOperation {
  readonly major: string;
  readonly flags: string;
  readonly pre: readonly FunctionInfo[];
  readonly post: readonly FunctionInfo[];
  readonly location: Location;
}

export interface FltRegistration {
  readonly name: string;
  readonly location: Location;
  /** The SectionNotificationCallback member: named, left NULL or out, or not readable. */
  readonly sectionNotification: 'set' | 'absent' | 'unknown';
}

type ExprInit = Extract<Initializer, { kind: 'expr' }>;

/** A member of a brace initializer, by designator or by position (positional only when nothing is designated). */
function member(list: Extract<Initializer, { kind: 'list' }>, position: number, field: string): ExprInit | undefined {
  const designated = list.items.find((i) => i.kind === 'designated' && i.field === field);
  if (designated?.kind === 'designated') return designated.value.kind === 'expr' ? designated.value : undefined;
  if (list.items.some((i) => i.kind === 'designated')) return undefined;
  const item = list.items[position];
  return item?.kind === 'expr' ? item : undefined;
}

function bareType(type: string): string {
  return type.replace(/\b(?:const|static|CONST)\b/g, '').trim();
}

export function fltOperations(model: DriverModel): FltOperation[] {
  const out: FltOperation[] = [];
  for (const file of model.files) {
    for (const g of file.globals) {
      if (g.init?.kind !== 'list' || bareType(g.type) !== 'FLT_OPERATION_REGISTRATION') continue;
      for (const op of g.init.items) {
        if (op.kind !== 'list') continue;
        const major = member(op, 0, 'MajorFunction')?.text ?? '';
        const resolve = (v: ExprInit | undefined): FunctionInfo[] => (v ? model.functions.resolveName(v.core, undefined, file.path) : []);
        out.push({
          major,
          flags: member(op, 1, 'Flags')?.text ?? '',
          pre: resolve(member(op, 2, 'PreOperation')),
          post: resolve(member(op, 3, 'PostOperation')),
          location: at(file.path, op.span),
        });
      }
    }
  }
  return out;
}

export function fltRegistrations(model: DriverModel): FltRegistration[] {
  const out: FltRegistration[] = [];
  for (const file of model.files) {
    for (const g of file.globals) {
      if (g.init?.kind !== 'list' || bareType(g.type) !== 'FLT_REGISTRATION') continue;
      const { field, position } = FLT_REGISTRATION_SECTION_NOTIFICATION;
      const designated = g.init.items.some((i) => i.kind === 'designated');
      const value = member(g.init, position, field);
      let state: FltRegistration['sectionNotification'];
      if (value) state = isNullText(value.text) ? 'absent' : 'set';
      else if (designated) state = 'absent';
      else state = g.init.items.length <= position && g.init.items.every((i) => i.kind === 'expr') ? 'absent' : 'unknown';
      out.push({ name: g.name, location: at(file.path, g.span), sectionNotification: state });
    }
  }
  return out;
}
