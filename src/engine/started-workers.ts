/**
 * Starting unit workers, apart from the pool that runs them: a run that asks for workers by
 * number starts them before discovery, so that their start-up (loading the code, compiling
 * the grammars: about 150 ms) overlaps it. This module loads none of the analysis.
 */
import { Worker } from 'node:worker_threads';

/** What a unit worker is started with; its settings come in its first message. */
export interface UnitWorkerData {
  /** Which file of the current task the worker is reading: its index + 1, or 0. */
  readonly reading: Int32Array;
}

/** A worker thread and the slot where it notes which file it is reading. */
export interface UnitWorker {
  readonly worker: Worker;
  readonly reading: Int32Array;
}

export function startWorker(): UnitWorker {
  // The worker keeps here which file of its task it is reading (1-based; 0: none). A shared
  // slot, not a message per file: messages cost a worker far more than a store.
  const reading = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL('./unit-worker.js', import.meta.url), { workerData: { reading } satisfies UnitWorkerData });
  return { worker, reading };
}

/**
 * Workers started before the run knows its settings. They do not keep the process alive until
 * the pool takes them; `release` ends those it did not take.
 */
export class StartedWorkers {
  private readonly idle: UnitWorker[];

  constructor(count: number) {
    this.idle = Array.from({ length: count }, () => {
      const started = startWorker();
      started.worker.unref();
      return started;
    });
  }

  take(): UnitWorker | undefined {
    const started = this.idle.shift();
    started?.worker.ref();
    return started;
  }

  release(): void {
    for (const { worker } of this.idle.splice(0)) void worker.terminate();
  }
}
