#!/usr/bin/env node
// The benchmark's floor: decode and tree-sitter-parse every C/C++ source under DIR, nothing
// else, on N worker threads. Prints the wall time in milliseconds as JSON.
//
//   node scripts/parse-only.mjs DIR [--jobs N]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Parser } from 'web-tree-sitter';
import { languageForPath, loadLanguages } from '../dist/src/parser/languages.js';
import { decodeSource } from '../dist/src/source/decode.js';

const SOURCE = /\.(c|cpp|cxx|cc|h|hpp|hxx|hh|inl)$/i;

async function parseFiles(files) {
  const languages = await loadLanguages();
  const parsers = { c: new Parser(), cpp: new Parser() };
  parsers.c.setLanguage(languages.c);
  parsers.cpp.setLanguage(languages.cpp);
  for (const file of files) {
    const kind = languageForPath(file);
    const tree = parsers[kind === 'cpp' ? 'cpp' : 'c'].parse(decodeSource(readFileSync(file)).text);
    tree?.delete();
  }
}

if (isMainThread) {
  const dir = process.argv[2];
  const jobsAt = process.argv.indexOf('--jobs');
  const jobs = jobsAt > 0 ? Number(process.argv[jobsAt + 1]) : 1;
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => SOURCE.test(f) && statSync(f).isFile())
    .sort();
  const started = performance.now();
  if (jobs <= 1) await parseFiles(files);
  else {
    const shares = Array.from({ length: jobs }, (_, i) => files.filter((_, j) => j % jobs === i));
    await Promise.all(
      shares.map((share) => new Promise((resolve, reject) => {
        const w = new Worker(new URL(import.meta.url), { workerData: share });
        w.on('message', resolve);
        w.on('error', reject);
      })),
    );
  }
  console.log(JSON.stringify({ files: files.length, ms: Math.round(performance.now() - started) }));
  process.exit(0);
} else {
  await parseFiles(workerData);
  parentPort.postMessage('done');
}
