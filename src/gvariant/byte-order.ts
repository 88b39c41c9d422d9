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
