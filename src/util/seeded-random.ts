/**
 * mulberry32: a tiny, fast, seeded PRNG. Everything atoll generates for tests, fuzzing,
 * fixtures and benchmarks draws from it, so a failing case replays from its seed.
 * Returns floats in [0, 1). Not for anything security-related.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
