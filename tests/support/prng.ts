/**
 * mulberry32: a tiny, well-mixed 32-bit PRNG returning uniform numbers in [0, 1). Seeded data —
 * fake accounts in tests, labelled series in benchmarks — is the same on every run.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
