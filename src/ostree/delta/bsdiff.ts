import { AtollError } from '../../errors/index.js';

/**
 * bsdiff/bspatch in the stream format of the bsdiff library ostree links (mendsley/bsdiff,
 * no header): repeated control triples of 8-byte sign-magnitude little-endian integers
 * (diff length, extra length, old-position adjustment), each followed by that many diff bytes
 * (added to the old bytes) and extra bytes. A port of that library's algorithm (Larsson and
 * Sadakane's qsufsort suffix sort, then greedy match extension), so patches are the same kind
 * ostree writes. Pure.
 */

function offtin(buf: Uint8Array, at: number): number {
  let y = (buf[at + 7] as number) & 0x7f;
  for (let k = 6; k >= 0; k--) y = y * 256 + (buf[at + k] as number);
  return (buf[at + 7] as number) & 0x80 ? -y : y;
}

function offtout(x: number, out: Uint8Array, at: number): void {
  let y = Math.abs(x);
  for (let k = 0; k < 8; k++) {
    out[at + k] = y % 256;
    y = Math.floor(y / 256);
  }
  if (x < 0) out[at + 7] = (out[at + 7] as number) | 0x80;
}

/** Apply a patch to `old`, producing exactly `newSize` bytes; a coded error if the patch is bad. */
export function bspatch(old: Uint8Array, patch: Uint8Array, newSize: number): Uint8Array {
  const out = new Uint8Array(newSize);
  let oldpos = 0;
  let newpos = 0;
  let p = 0;
  const bad = (why: string): AtollError => new AtollError('DELTA_CORRUPT', `bsdiff patch failed: ${why}`);
  while (newpos < newSize) {
    if (p + 24 > patch.length) throw bad('truncated control data');
    const c0 = offtin(patch, p);
    const c1 = offtin(patch, p + 8);
    const c2 = offtin(patch, p + 16);
    p += 24;
    if (c0 < 0 || c0 > 0x7fffffff || c1 < 0 || c1 > 0x7fffffff || newpos + c0 > newSize) throw bad('control data out of range');
    if (p + c0 > patch.length) throw bad('truncated diff data');
    for (let k = 0; k < c0; k++) {
      const o = oldpos + k;
      out[newpos + k] = ((patch[p + k] as number) + (o >= 0 && o < old.length ? (old[o] as number) : 0)) & 0xff;
    }
    p += c0;
    newpos += c0;
    oldpos += c0;
    if (newpos + c1 > newSize) throw bad('control data out of range');
    if (p + c1 > patch.length) throw bad('truncated extra data');
    out.set(patch.subarray(p, p + c1), newpos);
    p += c1;
    newpos += c1;
    oldpos += c2;
  }
  return out;
}

function split(I: Int32Array, V: Int32Array, start: number, len: number, h: number): void {
  // Iterative over the right-hand tail; recursion only on the smaller pieces.
  for (;;) {
    if (len < 16) {
      let j = 1;
      for (let k = start; k < start + len; k += j) {
        j = 1;
        let x = V[(I[k] as number) + h] as number;
        for (let i = 1; k + i < start + len; i++) {
          const v = V[(I[k + i] as number) + h] as number;
          if (v < x) {
            x = v;
            j = 0;
          }
          if (v === x) {
            const tmp = I[k + j] as number;
            I[k + j] = I[k + i] as number;
            I[k + i] = tmp;
            j++;
          }
        }
        for (let i = 0; i < j; i++) V[I[k + i] as number] = k + j - 1;
        if (j === 1) I[k] = -1;
      }
      return;
    }
    const x = V[(I[start + Math.floor(len / 2)] as number) + h] as number;
    let jj = 0;
    let kk = 0;
    for (let i = start; i < start + len; i++) {
      const v = V[(I[i] as number) + h] as number;
      if (v < x) jj++;
      if (v === x) kk++;
    }
    jj += start;
    kk += jj;
    let i = start;
    let j = 0;
    let k = 0;
    while (i < jj) {
      const v = V[(I[i] as number) + h] as number;
      if (v < x) {
        i++;
      } else if (v === x) {
        const tmp = I[i] as number;
        I[i] = I[jj + j] as number;
        I[jj + j] = tmp;
        j++;
      } else {
        const tmp = I[i] as number;
        I[i] = I[kk + k] as number;
        I[kk + k] = tmp;
        k++;
      }
    }
    while (jj + j < kk) {
      if (V[(I[jj + j] as number) + h] === x) {
        j++;
      } else {
        const tmp = I[jj + j] as number;
        I[jj + j] = I[kk + k] as number;
        I[kk + k] = tmp;
        k++;
      }
    }
    if (jj > start) split(I, V, start, jj - start, h);
    for (let n = 0; n < kk - jj; n++) V[I[jj + n] as number] = kk - 1;
    if (jj === kk - 1) I[jj] = -1;
    if (start + len > kk) {
      len = start + len - kk;
      start = kk;
      continue;
    }
    return;
  }
}

function qsufsort(old: Uint8Array): Int32Array {
  const n = old.length;
  const I = new Int32Array(n + 1);
  const V = new Int32Array(n + 1);
  const buckets = new Int32Array(256);
  for (let i = 0; i < n; i++) buckets[old[i] as number]!++;
  for (let i = 1; i < 256; i++) buckets[i]! += buckets[i - 1] as number;
  for (let i = 255; i > 0; i--) buckets[i] = buckets[i - 1] as number;
  buckets[0] = 0;
  for (let i = 0; i < n; i++) I[++buckets[old[i] as number]!] = i;
  I[0] = n;
  for (let i = 0; i < n; i++) V[i] = buckets[old[i] as number] as number;
  V[n] = 0;
  for (let i = 1; i < 256; i++) if (buckets[i] === (buckets[i - 1] as number) + 1) I[buckets[i] as number] = -1;
  I[0] = -1;
  for (let h = 1; I[0] !== -(n + 1); h += h) {
    let len = 0;
    let i = 0;
    while (i < n + 1) {
      const v = I[i] as number;
      if (v < 0) {
        len -= v;
        i -= v;
      } else {
        if (len) I[i - len] = -len;
        len = (V[v] as number) + 1 - i;
        split(I, V, i, len, h);
        i += len;
        len = 0;
      }
    }
    if (len) I[i - len] = -len;
  }
  for (let i = 0; i < n + 1; i++) I[V[i] as number] = i;
  return I;
}

function matchlen(old: Uint8Array, oldStart: number, neu: Uint8Array, newStart: number): number {
  const max = Math.min(old.length - oldStart, neu.length - newStart);
  let i = 0;
  while (i < max && old[oldStart + i] === neu[newStart + i]) i++;
  return i;
}

/** memcmp(old + a, new + b, min(...)) < 0 */
function lessThan(old: Uint8Array, a: number, neu: Uint8Array, b: number): boolean {
  const max = Math.min(old.length - a, neu.length - b);
  for (let i = 0; i < max; i++) {
    const x = old[a + i] as number;
    const y = neu[b + i] as number;
    if (x !== y) return x < y;
  }
  return false;
}

function search(I: Int32Array, old: Uint8Array, neu: Uint8Array, scan: number, st: number, en: number): { len: number; pos: number } {
  while (en - st >= 2) {
    const x = st + Math.floor((en - st) / 2);
    if (lessThan(old, I[x] as number, neu, scan)) st = x;
    else en = x;
  }
  const x = matchlen(old, I[st] as number, neu, scan);
  const y = matchlen(old, I[en] as number, neu, scan);
  return x > y ? { len: x, pos: I[st] as number } : { len: y, pos: I[en] as number };
}

/** A patch turning `old` into `neu` (bspatch(old, patch, neu.length) gives `neu` back). */
export function bsdiff(old: Uint8Array, neu: Uint8Array): Uint8Array {
  const I = qsufsort(old);
  const oldsize = old.length;
  const newsize = neu.length;
  const chunks: Uint8Array[] = [];
  let scan = 0;
  let len = 0;
  let pos = 0;
  let lastscan = 0;
  let lastpos = 0;
  let lastoffset = 0;
  while (scan < newsize) {
    let oldscore = 0;
    scan += len;
    let scsc = scan;
    for (; scan < newsize; scan++) {
      const found = search(I, old, neu, scan, 0, oldsize);
      len = found.len;
      pos = found.pos;
      for (; scsc < scan + len; scsc++) if (scsc + lastoffset < oldsize && old[scsc + lastoffset] === neu[scsc]) oldscore++;
      if ((len === oldscore && len !== 0) || len > oldscore + 8) break;
      if (scan + lastoffset < oldsize && old[scan + lastoffset] === neu[scan]) oldscore--;
    }
    if (len !== oldscore || scan === newsize) {
      let s = 0;
      let Sf = 0;
      let lenf = 0;
      for (let i = 0; lastscan + i < scan && lastpos + i < oldsize; ) {
        if (old[lastpos + i] === neu[lastscan + i]) s++;
        i++;
        if (s * 2 - i > Sf * 2 - lenf) {
          Sf = s;
          lenf = i;
        }
      }
      let lenb = 0;
      if (scan < newsize) {
        let sb = 0;
        let Sb = 0;
        for (let i = 1; scan >= lastscan + i && pos >= i; i++) {
          if (old[pos - i] === neu[scan - i]) sb++;
          if (sb * 2 - i > Sb * 2 - lenb) {
            Sb = sb;
            lenb = i;
          }
        }
      }
      if (lastscan + lenf > scan - lenb) {
        const overlap = lastscan + lenf - (scan - lenb);
        let so = 0;
        let Ss = 0;
        let lens = 0;
        for (let i = 0; i < overlap; i++) {
          if (neu[lastscan + lenf - overlap + i] === old[lastpos + lenf - overlap + i]) so++;
          if (neu[scan - lenb + i] === old[pos - lenb + i]) so--;
          if (so > Ss) {
            Ss = so;
            lens = i + 1;
          }
        }
        lenf += lens - overlap;
        lenb -= lens;
      }
      const extra = scan - lenb - (lastscan + lenf);
      const chunk = new Uint8Array(24 + lenf + extra);
      offtout(lenf, chunk, 0);
      offtout(extra, chunk, 8);
      offtout(pos - lenb - (lastpos + lenf), chunk, 16);
      for (let i = 0; i < lenf; i++) chunk[24 + i] = ((neu[lastscan + i] as number) - (old[lastpos + i] as number)) & 0xff;
      chunk.set(neu.subarray(lastscan + lenf, lastscan + lenf + extra), 24 + lenf);
      chunks.push(chunk);
      lastscan = scan - lenb;
      lastpos = pos - lenb;
      lastoffset = pos - scan;
    }
  }
  return Buffer.concat(chunks);
}
