/** A parse worker: receives root-relative paths, answers with each file's facts or skip reason. */
import { parentPort, workerData } from 'node:worker_threads';
import { FactsCache } from './facts-cache.js';
import { readAndParse, type ReadLimits } from './read-files.js';

const { root, limits, cacheDir } = workerData as { root: string; limits: ReadLimits; cacheDir?: string };
const cache = cacheDir ? new FactsCache(cacheDir) : undefined;

parentPort!.on('message', (path: string) => {
  const started = performance.now();
  void readAndParse(root, path, limits, cache).then((outcome) => parentPort!.postMessage({ path, outcome, ms: performance.now() - started }));
});
