/**
 * The arenas of the solver and the rule builder grow like libsolv's `solv_extend`: to what is
 * needed, and at least doubled, so n appends cost O(n) copies in total.
 */
export function grownI32(a: Int32Array<ArrayBuffer>, need: number): Int32Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}
