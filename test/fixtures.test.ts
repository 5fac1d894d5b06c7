/**
 * The fixture harness: each rule folder under test/fixtures holds driver fragments annotated
 * with the findings they must produce (`// expect:`) and the good twins that must stay silent
 * (`// ok:`). Any unexpected finding, of any rule, fails; so does any missing one.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { check } from '../src/engine/check.js';
import { ALL_RULE_METAS } from '../src/engine/check.js';
import { annotations, findingKey, fixtureEntries, key } from './fixture-harness.js';
import { examplesDir, fixturesDir } from './paths.js';

const ruleDirs = readdirSync(fixturesDir).sort();

describe('fixtures', () => {
  for (const ruleDir of ruleDirs) {
    const dir = join(fixturesDir, ruleDir);
    describe(ruleDir, () => {
      for (const entry of fixtureEntries(dir)) {
        it(entry.slice(dir.length + 1), async () => {
          const result = await check({ paths: [entry], root: dir });
          assert.deepEqual(result.skipped, [], 'every fixture file is analyzed');
          const actual = result.findings.map(findingKey).sort();
          const expected = annotations(entry, dir, 'expect').map(key).sort();
          const missing = expected.filter((e) => !actual.includes(e));
          const unexpected = actual.filter((a) => !expected.includes(a));
          const detail = unexpected
            .map((u) => {
              const f = result.findings.find((x) => findingKey(x) === u)!;
              return `${u}\n    ${f.message}\n${f.steps.map((s) => `      ${s.location.path}:${s.location.span.startLine}: ${s.message}`).join('\n')}`;
            })
            .join('\n');
          assert.deepEqual({ missing, unexpected }, { missing: [], unexpected: [] }, detail);
          for (const ok of annotations(entry, dir, 'ok')) {
            assert.ok(!actual.includes(key(ok)), `a good case must stay silent: ${key(ok)}`);
          }
        });
      }
    });
  }

  it('every rule has fixtures with at least one bad and one good case', () => {
    for (const meta of ALL_RULE_METAS) {
      const dir = join(fixturesDir, meta.id);
      assert.ok(ruleDirs.includes(meta.id), `${meta.id} has a fixture folder`);
      const expects = fixtureEntries(dir).flatMap((e) => annotations(e, dir, 'expect')).filter((a) => a.ruleId === meta.id);
      const oks = fixtureEntries(dir).flatMap((e) => annotations(e, dir, 'ok')).filter((a) => a.ruleId === meta.id);
      assert.ok(expects.length > 0, `${meta.id} has a bad case`);
      assert.ok(oks.length > 0, `${meta.id} has a good case`);
    }
    assert.deepEqual(ruleDirs.filter((d) => !ALL_RULE_METAS.some((m) => m.id === d)), [], 'every fixture folder is a rule');
  });
});

describe('example driver', () => {
  it('reports exactly the findings its sources are annotated with', async () => {
    const result = await check({ paths: [examplesDir] });
    const actual = result.findings.map(findingKey).sort();
    const expected = annotations(examplesDir, examplesDir, 'expect').map(key).sort();
    assert.deepEqual(actual, expected);
    assert.equal(result.units.length, 1, 'the .vcxproj makes one driver unit');
    assert.equal(result.units[0]!.kind, 'vcxproj');
  });
});
