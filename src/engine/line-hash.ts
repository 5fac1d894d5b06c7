/**
 * GitHub code scanning's `primaryLocationLineHash`, computed the way its upload action does, so
 * that an alert keeps its identity when lines above it move. For each line: a rolling hash
 * (base 37, modulo 2^64) of the next 100 characters from the line's start, spaces and tabs
 * skipped and line endings read as LF, then `hash:n` where n counts earlier identical hashes.
 */
const BLOCK = 100;
const SPACE = 32;
const TAB = 9;
const LF = 10;
const CR = 13;
const END_OF_FILE = 65535;

/**
 * 64-bit arithmetic modulo 2^64 on four 16-bit limbs (little end first): the hash needs only
 * `h * 37 + c - K * leaving` with small c and leaving, and BigInt would be ten times slower.
 */
type U64 = [number, number, number, number];

function mulSmall(a: U64, k: number): U64 {
  let carry = 0;
  const out: U64 = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    const v = a[i]! * k + carry;
    out[i] = v % 65536;
    carry = Math.floor(v / 65536);
  }
  return out;
}

function addSmall(a: U64, c: number): void {
  let carry = c;
  for (let i = 0; i < 4 && carry > 0; i++) {
    const v = a[i]! + carry;
    a[i] = v % 65536;
    carry = Math.floor(v / 65536);
  }
}

function subtract(a: U64, b: U64): void {
  let borrow = 0;
  for (let i = 0; i < 4; i++) {
    let v = a[i]! - b[i]! - borrow;
    borrow = v < 0 ? 1 : 0;
    if (v < 0) v += 65536;
    a[i] = v;
  }
}

function hex(a: U64): string {
  const hi = a[3]! * 65536 + a[2]!;
  const lo = a[1]! * 65536 + a[0]!;
  return hi === 0 ? lo.toString(16) : hi.toString(16) + lo.toString(16).padStart(8, '0');
}

/** 37^100 modulo 2^64: the weight of the character leaving the window. */
const FIRST_MOD: U64 = (() => {
  let m: U64 = [1, 0, 0, 0];
  for (let i = 0; i < BLOCK; i++) m = mulSmall(m, 37);
  return m;
})();

/** The hashes of the requested lines of `text`. */
export function lineHashes(text: string, wanted: ReadonlySet<number>): Map<number, string> {
  const out = new Map<number, string>();
  const window: number[] = new Array(BLOCK).fill(0);
  const lineAt: number[] = new Array(BLOCK).fill(-1);
  const counts = new Map<string, number>();
  let hash: U64 = [0, 0, 0, 0];
  let index = 0;
  let line = 0;
  let lineStart = true;
  let previousCR = false;

  const emit = (): void => {
    const value = hex(hash);
    const n = (counts.get(value) ?? 0) + 1;
    counts.set(value, n);
    if (wanted.has(lineAt[index]!)) out.set(lineAt[index]!, `${value}:${n}`);
    lineAt[index] = -1;
  };
  const roll = (c: number): void => {
    const leaving = window[index]!;
    window[index] = c;
    hash = mulSmall(hash, 37);
    addSmall(hash, c);
    if (leaving !== 0) subtract(hash, mulSmall(FIRST_MOD, leaving));
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
