/**
 * V8's settings for a large run: its heap may grow less, it optimizes less code, and it
 * scavenges on the workers' own threads. They are process-wide, and are set once, before any
 * worker starts (a worker may be started while discovery still runs, see startWorkersAhead).
 */
import { setFlagsFromString } from 'node:v8';

/**
 * Below this much source, a run on one thread parses faster with V8's baseline wasm code than
 * it would after paying for the optimizing compile (see preferQuickGrammarCompile): about
 * 80 ms more parsing per megabyte against about 200 ms of compiling, on the README's machine.
 */
const QUICK_COMPILE_BELOW_BYTES = 2 * 1024 * 1024;

/**
 * V8 lets a busy heap grow to up to four times what is live before it collects, and a large
 * run allocates fast: on Windows-driver-samples with two workers, peaks ranged from 475 to
 * 800 MB from run to run. Growth capped at twice the live heap (the flag is read at each
 * collection, by this thread and by workers started after) kept them at 440-494 MB over nine
 * runs, for about 1% more time. A small run keeps V8's default: its heap starts small, and
 * the cap made a one-driver run slower.
 */
function capHeapGrowth(): void {
  setFlagsFromString('--heap-growing-percent=100');
}

/**
 * V8 optimizes a function once it has run about 66 KB of bytecode, inlining up to 920 bytes of
 * callees, on background threads. On a large run that work is a thread's worth of CPU: with two
 * workers on Windows-driver-samples, V8's helper threads used 4.9 s of CPU against the workers'
 * 9.4 s, and on two cores they slow the workers down. Optimizing only functions that have run
 * 800 KB, and inlining at most 200 bytes into one, cut the helpers to 2.0 s with no slower
 * workers: 7.6-7.7 s became 6.3-6.4 s wall (the synthetic corpus: 10.9 s to 9.1 s). A one-
 * driver run is over before the default settings cost it anything, and keeps them: there the
 * larger budget left code unoptimized for longer and made wia/ProdScan 40 ms slower. Read as
 * functions are first run and compiled, so set before the workers start.
 */
function limitOptimizingCompiles(): void {
  setFlagsFromString('--interrupt-budget=800000');
  setFlagsFromString('--max-inlined-bytecode-size-cumulative=200');
}

/**
 * V8 scavenges a worker's young generation with helper threads alongside the worker. On a
 * large run every core is already a worker's, so the helpers only take turns with the workers,
 * and a scavenge split between threads costs more CPU than one done on a single thread. With
 * two workers on Windows-driver-samples, the flag alone: medians of 10 alternating runs,
 * 5.50 s against 5.60 s wall, 10.6 s against 10.7 s of CPU. With the fact changes of the same
 * commit too, V8's helper threads used 1.3 s of CPU against 2.0 s, the workers about 0.1 s
 * more each.
 */
function scavengeOnTheWorkersThreads(): void {
  setFlagsFromString('--no-parallel-scavenge');
}

let tuned = false;

/**
 * Whether a run of this many bytes of source is large (QUICK_COMPILE_BELOW_BYTES or more); if
 * so, sets the flags above, once: setting a flag again while workers run would race with their
 * reads of it. Asked as soon as the units' sources are known, and again by the pool with the
 * headers counted, so a run that is large by its sources alone is tuned before its workers start.
 */
export function tuneIfLargeRun(bytes: number): boolean {
  if (bytes < QUICK_COMPILE_BELOW_BYTES) return false;
  if (!tuned) {
    tuned = true;
    capHeapGrowth();
    limitOptimizingCompiles();
    scavengeOnTheWorkersThreads();
  }
  return true;
}
