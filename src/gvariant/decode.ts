import { AtollError } from '../errors/index.js';
import { MAX_DEPTH, offsetSizeFor, parseType, pickOffsetSize, type GVariantType } from './type.js';
import type { GVariantValue, Variant } from './value.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decoder over one buffer. Positions are absolute in `bytes`; error messages give them
 * relative to the start of the decoded value (`base`), which is what a hexdump of the object
 * shows.
 */
class Reader {
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array, readonly base: number) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  readOffset(at: number, width: number): number {
    if (width === 0) return 0;
    if (width === 1) return this.bytes[at] as number;
    if (width === 2) return this.view.getUint16(at, true);
    if (width === 4) return this.view.getUint32(at, true);
    const big = this.view.getBigUint64(at, true);
    return big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(big);
  }

  checkZero(type: GVariantType, from: number, to: number): void {
    for (let p = from; p < to; p++) {
      if (this.bytes[p] !== 0) throw new AtollError('GVARIANT_NOT_NORMAL', `invalid gvariant '${type.text}' at byte ${p - this.base}: non-zero padding byte`, { data: { type: type.text, offset: p - this.base } });
    }
  }

  value(type: GVariantType, start: number, end: number, depth: number): GVariantValue {
    const size = end - start;
    if (depth >= MAX_DEPTH) {
      throw new AtollError('GVARIANT_TOO_DEEP', `invalid gvariant '${type.text.slice(0, 40)}' at byte ${start - this.base}: nested deeper than ${MAX_DEPTH}`, { data: { type: type.text, offset: start - this.base } });
    }
    if (type.fixedSize !== 0 && size !== type.fixedSize) {
      throw new AtollError('GVARIANT_WRONG_SIZE', `invalid gvariant '${type.text}' at byte ${start - this.base}: size ${size}, expected ${type.fixedSize}`, {
        data: { type: type.text, offset: start - this.base, size },
      });
    }
    const v = this.view;
    switch (type.code) {
      case 'b': {
        const b = this.bytes[start] as number;
        if (b > 1) throw new AtollError('GVARIANT_BAD_BOOLEAN', `invalid gvariant 'b' at byte ${start - this.base}: boolean byte is ${b}, not 0 or 1`, { data: { type: 'b', offset: start - this.base } });
        return b === 1;
      }
      case 'y': return this.bytes[start] as number;
      case 'n': return v.getInt16(start, true);
      case 'q': return v.getUint16(start, true);
      case 'i': case 'h': return v.getInt32(start, true);
      case 'u': return v.getUint32(start, true);
      case 'x': return v.getBigInt64(start, true);
      case 't': return v.getBigUint64(start, true);
      case 'd': return v.getFloat64(start, true);
      case 's': case 'o': case 'g': return this.string(type, start, end);
      case 'v': return this.variant(type, start, end, depth);
      case 'm': {
        if (size === 0) return null;
        const element = type.element as GVariantType;
        if (element.fixedSize !== 0) return this.value(element, start, end, depth + 1);
        if (this.bytes[end - 1] !== 0) {
          throw new AtollError('GVARIANT_NOT_NORMAL', `invalid gvariant '${type.text}' at byte ${end - 1 - this.base}: maybe value lacks its trailing zero byte`, { data: { type: type.text, offset: end - 1 - this.base } });
        }
        return this.value(element, start, end - 1, depth + 1);
      }
      case 'a': return this.array(type, start, end, depth);
      case '(': case '{': return this.tuple(type, start, end, depth);
      default: throw new TypeError(`unhandled gvariant type ${type.text}`);
    }
  }

  string(type: GVariantType, start: number, end: number): string {
    const nul = end > start ? this.bytes.indexOf(0, start) : -1;
    if (nul === -1 || nul !== end - 1) {
      throw new AtollError('GVARIANT_BAD_STRING', `invalid gvariant '${type.text}' at byte ${start - this.base}: ${nul === -1 || nul >= end ? 'string is not NUL-terminated' : `string contains NUL at byte ${nul - this.base}`}`, {
        data: { type: type.text, offset: start - this.base },
      });
    }
    let text: string;
    try {
      text = utf8.decode(this.bytes.subarray(start, end - 1));
    } catch (cause) {
      throw new AtollError('GVARIANT_BAD_STRING', `invalid gvariant '${type.text}' at byte ${start - this.base}: string is not valid UTF-8`, { data: { type: type.text, offset: start - this.base }, cause });
    }
    if ((type.code === 'o' && !isObjectPath(text)) || (type.code === 'g' && !isSignature(text))) {
      throw new AtollError('GVARIANT_BAD_STRING', `invalid gvariant '${type.text}' at byte ${start - this.base}: '${text.slice(0, 60)}' is not a valid ${type.code === 'o' ? 'object path' : 'signature'}`, {
        data: { type: type.text, offset: start - this.base },
      });
    }
    return text;
  }

  variant(type: GVariantType, start: number, end: number, depth: number): Variant {
    let sep = end - 1;
    while (sep >= start && this.bytes[sep] !== 0) sep--;
    if (sep < start) {
      throw new AtollError('GVARIANT_BAD_VARIANT', `invalid gvariant 'v' at byte ${start - this.base}: no zero byte separates value and type`, { data: { type: type.text, offset: start - this.base } });
    }
    let childText = '';
    for (let p = sep + 1; p < end; p++) childText += String.fromCharCode(this.bytes[p] as number);
    let child: GVariantType;
    try {
      child = parseType(childText);
    } catch (cause) {
      throw new AtollError('GVARIANT_BAD_VARIANT', `invalid gvariant 'v' at byte ${sep + 1 - this.base}: '${childText.slice(0, 60)}' is not a single complete type`, { data: { type: type.text, offset: sep + 1 - this.base }, cause });
    }
    // GLib (G_VARIANT_MAX_RECURSION_DEPTH): the deepest level the child's type can reach, counted
    // from the top-level value at 0, must stay below 128, whether or not values fill it.
    if (depth + typeDepth(child) >= MAX_DEPTH) {
      throw new AtollError('GVARIANT_TOO_DEEP', `invalid gvariant 'v' at byte ${start - this.base}: nested deeper than ${MAX_DEPTH}`, { data: { type: type.text, offset: start - this.base } });
    }
    return { type: child.text, value: this.value(child, start, sep, depth + 1) };
  }

  array(type: GVariantType, start: number, end: number, depth: number): GVariantValue {
    const element = type.element as GVariantType;
    const size = end - start;
    if (element.code === 'y') return this.bytes.slice(start, end);
    if (element.fixedSize !== 0) {
      if (size % element.fixedSize !== 0) {
        throw new AtollError('GVARIANT_WRONG_SIZE', `invalid gvariant '${type.text}' at byte ${start - this.base}: size ${size} is not a multiple of element size ${element.fixedSize}`, {
          data: { type: type.text, offset: start - this.base, size },
        });
      }
      const out: GVariantValue[] = new Array(size / element.fixedSize);
      for (let k = 0, p = start; p < end; k++, p += element.fixedSize) out[k] = this.value(element, p, p + element.fixedSize, depth + 1);
      return out;
    }
    if (size === 0) return [];
    const width = offsetSizeFor(size);
    const tableStart = this.readOffset(end - width, width);
    const tableSize = size - tableStart;
    if (tableStart > size || tableSize % width !== 0 || tableSize === 0) {
      throw new AtollError('GVARIANT_BAD_OFFSET', `invalid gvariant '${type.text}' at byte ${end - width - this.base}: last framing offset ${tableStart} does not start a whole offset table in ${size} bytes`, {
        data: { type: type.text, offset: end - width - this.base },
      });
    }
    const count = tableSize / width;
    if (pickOffsetSize(tableStart, count) !== width) {
      throw new AtollError('GVARIANT_NOT_NORMAL', `invalid gvariant '${type.text}' at byte ${start - this.base}: ${width}-byte framing offsets are not minimal`, { data: { type: type.text, offset: start - this.base } });
    }
    const out: GVariantValue[] = new Array(count);
    let prevEnd = 0;
    const align = element.alignment;
    for (let k = 0; k < count; k++) {
      const at = start + tableStart + k * width;
      const elemEnd = this.readOffset(at, width);
      const elemStart = (prevEnd + align - 1) & -align;
      if (elemEnd < elemStart || elemEnd > tableStart) {
        throw new AtollError('GVARIANT_BAD_OFFSET', `invalid gvariant '${type.text}' at byte ${at - this.base}: framing offset ${elemEnd} of element ${k} is out of order or out of bounds`, {
          data: { type: type.text, offset: at - this.base },
        });
      }
      this.checkZero(type, start + prevEnd, start + elemStart);
      out[k] = this.value(element, start + elemStart, start + elemEnd, depth + 1);
      prevEnd = elemEnd;
    }
    return out;
  }

  tuple(type: GVariantType, start: number, end: number, depth: number): GVariantValue[] {
    const members = type.members as readonly GVariantType[];
    const size = end - start;
    const last = members.length - 1;
    let offsetCount = 0;
    for (let k = 0; k < last; k++) if ((members[k] as GVariantType).fixedSize === 0) offsetCount++;
    const width = type.fixedSize !== 0 ? 0 : offsetSizeFor(size);
    const dataEnd = size - width * offsetCount;
    if (dataEnd < 0) {
      throw new AtollError('GVARIANT_BAD_OFFSET', `invalid gvariant '${type.text}' at byte ${start - this.base}: ${size} bytes cannot hold ${offsetCount} framing offsets`, { data: { type: type.text, offset: start - this.base } });
    }
    // GLib quirk kept on purpose: a zero-byte tuple has 0-byte offsets that read as 0, so e.g.
    // an empty `(asas)` (or dirtree) counts as normal form although GLib itself writes `00`.
    if (offsetCount > 0 && size > 0 && pickOffsetSize(dataEnd, offsetCount) !== width) {
      throw new AtollError('GVARIANT_NOT_NORMAL', `invalid gvariant '${type.text}' at byte ${start - this.base}: ${width}-byte framing offsets are not minimal`, { data: { type: type.text, offset: start - this.base } });
    }
    const out: GVariantValue[] = new Array(members.length);
    let pos = 0;
    let nextOffset = 1;
    for (let k = 0; k <= last; k++) {
      const member = members[k] as GVariantType;
      const memberStart = (pos + member.alignment - 1) & -member.alignment;
      let memberEnd: number;
      if (member.fixedSize !== 0) memberEnd = memberStart + member.fixedSize;
      else if (k !== last) {
        const at = end - width * nextOffset++;
        memberEnd = this.readOffset(at, width);
        if (memberEnd < memberStart || memberEnd > dataEnd) {
          throw new AtollError('GVARIANT_BAD_OFFSET', `invalid gvariant '${type.text}' at byte ${at - this.base}: framing offset ${memberEnd} of member ${k} is out of order or out of bounds`, {
            data: { type: type.text, offset: at - this.base },
          });
        }
      } else memberEnd = dataEnd;
      if (memberEnd > dataEnd || memberStart > memberEnd) {
        throw new AtollError('GVARIANT_WRONG_SIZE', `invalid gvariant '${type.text}' at byte ${start + memberStart - this.base}: member ${k} ('${member.text}') does not fit in ${size} bytes`, {
          data: { type: type.text, offset: start + memberStart - this.base },
        });
      }
      this.checkZero(type, start + pos, start + memberStart);
      out[k] = this.value(member, start + memberStart, start + memberEnd, depth + 1);
      pos = memberEnd;
    }
    if (type.fixedSize !== 0) {
      // Trailing padding up to the fixed size (the unit tuple's single byte included).
      this.checkZero(type, start + pos, end);
    } else if (pos !== dataEnd) {
      throw new AtollError('GVARIANT_WRONG_SIZE', `invalid gvariant '${type.text}' at byte ${start + pos - this.base}: ${dataEnd - pos} unexpected bytes after the last member`, {
        data: { type: type.text, offset: start + pos - this.base },
      });
    }
    return out;
  }
}

/** Levels in a type: 1 for a basic type or `v`, plus one per enclosing container. */
function typeDepth(type: GVariantType): number {
  if (type.element) return 1 + typeDepth(type.element);
  if (type.members) return 1 + Math.max(0, ...type.members.map(typeDepth));
  return 1;
}

const OBJECT_PATH = /^\/$|^(\/[A-Za-z0-9_]+)+$/;

export function isObjectPath(text: string): boolean {
  return OBJECT_PATH.test(text);
}

/** D-Bus signature: zero or more complete types, without maybe types. */
export function isSignature(text: string): boolean {
  if (!/^[ybnqiuxthdvasog(){}]*$/.test(text)) return false;
  // Scan complete types one by one.
  let pos = 0;
  while (pos < text.length) {
    const next = scanOne(text, pos);
    if (next < 0) return false;
    pos = next;
  }
  return true;
}

function scanOne(text: string, pos: number): number {
  for (let end = pos + 1; end <= text.length; end++) {
    // Cheap enough for signatures (short strings): the shortest prefix that parses is the type.
    try {
      parseType(text.slice(pos, end));
      return end;
    } catch {
      // keep extending
    }
  }
  return -1;
}

/**
 * Decode `bytes` as `type`, validating GVariant normal form (GLib's `g_variant_is_normal_form`):
 * minimal framing offsets, zero padding, exact fixed sizes, booleans 0/1, NUL-terminated UTF-8
 * strings, well-formed variants. Any violation throws a `GVARIANT_*` AtollError naming the type
 * and the byte offset. The input is never modified; `ay` values are copies.
 */
export function decodeGVariant(type: string | GVariantType, bytes: Uint8Array): GVariantValue {
  const t = parseType(type);
  return new Reader(bytes, 0).value(t, 0, bytes.length, 0);
}

/** Decode a serialized `v` (value, zero byte, type string). */
export function decodeVariant(bytes: Uint8Array): Variant {
  return decodeGVariant('v', bytes) as Variant;
}

/** True when `bytes` is a normal-form serialization of `type`. */
export function isNormalForm(type: string | GVariantType, bytes: Uint8Array): boolean {
  try {
    decodeGVariant(type, bytes);
    return true;
  } catch (error) {
    if (error instanceof AtollError) return false;
    throw error;
  }
}
