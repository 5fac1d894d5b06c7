/**
 * Whether an expression of a function holds a pointer, from what the unit declares: the
 * variable's declarator or type (`PVOID`, `char *`, a `typedef … *PCTX` of the unit), a field
 * every structure of the unit declares as a pointer (or a pointer field of the WDK's own
 * structures), an address taken with `&`, or a call that returns a pointer. Anything else is not
 * known to be a pointer.
 */
import { POINTER_RETURNING_CALLS, WDK_POINTER_FIELDS, WDK_POINTER_TYPES } from '../knowledge/wdm.js';
import type { DriverModel } from './driver-model.js';
import { lastFieldOf, memoized, normalizePath } from './expressions.js';
import type { VariableFact } from '../parser/facts.js';
import type { FunctionInfo } from './functions.js';

/** A variable's declared type, and whether it holds a pointer. */
export interface Declared {
  readonly type: string;
  readonly pointer: boolean;
}

export class PointerTypes {
  private readonly typedefs: ReadonlySet<string>;
  /**
   * Structure name (tag, typedef, `*` pointer typedef) → its fields → whether each is a pointer.
   * Read from every structure the unit's headers declare, so only when a field is asked about.
   */
  private structFields?: Map<string, Map<string, boolean>>;
  private readonly globals = new Map<string, { type: string; pointer: boolean }>();
  private readonly variables = new Map<FunctionInfo, Map<string, Declared>>();
  private readonly globalTypes = new Map<string, Declared | null>();
  /** `isPointerType` of each type text: a unit writes the same types again and again. */
  private readonly pointerTypes = new Map<string, boolean>();

  constructor(private readonly model: DriverModel) {
    this.typedefs = new Set(model.files.flatMap((f) => f.pointerTypedefs ?? []));
    for (const file of model.files) {
      for (const g of file.globals) this.globals.set(g.name, { type: g.type, pointer: g.pointer || g.array });
    }
  }

  private get structs(): Map<string, Map<string, boolean>> {
    if (!this.structFields) {
      const structs = new Map<string, Map<string, boolean>>();
      for (const file of this.model.files) {
        for (const field of file.fieldDeclarations ?? []) {
          const pointer = field.pointer || this.isPointerType(field.type);
          for (const owner of field.owners) {
            const fields = structs.get(owner) ?? new Map<string, boolean>();
            fields.set(field.name, pointer);
            structs.set(owner, fields);
          }
        }
      }
      this.structFields = structs;
    }
    return this.structFields;
  }

  isPointerType(type: string): boolean {
    let pointer = this.pointerTypes.get(type);
    if (pointer === undefined) {
      const t = type.replace(/\b(?:const|volatile|CONST|struct|union)\b/g, '').trim();
      pointer = t.endsWith('*') || WDK_POINTER_TYPES.has(t) || this.typedefs.has(t);
      this.pointerTypes.set(type, pointer);
    }
    return pointer;
  }

  /** The declared type of a variable of `fn` (local, parameter or global), if it is one. */
  variable(fn: FunctionInfo, name: string): Declared | undefined {
    return this.ownVariables(fn).get(name) ?? this.globalVariable(name);
  }

  /**
   * The locals and parameters of `fn` by name, as `variable` reads them: the first local of a
   * name, else the first parameter. Read once per function; rules ask about them again and again.
   */
  private ownVariables(fn: FunctionInfo): ReadonlyMap<string, Declared> {
    let own = this.variables.get(fn);
    if (!own) {
      own = new Map();
      const { params, locals } = fn.fact;
      for (let i = 0; i < params.length; i++) {
        const param = params[i]!;
        if (!own.has(param.name)) own.set(param.name, { type: param.type, pointer: (fn.fact.controlFlow?.paramPointers[i] ?? false) || this.isPointerType(param.type) });
      }
      // Backwards, so that the first local of a name is the one kept.
      for (let i = locals.length - 1; i >= 0; i--) {
        const local = locals[i]!;
        own.set(local.name, { type: local.type, pointer: local.pointer || local.array || this.isPointerType(local.type) });
      }
      this.variables.set(fn, own);
    }
    return own;
  }

  private globalVariable(name: string): Declared | undefined {
    let found = this.globalTypes.get(name);
    if (found === undefined) {
      const global = this.globals.get(name);
      found = global ? { type: global.type, pointer: global.pointer || this.isPointerType(global.type) } : null;
      this.globalTypes.set(name, found);
    }
    return found ?? undefined;
  }

  /** The value is a pointer: `p` declared as one, `&x`, `ctx->Buffer` of a pointer field, `ExAllocatePool2(…)`. */
  isPointer(fn: FunctionInfo, value: string, kind: string, call?: string): boolean {
    switch (kind) {
      case 'address_of':
        return true;
      case 'identifier':
        return this.variable(fn, normalizePath(value))?.pointer ?? false;
      case 'field_expression':
        return this.isPointerField(fn, normalizePath(value));
      case 'call_expression':
        return call !== undefined && POINTER_RETURNING_CALLS.has(call);
      default:
        return false;
    }
  }

  /**
   * `ctx->Buffer` of a variable whose structure type the unit defines, by that structure's
   * declaration; a pointer field of the WDK's own structures (`Irp->AssociatedIrp.SystemBuffer`)
   * when the variable has a WDK type. Anything else is not known.
   */
  private isPointerField(fn: FunctionInfo, path: string): boolean {
    const m = /^([A-Za-z_]\w*)(->|\.)([A-Za-z_]\w*)$/.exec(path);
    const root = /^[A-Za-z_]\w*/.exec(path)?.[0] ?? '';
    const declared = this.variableType(fn, root);
    if (declared === undefined) return false;
    if (m) {
      const [, , access, field] = m as unknown as [string, string, string, string];
      const owner = access === '->' ? (declared.endsWith('*') ? declared.slice(0, -1).trim() : `*${declared}`) : declared;
      const pointer = this.structs.get(owner)?.get(field);
      if (pointer !== undefined) return pointer;
    }
    return WDK_POINTER_TYPES.has(declared) && WDK_POINTER_FIELDS.has(lastFieldOf(path));
  }

  private variableType(fn: FunctionInfo, name: string): string | undefined {
    const { locals, params } = namesOf(fn);
    const index = params.get(name) ?? -1;
    const raw = locals.get(name)?.type ?? fn.fact.params[index]?.type ?? this.globals.get(name)?.type;
    if (raw === undefined) return undefined;
    const star = (index >= 0 && fn.fact.controlFlow?.paramPointers[index]) || locals.get(name)?.pointer ? ' *' : '';
    return `${raw.replace(/\b(?:const|volatile|CONST|struct|union)\b/g, '').trim()}${star}`.replace(/\s+\*/g, '*');
  }
}

const namesCache = new WeakMap<FunctionInfo, { locals: Map<string, VariableFact>; params: Map<string, number> }>();

/** A function's locals and parameters by name (the first of each name, as a search finds it). */
function namesOf(fn: FunctionInfo): { locals: Map<string, VariableFact>; params: Map<string, number> } {
  return memoized(namesCache, fn, () => {
    const locals = new Map<string, VariableFact>();
    for (const l of fn.fact.locals) if (!locals.has(l.name)) locals.set(l.name, l);
    const params = new Map<string, number>();
    fn.fact.params.forEach((p, i) => {
      if (!params.has(p.name)) params.set(p.name, i);
    });
    return { locals, params };
  });
}

const cache = new WeakMap<DriverModel, PointerTypes>();

export function pointerTypes(model: DriverModel): PointerTypes {
  return memoized(cache, model, () => new PointerTypes(model));
}
