/**
 * What a function's own SAL annotations promise about its IRQL: `_IRQL_requires_max_(X)` is a
 * requirement on its callers; `_IRQL_requires_(X)` and `_IRQL_requires_min_(X)` say it runs at
 * X or above. Conditional annotations (`_When_`) are ignored: they promise nothing unconditionally.
 */
import type { FunctionInfo } from './functions.js';
import { parseIrql, type IrqlLevel } from './irql-level.js';
import type { Location } from './location.js';

export interface IrqlContract {
  readonly atMost?: IrqlLevel;
  readonly atLeast?: IrqlLevel;
  readonly text: string;
  readonly location: Location;
}

const MAX_FORMS = new Set(['_IRQL_requires_max_', '__drv_maxIRQL']);
const EXACT_FORMS = new Set(['_IRQL_requires_', '__drv_requiresIRQL']);
const MIN_FORMS = new Set(['_IRQL_requires_min_', '__drv_minIRQL']);

const cache = new WeakMap<FunctionInfo, IrqlContract | null>();

export function annotatedIrql(fn: FunctionInfo): IrqlContract | undefined {
  const cached = cache.get(fn);
  if (cached !== undefined) return cached ?? undefined;
  let contract: IrqlContract | undefined;
  for (const a of fn.annotations) {
    // Most annotations say nothing about the IRQL: their arguments are not read.
    if (!MAX_FORMS.has(a.name) && !EXACT_FORMS.has(a.name) && !MIN_FORMS.has(a.name)) continue;
    const level = parseIrql(a.args);
    if (!level) continue;
    const text = `${a.name}(${a.args})`;
    const location = { file: a.file, span: a.span };
    if (MAX_FORMS.has(a.name)) contract = { ...contract, atMost: level, text, location };
    else if (EXACT_FORMS.has(a.name)) contract = { ...contract, atMost: level, atLeast: level, text, location };
    else if (MIN_FORMS.has(a.name)) contract = { ...contract, atLeast: level, text, location };
    if (contract) break;
  }
  cache.set(fn, contract ?? null);
  return contract;
}
