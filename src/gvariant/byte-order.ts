import { parseType, type GVariantType } from './type.js';
import type { GVariantValue, Variant } from './value.js';

/**
 * Byte swaps for the integers ostree stores big-endian inside little-endian GVariants (uid, gid,
 * mode, commit timestamps...). Applying a swap to a decoded value gives the real number;
 * applying it before encoding stores it as ostree does.
 */
export function bswap16(value: number): number {
  return ((value & 0xff) << 8) | ((value >>> 8) & 0xff);
}

export function bswap32(value: number): number {
  return (((value & 0xff) << 24) | ((value & 0xff00) << 8) | ((value >>> 8) & 0xff00) | ((value >>> 24) & 0xff)) >>> 0;
}

const view = new DataView(new ArrayBuffer(8));

export function bswap64(value: bigint): bigint {
  view.setBigUint64(0, BigInt.asUintN(64, value), true);
  return view.getBigUint64(0, false);
}

/**
 * GLib's `g_variant_byteswap()` on a decoded value: every 16/32/64-bit integer, handle and double
 * inside (through arrays, tuples, maybes and variants) is byte-swapped. ostree's CLI prints
 * metadata through it (`ostree show --print-metadata-key` dumps the swapped value, because
 * ostree's own integers are stored big-endian), so matching its output needs this too.
 */
export function byteswapGVariant(type: string | GVariantType, value: GVariantValue): GVariantValue {
  return swap(parseType(type), value);
}

const f64 = new DataView(new ArrayBuffer(8));

function swap(type: GVariantType, value: GVariantValue): GVariantValue {
  switch (type.code) {
    case 'n': { const v = bswap16(value as number); return v >= 0x8000 ? v - 0x10000 : v; }
    case 'q': return bswap16(value as number);
    case 'i': case 'h': return bswap32(value as number) | 0;
    case 'u': return bswap32(value as number);
    case 'x': return BigInt.asIntN(64, bswap64(BigInt.asUintN(64, value as bigint)));
    case 't': return bswap64(value as bigint);
    case 'd':
      f64.setFloat64(0, value as number, true);
      return f64.getFloat64(0, false);
    case 'v': {
      const v = value as Variant;
      return { type: v.type, value: swap(parseType(v.type), v.value) };
    }
    case 'm': return value === null ? null : swap(type.element as GVariantType, value);
    case 'a': {
      const element = type.element as GVariantType;
      if (element.code === 'y') return value;
      const items = value instanceof Map ? [...value.entries()] : (value as GVariantValue[]);
      return items.map((item) => swap(element, item));
    }
    case '(': case '{': {
      const members = type.members as readonly GVariantType[];
      return members.map((m, k) => swap(m, (value as GVariantValue[])[k] as GVariantValue));
    }
    default: return value;
  }
}
