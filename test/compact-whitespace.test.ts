/**
 * The parser reads a copy of each text with its indentation, alignment and the text of its
 * comments taken out (compact-whitespace.ts). The tree read from the copy, through its table of
 * offsets, must be the tree of the text itself: every node with the same type, field, parent,
 * extent and flags.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Parser, type Language } from 'web-tree-sitter';
import { blankMacros } from '../src/parser/blank-macros.js';
import { compactWhitespace } from '../src/parser/compact-whitespace.js';
import { FlatTree } from '../src/parser/flat-tree.js';
import { loadLanguages } from '../src/parser/languages.js';
import { decodeSource } from '../src/source/decode.js';
import { filesOf } from './fixture-harness.js';
import { fixturesDir } from './paths.js';

/** The first differences between the tree of `text` and the tree of its compacted copy. */
function treeDifferences(text: string, language: Language): { removed: number; differences: string[] } {
  const compact = compactWhitespace(text, 0);
  // Too little to take out: the text is parsed as it is.
  if (!compact) return { removed: 0, differences: [] };
  for (let k = 0; k < compact.text.length; k++) {
    if (compact.text[k] !== text[compact.originals[k]!]) return { removed: 0, differences: [`copy offset ${k} is not the character at ${compact.originals[k]}`] };
  }
  const parser = new Parser();
  parser.setLanguage(language);
  const own = parser.parse(text)!;
  const copied = parser.parse(compact.text)!;
  const differences: string[] = [];
  for (const walk of ['memory', 'public'] as const) {
    const expected = FlatTree.read(own, text, walk);
    const actual = FlatTree.read(copied, text, walk, compact.originals);
    if (expected.size !== actual.size) differences.push(`${walk}: ${expected.size} nodes, ${actual.size} from the copy`);
    for (let n = 0; n < Math.min(expected.size, actual.size) && differences.length < 5; n++) {
      const describe = (t: FlatTree): string =>
        `${t.typeName(n)} field ${t.fields[n]} parent ${t.parents[n]} ${t.starts[n]}-${t.ends[n]}${t.hasError(n) ? ' error' : ''}${t.isMissing(n) ? ' missing' : ''}`;
      if (describe(expected) !== describe(actual)) differences.push(`${walk} node ${n}: ${describe(expected)} != ${describe(actual)}`);
    }
  }
  own.delete();
  copied.delete();
  parser.delete();
  return { removed: text.length - compact.text.length, differences };
}

describe('whitespace compaction', () => {
  it('gives the tree of the text itself for every fixture source', async () => {
    const languages = await loadLanguages();
    const files = filesOf(fixturesDir);
    assert.ok(files.length > 50, `only ${files.length} fixture sources`);
    let removed = 0;
    let compacted = 0;
    for (const file of files) {
      const text = blankMacros(decodeSource(readFileSync(file)).text, { isC: file.endsWith('.c') }).text;
      const result = treeDifferences(text, file.endsWith('.c') ? languages.c : languages.cpp);
      assert.deepEqual(result.differences, [], file);
      removed += result.removed;
      if (result.removed > 0) compacted++;
    }
    assert.ok(compacted >= 30, `only ${compacted} of ${files.length} sources compacted`);
    assert.ok(removed > 10_000, `only ${removed} characters taken out`);
  });

  it('keeps the extent of every token that holds whitespace, and every line ending', async () => {
    const languages = await loadLanguages();
    const pad = ' '.repeat(12);
    const texts = {
      // A string that starts with spaces: where its content starts is a node's start.
      'string content': `void F(void)\n{\n${pad}G("${pad}x${pad}", '${pad}');\n}\n`,
      // A directive's text runs to the end of its line, trailing spaces and all.
      'directive text': `#define LIMIT${pad}16${pad}\nint x${pad}=${pad}LIMIT;\n`,
      // Spliced lines: the next line's indentation is inside the directive's text.
      'spliced directive': `#define TWICE(a)${pad}\\\n${pad}((a)${pad}+${pad}\\\n${pad}(a))\nint y = TWICE(2);\n`,
      'spliced directive ending in a comment': `#define ONE 1${pad}\\\n${pad}/* one */\nint z = ONE;\n`,
      // A backslash and spaces before a line ending are no splice, and must not become one.
      'backslash then spaces': `int a = 1; \\${pad}\n${pad}int b = 2;\n`,
      'CRLF lines': `void F(void)\r\n{\r\n${pad}int a${pad}=${pad}1;${pad}\r\n${pad}#if A\r\n${pad}G(a);\r\n${pad}#endif\r\n}\r\n`,
      // Quotes in comments open nothing: the code after them is still compacted.
      'apostrophe in a comment': `// don't${pad}stop\nint${pad}a${pad}=${pad}1;\n/* it's */${pad}int${pad}b;\n`,
      // A comment keeps its delimiters and extent; a directive's text runs up to a block
      // comment, and over a line comment.
      'comments in directives': `#define A 1${pad}/* one */${pad}\n#define B 2 // two${pad}\n#if A /* a\n  */\nint c = A + B;\n#endif // A\n#include <sys//types.h> // t\n`,
      // A comment never closed is no comment to the parser: it is copied whole.
      'unterminated comment': `int a;${pad}\nint b; /* never closed\n${pad}int c;\n`,
      'comments between tokens': `int/**/x${pad}=/* one */1;\nint/* over\n${pad}lines */${pad}u;\nint y; /* over\n${pad}lines */ #define Z 3 // z\nint w = Z;\n`,
      // After a directive's condition, the parser reads a run of line endings as one token.
      'comment lines after a condition': `#if defined(A)\n// one\n${pad}// two\n/* three\n */\nint a;\n#endif\n`,
      // A function-like macro with trailing space and no body takes in the next line's comment.
      'comment after an empty macro': `#define TRACE(a, b)\t\r\n// #define OLD(a) a\r\nint TraceLevel;\r\n`,
      'spliced line comment': `int a; // one \\\n${pad}two\nint b;${pad}/* c */\r\nint d; // e\r\n`,
      'raw string': `const char *s = R"x(${pad}a ")${pad}b)x";${pad}int${pad}c;\n`,
      // A MISSING token stands right after the token before it, not after the whitespace.
      'missing token': `struct S {\n${pad}int a${pad}\n${pad}int b;\n};\nint c${pad}\nint d;\n`,
    };
    for (const [name, text] of Object.entries(texts)) {
      for (const language of [languages.c, languages.cpp]) {
        const result = treeDifferences(text, language);
        assert.deepEqual(result.differences, [], name);
        assert.ok(result.removed > 0, `${name}: nothing taken out`);
      }
    }
  });

  it('leaves literals as they are and takes out whitespace only', () => {
    const text = `int${' '.repeat(8)}a = 1;\n\n${' '.repeat(8)}char *s = "a${' '.repeat(8)}b";\n`;
    const compact = compactWhitespace(text, 0)!;
    assert.equal(compact.text, `int a = 1;\n\nchar *s = "a${' '.repeat(8)}b";\n`);
    assert.equal(compact.originals[compact.text.length], text.length);
  });

  it('leaves a short text, or one with little to take out, to be parsed as it is', () => {
    assert.equal(compactWhitespace('int    a;'), undefined);
    assert.equal(compactWhitespace('int a;\n'.repeat(1000)), undefined);
    assert.ok(compactWhitespace('int        a;\n'.repeat(1000)));
  });
});
