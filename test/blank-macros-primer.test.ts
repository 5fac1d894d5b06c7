/**
 * blankMacros runs its scan over a few short texts before the first real one, so that V8 has
 * seen every branch before it optimizes the scan (see prime in blank-macros.ts). A branch the
 * texts miss is one the optimized code may meet later and be thrown away for: this test measures
 * which branches the priming takes, with V8's own block coverage, and fails on any it misses.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { describe, it } from 'node:test';

/** Exported for other modules; the scan never calls it. */
const NOT_PART_OF_THE_SCAN = new Set(['sectionOfMacro']);

describe('priming of the macro scan', () => {
  it('takes every branch of the scan and of the helpers it calls, before the first text', async () => {
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
    // Imported only now, so that coverage counts from the module's first line.
    const url = new URL('../src/parser/blank-macros.js', import.meta.url);
    const { blankMacros } = (await import(url.href)) as typeof import('../src/parser/blank-macros.js');
    blankMacros('');
    const { result } = await session.post('Profiler.takePreciseCoverage');
    await session.post('Profiler.stopPreciseCoverage');
    session.disconnect();

    const script = result.find((s) => s.url === url.href);
    assert.ok(script, 'no coverage was recorded for blank-macros.js');
    const source = readFileSync(url, 'utf8');
    const missed = script.functions
      .filter((fn) => !NOT_PART_OF_THE_SCAN.has(fn.functionName))
      .flatMap((fn) => fn.ranges.filter((r) => r.count === 0).map((r) => `${fn.functionName || '(top level)'}: ${source.slice(r.startOffset, r.endOffset).trim().slice(0, 60)}`));
    assert.deepEqual(missed, []);
    // The scan itself ran: more than once per primer text.
    const scan = script.functions.find((fn) => fn.functionName === 'scan');
    assert.ok(scan && scan.ranges[0]!.count > 1, 'the scan did not run before the first text');
  });
});
