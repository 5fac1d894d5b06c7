/**
 * Starting a unit worker, and what the pool and the worker share: the slot where the worker
 * notes which file it is reading. Its settings come in its first message.
 */
import { Worker } from 'node:worker_threads';
import type { LaneTask } from './unit-pool.js';

/** What a unit worker is started with; its settings come in its first message. */
export interface UnitWorkerData {
  /**
   * What the worker is doing, for the pool to tell what a worker that died was doing: 0 before
   * it starts its task, the index + 1 of the file it is reading, FINISHED_READING after.
   */
  readonly reading: Int32Array;
}

/** The reading slot's value once a task's files are read: the model and the rules run. */
export const FINISHED_READING = -1;

/** A worker thread and the slot where it notes which file it is reading. */
interface UnitWorker {
  readonly worker: Worker;
  readonly reading: Int32Array;
}

export function startWorker(): UnitWorker {
  // A shared slot, not a message per file: messages cost a worker far more than a store.
  const reading = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL('./unit-worker.js', import.meta.url), { workerData: { reading } satisfies UnitWorkerData });
  return { worker, reading };
}

/** The files of a task, in order: the reading slot holds the index + 1 of one of them. */
export function filesOf(task: LaneTask): readonly string[] {
  return 'unit' in task ? task.unit.files : 'file' in task ? [task.file] : task.preload;
}
