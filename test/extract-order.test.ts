/**
 * The facts of a body come in source order, which the model relies on (it searches them by
 * offset). A walk in document order finds them so nearly always; this is the exception.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractFileFacts } from '../src/parser/extract.js';
import { decodeSource } from '../src/source/decode.js';

describe('facts of a body', () => {
  it('are in source order when a declaration inside an initializer comes before a later declarator', async () => {
    // The declaration `int a = ..., b = 1;` gives a and b at once; z, inside a's lambda, is
    // found after both, though it is written between them.
    const text = 'void F() {\n  int a = []() { int z = 0; return z; }(), b = 1;\n}\n';
    const facts = await extractFileFacts('order.cpp', decodeSource(Buffer.from(text, 'utf8')));
    const locals = facts.functions[0]!.locals;
    assert.deepEqual(
      locals.map((l) => l.name),
      ['a', 'z', 'b'],
    );
    const starts = locals.map((l) => l.span.startOffset);
    assert.deepEqual(starts, [...starts].sort((x, y) => x - y));
  });
});
