/**
 * The knowledge tables: each entry is checked when it is first looked up, so these tests look
 * every entry up, and keep names that are not entries (JavaScript's own property names among
 * them) unknown.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isIrqlLevel, knowledgeDataPath, lookupDdi } from '../src/knowledge/ddi.js';
import { isKnownRoleType, lookupRole } from '../src/knowledge/roles.js';

const namesIn = (file: string, key: string): string[] => Object.keys(JSON.parse(readFileSync(knowledgeDataPath(file), 'utf8'))[key]);

describe('knowledge tables', () => {
  it('has a well-formed requirement for every DDI in ddi-irql.json', () => {
    const names = namesIn('ddi-irql.json', 'ddis');
    assert.ok(names.length > 1000);
    for (const name of names) {
      const ddi = lookupDdi(name);
      assert.equal(ddi?.name, name);
      assert.ok(isIrqlLevel(ddi.max), name);
    }
    assert.equal(lookupDdi('KeWaitForSingleObject')?.max, 'DISPATCH');
  });

  it('has a well-formed fact for every role in callback-roles.json', () => {
    const names = namesIn('callback-roles.json', 'roles');
    assert.ok(names.length > 1000);
    for (const name of names) {
      const role = lookupRole(name);
      assert.equal(role?.roleType, name);
      assert.ok(role.max === null || isIrqlLevel(role.max), name);
    }
    assert.equal(lookupRole('EVT_WDF_DPC')?.max, 'DISPATCH');
  });

  it('knows no DDI or role by a name that is not an entry', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'NotADdiAtAll']) {
      assert.equal(lookupDdi(name), undefined, name);
      assert.equal(lookupRole(name), undefined, name);
      assert.equal(isKnownRoleType(name), false, name);
    }
  });
});
