/**
 * A large run starts its workers while discovery still reads the units' includes. They must be
 * the pool's workers, with the output of a run on one thread; a small run, a run on one
 * thread and a run with the cache start none.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { run, statsOf } from './cli-helpers.js';
import { examplesDir, repoRoot } from './paths.js';
import { temporaryDirectory } from './temp-dir.js';

describe('workers started ahead', () => {
  it('start for a large run, do its work, and change nothing in its output', () => {
    // About 3 MB of sources in 14 units: over the 2 MB from which a run is large.
    const corpus = temporaryDirectory('drvcheck-ahead-');
    execFileSync(process.execPath, [join(repoRoot, 'scripts', 'generate-corpus.mjs'), corpus, '--scale', '0.07'], { stdio: 'ignore' });
    const stats = { DRVCHECK_STATS: '1' };
    const two = run(['check', corpus, '--format', 'sarif', '--jobs', '2'], repoRoot, stats);
    const one = run(['check', corpus, '--format', 'sarif', '--jobs', '1'], repoRoot, stats);
    for (const r of [one, two]) {
      assert.equal(r.code, 1, r.stderr);
      assert.ok(JSON.parse(r.stdout).runs[0].results.length > 20);
    }
    assert.equal(two.stdout, one.stdout);
    assert.equal(statsOf(two.stderr).workersStartedAhead, 2);
    assert.equal(statsOf(two.stderr).workersLost, 0);
    assert.equal(statsOf(one.stderr).workersStartedAhead, 0);
    const cached = run(['check', corpus, '--format', 'sarif', '--jobs', '2', '--cache', temporaryDirectory('drvcheck-ahead-cache-')], repoRoot, stats);
    assert.equal(statsOf(cached.stderr).workersStartedAhead, 0);
  });

  it('do not start for one small driver', () => {
    const r = run(['check', examplesDir], repoRoot, { DRVCHECK_STATS: '1' });
    assert.equal(statsOf(r.stderr).workersStartedAhead, 0);
  });
});
