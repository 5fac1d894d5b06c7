import { customObjectTypes } from '../../model/custom-objects.js';
import { step } from '../../model/location.js';
import type { Rule, RuleFinding } from '../../rule-kit/rule.js';

export const customObjectNaming: Rule = {
  meta: {
    id: 'custom-object-naming',
    code: 'DC4011',
    title: 'Custom WDF object type named like a framework type',
    severity: 'note',
    summary: 'A custom WDF object type (WDF_DECLARE_CUSTOM_TYPE, WdfObjectAddCustomType) whose name starts with WDF.',
    rationale:
      'Names that start with WDF are the framework\'s own object types (WDFDEVICE, WDFQUEUE, WDFREQUEST, ...). A custom type named that way reads as a framework object to every later reader, suggests framework methods that do not exist for it, and can collide with a type a future framework version adds.',
    whyTestingMisses: 'A name compiles and works; the cost is confusion in review and maintenance, and a collision only when headers change.',
    fix: 'Name the custom type with your own prefix (ACMETHROTTLE, OSRCUSTOM), and its methods after it.',
    badExample: `DECLARE_HANDLE(WDFTHROTTLE);
WDF_DECLARE_CUSTOM_TYPE(WDFTHROTTLE);`,
    goodExample: `DECLARE_HANDLE(ACMETHROTTLE);
WDF_DECLARE_CUSTOM_TYPE(ACMETHROTTLE);`,
    references: [
      { title: 'WDF_DECLARE_CUSTOM_TYPE', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdfobject/nf-wdfobject-wdf_declare_custom_type' },
      { title: 'WdfObjectAddCustomType', url: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdfobject/nf-wdfobject-wdfobjectaddcustomtype' },
    ],
  },
  check(model) {
    const findings: RuleFinding[] = [];
    for (const type of customObjectTypes(model)) {
      if (!/^WDF/.test(type.name)) continue;
      findings.push({
        location: type.location,
        message: `The custom object type ${type.name} starts with WDF, the prefix of the framework's own object types. Give it your own prefix so it cannot be mistaken for, or collide with, a framework type.`,
        steps: [step(type.location, `${type.name} is ${type.how === 'declared' ? 'declared as a custom WDF object type' : 'attached to an object as a custom type'} here`)],
      });
    }
    return findings;
  },
};
