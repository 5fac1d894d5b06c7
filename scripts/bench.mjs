#!/usr/bin/env node
// The benchmark: `npm run bench [-- DIR] [--runs 3]`. For DIR (default: a synthetic corpus made
// by scripts/generate-corpus.mjs) it prints the files, lines and bytes read; a parse-only pass
// (timed as the full check is, from starting its process to its exit);
// the full check with --jobs 1 and --jobs N (N = cores), each round running it right after the
// parse-only pass with the same threads; the full/parse-only ratio; peak RSS;
// the slowest files; a cold and a warm run with --cache; and the cost at 1x, 2x, 4x and 8x a
// synthetic corpus; and a cold check of one driver (--driver DIR, repeatable; default: one
// driver of the synthetic corpus). Times are medians of --runs runs. A script for people, not a test.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(repo, 'bin', 'drvcheck.js');
const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
const noScaling = args.includes('--no-scaling');
const valued = new Set(['--runs', '--driver']);
const positional = args.filter((a, i) => !a.startsWith('--') && !valued.has(args[i - 1]));
const drivers = args.flatMap((a, i) => (args[i - 1] === '--driver' ? [a] : []));
const jobs = availableParallelism();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

function generate(scale) {
  const dir = mkdtempSync(join(tmpdir(), `drvcheck-corpus-${scale}x-`));
  execFileSync(process.execPath, [join(repo, 'scripts', 'generate-corpus.mjs'), dir, '--scale', String(scale)], { stdio: 'ignore' });
  return dir;
}

function measureSources(dir) {
  let files = 0, lines = 0, bytes = 0;
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!/\.(c|cpp|cxx|cc|h|hpp|hxx|hh|inl)$/i.test(f)) continue;
    const p = join(dir, f);
    if (!statSync(p).isFile()) continue;
    const b = readFileSync(p);
    files++;
    bytes += b.length;
    lines += b.toString('latin1').split('\n').length;
  }
  return { files, lines, bytes };
}

/**
 * One parse-only pass, timed as the full check is: from starting its process to its exit, so
 * both include Node's start-up and listing the files. `parsing` is the part the script times
 * itself, after it has listed the files.
 */
function parseOnlyPass(dir, n) {
  const started = performance.now();
  const out = execFileSync(process.execPath, [join(repo, 'scripts', 'parse-only.mjs'), dir, '--jobs', String(n)], { encoding: 'utf8' });
  return { ms: performance.now() - started, parsing: JSON.parse(out).ms };
}

/** One full check: wall time, and the stats line drvcheck prints with DRVCHECK_STATS. */
function fullCheck(dir, extra) {
  const started = performance.now();
  const r = spawnSync(process.execPath, [cli, 'check', dir, '--format', 'sarif', '--output', join(tmpdir(), 'drvcheck-bench.sarif'), ...extra], {
    encoding: 'utf8',
    env: { ...process.env, DRVCHECK_STATS: '1' },
  });
  const ms = performance.now() - started;
  if (r.status !== 0 && r.status !== 1) throw new Error(`drvcheck failed: ${r.stderr}`);
  const stats = JSON.parse(r.stderr.split('\n').find((l) => l.startsWith('{"phasesMs"')));
  return { ms, stats };
}

function medianCheck(dir, extra) {
  return medianOf(Array.from({ length: runs }, () => fullCheck(dir, extra)));
}

/** The median of some full checks, its stats, and the peak RSS of them all. */
function medianOf(all) {
  const m = median(all.map((r) => r.ms));
  return { ms: m, stats: all.find((r) => r.ms === m).stats, maxRssKB: Math.max(...all.map((r) => r.stats.maxRssKB)) };
}

/**
 * The parse-only pass and the full check with the same number of threads, run back to back in
 * each of `runs` rounds: a machine whose speed drifts over minutes (a shared VM's does) then
 * slows both alike, and each round's ratio compares like with like. The ratio reported is the
 * median of the rounds' ratios.
 */
function parseAndCheck(dir, n) {
  const rounds = Array.from({ length: runs }, () => ({ parse: parseOnlyPass(dir, n), full: fullCheck(dir, ['--jobs', String(n)]) }));
  return {
    parse: { ms: median(rounds.map((r) => r.parse.ms)), parsing: median(rounds.map((r) => r.parse.parsing)) },
    full: medianOf(rounds.map((r) => r.full)),
    ratio: median(rounds.map((r) => r.full.ms / r.parse.ms)),
    ratioToParsing: median(rounds.map((r) => r.full.ms / r.parse.parsing)),
  };
}

const generated = positional[0] === undefined;
const dir = positional[0] ?? generate(1);
console.log(`drvcheck benchmark on ${generated ? 'a synthetic corpus' : dir}`);
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.version}; median of ${runs} runs`);
const size = measureSources(dir);
console.log(`read: ${size.files} files, ${size.lines} lines, ${(size.bytes / 1e6).toFixed(1)} MB`);
const one = parseAndCheck(dir, 1);
const many = parseAndCheck(dir, jobs);
const [parse1, parseN, full1, fullN] = [one.parse, many.parse, one.full, many.full];
console.log(`parse-only: ${seconds(parse1.ms)} (1 thread), ${seconds(parseN.ms)} (${jobs} threads); of which parsing after listing the files ${seconds(parse1.parsing)}, ${seconds(parseN.parsing)}`);
console.log(`full check: ${seconds(full1.ms)} (--jobs 1), ${seconds(fullN.ms)} (--jobs ${jobs})`);
console.log(`full / parse-only (median of the rounds' ratios, each round running the two back to back): ${one.ratio.toFixed(2)} (1 thread), ${many.ratio.toFixed(2)} (${jobs} threads); full / parsing alone ${one.ratioToParsing.toFixed(2)}, ${many.ratioToParsing.toFixed(2)}`);
console.log(`phases (--jobs ${jobs}): ${Object.entries(fullN.stats.phasesMs).map(([k, v]) => `${k} ${v} ms`).join(', ')}`);
console.log(`peak RSS: ${(fullN.maxRssKB / 1024).toFixed(0)} MB (--jobs ${jobs}), ${(full1.maxRssKB / 1024).toFixed(0)} MB (--jobs 1)`);
console.log(`slowest files: ${fullN.stats.slowest.slice(0, 5).map((s) => `${s.path} ${s.ms} ms`).join(', ')}`);
const cacheDir = mkdtempSync(join(tmpdir(), 'drvcheck-bench-cache-'));
const colds = [];
const warms = [];
for (let i = 0; i < runs; i++) {
  rmSync(cacheDir, { recursive: true, force: true });
  colds.push(fullCheck(dir, ['--cache', cacheDir]).ms);
  warms.push(fullCheck(dir, ['--cache', cacheDir]));
}
const warm = median(warms.map((w) => w.ms));
const warmStats = warms.find((w) => w.ms === warm).stats;
console.log(`cache: cold ${seconds(median(colds))}, warm ${seconds(warm)} (${((100 * warm) / median(colds)).toFixed(0)}% of cold; ${warmStats.cache.hits} of ${warmStats.cache.hits + warmStats.cache.misses} units and lone files from the cache)`);
console.log(`phases (warm): ${Object.entries(warmStats.phasesMs).map(([k, v]) => `${k} ${v} ms`).join(', ')}`);
rmSync(cacheDir, { recursive: true, force: true });
// One driver, cold, as an editor integration runs it: a new process, default options.
for (const driver of drivers.length > 0 ? drivers : generated ? [join(dir, 'driver0000')] : []) {
  const driverSize = measureSources(driver);
  const times = Array.from({ length: Math.max(runs, 5) }, () => fullCheck(driver, []).ms);
  console.log(`one driver: ${driver} (${driverSize.files} files, ${Math.round(driverSize.bytes / 1024)} KB): ${Math.round(median(times))} ms (fastest ${Math.round(Math.min(...times))}, slowest ${Math.round(Math.max(...times))})`);
}
if (generated) rmSync(dir, { recursive: true, force: true });

if (!noScaling) {
  console.log(`scaling (synthetic corpus, 1x = 1/8 of the full size, --jobs ${jobs}):`);
  for (const k of [1, 2, 4, 8]) {
    const d = generate(k / 8);
    const s = measureSources(d);
    const r = medianCheck(d, ['--jobs', String(jobs)]);
    console.log(`  ${k}x: ${s.files} files, ${(s.bytes / 1e6).toFixed(1)} MB: ${seconds(r.ms)}, peak RSS ${(r.maxRssKB / 1024).toFixed(0)} MB`);
    rmSync(d, { recursive: true, force: true });
  }
}
