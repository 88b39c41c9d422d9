import { AtollError } from '../../errors/index.js';
import type { Variant } from '../../gvariant/index.js';
import { checksumFromBytes, checksumToBytes } from './checksum.js';
import { ObjectType } from './object-type.js';

/**
 * One entry of the `ostree.sizes` commit metadata (`commit --generate-sizes`): per object, the
 * size of its stored file (`.filez` in archive repos), its unpacked size (content bytes for
 * files, the object size for metadata) and its type. Commits themselves are not listed.
 */
export interface ObjectSizeEntry {
  readonly checksum: string;
  readonly archivedSize: number;
  readonly unpackedSize: number;
  /** Absent in entries written before ostree 2020.1. */
  readonly objectType?: ObjectType;
}

function pushVarint(out: number[], value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`size ${value} is not a non-negative integer`);
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function bad(why: string): AtollError {
  return new AtollError('OSTREE_OBJECT_BAD_METADATA', `invalid ostree.sizes entry: ${why}`, {});
}

/** 32 checksum bytes, LEB128 varint archived size, varint unpacked size, one type byte. */
export function encodeSizeEntry(entry: ObjectSizeEntry): Uint8Array {
  const tail: number[] = [];
  pushVarint(tail, entry.archivedSize);
  pushVarint(tail, entry.unpackedSize);
  if (entry.objectType !== undefined) tail.push(entry.objectType);
  const out = new Uint8Array(32 + tail.length);
  out.set(checksumToBytes(entry.checksum), 0);
  out.set(tail, 32);
  return out;
}

export function decodeSizeEntry(bytes: Uint8Array): ObjectSizeEntry {
  if (bytes.length < 34) throw bad(`${bytes.length} bytes is too short`);
  let pos = 32;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (let k = 0; k < 8; k++) {
      if (pos >= bytes.length) throw bad('truncated varint');
      const b = bytes[pos++] as number;
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value;
      scale *= 0x80;
    }
    throw bad('varint too long');
  };
  const archivedSize = varint();
  const unpackedSize = varint();
  const checksum = checksumFromBytes(bytes.subarray(0, 32));
  if (pos === bytes.length) return { checksum, archivedSize, unpackedSize };
  if (pos !== bytes.length - 1) throw bad(`${bytes.length - pos} trailing bytes`);
  const type = bytes[pos] as number;
  if (type < ObjectType.File || type > ObjectType.FileXattrsLink) throw bad(`unknown object type ${type}`);
  return { checksum, archivedSize, unpackedSize, objectType: type as ObjectType };
}

/** The `aay` variant for `ostree.sizes`, entries sorted by checksum as ostree writes them. */
export function sizesVariant(entries: readonly ObjectSizeEntry[]): Variant {
  const sorted = [...entries].sort((a, b) => (a.checksum < b.checksum ? -1 : a.checksum > b.checksum ? 1 : 0));
  return { type: 'aay', value: sorted.map(encodeSizeEntry) };
}

export function sizesFromVariant(value: Variant): ObjectSizeEntry[] {
  if (value.type !== 'aay') throw bad(`type '${value.type}', expected 'aay'`);
  return (value.value as Uint8Array[]).map(decodeSizeEntry);
}
