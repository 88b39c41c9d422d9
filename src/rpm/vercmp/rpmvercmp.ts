/**
 * rpm's version-string comparison (`rpmvercmp`, rpm-format.md §9.1). Works on the string's
 * code units: every non-ASCII unit is a separator in rpm too, so no byte conversion is needed.
 */

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
const TILDE = 126;
const CARET = 94;

/** Compare two version or release strings: -1 (a older), 0, +1 (a newer). */
export function rpmvercmp(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  const la = a.length;
  const lb = b.length;
  let i = 0;
  let j = 0;
  while (i < la || j < lb) {
    while (i < la) {
      const c = a.charCodeAt(i);
      if (isDigit(c) || isAlpha(c) || c === TILDE || c === CARET) break;
      i++;
    }
    while (j < lb) {
      const c = b.charCodeAt(j);
      if (isDigit(c) || isAlpha(c) || c === TILDE || c === CARET) break;
      j++;
    }
    const ca = i < la ? a.charCodeAt(i) : 0;
    const cb = j < lb ? b.charCodeAt(j) : 0;
    // Tilde sorts before everything, even the end of the string.
    if (ca === TILDE || cb === TILDE) {
      if (ca !== TILDE) return 1;
      if (cb !== TILDE) return -1;
      i++;
      j++;
      continue;
    }
    // Caret sorts after the end of the string but before any further segment.
    if (ca === CARET || cb === CARET) {
      if (i >= la) return -1;
      if (j >= lb) return 1;
      if (ca !== CARET) return 1;
      if (cb !== CARET) return -1;
      i++;
      j++;
      continue;
    }
    if (!(i < la && j < lb)) break;
    const si = i;
    const sj = j;
    let numeric: boolean;
    if (isDigit(ca)) {
      numeric = true;
      while (i < la && isDigit(a.charCodeAt(i))) i++;
      while (j < lb && isDigit(b.charCodeAt(j))) j++;
    } else {
      numeric = false;
      while (i < la && isAlpha(a.charCodeAt(i))) i++;
      while (j < lb && isAlpha(b.charCodeAt(j))) j++;
    }
    if (j === sj) return numeric ? 1 : -1;
    // compare the segments a[si, i) and b[sj, j) in place (no slices: this runs for every
    // version comparison of a solve)
    let x = si;
    let y = sj;
    if (numeric) {
      while (x < i && a.charCodeAt(x) === 48) x++;
      while (y < j && b.charCodeAt(y) === 48) y++;
      if (i - x !== j - y) return i - x > j - y ? 1 : -1;
    }
    while (x < i && y < j) {
      const cx = a.charCodeAt(x);
      const cy = b.charCodeAt(y);
      if (cx !== cy) return cx < cy ? -1 : 1;
      x++;
      y++;
    }
    if (x < i) return 1;
    if (y < j) return -1;
  }
  if (i >= la && j >= lb) return 0;
  return i >= la ? -1 : 1;
}
