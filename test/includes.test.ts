/**
 * Discovery reads include directives from a file's bytes (includeNames) instead of from its
 * decoded text (includeNamesInText, the definition). The two must agree on every file, whatever
 * its encoding: random files built from the pieces of directives and their near misses, saved as
 * UTF-8 (with and without a byte order mark), CP-1252 and UTF-16, are read both ways.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { includeNames, includeNamesInText } from '../src/source/includes.js';
import { decodeSource } from '../src/source/decode.js';
import { randomText } from './random.js';

const PIECES = ['#', ' ', '\t', 'include', 'includ', '"', '<', '>', 'a.h', 'sub/b.h', '\r', '\n', '\r\n', 'x', '// ', 'é', 'ü.h', '##', '#include "c.h"\n'];

const ENCODINGS: [string, (text: string) => Buffer][] = [
  ['UTF-8', (t) => Buffer.from(t, 'utf8')],
  ['UTF-8 with a byte order mark', (t) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t, 'utf8')])],
  ['CP-1252', (t) => Buffer.from(t, 'latin1')],
  ['UTF-16LE', (t) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')])],
];

describe('include names read from bytes', () => {
  it('are the names the decoded text gives, in every encoding', () => {
    const next = randomText(6, PIECES, 16);
    let found = 0;
    for (let n = 0; n < 20_000; n++) {
      const text = next();
      for (const [encoding, encode] of ENCODINGS) {
        const bytes = encode(text);
        const expected = includeNamesInText(decodeSource(bytes).text);
        assert.deepEqual(includeNames(bytes), expected, `${encoding}: ${JSON.stringify(text)}`);
        found += expected.length;
      }
    }
    // The texts do hold directives: the comparison is not between two empty lists.
    assert.ok(found > 10_000, `only ${found} directives in the random texts`);
  });

  it('read the usual directives, and not the ones that are not at the start of a line', () => {
    const text = '#include <ntddk.h>\r\n  #  include "driver.h"\n\tx = 1; #include "not.h"\n// #include "comment.h"\n#include "include/inc.h"\n#include ""\n';
    assert.deepEqual(includeNames(Buffer.from(text, 'utf8')), ['ntddk.h', 'driver.h', 'include/inc.h']);
  });
});
