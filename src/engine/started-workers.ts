/**
 * Starting unit workers, apart from the pool that runs them: a run that asks for workers by
 * number starts them before discovery, so that their start-up (loading the code, compiling
 * the grammars: about 150 ms) overlaps it. This module loads none of the analysis.
 */
import { Worker } from 'node:worker_threads';

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
export interface UnitWorker {
  readonly worker: Worker;
  readonly reading: Int32Array;
}

export function startWorker(): UnitWorker {
  // A shared slot, not a message per file: messages cost a worker far more than a store.
  const reading = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL('./unit-worker.js', import.meta.url), { workerData: { reading } satisfies UnitWorkerData });
  return { worker, reading };
}

/**
 * Workers started before the run knows its settings. They do not keep the process alive until
 * the pool takes them; one that fails while it waits is dropped, and the pool starts another.
 */
export class StartedWorkers {
  private idle: UnitWorker[];

  constructor(count: number) {
    this.idle = Array.from({ length: count }, () => {
      const started = startWorker();
      started.worker.unref();
      const drop = (): void => {
        this.idle = this.idle.filter((w) => w !== started);
      };
      started.worker.once('error', drop);
      started.worker.once('exit', drop);
      return started;
    });
  }

  take(): UnitWorker | undefined {
    const started = this.idle.shift();
    if (!started) return undefined;
    started.worker.removeAllListeners('error');
    started.worker.removeAllListeners('exit');
    started.worker.ref();
    return started;
  }

  /** Ends the workers beyond the first `count` still waiting. */
  keep(count: number): void {
    for (const { worker } of this.idle.splice(count)) void worker.terminate();
  }

  release(): void {
    this.keep(0);
  }
}
