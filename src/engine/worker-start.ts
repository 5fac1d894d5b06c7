/**
 * Starting unit workers (at once, or ahead of their tasks), whether a run is worth them, and
 * what the pool and a worker share: the slot where the worker notes which file it is reading.
 * A worker's settings come in its first message.
 */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
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

/** A new worker, or one started ahead that no lane has taken yet. */
export function startWorker(): UnitWorker {
  const ahead = startedAhead.shift();
  if (!ahead) return newWorker();
  ahead.worker.ref();
  return ahead;
}

/**
 * Workers started before their tasks are known: a worker takes about 90 ms to start (its
 * thread, the code, the grammars), and discovery about as long to read the units' includes
 * once it knows their sources, so the two overlap. On Windows-driver-samples with two workers
 * the pool then took 5.45-5.53 s against 5.57-5.68 s after discovery, which took 0.23-0.27 s
 * against 0.17-0.24 s (three runs each), and the check 5.87 s against 5.96 s (medians of 12
 * runs alternating with and without).
 */
const startedAhead: UnitWorker[] = [];

/**
 * Until a lane takes it, a worker started ahead does not keep the process alive: if the run
 * fails before its pool starts, the process still ends with its error.
 */
export function startWorkersAhead(count: number): void {
  while (startedAhead.length < count) {
    const ahead = newWorker();
    ahead.worker.unref();
    startedAhead.push(ahead);
  }
}

/** Ends the workers started ahead that no lane took: the run stayed here, or needed fewer. */
export function stopWorkersStartedAhead(): void {
  for (const { worker } of startedAhead.splice(0)) void worker.terminate();
}

function newWorker(): UnitWorker {
  // A shared slot, not a message per file: messages cost a worker far more than a store.
  const reading = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL('./unit-worker.js', import.meta.url), { workerData: { reading } satisfies UnitWorkerData });
  return { worker, reading };
}

/** The files of a task, in order: the reading slot holds the index + 1 of one of them. */
export function filesOf(task: LaneTask): readonly string[] {
  return 'unit' in task ? task.unit.files : 'file' in task ? [task.file] : task.preload;
}

/**
 * What starting a worker costs (its thread, the code, the grammars and the knowledge tables,
 * about 150 ms), as the bytes of source one thread analyses in that time: about 150 KB on the
 * 2-core machine of the README's figures, more as parsing gets faster.
 */
const WORKER_START_BYTES = 256 * 1024;

/**
 * How many workers a run of tasks with these sizes (bytes of source) takes, one lane each; 0
 * when it stays on this thread: rules of the caller's own cannot cross threads, one job or one
 * core has nothing to share, one task nothing to split, and without `jobs` set the work must
 * repay the workers' start-up.
 */
export function workerLanes(sizes: readonly number[], jobs: number | undefined, ownRules: boolean): number {
  const workers = jobs ?? availableParallelism();
  if (ownRules || workers <= 1 || sizes.length < 2 || (jobs === undefined && !worthWorkers(sizes, workers))) return 0;
  return Math.min(workers, sizes.length);
}

/**
 * True when the tasks are expected to finish sooner on `jobs` workers than one after another
 * here, with the bytes of their files as the measure of their work: the pool takes a worker's
 * start-up plus the larger of its largest task and an even share. A single driver, even with
 * headers no source includes beside it, stays here, where the pool would only add its start-up.
 */
function worthWorkers(sizes: readonly number[], jobs: number): boolean {
  const total = sizes.reduce((a, b) => a + b, 0);
  const lanes = Math.min(jobs, sizes.length);
  const largest = sizes.reduce((a, b) => Math.max(a, b), 0);
  return WORKER_START_BYTES + Math.max(largest, total / lanes) < total;
}

/** The bytes of source of some files: the measure of the work they make. */
export function bytesOf(paths: readonly string[]): number {
  return paths.reduce((sum, path) => sum + sizeOf(path), 0);
}

/** The size of a file in bytes; 0 when it cannot be read (its reading reports why). */
export function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
