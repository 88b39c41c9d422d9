/**
 * The iteration order of a GLib GHashTable keyed by strings (g_str_hash, g_str_equal), for a
 * table that received `keys` in this order. `ostree commit --bootable` builds its metadata
 * through a GVariantDict (a GHashTable), so the stored key order — and therefore the commit
 * checksum — is this order. Model of GLib 2.74's ghash.c: djb2 hash over *signed* chars,
 * bucket = (hash * 11 mod 2^32) % prime_mod[shift], quadratic probing within the power-of-two
 * table, growth when the table is 15/16 full to 2^bits(n * 1.333). The table is rebuilt at its
 * final size in insertion order, which equals GLib's in-place relocation unless keys collide
 * across a resize (not the case for ostree's handful of metadata keys; checked against ostree).
 */
const PRIME_MOD = [1, 2, 3, 7, 13, 31, 61, 127, 251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521];
const MIN_SHIFT = 3;

export function gStrHash(key: string): number {
  let h = 5381;
  for (const byte of Buffer.from(key, 'utf8')) {
    const signed = byte >= 128 ? byte - 256 : byte;
    h = (Math.imul(h, 33) + signed) >>> 0;
  }
  return h;
}

function finalShift(count: number): number {
  let shift = MIN_SHIFT;
  let size = 1 << shift;
  while (size <= count + Math.floor(count / 16)) {
    let n = Math.floor(count * 1.333);
    let bits = 0;
    while (n) {
      n >>= 1;
      bits++;
    }
    shift = Math.max(bits, MIN_SHIFT);
    if (1 << shift === size) break;
    size = 1 << shift;
  }
  return shift;
}

export function glibHashTableOrder(keys: readonly string[]): string[] {
  const unique = [...new Set(keys)];
  const shift = finalShift(unique.length);
  const size = 1 << shift;
  const mod = PRIME_MOD[shift] as number;
  const mask = size - 1;
  const table: Array<string | undefined> = new Array(size);
  for (const key of unique) {
    let hash = gStrHash(key);
    if (hash < 2) hash = 2;
    let index = (Math.imul(hash, 11) >>> 0) % mod;
    let step = 0;
    while (table[index] !== undefined) {
      step++;
      index = (index + step) & mask;
    }
    table[index] = key;
  }
  return table.filter((k): k is string => k !== undefined);
}
