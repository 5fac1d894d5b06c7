/**
 * The flat copy of a tree must answer every question fact extraction asks exactly as
 * web-tree-sitter's own nodes do, and the direct wasm walk must stay available: if an upgrade
 * of web-tree-sitter breaks it, drvcheck still works through the public cursor but slowly,
 * and this test says so.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Parser, type Node } from 'web-tree-sitter';
import { FlatTree, type SyntaxNode } from '../src/parser/flat-tree.js';
import { blankMacros } from '../src/parser/blank-macros.js';
import { loadLanguages } from '../src/parser/languages.js';
import { memoryReadable } from '../src/parser/tree-memory.js';
import { directWalksAvailable } from '../src/parser/wasm-cursor.js';
import { decodeSource } from '../src/source/decode.js';
import { filesOf } from './fixture-harness.js';
import { fixturesDir } from './paths.js';

/** The fields fact extraction asks for. */
const FIELDS = ['declarator', 'body', 'condition', 'type', 'value', 'function', 'arguments', 'left', 'right', 'operator', 'name', 'alternative', 'consequence', 'field', 'argument', 'label', 'designator', 'path', 'parameters', 'initializer', 'update', 'filter', 'index'];

function describeNode(n: Node | SyntaxNode | null): string {
  return n ? `${n.type}@${n.startIndex}-${n.endIndex}` : 'none';
}

/** Every difference between the real tree and its copy, node by node in document order. */
function differences(tree: { rootNode: Node; walk(): ReturnType<Node['walk']> }, flat: FlatTree): string[] {
  const out: string[] = [];
  const cursor = tree.walk();
  let index = 0;
  const expect = (what: string, real: unknown, copy: unknown): void => {
    if (real !== copy) out.push(`node ${index} ${what}: ${String(real)} != ${String(copy)}`);
  };
  for (;;) {
    const real = cursor.currentNode;
    const copy = flat.node(index);
    expect('type', real.type, copy.type);
    expect('extent', `${real.startIndex}-${real.endIndex}`, `${copy.startIndex}-${copy.endIndex}`);
    expect('named', real.isNamed, copy.isNamed);
    expect('hasError', real.hasError, copy.hasError);
    expect('missing', real.isMissing, copy.isMissing);
    expect('text', real.text, copy.text);
    expect('parent', describeNode(real.parent), describeNode(copy.parent));
    expect('previous sibling', describeNode(real.previousSibling), describeNode(copy.previousSibling));
    expect('children', real.children.map(describeNode).join(), copy.children.map(describeNode).join());
    expect('named children', real.namedChildren.map(describeNode).join(), copy.namedChildren.map(describeNode).join());
    if (real.type !== 'ERROR') {
      for (const field of FIELDS) {
        expect(`field ${field}`, describeNode(real.childForFieldName(field)), describeNode(copy.childForFieldName(field)));
        expect(`fields ${field}`, real.childrenForFieldName(field).map(describeNode).join(), copy.childrenForFieldName(field).map(describeNode).join());
      }
    }
    index++;
    if (cursor.gotoFirstChild()) continue;
    let done = false;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) {
        done = true;
        break;
      }
    }
    if (done) break;
  }
  cursor.delete();
  expect('size', index, flat.size);
  return out;
}

describe('flat tree', () => {
  it('walks trees through the direct wasm path', async () => {
    await loadLanguages();
    assert.equal(directWalksAvailable(), true);
  });

  it('reads trees of both grammars straight from wasm memory', async () => {
    const languages = await loadLanguages();
    const parser = new Parser();
    for (const language of [languages.c, languages.cpp]) {
      parser.setLanguage(language);
      const tree = parser.parse('int f(void) { return 0; }')!;
      assert.equal(memoryReadable(tree), true);
      tree.delete();
    }
  });

  it('answers as web-tree-sitter does for every node of every fixture, by all three walks', async () => {
    const languages = await loadLanguages();
    const parser = new Parser();
    const files = filesOf(fixturesDir);
    assert.ok(files.length > 50, `only ${files.length} fixture sources`);
    let nodes = 0;
    for (const file of files) {
      const text = blankMacros(decodeSource(readFileSync(file)).text, { isC: file.endsWith('.c') }).text;
      parser.setLanguage(file.endsWith('.c') ? languages.c : languages.cpp);
      const tree = parser.parse(text)!;
      for (const walk of ['memory', 'direct', 'public'] as const) {
        const flat = FlatTree.read(tree, text, walk);
        assert.deepEqual(differences(tree, flat).slice(0, 5), [], `${file} (${walk} walk)`);
        nodes += flat.size;
      }
      tree.delete();
    }
    assert.ok(nodes > 10_000);
  });

  it('answers as web-tree-sitter does on unexpected characters and deep nesting, by all three walks', async () => {
    const languages = await loadLanguages();
    const parser = new Parser();
    const deepBlocks = `void F(int a) {${'if (a) {'.repeat(300)} G(); ${'}'.repeat(300)}}`;
    const deepParens = `int F(void) { return ${'('.repeat(400)}1${')'.repeat(400)}; }`;
    // An ERROR leaf for one character the lexer cannot read costs nothing: no error of its own.
    const texts = ['int x = 1 @ 2;', 'void F(void) { G(` ); $ }', deepBlocks, deepParens];
    for (const language of [languages.c, languages.cpp]) {
      parser.setLanguage(language);
      for (const text of texts) {
        const tree = parser.parse(text)!;
        for (const walk of ['memory', 'direct', 'public'] as const) {
          assert.deepEqual(differences(tree, FlatTree.read(tree, text, walk)).slice(0, 5), [], `${text.slice(0, 30)} (${walk} walk)`);
        }
        tree.delete();
      }
    }
  });

  it('marks the ancestors of a missing token the grammar hides', async () => {
    const languages = await loadLanguages();
    const parser = new Parser();
    parser.setLanguage(languages.c);
    // The newline that ends an #include is a hidden token; at the end of the file it is missing.
    const text = 'int a;\n#include "x.h"';
    const tree = parser.parse(text)!;
    const flat = FlatTree.read(tree, text);
    assert.equal(tree.rootNode.hasError, true);
    assert.equal(flat.hasError(0), true);
    assert.deepEqual(differences(tree, flat), []);
    tree.delete();
  });
});
