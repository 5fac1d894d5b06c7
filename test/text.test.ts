/**
 * `fold` skips the regular expressions when a quick scan says there is nothing to fold; the
 * scan must never say so wrongly, or an expression would keep its line breaks in the facts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomText } from './random.js';
import { fold } from '../src/parser/text.js';

const reference = (s: string): string => s.replace(/\s+/g, ' ').trim();

describe('fold', () => {
  it('folds as replacing every whitespace run by one space and trimming would', () => {
    const cases = ['', ' ', 'a', 'a b', 'a  b', ' a', 'a ', 'a\tb', 'a\nb', 'a\r\nb', 'f(x,\n    y)', 'a\u00a0b', 'é b', 'é  b', '\u2028', 'x\vy', 'x\fy'];
    for (const s of cases) assert.equal(fold(s), reference(s), JSON.stringify(s));
  });

  it('agrees with the reference on random texts of letters and every kind of space', () => {
    const alphabet = ['a', 'b', ' ', ' ', '\t', '\n', '\r', '\u00a0', 'é', '\ufeff'];
    const nextText = randomText(7, alphabet);
    const distinct = new Set<string>();
    for (let n = 0; n < 5000; n++) {
      const s = nextText();
      assert.equal(fold(s), reference(s), JSON.stringify(s));
      distinct.add(s);
    }
    assert.ok(distinct.size > 3000, `only ${distinct.size} distinct texts`);
  });
});
