/**
 * GitHub code scanning's `primaryLocationLineHash`, computed the way its upload action does, so
 * that an alert keeps its identity when lines above it move. For each line: a rolling hash
 * (base 37, modulo 2^64) of the next 100 characters from the line's start, spaces and tabs
 * skipped and line endings read as LF, then `hash:n` where n counts earlier identical hashes.
 */
const BLOCK = 100;
const MOD = 37n;
const MASK = (1n << 64n) - 1n;
const SPACE = 32;
const TAB = 9;
const LF = 10;
const CR = 13;
const END_OF_FILE = 65535;

let firstMod: bigint | undefined;

/** The hashes of the requested lines of `text`. */
export function lineHashes(text: string, wanted: ReadonlySet<number>): Map<number, string> {
  firstMod ??= Array.from({ length: BLOCK }).reduce<bigint>((m) => (m * MOD) & MASK, 1n);
  const out = new Map<number, string>();
  const window: number[] = new Array(BLOCK).fill(0);
  const lineAt: number[] = new Array(BLOCK).fill(-1);
  const counts = new Map<string, number>();
  let hash = 0n;
  let index = 0;
  let line = 0;
  let lineStart = true;
  let previousCR = false;

  const emit = (): void => {
    const value = hash.toString(16);
    const n = (counts.get(value) ?? 0) + 1;
    counts.set(value, n);
    if (wanted.has(lineAt[index]!)) out.set(lineAt[index]!, `${value}:${n}`);
    lineAt[index] = -1;
  };
  const roll = (c: number): void => {
    const leaving = window[index]!;
    window[index] = c;
    hash = (MOD * hash + BigInt(c) - firstMod! * BigInt(leaving)) & MASK;
    index = (index + 1) % BLOCK;
  };
  const feed = (raw: number): void => {
    let c = raw;
    if (c === SPACE || c === TAB || (previousCR && c === LF)) {
      previousCR = false;
      return;
    }
    previousCR = c === CR;
    if (c === CR) c = LF;
    if (lineAt[index] !== -1) emit();
    if (lineStart) {
      lineStart = false;
      line++;
      lineAt[index] = line;
    }
    if (c === LF) lineStart = true;
    roll(c);
  };

  for (let i = 0; i < text.length; i++) feed(text.charCodeAt(i));
  feed(END_OF_FILE);
  for (let i = 0; i < BLOCK; i++) {
    if (lineAt[index] !== -1) emit();
    roll(0);
  }
  return out;
}
