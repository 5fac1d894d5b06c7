/**
 * The cache (`--cache DIR`): a warm run reports byte for byte what a run without the cache
 * does, analyses nothing whose inputs are unchanged, and analyses again exactly the driver
 * units whose files or analysis configuration changed. A damaged entry is a miss, never an
 * error. How many tasks (units and lone files) were served from the cache is read from the
 * DRVCHECK_STATS line.
 */
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { describe, it } from 'node:test';
import { project, run, statsOf } from './cli-helpers.js';
import { waitingDpcDriver } from './drivers.js';
import { examplesDir } from './paths.js';
import { temporaryDirectory } from './temp-dir.js';

interface Run {
  readonly stdout: string;
  readonly cache?: { hits: number; misses: number };
}

function check(dir: string, format: 'json' | 'sarif', cache?: string, extra: string[] = []): Run {
  const r = run(['check', dir, '--format', format, '--exit-zero', ...extra, ...(cache ? ['--cache', cache] : [])], undefined, { DRVCHECK_STATS: '1' });
  assert.equal(r.code, 0, r.stderr);
  const stats = statsOf(r.stderr);
  return { stdout: r.stdout, ...(stats.cache ? { cache: stats.cache } : {}) };
}

const newCache = (): string => temporaryDirectory('drvcheck-cache-');
const findings = (run: Run): string[] => JSON.parse(run.stdout).findings.map((f: any) => `${f.location.path}:${f.location.startLine} ${f.ruleId} ${f.severity}`);

/** Two driver units (a directory with an INF each) sharing a header: one finding in each. */
function twoUnits(): string {
  const header = '#pragma once\ntypedef struct _DEVICE_CONTEXT { KEVENT Event; } DEVICE_CONTEXT, *PDEVICE_CONTEXT;\n';
  const driver = waitingDpcDriver({ before: '#include "../common/context.h"\n' });
  return project({ 'common/context.h': header, 'a/a.inf': '', 'a/dpc.c': driver, 'b/b.inf': '', 'b/dpc.c': driver });
}

describe('--cache', () => {
  it('reports warm exactly what a run without the cache reports, in JSON and SARIF, without analysing anything', () => {
    const dir = temporaryDirectory('drvcheck-cache-src-');
    cpSync(examplesDir, join(dir, 'examples'), { recursive: true });
    cpSync(twoUnits(), join(dir, 'more'), { recursive: true });
    writeFileSync(join(dir, 'more', 'common', 'unused.h'), '#define NOBODY_INCLUDES_THIS 1\n');
    for (const format of ['json', 'sarif'] as const) {
      const cache = newCache();
      const uncached = check(dir, format);
      const cold = check(dir, format, cache);
      const warm = check(dir, format, cache);
      assert.equal(cold.stdout, uncached.stdout);
      assert.equal(warm.stdout, uncached.stdout);
      assert.deepEqual(cold.cache, { hits: 0, misses: 4 }, 'three units and one header no unit includes');
      assert.deepEqual(warm.cache, { hits: 4, misses: 0 });
    }
  });

  it('analyses again only the unit whose file changed, and every unit that includes a changed header', () => {
    const dir = twoUnits();
    const cache = newCache();
    assert.deepEqual(findings(check(dir, 'json', cache)), ['a/dpc.c:7 irql-call-too-high error', 'b/dpc.c:7 irql-call-too-high error']);

    const source = join(dir, 'a', 'dpc.c');
    writeFileSync(source, readFileSync(source, 'utf8').replace('KeWaitForSingleObject(&ctx->Event, Executive, KernelMode, FALSE, NULL);', 'KeSetEvent(&ctx->Event, 0, FALSE);'));
    const edited = check(dir, 'json', cache);
    assert.deepEqual(edited.cache, { hits: 1, misses: 1 });
    assert.deepEqual(findings(edited), ['b/dpc.c:7 irql-call-too-high error']);
    assert.equal(edited.stdout, check(dir, 'json').stdout);

    writeFileSync(join(dir, 'common', 'context.h'), `// moved down a line\n${readFileSync(join(dir, 'common', 'context.h'), 'utf8')}`);
    assert.deepEqual(check(dir, 'json', cache).cache, { hits: 0, misses: 2 });
    assert.deepEqual(check(dir, 'json', cache).cache, { hits: 2, misses: 0 });
  });

  it('analyses again when the knowledge section changes; rule settings and --select apply to cached reports', () => {
    const config = (knowledge: object, rules: object = {}): string => JSON.stringify({ knowledge, rules });
    const dir = project({
      'drvcheck.json': config({ ddis: { LogToFile: { maxIrql: 'PASSIVE_LEVEL' } } }),
      'drv.inf': '',
      'dpc.c': `${waitingDpcDriver()}VOID LogDpc(_In_ WDFDPC Dpc)\n{\n    LogToFile(Dpc);\n}\nEVT_WDF_DPC LogDpc;\n`,
    });
    const cache = newCache();
    assert.deepEqual(findings(check(dir, 'json', cache)), ['dpc.c:6 irql-call-too-high error', 'dpc.c:20 irql-call-too-high error']);

    writeFileSync(join(dir, 'drvcheck.json'), config({}));
    const withoutWrapper = check(dir, 'json', cache);
    assert.deepEqual(withoutWrapper.cache, { hits: 0, misses: 1 });
    assert.deepEqual(findings(withoutWrapper), ['dpc.c:6 irql-call-too-high error']);

    writeFileSync(join(dir, 'drvcheck.json'), config({}, { DC1001: 'warning' }));
    const asWarning = check(dir, 'json', cache);
    assert.deepEqual(asWarning.cache, { hits: 1, misses: 0 });
    assert.deepEqual(findings(asWarning), ['dpc.c:6 irql-call-too-high warning']);

    const selected = check(dir, 'sarif', cache, ['--select', 'DC4']);
    assert.deepEqual(selected.cache, { hits: 1, misses: 0 });
    assert.equal(selected.stdout, check(dir, 'sarif', undefined, ['--select', 'DC4']).stdout);
    assert.equal(JSON.parse(selected.stdout).runs[0].results.length, 0);
  });

  it('treats a damaged entry as a miss, and replaces it', () => {
    const dir = twoUnits();
    const cache = newCache();
    const cold = check(dir, 'sarif', cache);
    const entries = readdirSync(cache, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.bin'));
    assert.ok(entries.some((f) => f.includes('units')) && entries.some((f) => f.includes('facts')), entries.join(', '));
    entries.forEach((entry, i) => {
      const file = join(cache, entry);
      // Garbage, a torn write, and a well-formed entry of the wrong shape.
      const damaged = [Buffer.from('not a cache entry'), readFileSync(file).subarray(0, 20), serialize({ key: 'another key', value: {} })][i % 3]!;
      writeFileSync(file, damaged);
    });
    const damaged = check(dir, 'sarif', cache);
    assert.equal(damaged.stdout, cold.stdout);
    assert.deepEqual(damaged.cache, { hits: 0, misses: 2 });
    assert.deepEqual(check(dir, 'sarif', cache).cache, { hits: 2, misses: 0 });
  });

  it('does not keep a report with a file skipped for time: the next run tries the file again', () => {
    const chunk = 'static int generated(int a, int b)\n{\n    return a + b;\n}\n';
    const dir = project({ 'drv.inf': '', 'big.c': chunk.repeat(20_000) });
    const cache = newCache();
    const slow = check(dir, 'json', cache, ['--parse-timeout', '1']);
    assert.match(JSON.parse(slow.stdout).skipped[0].reason, /per-file time limit/);
    assert.deepEqual(check(dir, 'json', cache, ['--parse-timeout', '1']).cache, { hits: 0, misses: 1 });
  });
});
