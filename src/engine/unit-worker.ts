/**
 * A unit worker: analyses the driver units (and lone files) it is sent, one at a time, and
 * answers with plain reports. Before each file it says which one, so that if it dies the file
 * that killed it is known.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { DriverUnit } from '../source/discover.js';
import { UnitAnalyzer, type AnalyzerSettings } from './analyze-unit.js';

// Fault injection for the tests of worker loss: the worker dies on this file.
const dieOn = process.env['DRVCHECK_TEST_WORKER_DIES_ON'];
const analyzer = new UnitAnalyzer(workerData as AnalyzerSettings, undefined, (path) => {
  parentPort!.postMessage({ kind: 'reading', path: path ?? null });
  if (dieOn !== undefined && path === dieOn) {
    // Die as a crash in the parser would: after saying which file, in the middle of it.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    process.exit(70);
  }
});

parentPort!.on('message', (task: { id: number; unit?: DriverUnit; file?: string }) => {
  const work = task.unit ? analyzer.analyze(task.unit) : analyzer.readAlone(task.file!);
  void work.then((report) => parentPort!.postMessage({ kind: 'done', id: task.id, report }));
});
