/**
 * A source's statement trees are read when a rule first asks for them (ParseOptions.lazyFlows).
 * What is read then must be exactly what an eager read gives, for every fixture.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { extractFileFacts } from '../src/parser/extract.js';
import { decodeSource } from '../src/source/decode.js';
import { filesOf } from './fixture-harness.js';
import { fixturesDir } from './paths.js';

describe('statement trees read on demand', () => {
  it('are not read until asked for, and then become plain properties', async () => {
    const source = decodeSource(Buffer.from('void F(int x) { if (x) { G(); } }\n', 'utf8'));
    const facts = await extractFileFacts('lazy.c', source, { lazyFlows: true });
    const fn = facts.functions[0]!;
    assert.equal(typeof Object.getOwnPropertyDescriptor(fn, 'flow')?.get, 'function');
    assert.equal(typeof Object.getOwnPropertyDescriptor(fn.controlFlow!, 'body')?.get, 'function');
    assert.equal(fn.flow?.kind, 'block');
    assert.equal(fn.controlFlow?.body?.kind, 'block');
    assert.equal(Object.getOwnPropertyDescriptor(fn, 'flow')?.get, undefined);
    assert.equal(Object.getOwnPropertyDescriptor(fn.controlFlow!, 'body')?.get, undefined);
  });

  it('say why a body cannot be read when asked, as an eager read does', async () => {
    // A C file system's `try` macro with no handler after its block: not read as flow.
    const source = decodeSource(Buffer.from('void F(void) { try { G(); } H(); }\n', 'utf8'));
    const lazy = (await extractFileFacts('seh.c', source, { lazyFlows: true })).functions[0]!;
    const eager = (await extractFileFacts('seh.c', source)).functions[0]!;
    assert.equal(lazy.controlFlow?.unreadable, 'a try macro without its handler');
    assert.equal(lazy.controlFlow?.body, undefined);
    assert.deepEqual(JSON.stringify(lazy), JSON.stringify(eager));
  });

  it('give the same answer for a deeply nested body however deep the stack they are read from', async () => {
    const nested = (depth: number): string => `void F(int a) {${'if (a) {'.repeat(depth)} G(); ${'}'.repeat(depth)}}\n`;
    const deepIn = <T>(frames: number, read: () => T): T => (frames === 0 ? read() : deepIn(frames - 1, read));
    for (const depth of [100, 300, 2000]) {
      const source = decodeSource(Buffer.from(nested(depth), 'utf8'));
      const eager = (await extractFileFacts('deep.c', source)).functions[0]!.controlFlow!;
      const lazy = (await extractFileFacts('deep.c', source, { lazyFlows: true })).functions[0]!.controlFlow!;
      const unreadable = deepIn(3000, () => lazy.unreadable);
      assert.equal(unreadable, eager.unreadable, `depth ${depth}`);
      assert.equal(unreadable, depth > 250 ? 'the body nests too deeply' : undefined, `depth ${depth}`);
    }
  });

  it('give the same facts as an eager read for every fixture', async () => {
    const files = filesOf(fixturesDir);
    assert.ok(files.length > 50, `only ${files.length} fixture sources`);
    let flows = 0;
    for (const file of files) {
      const source = decodeSource(readFileSync(file));
      const eager = await extractFileFacts(file, source);
      const lazy = await extractFileFacts(file, source, { lazyFlows: true });
      // Asked for once, each lazy property settles into a plain one, as an eager read writes it.
      for (const fn of lazy.functions) void [fn.flow, fn.controlFlow?.body];
      assert.deepStrictEqual(lazy, eager, file);
      flows += eager.functions.filter((f) => f.controlFlow?.body !== undefined).length;
    }
    assert.ok(flows > 100, `only ${flows} statement trees compared`);
  });
});
