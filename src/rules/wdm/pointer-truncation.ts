import { LOGGING_CALL, NARROW_INTEGER_TYPES } from '../../knowledge/wdm.js';
import { isPlainPath, normalizePath } from '../../model/expressions.js';
import type { FunctionInfo } from '../../model/functions.js';
import { at, step } from '../../model/location.js';
import { pointerTypes, type PointerTypes } from '../../model/pointer-types.js';
import type { Span } from '../../parser/facts.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';

function narrow(type: string): boolean {
  return NARROW_INTEGER_TYPES.has(type.replace(/\s+/g, ' ').trim());
}

/** `narrow`, remembered for each type text: a unit declares few types and stores into them often. */
function narrowTypes(): (type: string) => boolean {
  const known = new Map<string, boolean>();
  return (type) => {
    let is = known.get(type);
    if (is === undefined) known.set(type, (is = narrow(type)));
    return is;
  };
}

/** The syntax of an expression as the pointer check needs it: `&x`, a variable, a field, a call. */
function kindOf(text: string): { kind: string; call?: string } {
  const t = normalizePath(text);
  if (t.startsWith('&')) return { kind: 'address_of' };
  // A variable, a field and a call all start with a name; a literal or an operator is none of them.
  if (!/^[A-Za-z_]/.test(t)) return { kind: 'other' };
  if (/^[A-Za-z_]\w*$/.test(t)) return { kind: 'identifier' };
  if (isPlainPath(t)) return { kind: 'field_expression' };
  const call = /^([A-Za-z_]\w*)\s*\(.*\)$/s.exec(t);
  if (call) return { kind: 'call_expression', call: call[1]! };
  return { kind: 'other' };
}

/** Stores without a cast: `ULONG saved = Buffer;`, `device = DeviceObject;`. */
function implicitStores(fn: FunctionInfo, types: PointerTypes, isNarrow: (type: string) => boolean): { span: Span; target: string; type: string; value: string }[] {
  const out: { span: Span; target: string; type: string; value: string }[] = [];
  const consider = (span: Span, target: string, value: string): void => {
    const declared = types.variable(fn, target);
    if (!declared || declared.pointer || !isNarrow(declared.type)) return;
    const trimmed = value.trim();
    // A cast is judged where it is written; parentheses and sizeof are no plain pointer value.
    if (trimmed.startsWith('(') || /^sizeof\b/.test(trimmed)) return;
    const { kind, call } = kindOf(trimmed);
    if (types.isPointer(fn, trimmed.replace(/^&\s*/, ''), kind, call)) out.push({ span, target, type: declared.type, value: trimmed });
  };
  for (const l of fn.fact.locals) if (l.init?.kind === 'expr' && !l.pointer && !l.array) consider(l.span, l.name, l.init.text);
  for (const a of fn.fact.assignments) if (a.operator === '=' && /^[A-Za-z_]\w*$/.test(a.lhs)) consider(a.span, a.lhs, a.rhs);
  return out;
}

export const pointerTruncation: Rule = {
  meta: {
    id: 'pointer-truncation',
    code: 'DC5009',
    // The compiler's own warnings for the defect (C4311 pointer truncation, C4302 truncation).
    codeAnalysisWarnings: [4311, 4302],
    title: 'Pointer truncated to a 32-bit integer',
    severity: 'error',
    summary: 'A pointer is cast to, or stored in, a 32-bit integer type (ULONG, DWORD, LONG, int): on 64-bit Windows the upper half of the address is lost.',
    rationale:
      'On 64-bit Windows pointers are 64 bits wide while ULONG, DWORD, LONG and int stay 32 bits (LLP64). Storing an address in one of them cuts off its upper 32 bits; using the value as an address again (pointer arithmetic through ULONG, a cookie turned back into a pointer) touches unrelated memory. Kernel addresses are always above 4 GB on x64, so the result is never the original address.',
    whyTestingMisses:
      'The code was written and tested on 32-bit Windows, where a pointer fits in a ULONG. On x64 it may still appear to work when only the low bits are compared or the value is never turned back into a pointer.',
    fix: 'Use a pointer-sized type: ULONG_PTR, LONG_PTR, SIZE_T or the pointer type itself; for values that are really 32 bits (a handle, an offset) use PtrToUlong/HandleToUlong on purpose, or compute the difference of two pointers.',
    badExample: `typedef struct _CONTEXT_BLOCK {
    ULONG Cookie;
} CONTEXT_BLOCK, *PCONTEXT_BLOCK;

VOID Remember(PCONTEXT_BLOCK Context, PIRP Irp)
{
    Context->Cookie = (ULONG)Irp;
}`,
    goodExample: `typedef struct _CONTEXT_BLOCK {
    ULONG_PTR Cookie;
} CONTEXT_BLOCK, *PCONTEXT_BLOCK;

VOID Remember(PCONTEXT_BLOCK Context, PIRP Irp)
{
    Context->Cookie = (ULONG_PTR)Irp;
}`,
    references: [
      { title: 'Porting your driver to 64-bit Windows', url: 'https://learn.microsoft.com/windows-hardware/drivers/kernel/porting-your-driver-to-64-bit-windows' },
      { title: 'The new data types (ULONG_PTR and pointer-precision types)', url: 'https://learn.microsoft.com/windows/win32/winprog64/the-new-data-types' },
      { title: 'Rules for using pointers (64-bit)', url: 'https://learn.microsoft.com/windows/win32/winprog64/rules-for-using-pointers' },
    ],
  },
  check(model) {
    const types = pointerTypes(model);
    const isNarrow = narrowTypes();
    const findings: RuleFinding[] = [];
    // `#pragma warning(suppress: 4311)` and its kin are applied by the engine, through
    // codeAnalysisWarnings: such a finding is kept as suppressed in the source.
    for (const fn of model.functions.all) {
      for (const cast of fn.fact.controlFlow?.casts ?? []) {
        if (!isNarrow(cast.type)) continue;
        if (cast.argumentOf && LOGGING_CALL.test(cast.argumentOf)) continue;
        // `(ULONG)(ULONG_PTR)p` converts on purpose; `(ULONG)(PUCHAR)p` is still a pointer.
        if (cast.innerCasts.some((t) => !types.isPointerType(t))) continue;
        const pointer = cast.innerCasts.length > 0 || types.isPointer(fn, cast.operand, cast.operandKind, cast.operandCall);
        if (!pointer) continue;
        const location = at(fn.file, cast.span);
        findings.push({
          location,
          message: `(${cast.type}) cuts the pointer ${cast.operand} to 32 bits: on 64-bit Windows its upper half is lost, and the value no longer identifies the address. Use ULONG_PTR (or keep the pointer type), or PtrToUlong where truncation is intended.`,
          steps: [step(location, `${cast.operand} is a pointer (64 bits on x64) cast to ${cast.type} (32 bits)`)],
        });
      }
      for (const store of implicitStores(fn, types, isNarrow)) {
        const location = at(fn.file, store.span);
        findings.push({
          location,
          message: `${store.value} is a pointer, stored in ${store.target}, a ${store.type}: on 64-bit Windows the upper half of the address is lost. Declare ${store.target} as ULONG_PTR (or as the pointer type).`,
          steps: [step(location, `the pointer ${store.value} is stored in the 32-bit ${store.target}`)],
        });
      }
    }
    return findings;
  },
};
