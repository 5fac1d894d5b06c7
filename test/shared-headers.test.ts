/**
 * A header several driver units include is parsed by one worker and passed to the others
 * (UnitAnalyzer.preload and adopt, driven by the unit pool). What a worker adopts must serve
 * its units exactly as its own read would, and a header that kills a worker must cost only
 * that header.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '../src/engine/read-files.js';
import { UnitAnalyzer } from '../src/engine/analyze-unit.js';
import { PendingHeaders } from '../src/engine/unit-pool.js';
import type { DriverUnit } from '../src/source/discover.js';
import { project, run, statsOf } from './cli-helpers.js';
import { waitingDpcDriver } from './drivers.js';

const HEADER = '#pragma once\nVOID SharedHelper(VOID);\nFORCEINLINE ULONG Twice(ULONG x) { return x * 2; }\n';

/** Four driver units, each including inc/common.h beside its own DPC that waits. */
function sharingProject(): string {
  const files: Record<string, string> = { 'inc/common.h': HEADER };
  for (let u = 0; u < 4; u++) {
    files[`unit${u}/driver.inf`] = '[Version]\n';
    files[`unit${u}/dpc.c`] = waitingDpcDriver({ before: '#include "../inc/common.h"\n' });
  }
  return project(files);
}

function unit(name: string, files: string[]): DriverUnit {
  return { name, kind: 'path', directory: name, files, defines: [] };
}

function unitOf(name: string): DriverUnit {
  return unit(name, ['inc/common.h', `${name}/dpc.c`]);
}

describe('headers shared between workers', () => {
  it('serve a unit from another analyzer\'s read, without reading the header again', async () => {
    const root = sharingProject();
    const settings = { root, limits: DEFAULT_LIMITS };
    const reader = new UnitAnalyzer(settings);
    const preloaded = await reader.preload(['inc/common.h']);
    const read: string[] = [];
    const adopter = new UnitAnalyzer(settings, undefined, (path) => path !== undefined && read.push(path));
    adopter.adopt(preloaded);
    const report = await adopter.analyze(unitOf('unit1'));
    assert.deepEqual(read, ['unit1/dpc.c']);
    const own = await new UnitAnalyzer(settings).analyze(unitOf('unit1'));
    assert.deepEqual(report.findings, own.findings);
    assert.equal(report.findings.length, 1);
    assert.deepEqual(report.files.map((f) => f.analyzed?.functions), own.files.map((f) => f.analyzed?.functions));
  });

  it('are forgotten by a worker once no queued unit includes them, and read again if one comes back', async () => {
    const a = unit('a', ['a.c', 'h1.h', 'h2.h']);
    const b = unit('b', ['b.c', 'h1.h']);
    const pending = new PendingHeaders([{ id: 0, unit: a }, { id: 1, unit: b }, { id: 2, file: 'lone.h' }]);
    assert.deepEqual(pending.taken(a), ['h2.h']);
    assert.deepEqual(pending.taken(b), ['h1.h']);
    pending.returned(b);
    assert.deepEqual(pending.taken(b), ['h1.h']);

    const root = sharingProject();
    const read: string[] = [];
    const analyzer = new UnitAnalyzer({ root, limits: DEFAULT_LIMITS }, undefined, (path) => path !== undefined && read.push(path));
    await analyzer.analyze(unitOf('unit0'));
    await analyzer.analyze(unitOf('unit1'));
    analyzer.forget(['inc/common.h']);
    await analyzer.analyze(unitOf('unit2'));
    assert.deepEqual(read, ['inc/common.h', 'unit0/dpc.c', 'unit1/dpc.c', 'inc/common.h', 'unit2/dpc.c']);
  });

  it('are dropped by every worker once no unit left in the queue includes them', () => {
    // Six units, each with a header of its own: a worker that kept every header it read would
    // hold three by the end.
    const files: Record<string, string> = {};
    for (let u = 0; u < 6; u++) {
      files[`unit${u}/driver.inf`] = '[Version]\n';
      files[`unit${u}/own.h`] = '#pragma once\nVOID OwnHelper(VOID);\n';
      files[`unit${u}/dpc.c`] = waitingDpcDriver({ before: '#include "own.h"\n' });
    }
    const r = run(['check', project(files), '--format', 'json', '--jobs', '2'], undefined, { DRVCHECK_STATS: '1' });
    assert.equal(r.code, 1, r.stderr);
    const stats = statsOf(r.stderr);
    assert.equal(stats.headersRead, 6);
    assert.ok(stats.mostHeadersKept <= 1, `a worker kept ${stats.mostHeadersKept} headers at once`);
  });

  it('are parsed once in a run on two workers, which reports as a run on one does', () => {
    const dir = sharingProject();
    const two = run(['check', dir, '--format', 'json', '--jobs', '2'], undefined, { DRVCHECK_STATS: '1' });
    const one = run(['check', dir, '--format', 'json', '--jobs', '1']);
    assert.equal(two.code, 1, two.stderr);
    const stats = statsOf(two.stderr);
    assert.equal(stats.sharedHeaders, 1);
    // No worker takes a unit before the header is passed on: it is read once in the run.
    assert.equal(stats.headersRead, 1);
    assert.equal(JSON.parse(two.stdout).findings.length, 4);
    assert.equal(two.stdout, one.stdout);
  });

  it('cost only themselves when one kills the worker reading it for the others', () => {
    const dir = sharingProject();
    const r = run(['check', dir, '--format', 'json', '--jobs', '2'], undefined, { DRVCHECK_TEST_WORKER_DIES_ON: 'inc/common.h', DRVCHECK_STATS: '1' });
    assert.equal(r.code, 1, r.stderr);
    // The units are sent without it: no other worker reads it and dies.
    assert.equal(statsOf(r.stderr).workersLost, 1);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(doc.skipped, [{ path: 'inc/common.h', reason: 'internal error while parsing: the worker exited (code 70)' }]);
    assert.equal(doc.analyzed.length, 4, 'every dpc.c is analysed');
    assert.equal(doc.findings.length, 4);
  });
});
