#!/usr/bin/env node
// Long fuzz runs: `npm run fuzz -- --iterations 100000 [--seed N] [--write-ahead]`. Inputs that fail are
// written to test/fuzz-regressions/ so that, once fixed, they stay fixed.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureCorpus, fuzz } from '../dist/test/fuzz-engine.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const iterations = arg('--iterations', 10000);
const seed = arg('--seed', Date.now() % 2 ** 31);
const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const corpus = fixtureCorpus(join(repo, 'test', 'fixtures'));
const started = Date.now();
// Each input is written out before it runs, so that an input that kills the process (a V8
// fatal error, an abort) is left behind in test/fuzz-regressions/last-input.bin.
const lastInput = join(repo, 'test', 'fuzz-regressions', 'last-input.bin');
const report = await fuzz(corpus, seed, iterations, undefined, (input, i) => {
  if (process.argv.includes('--write-ahead')) writeFileSync(lastInput, Buffer.concat([Buffer.from(`${i} ${input.path}\n`), input.bytes]));
});
const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(`seed ${seed}: ${report.iterations} iterations in ${seconds} s, ${report.analyzed} analyzed, ${report.skipped} skipped, slowest ${report.slowestMs.toFixed(0)} ms, ${report.failures.length} failures`);
for (const f of report.failures) {
  const name = `${createHash('sha256').update(f.input.bytes).digest('hex').slice(0, 12)}${extname(f.input.path) || '.c'}`;
  writeFileSync(join(repo, 'test', 'fuzz-regressions', name), f.input.bytes);
  console.log(`  #${f.iteration} ${f.mutation}: ${f.problem.split('\n')[0]} -> test/fuzz-regressions/${name}`);
}
process.exitCode = report.failures.length > 0 ? 1 : 0;
