/** A parse worker: receives root-relative paths, answers with each file's facts or skip reason. */
import { parentPort, workerData } from 'node:worker_threads';
import { readAndParse, type ReadLimits } from './read-files.js';

const { root, limits } = workerData as { root: string; limits: ReadLimits };

parentPort!.on('message', (path: string) => {
  void readAndParse(root, path, limits).then((outcome) => parentPort!.postMessage({ path, outcome }));
});
