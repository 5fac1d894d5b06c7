/**
 * A seeded mutation fuzzer for the whole per-file pipeline: decode, blank, parse, extract,
 * model, rules and suppressions. It mutates the fixture sources (byte flips, token deletion
 * and duplication, truncation, splicing of two files, insertion of troublesome characters)
 * and checks that every input ends as analyzed or skipped with a reason, that nothing throws,
 * and that no input takes longer than the per-file limit. Used by the test suite (a bounded
 * run) and by `npm run fuzz` (long runs).
 */
import { readFileSync } from 'node:fs';
import { DriverModel } from '../src/model/driver-model.js';
import { parseDecoded } from '../src/engine/parse-files.js';
import { DEFAULT_LIMITS, decodeText, type ReadLimits } from '../src/engine/read-files.js';
import { pragmaSuppressedLines, readSuppressionComments } from '../src/engine/suppressions.js';
import { RULES } from '../src/rules/index.js';
import { filesOf } from './fixture-harness.js';
import { random } from './random.js';

export interface FuzzInput {
  readonly path: string;
  readonly bytes: Uint8Array;
}

export interface FuzzFailure {
  readonly iteration: number;
  readonly mutation: string;
  readonly problem: string;
  readonly input: FuzzInput;
}

export interface FuzzReport {
  readonly iterations: number;
  readonly analyzed: number;
  readonly skipped: number;
  readonly failures: readonly FuzzFailure[];
  readonly slowestMs: number;
}

const TROUBLE = ['{', '}', '(', ')', '"', "'", '/*', '*/', '//', '#if X\n', '#endif\n', '#else\n', '\\\r\n', '\0', '\xff', '\r', ';', '__try {', 'drvcheck-ignore[', '#pragma warning(pop)\n', '_IRQL_requires_max_(', 'WDF_NO_OBJECT_ATTRIBUTES'];

type Mutation = (rand: () => number, a: Uint8Array, b: Uint8Array) => Uint8Array;

const pick = (rand: () => number, n: number): number => Math.floor(rand() * n);

/** Token boundaries: runs of word characters, or single other characters. */
function tokenAt(bytes: Uint8Array, at: number): [number, number] {
  const word = (c: number | undefined) => c !== undefined && ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95);
  let start = at;
  let end = at + 1;
  if (word(bytes[at])) {
    while (start > 0 && word(bytes[start - 1])) start--;
    while (end < bytes.length && word(bytes[end])) end++;
  }
  return [start, end];
}

/** Mutated inputs stay below this size: the fuzzer tests drvcheck, not the machine's memory. */
const MAX_INPUT = 512 * 1024;

const join = (...parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);

const MUTATIONS: Readonly<Record<string, Mutation>> = {
  flip: (rand, a) => {
    const out = Uint8Array.from(a);
    for (let i = 1 + pick(rand, 8); i > 0 && out.length > 0; i--) out[pick(rand, out.length)] ^= 1 << pick(rand, 8);
    return out;
  },
  deleteToken: (rand, a) => {
    if (a.length === 0) return a;
    const [s, e] = tokenAt(a, pick(rand, a.length));
    return join(a.subarray(0, s), a.subarray(e));
  },
  duplicateToken: (rand, a) => {
    if (a.length === 0) return a;
    const [s, e] = tokenAt(a, pick(rand, a.length));
    const token = a.subarray(s, e);
    const wanted = 1 + pick(rand, rand() < 0.1 ? 2000 : 4);
    const times = Math.max(0, Math.min(wanted, Math.floor((MAX_INPUT - a.length) / Math.max(1, token.length))));
    return join(a.subarray(0, e), ...Array.from({ length: times }, () => token), a.subarray(e));
  },
  truncate: (rand, a) => a.subarray(0, pick(rand, a.length + 1)),
  splice: (rand, a, b) => join(a.subarray(0, pick(rand, a.length + 1)), b.subarray(pick(rand, b.length + 1))).subarray(0, MAX_INPUT),
  insert: (rand, a) => {
    const at = pick(rand, a.length + 1);
    return join(a.subarray(0, at), Buffer.from(TROUBLE[pick(rand, TROUBLE.length)]!, 'latin1'), a.subarray(at));
  },
};

export function fixtureCorpus(fixturesDir: string): FuzzInput[] {
  return filesOf(fixturesDir).map((path) => ({ path: path.slice(fixturesDir.length + 1), bytes: readFileSync(path) }));
}

/** Runs one input through the pipeline; undefined when all is well, else what went wrong. */
export async function runInput(input: FuzzInput, limits: ReadLimits): Promise<{ problem?: string; analyzed: boolean }> {
  try {
    const decoded = decodeText(input.bytes);
    if (!decoded.ok) return { analyzed: false, ...(decoded.reason ? {} : { problem: 'skipped without a reason' }) };
    // Statement trees on demand, as a run without a cache reads a source: the rules then read them.
    const outcome = await parseDecoded(input.path, decoded.source, limits, true);
    if (!outcome.ok) return { analyzed: false, ...(outcome.skipped.reason ? {} : { problem: 'skipped without a reason' }) };
    const model = new DriverModel({ name: 'fuzz', kind: 'path', directory: '.', files: [input.path], defines: [] }, [outcome.facts]);
    for (const rule of RULES) rule.check(model);
    readSuppressionComments(outcome.facts, () => true);
    pragmaSuppressedLines(outcome.facts)(28121, 1);
    return { analyzed: true };
  } catch (error) {
    return { analyzed: false, problem: (error as Error).stack ?? String(error) };
  }
}

export async function fuzz(
  corpus: readonly FuzzInput[],
  seed: number,
  iterations: number,
  limits: ReadLimits = { ...DEFAULT_LIMITS, parseTimeoutMs: 2000 },
  /** Called with each input before it runs: a crash that kills the process leaves the last one behind. */
  beforeEach?: (input: FuzzInput, iteration: number) => void,
): Promise<FuzzReport> {
  const rand = random(seed);
  const names = Object.keys(MUTATIONS);
  const failures: FuzzFailure[] = [];
  let analyzed = 0;
  let skipped = 0;
  let slowestMs = 0;
  for (let i = 0; i < iterations; i++) {
    const a = corpus[pick(rand, corpus.length)]!;
    const b = corpus[pick(rand, corpus.length)]!;
    let bytes = a.bytes;
    const applied: string[] = [];
    for (let n = 1 + pick(rand, 3); n > 0; n--) {
      const name = names[pick(rand, names.length)]!;
      bytes = MUTATIONS[name]!(rand, bytes, b.bytes);
      applied.push(name);
    }
    const input = { path: a.path, bytes };
    beforeEach?.(input, i);
    const started = performance.now();
    const result = await runInput(input, limits);
    const ms = performance.now() - started;
    slowestMs = Math.max(slowestMs, ms);
    if (result.analyzed) analyzed++;
    else skipped++;
    const mutation = `${applied.join('+')} of ${a.path}${applied.includes('splice') ? ` with ${b.path}` : ''}`;
    if (result.problem) failures.push({ iteration: i, mutation, problem: result.problem, input });
    else if (ms > limits.parseTimeoutMs * 2 + 1000) failures.push({ iteration: i, mutation, problem: `took ${ms.toFixed(0)} ms, past the per-file limit`, input });
  }
  return { iterations, analyzed, skipped, failures, slowestMs };
}
