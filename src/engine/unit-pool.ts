/**
 * Runs the analysis of driver units, on worker threads when the work repays them, and collects
 * their plain reports by task id, so the order they finish in never changes the output. The
 * headers several units include are shared out between the workers first: each is parsed by
 * one, whose facts the others adopt. A worker that dies costs the file it was reading: that
 * file is reported as skipped, and the unit is analysed again without it by a new worker.
 */
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { Rule } from '../rule-kit/rule.js';
import { HEADER_EXTENSIONS, type DriverUnit } from '../source/discover.js';
import { UnitAnalyzer, type AnalyzerSettings, type FileReport, type HeaderCounts, type UnitReport } from './analyze-unit.js';
import { tuneIfLargeRun } from './v8-tuning.js';
import { bytesOf, filesOf, sizeOf, startWorker, stopWorkersStartedAhead, workerLanes } from './worker-start.js';

export type Task = { readonly id: number; readonly unit: DriverUnit } | { readonly id: number; readonly file: string };

/** Headers several units include, read by one worker and passed to the others. */
interface PreloadTask {
  readonly preload: readonly string[];
}

/** What a lane's worker is given to do. */
export type LaneTask = Task | PreloadTask;

export interface PoolResult {
  readonly units: Map<number, UnitReport>;
  readonly files: Map<number, FileReport>;
  /** Files a worker died on, with the reason. */
  readonly lost: Map<string, string>;
  /** For DRVCHECK_STATS: headers read by one worker for all, read by any worker, kept by one at most, workers lost. */
  sharedHeaders?: number;
  headersRead?: number;
  mostHeadersKept?: number;
  workersLost?: number;
}

/** A run of the pool: its tasks, and how they are to be run. */
export interface PoolRun {
  readonly tasks: readonly Task[];
  readonly settings: AnalyzerSettings;
  /** The number of workers asked for (1: none); undefined: as many as there are cores, when the work repays their start-up. */
  readonly jobs: number | undefined;
  /** Rules other than the built-in ones: they cannot cross threads, so the run stays here. */
  readonly rules?: readonly Rule[];
}

export async function runTasks({ tasks, settings, jobs, rules }: PoolRun): Promise<PoolResult> {
  const result: PoolResult = { units: new Map(), files: new Map(), lost: new Map() };
  const sizes = taskSizes(tasks, settings.root);
  const large = tuneIfLargeRun(sizes.reduce((a, b) => a + b, 0));
  // A run no worker would repay, or whose rules cannot cross threads, stays here (see workerLanes).
  const lanes = workerLanes(sizes, jobs, rules !== undefined);
  if (lanes === 0) {
    stopWorkersStartedAhead();
    if (!large) {
      const { preferQuickGrammarCompile } = await import('../parser/languages.js');
      const { parseTextsAsTheyAre } = await import('../parser/compact-whitespace.js');
      preferQuickGrammarCompile();
      parseTextsAsTheyAre();
    }
    const analyzer = new UnitAnalyzer(settings, rules);
    // As a worker does (see PendingHeaders): headers no later unit includes are dropped.
    const pending = new PendingHeaders(tasks);
    for (const task of tasks) {
      if ('unit' in task) {
        result.units.set(task.id, await analyzer.analyze(task.unit));
        analyzer.forget(pending.taken(task.unit));
      } else {
        result.files.set(task.id, await analyzer.readAlone(task.file));
      }
    }
    return result;
  }
  const queue = [...tasks];
  const pending = new PendingHeaders(queue);
  const shares = sharedHeaderShares(pending.shared(), lanes, settings.root).filter((share) => share.length > 0);
  const sharing = new Sharing(shares.length);
  /** Units sent once already to a worker that died before it began them: sent again only once. */
  const resent = new Set<number>();
  await Promise.all(Array.from({ length: lanes }, (_, lane) => runLane(shares[lane])));
  return Object.assign(result, sharing.stats);

  /**
   * One lane: a worker that takes tasks from the queue until it is empty, replaced if it dies.
   * Its first task is its share of the headers several units include, which it reads and
   * passes to the other workers; no worker takes a unit before every share is passed on, so
   * that none parses a shared header itself.
   */
  async function runLane(share: readonly string[] | undefined): Promise<void> {
    let preload: PreloadTask | undefined = share ? { preload: share } : undefined;
    while (preload || queue.length > 0) {
      await new Promise<void>((done) => {
        const { worker, reading } = startWorker();
        worker.postMessage({ settings } satisfies WorkerRequest);
        let task: LaneTask | undefined;
        let finished = false;
        const finish = (): void => {
          if (finished) return;
          finished = true;
          sharing.live.delete(worker);
          void worker.terminate().then(() => done());
        };
        const sendNext = (): void => {
          if (finished) return;
          if (!preload && !sharing.allPassedOn) {
            task = undefined;
            void sharing.passedOn.then(sendNext);
            return;
          }
          task = preload ?? withoutPoisoned(queue.shift(), sharing.poisoned);
          preload = undefined;
          Atomics.store(reading, 0, 0);
          if (!task) {
            finish();
            return;
          }
          worker.postMessage(task satisfies WorkerRequest);
          if ('unit' in task) {
            // Headers no queued unit includes any more: every worker may drop them once its
            // current unit is done (a worker reads its messages between units).
            const unneeded = pending.taken(task.unit);
            if (unneeded.length > 0) for (const other of sharing.live) other.postMessage({ forget: unneeded } satisfies WorkerRequest);
          }
        };
        worker.on('message', (message: WorkerReply) => {
          if (finished) return;
          sharing.stats.headersRead += message.headers.read;
          sharing.stats.mostHeadersKept = Math.max(sharing.stats.mostHeadersKept, message.headers.kept);
          if ('preloaded' in message) {
            sharing.stats.sharedHeaders += message.count;
            for (const other of sharing.live) if (other !== worker) other.postMessage({ adopt: message.preloaded } satisfies WorkerRequest);
            sharing.sharePassedOn();
          } else if (task && 'unit' in task) {
            result.units.set(message.id, message.report as UnitReport);
          } else {
            result.files.set(message.id, message.report as FileReport);
          }
          sendNext();
        });
        const lost = (why: string): void => {
          if (finished) return;
          sharing.stats.workersLost++;
          const slot = Atomics.load(reading, 0);
          const readingPath = !task || slot <= 0 ? undefined : filesOf(task)[slot - 1];
          if (task && 'preload' in task) {
            // A shared header killed the worker: the units that include it go without it. The
            // other workers read the rest of the share themselves.
            if (readingPath !== undefined) {
              result.lost.set(readingPath, why);
              sharing.poisoned.add(readingPath);
            }
            sharing.sharePassedOn();
          } else if (task && slot === 0) {
            // Died between tasks (reading another worker's headers, say), before beginning this
            // one: it is sent again, once.
            if ('unit' in task && !resent.has(task.id)) {
              resent.add(task.id);
              pending.returned(task.unit);
              queue.unshift(task);
            } else {
              for (const f of filesOf(task)) result.lost.set(f, why);
            }
          } else if (task && readingPath !== undefined) {
            result.lost.set(readingPath, why);
            // The rest of the unit is analysed again, without the file that killed the worker.
            if ('unit' in task) {
              const again = { id: task.id, unit: { ...task.unit, files: task.unit.files.filter((f) => f !== readingPath) } };
              pending.returned(again.unit);
              queue.unshift(again);
            }
          } else if (task && 'unit' in task) {
            // Died after reading every file: in the model or a rule. Not retried; the unit's
            // files are accounted for as lost with the reason.
            for (const f of task.unit.files) result.lost.set(f, `${why} (analysing driver unit ${task.unit.name})`);
          } else if (task && 'file' in task) {
            result.lost.set(task.file, why);
          }
          finish();
        };
        worker.on('error', (error) => lost(`internal error while parsing: ${error.message}`));
        worker.on('exit', (code) => lost(`internal error while parsing: the worker exited (code ${code})`));
        sharing.live.add(worker);
        sendNext();
      });
    }
  }
}

/** What the pool knows of the headers shared between workers, and what it counts of them. */
class Sharing {
  /** Workers running now: those a preloaded share is passed to. */
  readonly live = new Set<Worker>();
  /** Shared headers a worker died reading: left out of every unit. */
  readonly poisoned = new Set<string>();
  /** Shared headers read once for all workers; headers read by any worker; the most one kept at once; workers lost. */
  readonly stats = { sharedHeaders: 0, headersRead: 0, mostHeadersKept: 0, workersLost: 0 };
  /** Settles once every share is passed on, or its worker lost. */
  readonly passedOn: Promise<void>;
  private sharesLeft: number;
  private settle: () => void = () => {};

  constructor(shares: number) {
    this.sharesLeft = shares;
    this.passedOn = new Promise((resolve) => {
      this.settle = resolve;
    });
    if (shares === 0) this.settle();
  }

  get allPassedOn(): boolean {
    return this.sharesLeft === 0;
  }

  sharePassedOn(): void {
    if (this.sharesLeft > 0 && --this.sharesLeft === 0) this.settle();
  }
}

/** What a worker sends the pool: a report, or the headers it read for the others. */
export type WorkerReply = (
  | { readonly id: number; readonly report: UnitReport | FileReport }
  | { readonly preloaded: Uint8Array; readonly count: number }
) & {
  /** Headers the worker read for the task, and those it keeps after it (DRVCHECK_STATS). */
  readonly headers: HeaderCounts;
};

/**
 * What the pool sends a worker: its settings, first; a task; headers another worker read; or
 * headers no unit left in the queue includes.
 */
export type WorkerRequest =
  | { readonly settings: AnalyzerSettings }
  | LaneTask
  | { readonly adopt: Uint8Array }
  | { readonly forget: readonly string[] };

/**
 * How many units still in the queue include each header. A worker keeps the facts of every
 * header it reads, for the next units that include it; once no queued unit does, they are
 * only memory, most of a worker's heap late in a large run.
 */
export class PendingHeaders {
  private readonly count = new Map<string, number>();

  constructor(queue: readonly Task[]) {
    for (const task of queue) if ('unit' in task) this.returned(task.unit);
  }

  /** A unit leaves the queue: the headers no other queued unit includes. */
  taken(unit: DriverUnit): string[] {
    const done: string[] = [];
    for (const file of unit.files) {
      const left = this.count.get(file);
      if (left === undefined) continue;
      if (left > 1) this.count.set(file, left - 1);
      else {
        this.count.delete(file);
        done.push(file);
      }
    }
    return done;
  }

  /** The headers more than one queued unit includes. */
  shared(): string[] {
    return [...this.count].flatMap(([file, units]) => (units > 1 ? [file] : []));
  }

  /** A unit goes back to the queue. */
  returned(unit: DriverUnit): void {
    for (const file of unit.files) if (HEADER_EXTENSIONS.test(file)) this.count.set(file, (this.count.get(file) ?? 0) + 1);
  }
}

function withoutPoisoned(task: Task | undefined, poisoned: ReadonlySet<string>): Task | undefined {
  if (!task || !('unit' in task) || !task.unit.files.some((f) => poisoned.has(f))) return task;
  return { id: task.id, unit: { ...task.unit, files: task.unit.files.filter((f) => !poisoned.has(f)) } };
}

/**
 * `headers`, those more than one unit includes, split between the lanes with about as many
 * bytes each. Without this, each worker would parse every such header its units include: on
 * Windows-driver-samples, 358 headers were parsed by both of two workers.
 */
function sharedHeaderShares(headers: readonly string[], lanes: number, root: string): (readonly string[])[] {
  const shared = headers.map((file) => ({ file, bytes: sizeOf(join(root, file)) }));
  // Largest first, each to the lane with the fewest bytes so far; each share then in path order.
  shared.sort((a, b) => b.bytes - a.bytes || (a.file < b.file ? -1 : 1));
  const shares = Array.from({ length: lanes }, () => ({ files: [] as string[], bytes: 0 }));
  for (const header of shared) {
    const lightest = shares.reduce((a, b) => (b.bytes < a.bytes ? b : a));
    lightest.files.push(header.file);
    lightest.bytes += header.bytes;
  }
  return shares.map((share) => share.files.sort());
}

/** The bytes of source of each task: the measure of its work. */
function taskSizes(tasks: readonly Task[], root: string): number[] {
  return tasks.map((task) => bytesOf(filesOf(task).map((file) => join(root, file))));
}

