/** A parse worker: receives root-relative paths, answers with each file's facts or skip reason. */
import { parentPort, workerData } from 'node:worker_threads';
import { FactsCache } from './facts-cache.js';
import { readAndParse, type ReadLimits } from './read-files.js';

const { root, limits, cacheDir } = workerData as { root: string; limits: ReadLimits; cacheDir?: string };
const cache = cacheDir ? new FactsCache(cacheDir) : undefined;
// Fault injection for the tests of worker loss: the worker dies on this file.
const dieOn = process.env['DRVCHECK_TEST_WORKER_DIES_ON'];

parentPort!.on('message', (path: string) => {
  if (dieOn !== undefined && path === dieOn) process.exit(70);
  const started = performance.now();
  void readAndParse(root, path, limits, cache).then((outcome) => parentPort!.postMessage({ path, outcome, ms: performance.now() - started }));
});
