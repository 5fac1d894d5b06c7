/**
 * `fold` skips the regular expressions when a quick scan says there is nothing to fold; the
 * scan must never say so wrongly, or an expression would keep its line breaks in the facts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fold } from '../src/parser/text.js';

const reference = (s: string): string => s.replace(/\s+/g, ' ').trim();

describe('fold', () => {
  it('folds as replacing every whitespace run by one space and trimming would', () => {
    const cases = ['', ' ', 'a', 'a b', 'a  b', ' a', 'a ', 'a\tb', 'a\nb', 'a\r\nb', 'f(x,\n    y)', 'a\u00a0b', 'é b', 'é  b', '\u2028', 'x\vy', 'x\fy'];
    for (const s of cases) assert.equal(fold(s), reference(s), JSON.stringify(s));
  });

  it('agrees with the reference on random texts of letters and every kind of space', () => {
    const alphabet = ['a', 'b', ' ', ' ', '\t', '\n', '\r', '\u00a0', 'é', '\ufeff'];
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let n = 0; n < 5000; n++) {
      let s = '';
      for (let k = next() % 8; k > 0; k--) s += alphabet[next() % alphabet.length];
      assert.equal(fold(s), reference(s), JSON.stringify(s));
    }
  });
});
