/**
 * Parses files on worker threads. Only plain data crosses the thread boundary (the path in,
 * the file's facts or its skip reason out); trees never leave the worker that made them.
 * Results are keyed by path, so the order they arrive in never changes the output. A worker
 * that dies on a file (an abort in the parser's WebAssembly, say) costs that file, which is
 * listed as skipped; a new worker takes over the rest.
 */
import { Worker } from 'node:worker_threads';
import { FactsCache } from './facts-cache.js';
import type { ReadLimits, ReadOutcome } from './read-files.js';
import { readAndParse, readBytes } from './read-files.js';

export interface Parsed {
  readonly outcome: ReadOutcome;
  /** Wall time spent on the file, for the slowest-files report. */
  readonly ms: number;
}

function takeCached(root: string, path: string, limits: ReadLimits, cache: FactsCache, results: Map<string, Parsed>): boolean {
  const started = performance.now();
  const read = readBytes(root, path, limits);
  if (!read.ok) return false;
  const facts = cache.get(cache.keyOf(path, read.bytes));
  if (!facts) return false;
  results.set(path, { outcome: { ok: true, facts }, ms: performance.now() - started });
  return true;
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
  let next = 0;
  const lanes = Array.from({ length: Math.min(jobs, toParse.length) }, () => runLane());
  await Promise.all(lanes);
  return results;

  /** One worker at a time, taking paths until none are left; replaced if it dies. */
  async function runLane(): Promise<void> {
    while (next < toParse.length) {
      await new Promise<void>((done) => {
        const worker = new Worker(new URL('./parse-worker.js', import.meta.url), { workerData: { root, limits, cacheDir } });
        let current: string | undefined;
        let finished = false;
        const finish = (): void => {
          if (finished) return;
          finished = true;
          void worker.terminate().then(() => done());
        };
        const sendNext = (): void => {
          if (next >= toParse.length) {
            current = undefined;
            finish();
            return;
          }
          current = toParse[next++]!;
          worker.postMessage(current);
        };
        worker.on('message', (message: { path: string } & Parsed) => {
          results.set(message.path, { outcome: message.outcome, ms: message.ms });
          sendNext();
        });
        const lost = (why: string): void => {
          if (current !== undefined && !results.has(current)) {
            results.set(current, { outcome: { ok: false, skipped: { path: current, reason: `internal error while parsing: ${why}` } }, ms: 0 });
          }
          current = undefined;
          finish();
        };
        worker.on('error', (error) => lost(error.message));
        worker.on('exit', (code) => {
          if (!finished) lost(`the parse worker exited (code ${code})`);
        });
        sendNext();
      });
    }
  }
}
