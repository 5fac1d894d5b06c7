/**
 * Every rule documents itself completely, and its documentation's examples are honest: the
 * bad example triggers the rule, the good example does not.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { check } from '../src/engine/check.js';
import { ALL_RULE_METAS } from '../src/engine/check.js';
import { temporaryDirectory } from './temp-dir.js';

async function findingsOf(code: string, ruleId: string): Promise<number> {
  const dir = temporaryDirectory('drvcheck-doc-');
  writeFileSync(join(dir, 'example.c'), `#include <ntddk.h>\n#include <wdf.h>\n\n${code}\n`);
  const result = await check({ paths: [dir] });
  return result.findings.filter((f) => f.ruleId === ruleId).length;
}

describe('rule metadata', () => {
  it('gives every rule a distinct id and code', () => {
    assert.equal(new Set(ALL_RULE_METAS.map((m) => m.id)).size, ALL_RULE_METAS.length);
    assert.equal(new Set(ALL_RULE_METAS.map((m) => m.code)).size, ALL_RULE_METAS.length);
  });

  for (const m of ALL_RULE_METAS) {
    describe(m.id, () => {
      it('has every documentation field', () => {
        assert.match(m.id, /^[a-z]+(-[a-z]+)+$/);
        assert.match(m.code, /^[A-Z]{2}\d{4}$/, 'a code of the shape $msCompile recognises');
        for (const field of ['title', 'summary', 'rationale', 'whyTestingMisses', 'fix', 'badExample', 'goodExample'] as const) {
          assert.ok(m[field].trim().length > 20, `${m.id}.${field}`);
        }
        assert.ok(m.references.length > 0 && m.references.every((r) => /^https:\/\//.test(r.url)));
      });

      it('its bad example triggers it', async () => {
        assert.ok((await findingsOf(m.badExample, m.id)) > 0);
      });

      it('its good example does not', async () => {
        assert.equal(await findingsOf(m.goodExample, m.id), 0);
      });
    });
  }
});
