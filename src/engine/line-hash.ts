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
 * 64-bit arithmetic modulo 2^64 on four 16-bit limbs held in plain numbers (little end first):
 * the hash needs only `h * 37 + c - K * leaving` with small c and leaving. BigInt, or arrays
 * allocated per character, would be many times slower.
 */
const FIRST_MOD = (() => {
  // 37^100 modulo 2^64: the weight of the character leaving the window.
  const m = [1, 0, 0, 0];
  for (let i = 0; i < BLOCK; i++) {
    let carry = 0;
    for (let j = 0; j < 4; j++) {
      const v = m[j]! * 37 + carry;
      m[j] = v % 65536;
      carry = Math.floor(v / 65536);
    }
  }
  return m as [number, number, number, number];
})();

/** The hashes of the requested lines of `text`. */
export function lineHashes(text: string, wanted: ReadonlySet<number>): Map<number, string> {
  const out = new Map<number, string>();
  const window = new Int32Array(BLOCK);
  const lineAt = new Int32Array(BLOCK).fill(-1);
  const counts = new Map<string, number>();
  let h0 = 0;
  let h1 = 0;
  let h2 = 0;
  let h3 = 0;
  let index = 0;
  let line = 0;
  let lineStart = true;
  let previousCR = false;

  const emit = (): void => {
    const hi = h3 * 65536 + h2;
    const lo = h1 * 65536 + h0;
    const value = hi === 0 ? lo.toString(16) : hi.toString(16) + lo.toString(16).padStart(8, '0');
    const n = (counts.get(value) ?? 0) + 1;
    counts.set(value, n);
    const at = lineAt[index]!;
    if (wanted.has(at)) out.set(at, `${value}:${n}`);
    lineAt[index] = -1;
  };
  const roll = (c: number): void => {
    const leaving = window[index]!;
    window[index] = c;
    // h = h * 37 + c - FIRST_MOD * leaving, limb by limb, carries and borrows propagated.
    let v = h0 * 37 + c - FIRST_MOD[0] * leaving;
    let carry = Math.floor(v / 65536);
    h0 = v - carry * 65536;
    v = h1 * 37 + carry - FIRST_MOD[1] * leaving;
    carry = Math.floor(v / 65536);
    h1 = v - carry * 65536;
    v = h2 * 37 + carry - FIRST_MOD[2] * leaving;
    carry = Math.floor(v / 65536);
    h2 = v - carry * 65536;
    v = h3 * 37 + carry - FIRST_MOD[3] * leaving;
    h3 = ((v % 65536) + 65536) % 65536;
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
