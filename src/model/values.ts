/**
 * The little value tracking the rules need: what a local variable holds at a point of a
 * function, followed through straight-line assignments only. Anything it cannot follow is
 * `undefined`, and callers stay silent on `undefined`.
 */
import type { FunctionInfo } from './functions.js';

const NULLS = new Set(['NULL', '0', 'nullptr', 'WDF_NO_HANDLE', '((void*)0)']);

export function isNullText(text: string): boolean {
  return NULLS.has(text.replace(/\s+/g, ''));
}

/** A literal zero, as a timeout would be written. */
export function isZeroLiteral(text: string): boolean {
  return /^\(?\s*-?\s*0+(?:[uUlL]|i64|LL|ll|ULL|ull)*\s*\)?$/.test(text.trim()) || /^\(\s*LONGLONG\s*\)\s*0$/.test(text.trim());
}

/**
 * The last value written to `variable` (or to its `.QuadPart`) before `offset`, from its
 * declaration or an assignment. Undefined for parameters and for what cannot be followed.
 */
export function lastValueBefore(fn: FunctionInfo, variable: string, offset: number): string | undefined {
  const name = variable.replace(/\s+/g, '');
  if (!/^[A-Za-z_]\w*$/.test(name)) return undefined;
  if (fn.fact.params.some((p) => p.name === name)) return undefined;
  let value: string | undefined;
  const local = fn.fact.locals.find((l) => l.name === name && l.span.startOffset < offset);
  if (local?.init) {
    if (local.init.kind === 'expr') value = local.init.text;
    else if (local.init.kind === 'list' && local.init.items.length === 1 && local.init.items[0]!.kind === 'expr') value = local.init.items[0]!.text;
    else if (local.init.kind === 'list' && local.init.items.length === 0) value = '0';
  }
  for (const a of fn.fact.assignments) {
    if (a.span.startOffset >= offset) break;
    const lhs = a.lhs.replace(/\s+/g, '');
    if (lhs === name || lhs === `${name}.QuadPart`) value = a.operator === '=' ? a.rhs : undefined;
  }
  if (value === undefined) {
    // Written through a pointer by a call (`KeQuerySystemTime(&t)`, `RtlZeroMemory(&t, ...)`).
    return undefined;
  }
  const writtenByCall = fn.fact.calls.some(
    (c) => c.span.startOffset < offset && c.args.some((arg) => arg.replace(/\s+/g, '') === `&${name}`) && c.callee !== 'KeWaitForSingleObject',
  );
  return writtenByCall ? undefined : value;
}

export type Timeout = 'infinite' | 'zero' | 'nonzero' | 'unknown';

/** Reads a timeout argument (`NULL`, `&timeout`): waits with anything but a zero timeout block. */
export function classifyTimeout(fn: FunctionInfo, arg: string | undefined, argCore: string | undefined, offset: number): Timeout {
  if (arg === undefined || argCore === undefined) return 'unknown';
  if (isNullText(arg)) return 'infinite';
  if (!arg.trim().startsWith('&')) return 'unknown';
  const value = lastValueBefore(fn, argCore, offset);
  if (value === undefined) return 'unknown';
  return isZeroLiteral(value) ? 'zero' : 'nonzero';
}
