/**
 * A small seeded generator for the solver's random-testcase tests: `rnd(m)` is an integer in
 * [0, m). A linear congruential generator (glibc's constants, low bits dropped): the tests'
 * instances are fixed by their seeds, so changing it changes which systems they solve.
 */
export function lcgInt(seed: number): (m: number) => number {
  let s = seed;
  return (m) => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return (s >>> 12) % m;
  };
}
