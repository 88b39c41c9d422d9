import { AtollError } from '../../errors/index.js';
import type { GVariantValue } from '../../gvariant/index.js';

/** One extended attribute. `name` has no trailing NUL (the codec adds it); `value` is raw bytes. */
export interface Xattr {
  readonly name: string;
  readonly value: Uint8Array;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Bytewise (strcmp) order of two UTF-8 names: what ostree sorts xattrs and dirtree entries by. */
export function compareNameBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

// Encoded `name\0` per xattr name: a tree has a handful of distinct names (security.selinux,
// user.*) repeated on every file, and encoding them each time showed up in commit profiles.
const nameBytesCache = new Map<string, Uint8Array>();

function nameBytes(name: string): Uint8Array {
  let bytes = nameBytesCache.get(name);
  if (bytes === undefined) {
    bytes = utf8.encode(`${name}\0`);
    if (nameBytesCache.size < 1024) nameBytesCache.set(name, bytes);
  }
  return bytes;
}

/**
 * The `a(ayay)` GVariant value for `xattrs` (the name arrays are shared: do not mutate them): names get their trailing NUL, entries are sorted by
 * name bytes (strcmp, as libglnx does). Duplicate or invalid names are refused.
 */
export function xattrsToGVariant(xattrs: readonly Xattr[]): Array<[Uint8Array, Uint8Array]> {
  const out: Array<[Uint8Array, Uint8Array]> = new Array(xattrs.length);
  for (let k = 0; k < xattrs.length; k++) {
    const { name, value } = xattrs[k] as Xattr;
    if (typeof name !== 'string' || name.length === 0 || name.includes('\0')) {
      throw new AtollError('OSTREE_OBJECT_BAD_XATTRS', `invalid xattr name '${String(name).slice(0, 80)}': must be non-empty without NUL`, { data: { name } });
    }
    if (!(value instanceof Uint8Array)) throw new TypeError(`xattr ${name}: value must be a Uint8Array`);
    out[k] = [nameBytes(name), value];
  }
  if (out.length > 1) {
    out.sort((a, b) => compareNameBytes(a[0], b[0]));
    for (let k = 1; k < out.length; k++) {
      if (compareNameBytes((out[k - 1] as [Uint8Array, Uint8Array])[0], (out[k] as [Uint8Array, Uint8Array])[0]) === 0) {
        const name = utf8Decoder.decode((out[k] as [Uint8Array, Uint8Array])[0]).slice(0, -1);
        throw new AtollError('OSTREE_OBJECT_BAD_XATTRS', `duplicate xattr '${name}'`, { data: { name } });
      }
    }
  }
  return out;
}

// The last few decoded names: every file of a tree repeats the same one or two xattr names, and
// decoding them was the top cost of reading file headers.
const recentNames: Array<{ bytes: Uint8Array; name: string }> = [];

function cachedName(bytes: Uint8Array, length: number): string | undefined {
  for (const entry of recentNames) {
    const cached = entry.bytes;
    if (cached.length !== length) continue;
    let k = 0;
    while (k < length && cached[k] === bytes[k]) k++;
    if (k === length) return entry.name;
  }
  return undefined;
}

function rememberName(bytes: Uint8Array, length: number, name: string): string {
  if (length <= 256) {
    if (recentNames.length >= 8) recentNames.pop();
    recentNames.unshift({ bytes: bytes.slice(0, length), name });
  }
  return name;
}

/**
 * Xattrs from a decoded `a(ayay)`. Each name must end with its NUL and be UTF-8; order is kept
 * as stored (ostree does not check it, so neither do we: the stored bytes are what is hashed).
 */
export function xattrsFromGVariant(value: GVariantValue, where: string): Xattr[] {
  const items = value as Array<[Uint8Array, Uint8Array]>;
  const out: Xattr[] = new Array(items.length);
  for (let k = 0; k < items.length; k++) {
    const [nameBytes, v] = items[k] as [Uint8Array, Uint8Array];
    const nul = nameBytes.indexOf(0);
    if (nameBytes.length < 2 || nul !== nameBytes.length - 1) {
      throw new AtollError('OSTREE_OBJECT_BAD_XATTRS', `invalid xattr name #${k} in ${where}: not a non-empty NUL-terminated name`, { data: { index: k } });
    }
    let name: string;
    try {
      name = cachedName(nameBytes, nul) ?? rememberName(nameBytes, nul, utf8Decoder.decode(nameBytes.subarray(0, nul)));
    } catch (cause) {
      throw new AtollError('OSTREE_OBJECT_BAD_XATTRS', `invalid xattr name #${k} in ${where}: not UTF-8`, { data: { index: k }, cause });
    }
    out[k] = { name, value: v };
  }
  return out;
}
