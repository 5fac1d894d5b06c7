#!/usr/bin/env node
// Thin launcher: the CLI is compiled from TypeScript into dist/ by `npm run build`.
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
