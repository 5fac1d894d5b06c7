/**
 * Custom WDF object types a driver defines: declared with `WDF_DECLARE_CUSTOM_TYPE(NAME)` at
 * file scope, or attached to an object with `WdfObjectAddCustomType[WithData](Object, NAME)`
 * when no declaration is in the unit. The first place a name appears represents it.
 */
import type { FileFacts } from '../parser/facts.js';
import type { DriverModel } from './driver-model.js';
import type { FunctionIndex } from './functions.js';
import { memoized } from './expressions.js';
import { at, type Location } from './location.js';

export interface CustomObjectType {
  readonly name: string;
  readonly location: Location;
  readonly how: 'declared' | 'added';
}

const ADD_CALLS = new Set(['WdfObjectAddCustomType', 'WdfObjectAddCustomTypeWithData']);

const cache = new WeakMap<DriverModel, readonly CustomObjectType[]>();

/** The unit's custom object types. */
export function customObjectTypes(model: DriverModel): readonly CustomObjectType[] {
  return memoized(cache, model, () => findCustomObjectTypes(model.files, model.functions));
}

function findCustomObjectTypes(files: readonly FileFacts[], index: FunctionIndex): CustomObjectType[] {
  const types = new Map<string, CustomObjectType>();
  for (const file of files) {
    for (const macro of file.macroCalls ?? []) {
      if (macro.name !== 'WDF_DECLARE_CUSTOM_TYPE') continue;
      const name = macro.args[0]?.trim();
      if (!name || types.has(name)) continue;
      types.set(name, { name, location: at(file.path, macro.span), how: 'declared' });
    }
  }
  for (const { caller: fn, call } of index.sitesCalling(ADD_CALLS)) {
    const name = call.args[1]?.trim();
    if (!name || !/^[A-Za-z_]\w*$/.test(name) || types.has(name)) continue;
    types.set(name, { name, location: at(fn.file, call.span), how: 'added' });
  }
  return [...types.values()];
}
