#!/usr/bin/env node
// Writes docs/rules/ from the rule metadata (the single source of every rule's docs).
// Run through `npm run docs`, which builds first; a test fails when the files are stale.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_RULE_METAS } from '../dist/src/engine/check.js';
import { ruleDocFiles } from '../dist/src/reporters/rule-docs.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'rules');
mkdirSync(dir, { recursive: true });
const files = ruleDocFiles(ALL_RULE_METAS);
for (const name of readdirSync(dir)) if (name.endsWith('.md') && !files.has(name)) rmSync(join(dir, name));
for (const [name, content] of files) writeFileSync(join(dir, name), content);
console.log(`wrote ${files.size} files to docs/rules/`);
