/**
 * lineHashes against a reference that computes each hash the slow, plain way: the sum of the
 * 100 characters from the line's start times powers of 37, in BigInt modulo 2^64, and the
 * occurrence count by comparing with every earlier line. Texts repeat blocks longer than 100
 * characters, so that many lines share a hash and the counts go past 1.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { random, randomText } from './random.js';
import { lineHashes } from '../src/engine/line-hash.js';

const BLOCK = 100;
const END_OF_FILE = 65535;
const MOD = 2n ** 64n;

/** Every line's `hash:count`, by the reference: line numbers from 1. */
function referenceHashes(text: string): Map<number, string> {
  // The characters hashed: spaces and tabs skipped, CRLF and a lone CR read as LF; a line
  // starts at its first character kept, and the end of the text is a character too.
  const kept: number[] = [];
  const lineStarts: number[] = [];
  let lineStart = true;
  for (let i = 0; i <= text.length; i++) {
    let c = i < text.length ? text.charCodeAt(i) : END_OF_FILE;
    if (c === 32 || c === 9) continue;
    if (c === 10 && i > 0 && text.charCodeAt(i - 1) === 13) continue;
    if (c === 13) c = 10;
    if (lineStart) {
      lineStarts.push(kept.length);
      lineStart = false;
    }
    kept.push(c);
    if (c === 10) lineStart = true;
  }
  const hashes = lineStarts.map((start) => {
    let h = 0n;
    for (let k = 0; k < BLOCK; k++) h = (h * 37n + BigInt(kept[start + k] ?? 0)) % MOD;
    return h;
  });
  const out = new Map<number, string>();
  hashes.forEach((h, i) => {
    const count = hashes.slice(0, i + 1).filter((other) => other === h).length;
    out.set(i + 1, `${h.toString(16)}:${count}`);
  });
  return out;
}

describe('lineHashes', () => {
  it('agrees with the reference on every line, counts of repeated hashes included', () => {
    const uniform = random(11);
    const pieces = randomText(13, ['a', 'b', ' ', '\t', '\n', '\r\n', '\r', 'x = y;\n'], 40);
    let repeated = 0;
    for (let n = 0; n < 60; n++) {
      // A block of more than 100 hashed characters, repeated: its lines' windows recur.
      let block = '';
      while (block.replace(/[ \t]/g, '').length < 130) block += pieces();
      const text = pieces() + block.repeat(2 + Math.floor(uniform() * 3)) + pieces();
      const expected = referenceHashes(text);
      const actual = lineHashes(text, new Set(expected.keys()));
      assert.deepEqual(actual, expected, JSON.stringify(text));
      repeated += [...expected.values()].filter((h) => !h.endsWith(':1')).length;
    }
    assert.ok(repeated > 100, `only ${repeated} lines with a repeated hash`);
  });

  it('gives only the lines asked for, each as it would be among all', () => {
    const text = 'int a;\n'.repeat(30) + 'return 0;\n' + 'int a;\n'.repeat(30);
    const all = referenceHashes(text);
    const asked = new Set([3, 31, 45]);
    assert.deepEqual(lineHashes(text, asked), new Map([...asked].map((line) => [line, all.get(line)!])));
  });
});
