/**
 * Parses files on worker threads. Only plain data crosses the thread boundary (the path in,
 * the file's facts or its skip reason out); trees never leave the worker that made them.
 * Results are keyed by path, so the order they arrive in never changes the output.
 */
import { Worker } from 'node:worker_threads';
import type { ReadLimits, ReadOutcome } from './read-files.js';
import { readAndParse } from './read-files.js';

export async function parseAll(root: string, paths: readonly string[], limits: ReadLimits, jobs: number): Promise<Map<string, ReadOutcome>> {
  const results = new Map<string, ReadOutcome>();
  if (jobs <= 1 || paths.length < 2) {
    for (const path of paths) results.set(path, await readAndParse(root, path, limits));
    return results;
  }
  const workerCount = Math.min(jobs, paths.length);
  let next = 0;
  const workers = Array.from({ length: workerCount }, () => new Worker(new URL('./parse-worker.js', import.meta.url), { workerData: { root, limits } }));
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolveWorker, rejectWorker) => {
            const sendNext = (): void => {
              if (next >= paths.length) {
                resolveWorker();
                return;
              }
              worker.postMessage(paths[next++]);
            };
            worker.on('message', (message: { path: string; outcome: ReadOutcome }) => {
              results.set(message.path, message.outcome);
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
