import { customObjectTypes } from '../../model/custom-objects.js';
import { step } from '../../model/location.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';

/** `AcmeCounterGetLimit`, `OsrCustomSetCount`: a property accessor by WDF naming. */
const ACCESSOR = /(Get|Set)(?=[A-Z0-9_])/;

export const customObjectAccessorStatus: Rule = {
  meta: {
    id: 'custom-object-accessor-status',
    code: 'DC4012',
    title: 'Custom WDF object property accessor returns NTSTATUS',
    severity: 'note',
    summary: 'A Get or Set method of a custom WDF object type returns NTSTATUS.',
    rationale:
      'By WDF convention the Get and Set methods of an object\'s properties cannot fail: they return the value, or nothing, and methods that can fail have other names. A custom object is meant to feel like a framework object; a Get or Set that returns NTSTATUS breaks that expectation, and callers written to the convention ignore the status, so a failure it reports is lost.',
    whyTestingMisses: 'The accessor succeeds in testing; the convention matters to the callers that will ignore its status.',
    fix: 'Return the property value (or VOID for a Set) and make the accessor unable to fail, for example by validating in the create method; give an operation that can fail a name that is not Get or Set.',
    badExample: `DECLARE_HANDLE(ACMECOUNTER);
WDF_DECLARE_CUSTOM_TYPE(ACMECOUNTER);

NTSTATUS AcmeCounterGetCount(ACMECOUNTER Counter, PLONG Count)
{
    *Count = 0;
    return STATUS_SUCCESS;
}`,
    goodExample: `DECLARE_HANDLE(ACMECOUNTER);
WDF_DECLARE_CUSTOM_TYPE(ACMECOUNTER);

LONG AcmeCounterGetCount(ACMECOUNTER Counter)
{
    return 0;
}`,
    references: [
      { title: 'Framework object methods and properties (naming conventions)', url: 'https://learn.microsoft.com/windows-hardware/drivers/wdf/framework-object-methods' },
      { title: 'WDF_DECLARE_CUSTOM_TYPE', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdfobject/nf-wdfobject-wdf_declare_custom_type' },
    ],
  },
  check(model) {
    const findings: RuleFinding[] = [];
    const types = new Map(customObjectTypes(model).map((t) => [t.name, t]));
    if (types.size === 0) return findings;
    for (const fn of model.functions.all) {
      const type = types.get((fn.fact.params[0]?.type ?? '').replace(/\b(const|CONST|_In_)\b/g, '').trim());
      if (!type || fn.fact.returnType !== 'NTSTATUS' || !ACCESSOR.test(fn.name)) continue;
      const kind = /Set(?=[A-Z0-9_])/.test(fn.name) && !/Get(?=[A-Z0-9_])/.test(fn.name) ? 'Set' : 'Get';
      findings.push({
        location: fn.location,
        message: `${fn.qualifiedName} is a ${kind} accessor of the custom object type ${type.name} but returns NTSTATUS. WDF Get and Set methods cannot fail by convention: return the value${kind === 'Set' ? ' (or nothing)' : ''}, and give an operation that can fail another name.`,
        steps: [step(type.location, `${type.name} is a custom WDF object type`), step(fn.location, `${fn.qualifiedName} takes a ${type.name} and returns NTSTATUS`)],
      });
    }
    return findings;
  },
};
