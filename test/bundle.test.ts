/**
 * The CLI runs bundles of the compiled modules (scripts/bundle.mjs). A bundle that still loaded
 * drvcheck's own modules one by one, or looked for them beside itself, would start slowly or
 * not at all, while the tests that load dist/src passed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from './paths.js';

/** The packages the bundles leave in node_modules: they find their .wasm files there. */
const LEFT_OUTSIDE = ['web-tree-sitter', 'tree-sitter-c', 'tree-sitter-cpp', 'ajv'];

function importsOf(code: string): string[] {
  const specifiers = [
    ...code.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm),
    ...code.matchAll(/^import\s*["']([^"']+)["']/gm),
    ...code.matchAll(/\bimport\s*\(\s*["']([^"']+)["']\s*\)/g),
    // esbuild writes the CommonJS packages' requires as __require(...).
    ...code.matchAll(/\b(?:__)?require\s*\(\s*["']([^"']+)["']\s*\)/g),
  ].map((m) => m[1]!);
  return [...new Set(specifiers)].sort();
}

describe('the bundles the CLI runs', () => {
  for (const name of ['main.js', 'unit-worker.js']) {
    it(`${name} imports only Node's modules and the packages left outside`, () => {
      const imports = importsOf(readFileSync(join(repoRoot, 'dist', 'bundle', name), 'utf8'));
      const unexpected = imports.filter((s) => {
        const bare = s.replace(/^node:/, '');
        return !builtinModules.includes(bare) && !LEFT_OUTSIDE.some((p) => s === p || s.startsWith(`${p}/`));
      });
      assert.deepEqual(unexpected, []);
      assert.ok(imports.includes('web-tree-sitter'), 'the parser is loaded from its package');
    });
  }

  it('is what bin/drvcheck.js runs', () => {
    assert.match(readFileSync(join(repoRoot, 'bin', 'drvcheck.js'), 'utf8'), /from '\.\.\/dist\/bundle\/main\.js'/);
  });
});
