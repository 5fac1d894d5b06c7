/**
 * A unit worker: analyses the driver units (and lone files) it is sent, one at a time, and
 * answers with plain reports. Before each file it notes which one in a slot shared with the
 * pool, so that if it dies the file that killed it is known.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { UnitAnalyzer } from './analyze-unit.js';
import type { Task, UnitWorkerData } from './unit-pool.js';

const { settings, reading } = workerData as UnitWorkerData;
let current: Task | undefined;

// Fault injection for the tests of worker loss: the worker dies on this file.
const dieOn = process.env['DRVCHECK_TEST_WORKER_DIES_ON'];
const analyzer = new UnitAnalyzer(settings, undefined, (path) => {
  const index = path === undefined ? -1 : current && 'unit' in current ? current.unit.files.indexOf(path) : 0;
  Atomics.store(reading, 0, index + 1);
  if (dieOn !== undefined && path === dieOn) {
    // Die as a crash in the parser would: in the middle of the file, after noting which one.
    process.exit(70);
  }
});

parentPort!.on('message', (task: Task) => {
  current = task;
  const work = 'unit' in task ? analyzer.analyze(task.unit) : analyzer.readAlone(task.file);
  void work.then((report) => parentPort!.postMessage({ id: task.id, report }));
});
