/**
 * The SARIF report validates against the OASIS SARIF 2.1.0 schema (the copy in shared/data,
 * or the one vendored under test/schemas), and carries rules, locations and code flows.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createRequire } from 'node:module';
import { RULES } from '../src/rules/index.js';
import { cliPath, repoRoot } from './paths.js';

// ajv-draft-04 is CommonJS with a `default` export: load it as CommonJS.
const require = createRequire(import.meta.url);
const Ajv = require('ajv-draft-04') as typeof import('ajv-draft-04').default;
const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;
const schema = JSON.parse(readFileSync(join(repoRoot, 'test', 'schemas', 'sarif-schema-2.1.0.json'), 'utf8'));

function sarifOf(args: string[]): { code: number; log: any } {
  const r = spawnSync(process.execPath, [cliPath, 'check', ...args, '--format', 'sarif'], { cwd: repoRoot, encoding: 'utf8' });
  return { code: r.status ?? -1, log: JSON.parse(r.stdout) };
}

describe('SARIF output', () => {
  const { code, log } = sarifOf(['examples']);

  it('validates against the SARIF 2.1.0 schema', () => {
    assert.equal(code, 1);
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const valid = validate(log);
    assert.ok(valid, JSON.stringify(validate.errors?.slice(0, 5), null, 2));
  });

  it('describes every rule in tool.driver.rules', () => {
    const rules = log.runs[0].tool.driver.rules;
    assert.deepEqual(rules.map((r: { id: string }) => r.id), RULES.map((r) => r.meta.id));
    rules.forEach((r: { name: string; shortDescription: { text: string }; fullDescription: { text: string }; help: { text: string; markdown: string }; defaultConfiguration: { level: string } }, i: number) => {
      assert.ok(r.name && r.shortDescription.text && r.fullDescription.text && r.help.text && r.help.markdown);
      assert.equal(r.defaultConfiguration.level, RULES[i]!.meta.severity);
    });
  });

  it('gives each result a relative location under %SRCROOT% and its path as a code flow', () => {
    const results = log.runs[0].results;
    assert.equal(results.length, 5);
    for (const result of results) {
      const loc = result.locations[0].physicalLocation;
      assert.equal(loc.artifactLocation.uriBaseId, '%SRCROOT%');
      assert.match(loc.artifactLocation.uri, /^fxsample\/[a-z]+\.c$/);
      assert.ok(loc.region.startLine >= 1 && loc.region.startColumn >= 1 && loc.region.endLine >= loc.region.startLine);
      const steps = result.codeFlows[0].threadFlows[0].locations;
      assert.ok(steps.length >= 2);
      for (const s of steps) assert.ok(s.location.message.text.length > 0);
      assert.equal(result.message.id, undefined);
    }
    const artifacts = log.runs[0].artifacts.map((a: { location: { uri: string } }) => a.location.uri);
    assert.ok(artifacts.includes('fxsample/io.c'));
  });
});
