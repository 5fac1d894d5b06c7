#!/usr/bin/env node
// Part of `npm run build`, after tsc: bundles the compiled CLI, and the unit worker it starts,
// into one module each in dist/bundle/, which bin/drvcheck.js runs. Loading ~120 modules and
// the small CommonJS packages one by one cost a one-driver check about 50 ms of its ~420 ms on
// the README's machine; one module loads in a fraction of that. web-tree-sitter and the
// grammars stay in node_modules, where they find their .wasm files, and so does ajv, loaded
// only by the generated validator or when it is missing. The bundles find their neighbours
// beside them, as the modules did: the worker's bundle, and the generated config validator,
// which is copied there.
import { copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(repo, 'dist', 'src');
const out = join(repo, 'dist', 'bundle');

await build({
  entryPoints: { main: join(compiled, 'cli', 'main.js'), 'unit-worker': join(compiled, 'engine', 'unit-worker.js') },
  outdir: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['web-tree-sitter', 'tree-sitter-c', 'tree-sitter-cpp', 'ajv', 'ajv/*'],
  // The CommonJS packages bundled in (commander, picomatch) require Node's modules.
  banner: { js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);" },
  logLevel: 'warning',
});
copyFileSync(join(compiled, 'config', 'config-validator.cjs'), join(out, 'config-validator.cjs'));
