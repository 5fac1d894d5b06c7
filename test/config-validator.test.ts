/**
 * The drvcheck.json validator that `npm run build` generates (so a run does not load ajv and
 * compile the schema): it is the one a run uses, it is generated from the current schema, and
 * it reports what ajv compiling the schema reports.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { CONFIG_SCHEMA } from '../src/config/schema.js';
import { AJV_OPTIONS, configValidator, GENERATED_VALIDATOR_FILE, schemaHash } from '../src/config/schema-validator.js';

const require = createRequire(import.meta.url);
const generated = require(`../src/config/${GENERATED_VALIDATOR_FILE}`) as { schemaHash: string };

describe('the generated drvcheck.json validator', () => {
  it('is generated from the current schema, and is the one used', () => {
    assert.equal(generated.schemaHash, schemaHash(), 'run `npm run build`');
    assert.equal(configValidator(), generated);
  });

  it('reports the errors ajv compiling the schema reports', () => {
    const Ajv = require('ajv') as typeof import('ajv').default;
    const compiled = new Ajv(AJV_OPTIONS).compile(CONFIG_SCHEMA);
    const configs: unknown[] = [
      {},
      { rules: { DC1001: 'off', irql: 'warning' }, include: ['src/**'], units: [{ name: 'u', sources: ['*.c'] }] },
      { rules: { DC1001: 'maybe' } },
      { colour: true, include: 'src', exclude: [''] },
      { units: [{ name: '', sources: [] }, { sources: ['a.c'] }] },
      { extends: 3, knowledge: { ddis: { F: { maxIrql: 'LOW' } }, locks: { L: { raisesTo: 'DISPATCH_LEVEL', releasedBy: [], lockArgument: -1 } } } },
      { knowledge: { roles: { F: '' }, registrations: { R: { argument: 1.5, role: 'EvtIoRead', extra: 1 } }, other: {} } },
      [],
      'drvcheck',
    ];
    const validate = configValidator();
    for (const config of configs) {
      const ok = validate(config);
      assert.equal(ok, compiled(config), JSON.stringify(config));
      assert.deepEqual(validate.errors ?? null, compiled.errors ?? null, JSON.stringify(config));
    }
  });
});
