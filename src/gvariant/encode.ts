import { AtollError } from '../errors/index.js';
import { parseType, pickOffsetSize, type GVariantType } from './type.js';
import type { GVariantValue, Variant } from './value.js';

const utf8 = new TextEncoder();

/**
 * Append-only byte buffer. Bytes past `length` are always zero (the buffer only grows by
 * zero-filled reallocation and is never rewound), so alignment padding is just a cursor move.
 */
export class ByteWriter {
  buf: Uint8Array;
  view: DataView;
  length = 0;

  constructor(initialSize = 256) {
    this.buf = new Uint8Array(initialSize);
    this.view = new DataView(this.buf.buffer);
  }

  ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Pad with zeros to a multiple of `alignment` (a power of two). */
  align(alignment: number): void {
    const target = (this.length + alignment - 1) & -alignment;
    if (target !== this.length) {
      this.ensure(target - this.length);
      this.length = target;
    }
  }

  bytes(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  byte(value: number): void {
    this.ensure(1);
    this.buf[this.length++] = value;
  }

  /** Little-endian framing offset of width 1, 2, 4 or 8. */
  offset(value: number, width: number): void {
    this.ensure(width);
    const at = this.length;
    if (width === 1) this.buf[at] = value;
    else if (width === 2) this.view.setUint16(at, value, true);
    else if (width === 4) this.view.setUint32(at, value, true);
    else this.view.setBigUint64(at, BigInt(value), true);
    this.length += width;
  }

  /** Append the framing offsets of a container that started at `start`. */
  offsets(start: number, ends: readonly number[]): void {
    if (ends.length === 0) return;
    const width = pickOffsetSize(this.length - start, ends.length);
    for (const end of ends) this.offset(end, width);
  }

  /** The written bytes (a view, not a copy). */
  result(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

function mismatch(type: GVariantType, path: string, why: string): AtollError {
  return new AtollError('GVARIANT_VALUE_MISMATCH', `cannot encode ${why} as gvariant type '${type.text}' at ${path || 'top level'}`, {
    data: { type: type.text, path },
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return 'a Uint8Array';
  if (Array.isArray(value)) return 'an array';
  return `${typeof value} ${typeof value === 'object' ? '' : String(value).slice(0, 40)}`.trim();
}

const INT_RANGE: Record<string, [number, number]> = {
  y: [0, 0xff], n: [-0x8000, 0x7fff], q: [0, 0xffff], i: [-0x80000000, 0x7fffffff], u: [0, 0xffffffff], h: [-0x80000000, 0x7fffffff],
};

function encodeValue(w: ByteWriter, type: GVariantType, value: GVariantValue, path: string): void {
  switch (type.code) {
    case 'b':
      if (typeof value !== 'boolean') throw mismatch(type, path, describe(value));
      w.byte(value ? 1 : 0);
      return;
    case 'y': case 'n': case 'q': case 'i': case 'u': case 'h': {
      const [lo, hi] = INT_RANGE[type.code] as [number, number];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < lo || value > hi) throw mismatch(type, path, describe(value));
      w.ensure(type.fixedSize);
      const at = w.length;
      if (type.code === 'y') w.buf[at] = value;
      else if (type.code === 'n') w.view.setInt16(at, value, true);
      else if (type.code === 'q') w.view.setUint16(at, value, true);
      else if (type.code === 'u') w.view.setUint32(at, value, true);
      else w.view.setInt32(at, value, true);
      w.length += type.fixedSize;
      return;
    }
    case 'x': case 't': {
      let big: bigint;
      if (typeof value === 'bigint') big = value;
      else if (typeof value === 'number' && Number.isSafeInteger(value)) big = BigInt(value);
      else throw mismatch(type, path, describe(value));
      const ok = type.code === 't' ? big >= 0n && big <= 0xffffffffffffffffn : big >= -(2n ** 63n) && big < 2n ** 63n;
      if (!ok) throw mismatch(type, path, `out-of-range ${big}`);
      w.ensure(8);
      if (type.code === 't') w.view.setBigUint64(w.length, big, true);
      else w.view.setBigInt64(w.length, big, true);
      w.length += 8;
      return;
    }
    case 'd':
      if (typeof value !== 'number') throw mismatch(type, path, describe(value));
      w.ensure(8);
      w.view.setFloat64(w.length, value, true);
      w.length += 8;
      return;
    case 's': case 'o': case 'g': {
      if (typeof value !== 'string') throw mismatch(type, path, describe(value));
      if (value.includes('\0')) throw mismatch(type, path, 'a string containing NUL');
      if (!(value as unknown as { isWellFormed(): boolean }).isWellFormed()) throw mismatch(type, path, 'a string with lone surrogates');
      const bytes = utf8.encode(value);
      w.bytes(bytes);
      w.byte(0);
      return;
    }
    case 'v': {
      const v = value as Variant;
      if (typeof v !== 'object' || v === null || typeof v.type !== 'string' || !('value' in v)) throw mismatch(type, path, describe(value));
      const child = parseType(v.type);
      encodeValue(w, child, v.value, `${path}<${child.text}>`);
      w.byte(0);
      w.ensure(child.text.length);
      for (let k = 0; k < child.text.length; k++) w.buf[w.length++] = child.text.charCodeAt(k);
      return;
    }
    case 'm': {
      if (value === null || value === undefined) return;
      const element = type.element as GVariantType;
      encodeValue(w, element, value, `${path}?`);
      if (element.fixedSize === 0) w.byte(0);
      return;
    }
    case 'a': {
      const element = type.element as GVariantType;
      if (element.code === 'y') {
        if (!(value instanceof Uint8Array)) throw mismatch(type, path, describe(value));
        w.bytes(value);
        return;
      }
      let items: readonly GVariantValue[];
      if (Array.isArray(value)) items = value;
      else if (value instanceof Map && element.code === '{') items = [...(value as Map<GVariantValue, GVariantValue>).entries()];
      else throw mismatch(type, path, describe(value));
      if (element.fixedSize !== 0) {
        for (let k = 0; k < items.length; k++) encodeValue(w, element, items[k] as GVariantValue, `${path}[${k}]`);
        return;
      }
      const start = w.length;
      const ends: number[] = new Array(items.length);
      for (let k = 0; k < items.length; k++) {
        w.align(element.alignment);
        encodeValue(w, element, items[k] as GVariantValue, `${path}[${k}]`);
        ends[k] = w.length - start;
      }
      w.offsets(start, ends);
      return;
    }
    case '(': case '{': {
      const members = type.members as readonly GVariantType[];
      if (!Array.isArray(value) || value.length !== members.length) {
        throw mismatch(type, path, Array.isArray(value) ? `an array of ${value.length} members` : describe(value));
      }
      const start = w.length;
      const ends: number[] = [];
      const last = members.length - 1;
      for (let k = 0; k <= last; k++) {
        const member = members[k] as GVariantType;
        w.align(member.alignment);
        encodeValue(w, member, value[k] as GVariantValue, `${path}.${k}`);
        if (member.fixedSize === 0 && k !== last) ends.push(w.length - start);
      }
      if (type.fixedSize !== 0) {
        // Trailing padding (or the unit tuple's single byte): bytes past length are zero.
        const target = start + type.fixedSize;
        w.ensure(target - w.length);
        w.length = target;
        return;
      }
      ends.reverse();
      w.offsets(start, ends);
      return;
    }
    default:
      throw new TypeError(`unhandled gvariant type ${type.text}`);
  }
}

/** Append `value` to `writer`; the writer's current length must be aligned for `type`. */
export function encodeInto(writer: ByteWriter, type: string | GVariantType, value: GVariantValue): void {
  encodeValue(writer, parseType(type), value, '');
}

/**
 * Serialize `value` as `type` in GVariant normal form (little-endian integers, minimal framing
 * offsets, zero padding). Throws GVARIANT_VALUE_MISMATCH if the value does not fit the type.
 */
export function encodeGVariant(type: string | GVariantType, value: GVariantValue): Uint8Array {
  const t = parseType(type);
  const w = new ByteWriter(t.fixedSize || 256);
  encodeValue(w, t, value, '');
  return w.result();
}

/** Serialize a variant (`v`): its value, a zero byte and its type string. */
export function encodeVariant(value: Variant): Uint8Array {
  return encodeGVariant('v', value);
}
