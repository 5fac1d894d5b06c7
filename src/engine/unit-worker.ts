/**
 * A unit worker: analyses the driver units (and lone files) it is sent, one at a time, and
 * answers with plain reports. It may first be asked to read headers for all workers, and be
 * given those other workers read. Before each file it notes which one in a slot shared with
 * the pool, so that if it dies the file that killed it is known.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadLanguages } from '../parser/languages.js';
import { UnitAnalyzer } from './analyze-unit.js';
import { filesOf, FINISHED_READING, type UnitWorkerData } from './worker-start.js';
import type { LaneTask, WorkerReply, WorkerRequest } from './unit-pool.js';

const { reading } = workerData as UnitWorkerData;
let current: LaneTask | undefined;
let analyzer: UnitAnalyzer | undefined;

// The grammars compile while the settings and the first task are on their way. A failure here
// is met again, and reported against the file, when the first file is parsed.
loadLanguages().catch(() => {});

// Fault injection for the tests of worker loss: the worker dies on this file.
const dieOn = process.env['DRVCHECK_TEST_WORKER_DIES_ON'];
const noteReading = (path: string | undefined): void => {
  if (path === undefined || !current) {
    Atomics.store(reading, 0, FINISHED_READING);
    return;
  }
  Atomics.store(reading, 0, filesOf(current).indexOf(path) + 1);
  if (dieOn !== undefined && path === dieOn) {
    // Die as a crash in the parser would: in the middle of the file, after noting which one.
    process.exit(70);
  }
};

parentPort!.on('message', (message: WorkerRequest) => {
  if ('settings' in message) {
    analyzer = new UnitAnalyzer(message.settings, undefined, noteReading);
    return;
  }
  const ready = analyzer;
  if (!ready) throw new Error('a unit worker was sent work before its settings');
  if ('adopt' in message) {
    ready.adopt(message.adopt);
    return;
  }
  if ('forget' in message) {
    ready.forget(message.forget);
    return;
  }
  current = message;
  const task = message;
  if ('preload' in task) {
    // Copied, not transferred: a small serialized Buffer may share its memory with others.
    void ready.preload(task.preload).then((preloaded) => parentPort!.postMessage({ preloaded, count: task.preload.length, headers: ready.headerCounts() } satisfies WorkerReply));
    return;
  }
  const work = 'unit' in task ? ready.analyze(task.unit) : ready.readAlone(task.file);
  void work.then((report) => parentPort!.postMessage({ id: task.id, report, headers: ready.headerCounts() } satisfies WorkerReply));
});
