/**
 * LineIndex finds line ends by jumping between them; it must agree with reading every
 * character, for LF, CRLF and lone-CR endings in any mix, or findings would name wrong lines.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomText } from './random.js';
import { LineIndex } from '../src/source/decode.js';

/** The line starts by looking at every character: CR, LF and CRLF each end a line. */
function referenceStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 10) starts.push(i + 1);
    else if (ch === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

function startsOf(index: LineIndex): number[] {
  return Array.from({ length: index.lineCount }, (_, i) => index.lineStart(i + 1));
}

describe('LineIndex', () => {
  it('agrees with a character-by-character reading on texts of every kind of line end', () => {
    const alphabet = ['a', 'b', '\n', '\r', '\r\n'];
    const nextText = randomText(7, alphabet);
    const cases = ['', 'a', '\n', '\r', '\r\n', '\r\r\n', '\n\r', 'a\r\nb\rc\nd', '\r\n\r\n'];
    for (let n = 0; n < 3000; n++) cases.push(nextText());
    assert.ok(new Set(cases).size > 2000, `only ${new Set(cases).size} distinct texts`);
    for (const text of cases) {
      const index = new LineIndex(text);
      assert.deepEqual(startsOf(index), referenceStarts(text), JSON.stringify(text));
    }
  });

  it('keeps its own line starts while it collects more than its scratch space holds, and after', () => {
    // LineIndex collects starts in one array shared by every index, grown as needed, and keeps a
    // copy: a long text grows it, and a later text must not change the starts of an earlier one.
    const long = Array.from({ length: 10_000 }, (_, i) => (i % 3 === 0 ? 'x\r\n' : i % 3 === 1 ? 'yy\n' : 'z\r')).join('');
    const longIndex = new LineIndex(long);
    const short = 'a\nbb\nccc';
    const shortIndex = new LineIndex(short);
    assert.deepEqual(startsOf(longIndex), referenceStarts(long));
    assert.deepEqual(startsOf(shortIndex), referenceStarts(short));
    assert.deepEqual(longIndex.position(long.length - 2), { line: 10_000, column: 2, offset: long.length - 2 });
  });

  it('gives each offset its line, whatever order offsets are asked in', () => {
    const text = 'ab\r\ncd\ref\ngh\n\nij';
    const index = new LineIndex(text);
    const starts = referenceStarts(text);
    const lineOf = (offset: number): number => starts.filter((s) => s <= offset).length;
    const offsets = [0, 12, 3, 3, 4, 16, 15, 1, 7, 14, 8, 0, 16, 2];
    for (const offset of offsets) assert.equal(index.position(offset).line, lineOf(offset), `offset ${offset}`);
  });

  it('gives 1-based lines and columns', () => {
    const index = new LineIndex('ab\r\ncd\ref\ngh');
    assert.deepEqual(index.position(5), { line: 2, column: 2, offset: 5 });
    assert.deepEqual(index.position(8), { line: 3, column: 2, offset: 8 });
    assert.deepEqual(index.position(10), { line: 4, column: 1, offset: 10 });
  });
});
