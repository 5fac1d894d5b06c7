/**
 * Seeded randomness for tests, apart from the fuzzer so that a test that only needs random
 * texts does not load the rules and the model with it.
 */

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Texts of fewer than `maxPieces` pieces drawn from `alphabet`, a new one a call. Short texts
 * over a few pieces meet the edge cases (empty, a lone piece, runs, pieces at either end)
 * thousands of times over; the same seed gives the same texts, so a failure can be replayed.
 */
export function randomText(seed: number, alphabet: readonly string[], maxPieces = 12): () => string {
  const uniform = random(seed);
  const next = (): number => Math.floor(uniform() * 2 ** 31);
  return () => {
    let s = '';
    for (let k = next() % maxPieces; k > 0; k--) s += alphabet[next() % alphabet.length];
    return s;
  };
}
