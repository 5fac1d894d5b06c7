/**
 * Whether an expression of a function holds a pointer, from what the unit declares: the
 * variable's declarator or type (`PVOID`, `char *`, a `typedef … *PCTX` of the unit), a field
 * every structure of the unit declares as a pointer (or a pointer field of the WDK's own
 * structures), an address taken with `&`, or a call that returns a pointer. Anything else is not
 * known to be a pointer.
 */
import { POINTER_RETURNING_CALLS, WDK_POINTER_FIELDS, WDK_POINTER_TYPES } from '../knowledge/wdm.js';
import type { DriverModel } from './driver-model.js';
import { lastFieldOf, normalizePath } from './expressions.js';
import type { FunctionInfo } from './functions.js';

export class PointerTypes {
  private readonly typedefs: ReadonlySet<string>;
  /** Field name → every declaration of it in the unit is a pointer (true) or some is not (false). */
  private readonly fields = new Map<string, boolean>();
  private readonly globals = new Map<string, { type: string; pointer: boolean }>();

  constructor(model: DriverModel) {
    this.typedefs = new Set(model.files.flatMap((f) => f.pointerTypedefs ?? []));
    for (const file of model.files) {
      for (const field of file.fieldDeclarations ?? []) {
        const pointer = field.pointer || this.isPointerType(field.type);
        this.fields.set(field.name, (this.fields.get(field.name) ?? true) && pointer);
      }
      for (const g of file.globals) this.globals.set(g.name, { type: g.type, pointer: g.pointer || g.array });
    }
  }

  isPointerType(type: string): boolean {
    const t = type.replace(/\b(?:const|volatile|CONST|struct|union)\b/g, '').trim();
    return t.endsWith('*') || WDK_POINTER_TYPES.has(t) || this.typedefs.has(t);
  }

  /** The declared type of a variable of `fn` (local, parameter or global), if it is one. */
  variable(fn: FunctionInfo, name: string): { type: string; pointer: boolean } | undefined {
    const local = fn.fact.locals.find((l) => l.name === name);
    if (local) return { type: local.type, pointer: local.pointer || local.array || this.isPointerType(local.type) };
    const index = fn.fact.params.findIndex((p) => p.name === name);
    if (index >= 0) {
      const param = fn.fact.params[index]!;
      return { type: param.type, pointer: (fn.fact.flow?.paramPointers[index] ?? false) || this.isPointerType(param.type) };
    }
    const global = this.globals.get(name);
    return global ? { type: global.type, pointer: global.pointer || this.isPointerType(global.type) } : undefined;
  }

  /** The value is a pointer: `p` declared as one, `&x`, `ctx->Buffer` of a pointer field, `ExAllocatePool2(…)`. */
  isPointer(fn: FunctionInfo, value: string, kind: string, call?: string): boolean {
    switch (kind) {
      case 'address_of':
        return true;
      case 'identifier':
        return this.variable(fn, normalizePath(value))?.pointer ?? false;
      case 'field_expression': {
        const field = lastFieldOf(value);
        const declared = this.fields.get(field);
        return declared ?? WDK_POINTER_FIELDS.has(field);
      }
      case 'call_expression':
        return call !== undefined && POINTER_RETURNING_CALLS.has(call);
      default:
        return false;
    }
  }
}

const cache = new WeakMap<DriverModel, PointerTypes>();

export function pointerTypes(model: DriverModel): PointerTypes {
  let p = cache.get(model);
  if (!p) {
    p = new PointerTypes(model);
    cache.set(model, p);
  }
  return p;
}
