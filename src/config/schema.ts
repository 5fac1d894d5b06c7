/**
 * The JSON schema of `drvcheck.json`. Configuration is data: nothing in it is executed.
 * Unknown keys are errors, so a misspelt setting never silently does nothing.
 */
const level = { enum: ['PASSIVE_LEVEL', 'APC_LEVEL', 'DISPATCH_LEVEL', 'DIRQL', 'HIGH_LEVEL'] };
const globs = { type: 'array', items: { type: 'string', minLength: 1 } };

export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    extends: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 } }] },
    rules: {
      type: 'object',
      description: 'rule id, code or prefix → "off", "error", "warning", "note" or "on" (its default severity)',
      additionalProperties: { enum: ['off', 'on', 'error', 'warning', 'note'] },
    },
    include: { ...globs, description: 'globs (relative to this file) of the sources to check; default: all' },
    exclude: { ...globs, description: 'globs (relative to this file) of sources never to check' },
    units: {
      type: 'array',
      description: 'driver units declared explicitly: the files matching `sources` form one unit',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'sources'],
        properties: { name: { type: 'string', minLength: 1 }, sources: { ...globs, minItems: 1 } },
      },
    },
    knowledge: {
      type: 'object',
      additionalProperties: false,
      description: "facts about the codebase's own wrappers",
      properties: {
        ddis: {
          type: 'object',
          description: 'function → the highest IRQL it may be called at',
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            required: ['maxIrql'],
            properties: { maxIrql: level, why: { type: 'string' } },
          },
        },
        locks: {
          type: 'object',
          description: 'acquire function → the IRQL it raises to and the function that releases it',
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            required: ['raisesTo', 'releasedBy'],
            properties: {
              raisesTo: level,
              releasedBy: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 }] },
              lockArgument: { type: 'integer', minimum: 0 },
            },
          },
        },
        roles: {
          type: 'object',
          description: 'function → the callback role it has (a role type such as EVT_WDF_IO_QUEUE_IO_READ, or a field name such as EvtIoRead)',
          additionalProperties: { type: 'string', minLength: 1 },
        },
        registrations: {
          type: 'object',
          description: 'registration wrapper → which argument it registers, for which role',
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            required: ['argument', 'role'],
            properties: { argument: { type: 'integer', minimum: 0 }, role: { type: 'string', minLength: 1 } },
          },
        },
      },
    },
  },
} as const;
