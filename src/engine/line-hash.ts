/**
 * GitHub code scanning's `primaryLocationLineHash`, computed the way its upload action does, so
 * that an alert keeps its identity when lines above it move. For each line: a rolling hash
 * (base 37, modulo 2^64) of the next 100 characters from the line's start, spaces and tabs
 * skipped and line endings read as LF, then `hash:n` where n counts earlier identical hashes.
 */
import { doubled } from '../typed-arrays.js';

const BLOCK = 100;
const SPACE = 32;
const TAB = 9;
const LF = 10;
const CR = 13;
const END_OF_FILE = 65535;
const TWO_32 = 4294967296;

/**
 * 64-bit arithmetic modulo 2^64 on two 32-bit halves held in plain numbers: the hash needs only
 * `h * 37 + c - K * leaving` with c and leaving below 2^16, whose partial results stay below
 * 2^53, where doubles are exact. BigInt, or arrays allocated per character, would be many
 * times slower.
 */
const [FIRST_MOD_LO, FIRST_MOD_HI] = (() => {
  // 37^100 modulo 2^64: the weight of the character leaving the window.
  let lo = 1;
  let hi = 0;
  for (let i = 0; i < BLOCK; i++) {
    const v = lo * 37;
    lo = v >>> 0;
    hi = (hi * 37 + (v - lo) / TWO_32) >>> 0;
  }
  return [lo, hi];
})();

/**
 * The hashes of the requested lines of `text`. One loop with everything in local variables:
 * state captured by closures lives on the heap, and would allocate a number per character.
 */
export function lineHashes(text: string, wanted: ReadonlySet<number>): Map<number, string> {
  const out = new Map<number, string>();
  const window = new Int32Array(BLOCK);
  const lineAt = new Int32Array(BLOCK).fill(-1);
  // The hash of every line so far, in order, as its low and high halves side by side: a wanted
  // line's count is read off them when it is reached, and the others cost two stores instead of
  // a string and a map entry.
  let halves = new Uint32Array(2048);
  let hashed = 0;
  let lo = 0;
  let hi = 0;
  let index = 0;
  let line = 0;
  let lineStart = true;
  let previousCR = false;
  // The text's characters, then END_OF_FILE, then BLOCK zeros that push the last lines' hashes out.
  const end = text.length + 1 + BLOCK;
  for (let i = 0; i < end; i++) {
    let c = i < text.length ? text.charCodeAt(i) : i === text.length ? END_OF_FILE : 0;
    if (i <= text.length) {
      if (c === SPACE || c === TAB || (previousCR && c === LF)) {
        previousCR = false;
        continue;
      }
      previousCR = c === CR;
      if (c === CR) c = LF;
    }
    const at = lineAt[index]!;
    if (at !== -1) {
      // The window now holds the 100 characters from line `at`'s start: its hash is complete.
      if (2 * hashed === halves.length) halves = doubled(halves);
      halves[2 * hashed] = lo;
      halves[2 * hashed + 1] = hi;
      hashed++;
      if (wanted.has(at)) {
        let n = 0;
        for (let k = 0; k < 2 * hashed; k += 2) if (halves[k] === lo && halves[k + 1] === hi) n++;
        out.set(at, `${hi === 0 ? lo.toString(16) : hi.toString(16) + lo.toString(16).padStart(8, '0')}:${n}`);
        // A line's hash depends only on the text up to 100 characters past its start.
        if (out.size === wanted.size) return out;
      }
      lineAt[index] = -1;
    }
    if (i <= text.length) {
      if (lineStart) {
        lineStart = false;
        line++;
        lineAt[index] = line;
      }
      if (c === LF) lineStart = true;
    }
    // h = h * 37 + c - FIRST_MOD * leaving; the low half's carry (or borrow) goes to the high.
    const leaving = window[index]!;
    window[index] = c;
    const low = lo * 37 + c - FIRST_MOD_LO * leaving;
    lo = low >>> 0;
    hi = (hi * 37 + (low - lo) / TWO_32 - FIRST_MOD_HI * leaving) >>> 0;
    if (++index === BLOCK) index = 0;
  }
  return out;
}
