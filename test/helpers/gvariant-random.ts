// Seeded random GVariant types and values, for round-trip tests and the GLib cross-check.
import type { GVariantValue, Variant } from '../../src/gvariant/index.js';
import { parseType, type GVariantType } from '../../src/gvariant/index.js';
import { mulberry32 as rng } from '../../src/util/index.js';
export { rng };


const BASICS = 'bynqiuxthdsog';

export class RandomGVariant {
  readonly next: () => number;
  constructor(seed: number, readonly maxArray = 5) {
    this.next = rng(seed);
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[] | string): T {
    return items[this.int(items.length)] as T;
  }

  /** A random type string; `depth` bounds nesting. Maybe-of-maybe is avoided (see value.ts). */
  typeString(depth = 3, noMaybe = false): string {
    const r = this.next();
    if (depth <= 0 || r < 0.35) return this.pick<string>(BASICS);
    if (r < 0.45) return 'v';
    if (r < 0.55 && !noMaybe) return `m${this.typeString(depth - 1, true)}`;
    if (r < 0.72) return `a${this.typeString(depth - 1)}`;
    if (r < 0.8) return `a{${this.pick(BASICS)}${this.typeString(depth - 1)}}`;
    if (r < 0.83) return `{${this.pick(BASICS)}${this.typeString(depth - 1)}}`;
    const n = this.int(5);
    let members = '';
    for (let k = 0; k < n; k++) members += this.typeString(depth - 1);
    return `(${members})`;
  }

  string(): string {
    const alphabet = ['a', 'b', 'z', ' ', '/', '.', 'é', 'ß', '€', '😀', '\u{10ffff}', '\n', 'Ω'];
    const len = this.next() < 0.1 ? 0 : this.int(12);
    let s = '';
    for (let k = 0; k < len; k++) s += this.pick(alphabet);
    return s;
  }

  objectPath(): string {
    const n = this.int(4);
    if (n === 0) return '/';
    let p = '';
    for (let k = 0; k < n; k++) p += `/${'ab_9Z'.slice(0, 1 + this.int(5))}`;
    return p;
  }

  signature(): string {
    let s = '';
    const n = this.int(3);
    for (let k = 0; k < n; k++) {
      let t = this.typeString(2, true);
      while (t.includes('m')) t = this.typeString(2, true);
      s += t;
    }
    return s;
  }

  value(typeText: string | GVariantType, depth = 0): GVariantValue {
    const type = parseType(typeText);
    switch (type.code) {
      case 'b': return this.next() < 0.5;
      case 'y': return this.int(256);
      case 'n': return this.int(65536) - 32768;
      case 'q': return this.int(65536);
      case 'i': case 'h': return (this.int(2 ** 32) | 0);
      case 'u': return this.int(2 ** 32);
      case 'x': return BigInt.asIntN(64, (BigInt(this.int(2 ** 32)) << 32n) | BigInt(this.int(2 ** 32)));
      case 't': return (BigInt(this.int(2 ** 32)) << 32n) | BigInt(this.int(2 ** 32));
      case 'd': {
        const specials = [0, -0, 1.5, -1e300, Infinity, -Infinity, 5e-324];
        return this.next() < 0.3 ? this.pick(specials) : (this.next() - 0.5) * 10 ** this.int(20);
      }
      case 's': return this.string();
      case 'o': return this.objectPath();
      case 'g': return this.signature();
      case 'v': {
        const t: string = depth > 3 ? this.pick<string>(BASICS) : this.typeString(2);
        const v: Variant = { type: t, value: this.value(t, depth + 1) };
        return v;
      }
      case 'm': return this.next() < 0.3 ? null : this.value(type.element as GVariantType, depth + 1);
      case 'a': {
        const element = type.element as GVariantType;
        const n = this.next() < 0.2 ? 0 : this.int(this.maxArray + 1);
        if (element.code === 'y') {
          const bytes = new Uint8Array(n * 3);
          for (let k = 0; k < bytes.length; k++) bytes[k] = this.int(256);
          return bytes;
        }
        return Array.from({ length: n }, () => this.value(element, depth + 1));
      }
      case '(': case '{':
        return (type.members as GVariantType[]).map((m) => this.value(m, depth + 1));
      default:
        throw new TypeError(type.text);
    }
  }
}

/** JSON form of a value for the python oracle (bigints as strings, doubles and bytes as hex). */
export function toOracleJson(typeText: string | GVariantType, value: GVariantValue): unknown {
  const type = parseType(typeText);
  switch (type.code) {
    case 'x': case 't': return String(value);
    case 'd': {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(value as number);
      return b.toString('hex');
    }
    case 'v': {
      const v = value as Variant;
      return { t: v.type, v: toOracleJson(v.type, v.value) };
    }
    case 'm': return value === null ? null : [toOracleJson(type.element as GVariantType, value)];
    case 'a': {
      const element = type.element as GVariantType;
      if (element.code === 'y') return Buffer.from(value as Uint8Array).toString('hex');
      return (value as GVariantValue[]).map((e) => toOracleJson(element, e));
    }
    case '(': case '{': return (type.members as GVariantType[]).map((m, k) => toOracleJson(m, (value as GVariantValue[])[k] as GVariantValue));
    default: return value;
  }
}
