#!/usr/bin/env node
// Thin launcher: the CLI is compiled from TypeScript into dist/, and bundled into one module
// that loads faster than its parts, by `npm run build` (see scripts/bundle.mjs).
import { main } from '../dist/bundle/main.js';

process.exitCode = await main(process.argv.slice(2));
