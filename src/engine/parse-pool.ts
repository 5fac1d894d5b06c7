/**
 * Parses files on worker threads. Only plain data crosses the thread boundary (the path in,
 * the file's facts or its skip reason out); trees never leave the worker that made them.
 * Results are keyed by path, so the order they arrive in never changes the output.
 */
import { Worker } from 'node:worker_threads';
import { FactsCache } from './facts-cache.js';
import type { ReadLimits, ReadOutcome } from './read-files.js';
import { readAndParse, readBytes } from './read-files.js';

function takeCached(root: string, path: string, limits: ReadLimits, cache: FactsCache, results: Map<string, Parsed>): boolean {
  const started = performance.now();
  const read = readBytes(root, path, limits);
  if (!read.ok) return false;
  const facts = cache.get(cache.keyOf(path, read.bytes));
  if (!facts) return false;
  results.set(path, { outcome: { ok: true, facts }, ms: performance.now() - started });
  return true;
}

export interface Parsed {
  readonly outcome: ReadOutcome;
  /** Wall time spent on the file, for the slowest-files report. */
  readonly ms: number;
}

export async function parseAll(root: string, paths: readonly string[], limits: ReadLimits, jobs: number, cacheDir?: string): Promise<Map<string, Parsed>> {
  const results = new Map<string, Parsed>();
  const cache = cacheDir ? new FactsCache(cacheDir) : undefined;
  // Cached facts are read here, not in a worker: sending them back across threads would cost
  // as much as reading them.
  const toParse = cache ? paths.filter((path) => !takeCached(root, path, limits, cache, results)) : paths;
  if (jobs <= 1 || toParse.length < 8) {
    for (const path of toParse) {
      const started = performance.now();
      const outcome = await readAndParse(root, path, limits, cache);
      results.set(path, { outcome, ms: performance.now() - started });
    }
    return results;
  }
  const workerCount = Math.min(jobs, toParse.length);
  let next = 0;
  const workers = Array.from(
    { length: workerCount },
    () => new Worker(new URL('./parse-worker.js', import.meta.url), { workerData: { root, limits, cacheDir } }),
  );
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolveWorker, rejectWorker) => {
            const sendNext = (): void => {
              if (next >= toParse.length) {
                resolveWorker();
                return;
              }
              worker.postMessage(toParse[next++]);
            };
            worker.on('message', (message: { path: string } & Parsed) => {
              results.set(message.path, { outcome: message.outcome, ms: message.ms });
              sendNext();
            });
            worker.on('error', rejectWorker);
            sendNext();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
