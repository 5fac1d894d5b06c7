/**
 * A bounded fuzz run over the fixtures (seeded, so a failure reproduces), and the inputs that
 * once broke the pipeline, kept as regression cases under test/fuzz-regressions/.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '../src/engine/read-files.js';
import { fixtureCorpus, fuzz, runInput } from './fuzz-engine.js';
import { fixturesDir, repoRoot } from './paths.js';

const ITERATIONS = Number(process.env['DRVCHECK_FUZZ_ITERATIONS'] ?? 2000);

describe('fuzzing', () => {
  it(`survives ${ITERATIONS} mutated fixtures: nothing throws, nothing hangs, inputs reach the rules, every skip has a reason`, { timeout: 300_000 }, async () => {
    const corpus = fixtureCorpus(fixturesDir);
    assert.ok(corpus.length > 20);
    const report = await fuzz(corpus, 20261122, ITERATIONS);
    // "Nothing throws" says little if the inputs never reach the model and the rules: a decoder
    // or parser that turned most mutated inputs away (with a reason, so no failure) would pass
    // it untested. Mutations rarely make a file binary, so nearly every input must be analysed.
    assert.ok(report.analyzed >= ITERATIONS * 0.9, `only ${report.analyzed} of ${ITERATIONS} inputs were analysed; ${report.skipped} were skipped`);
    assert.deepEqual(report.failures.map((f) => `#${f.iteration} ${f.mutation}: ${f.problem.split('\n')[0]}`), []);
  });

  const regressionsDir = join(repoRoot, 'test', 'fuzz-regressions');
  const regressions = readdirSync(regressionsDir).filter((n) => /\.(c|cpp|h)$/.test(n));
  it('keeps every input that once broke the pipeline working', { skip: regressions.length === 0 ? 'no input has broken the pipeline yet' : false }, async () => {
    assert.ok(regressions.length > 0);
    const dir = regressionsDir;
    for (const name of regressions) {
      const result = await runInput({ path: name, bytes: readFileSync(join(dir, name)) }, { ...DEFAULT_LIMITS, parseTimeoutMs: 2000 });
      assert.equal(result.problem, undefined, name);
    }
  });
});
