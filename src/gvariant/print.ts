import { parseType, type GVariantType } from './type.js';
import type { GVariantValue, Variant } from './value.js';

/**
 * GVariant text format exactly as GLib's `g_variant_print()` writes it: what `ostree show
 * --print-metadata-key`, `ostree summary -v` and rpm-ostree print for metadata values. With
 * `typeAnnotate` (GLib's flag), integer types other than int32, empty containers and Nothing get
 * their type prefixes (`uint32 5`, `@as []`); values inside variants are always annotated.
 */
export function printGVariant(type: string | GVariantType, value: GVariantValue, typeAnnotate = true): string {
  const out: string[] = [];
  print(parseType(type), value, typeAnnotate, out);
  return out.join('');
}

const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cn}\p{Cs}]/u;
const SHORT_ESCAPES: Record<number, string> = { 7: 'a', 8: 'b', 12: 'f', 10: 'n', 13: 'r', 9: 't', 11: 'v' };

function printString(text: string): string {
  const quote = text.includes("'") ? '"' : "'";
  let s = quote;
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    if (ch === quote || ch === '\\') s += '\\';
    if (!NOT_PRINTABLE.test(ch)) s += ch;
    else if (c < 0x10000) s += `\\${SHORT_ESCAPES[c] ?? `u${c.toString(16).padStart(4, '0')}`}`;
    else s += `\\U${c.toString(16).padStart(8, '0')}`;
  }
  return s + quote;
}

/** GLib's g_strescape (no exceptions): C escapes, octal for other control and non-ASCII bytes. */
function strescape(bytes: Uint8Array): string {
  const named: Record<number, string> = { 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v', 0x5c: '\\\\', 0x22: '\\"' };
  let s = '';
  for (const b of bytes) {
    const n = named[b];
    if (n !== undefined) s += n;
    else if (b < 0x20 || b >= 0x7f) s += `\\${b.toString(8).padStart(3, '0')}`;
    else s += String.fromCharCode(b);
  }
  return s;
}

/**
 * C's `%.17g` as g_ascii_dtostr writes it. JS's toFixed/toPrecision break exact decimal ties
 * upwards while glibc rounds them to even, so the digits come from the exact binary value.
 */
function dtostr(d: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (!Number.isFinite(d)) return d > 0 ? 'inf' : '-inf';
  const sign = d < 0 || Object.is(d, -0) ? '-' : '';
  if (d === 0) return `${sign}0`;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(d));
  const bits = view.getBigUint64(0);
  const expField = Number(bits >> 52n);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = expField === 0 ? fraction : fraction | (1n << 52n);
  const e2 = (expField === 0 ? 1 : expField) - 1075;
  // value = digits × 10^k exactly
  const [exactDigits, k] = e2 >= 0 ? [(mantissa << BigInt(e2)).toString(), 0] : [(mantissa * 5n ** BigInt(-e2)).toString(), e2];
  let exp10 = exactDigits.length - 1 + k;
  let head = exactDigits.slice(0, 17).padEnd(17, '0');
  const rest = exactDigits.slice(17);
  if (rest.length > 0) {
    const first = rest.charCodeAt(0) - 48;
    const tail = /[1-9]/.test(rest.slice(1));
    const last = head.charCodeAt(16) - 48;
    if (first > 5 || (first === 5 && (tail || last % 2 === 1))) {
      head = (BigInt(head) + 1n).toString();
      if (head.length > 17) {
        head = head.slice(0, 17);
        exp10++;
      }
    }
  }
  const strip = (text: string): string => text.replace(/0+$/, '');
  if (exp10 < -4 || exp10 >= 17) {
    const frac = strip(head.slice(1));
    return `${sign}${head[0]}${frac ? `.${frac}` : ''}e${exp10 < 0 ? '-' : '+'}${String(Math.abs(exp10)).padStart(2, '0')}`;
  }
  if (exp10 >= 0) {
    const frac = strip(head.slice(exp10 + 1));
    return `${sign}${head.slice(0, exp10 + 1)}${frac ? `.${frac}` : ''}`;
  }
  return `${sign}0.${'0'.repeat(-exp10 - 1)}${strip(head)}`;
}

function print(type: GVariantType, value: GVariantValue, annotate: boolean, out: string[]): void {
  switch (type.code) {
    case 'm': {
      if (annotate) out.push(`@${type.text} `);
      if (value === null) out.push('nothing');
      else print(type.element as GVariantType, value, false, out);
      return;
    }
    case 'a': {
      const element = type.element as GVariantType;
      if (element.code === 'y') {
        const bytes = value as Uint8Array;
        const nul = bytes.indexOf(0);
        if (bytes.length > 0 && nul === bytes.length - 1) {
          const body = bytes.subarray(0, -1);
          const quote = body.includes(0x27) ? '"' : "'";
          out.push(`b${quote}${strescape(body)}${quote}`);
          return;
        }
      }
      const items: readonly GVariantValue[] = element.code === 'y' ? [...(value as Uint8Array)] : value instanceof Map ? [...value.entries()] : (value as GVariantValue[]);
      if (items.length === 0) {
        if (annotate) out.push(`@${type.text} `);
        out.push(element.code === '{' ? '{}' : '[]');
        return;
      }
      if (element.code === '{') {
        const [keyType, valueType] = element.members as [GVariantType, GVariantType];
        out.push('{');
        items.forEach((item, k) => {
          if (k > 0) out.push(', ');
          const [key, v] = item as [GVariantValue, GVariantValue];
          print(keyType, key, annotate && k === 0, out);
          out.push(': ');
          print(valueType, v, annotate && k === 0, out);
        });
        out.push('}');
        return;
      }
      out.push('[');
      items.forEach((item, k) => {
        if (k > 0) out.push(', ');
        print(element, item, annotate && k === 0, out);
      });
      out.push(']');
      return;
    }
    case '(': {
      const members = type.members as readonly GVariantType[];
      const values = value as readonly GVariantValue[];
      out.push('(');
      members.forEach((m, k) => {
        if (k > 0) out.push(', ');
        print(m, values[k] as GVariantValue, annotate, out);
      });
      if (members.length === 1) out.push(',');
      out.push(')');
      return;
    }
    case '{': {
      const [k, v] = type.members as [GVariantType, GVariantType];
      const [key, val] = value as [GVariantValue, GVariantValue];
      out.push('{');
      print(k, key, annotate, out);
      out.push(', ');
      print(v, val, annotate, out);
      out.push('}');
      return;
    }
    case 'v': {
      const child = value as Variant;
      out.push('<');
      print(parseType(child.type), child.value, true, out);
      out.push('>');
      return;
    }
    case 'b': out.push(value ? 'true' : 'false'); return;
    case 's': out.push(printString(value as string)); return;
    case 'o': out.push(`${annotate ? 'objectpath ' : ''}'${value as string}'`); return;
    case 'g': out.push(`${annotate ? 'signature ' : ''}'${value as string}'`); return;
    case 'y': out.push(`${annotate ? 'byte ' : ''}0x${(value as number).toString(16).padStart(2, '0')}`); return;
    case 'd': {
      let text = dtostr(value as number);
      if (!/[.enN]/.test(text)) text += '.0';
      out.push(text);
      return;
    }
    default: {
      const prefix: Record<string, string> = { n: 'int16 ', q: 'uint16 ', i: '', h: 'handle ', u: 'uint32 ', x: 'int64 ', t: 'uint64 ' };
      out.push(`${annotate ? (prefix[type.code] ?? '') : ''}${String(value)}`);
    }
  }
}

/** `printGVariant` for a tagged value (e.g. one entry of an `a{sv}`). */
export function printVariant(v: Variant, typeAnnotate = true): string {
  return printGVariant(v.type, v.value, typeAnnotate);
}
