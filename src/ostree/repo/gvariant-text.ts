import { parseType, type GVariantType, type GVariantValue, type Variant } from '../../gvariant/index.js';

/**
 * GLib's g_variant_print() text form, as `ostree show --print-metadata-key` and `ls -X` print
 * values: `'1.2'`, `uint64 5`, `['a', 'b']`, `@as []`, `b'abc'`, `<'v'>`. Output only; the
 * binary codec is in gvariant/.
 */
export function printGVariant(type: string | GVariantType, value: GVariantValue, annotate = true): string {
  return print(parseType(type), value, annotate);
}

export function printVariant(v: Variant, annotate = true): string {
  return printGVariant(v.type, v.value, annotate);
}

const ANNOTATION: Record<string, string> = { y: 'byte', n: 'int16', q: 'uint16', u: 'uint32', x: 'int64', t: 'uint64', h: 'handle', o: 'objectpath', g: 'signature' };

function print(t: GVariantType, value: GVariantValue, annotate: boolean): string {
  const prefix = annotate && ANNOTATION[t.code] ? `${ANNOTATION[t.code]} ` : '';
  switch (t.code) {
    case 'b':
      return value ? 'true' : 'false';
    case 'y':
      return `${prefix}0x${(value as number).toString(16).padStart(2, '0')}`;
    case 'n': case 'q': case 'i': case 'u': case 'h': case 'x': case 't':
      return `${prefix}${String(value)}`;
    case 'd': {
      const text = String(value);
      return /[.eEn]/.test(text) ? text : `${text}.0`;
    }
    case 's': case 'o': case 'g':
      return `${prefix}${quote(value as string)}`;
    case 'v': {
      const v = value as Variant;
      return `<${printGVariant(v.type, v.value, true)}>`;
    }
    case 'm': {
      const inner = t.element as GVariantType;
      const head = annotate ? `@${t.text} ` : '';
      if (value === null) return `${head}nothing`;
      const body = inner.code === 'm' ? `just ${print(inner, value, false)}` : print(inner, value, false);
      return `${head}${body}`;
    }
    case 'a': {
      const element = t.element as GVariantType;
      if (element.code === 'y') {
        const bytes = value as Uint8Array;
        if (bytes.length === 0) return annotate ? `@${t.text} []` : '[]';
        const nul = bytes.indexOf(0);
        if (nul === bytes.length - 1) return `b${quoteBytes(bytes.subarray(0, nul))}`;
        return `[${[...bytes].map((b, i) => print(element, b, annotate && i === 0)).join(', ')}]`;
      }
      const items = (value instanceof Map ? [...value] : value) as GVariantValue[];
      if (items.length === 0) return annotate ? `@${t.text} ${element.code === '{' ? '{}' : '[]'}` : element.code === '{' ? '{}' : '[]';
      if (element.code === '{') {
        const [kt, vt] = element.members as GVariantType[];
        return `{${items
          .map((item, i) => {
            const [k, v] = item as [GVariantValue, GVariantValue];
            return `${print(kt as GVariantType, k, annotate && i === 0)}: ${print(vt as GVariantType, v, annotate && i === 0)}`;
          })
          .join(', ')}}`;
      }
      return `[${items.map((item, i) => print(element, item, annotate && i === 0)).join(', ')}]`;
    }
    case '(': {
      const members = t.members as GVariantType[];
      const values = value as GVariantValue[];
      if (members.length === 0) return '()';
      const body = members.map((m, i) => print(m, values[i] as GVariantValue, annotate)).join(', ');
      return members.length === 1 ? `(${body},)` : `(${body})`;
    }
    case '{': {
      const [kt, vt] = t.members as GVariantType[];
      const [k, v] = value as [GVariantValue, GVariantValue];
      return `{${print(kt as GVariantType, k, annotate)}, ${print(vt as GVariantType, v, annotate)}}`;
    }
    default:
      return String(value);
  }
}

function quote(text: string): string {
  const q = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    if (ch === q || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\x07') out += '\\a';
    else if (c < 0x20 || c === 0x7f) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + q;
}

function quoteBytes(bytes: Uint8Array): string {
  const hasSingle = bytes.includes(0x27);
  const hasDouble = bytes.includes(0x22);
  const q = hasSingle && !hasDouble ? '"' : "'";
  let out = q;
  for (const b of bytes) {
    const ch = String.fromCharCode(b);
    if (ch === q || ch === '\\') out += `\\${ch}`;
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x09) out += '\\t';
    else if (b === 0x0d) out += '\\r';
    else if (b === 0x0c) out += '\\f';
    else if (b === 0x0b) out += '\\v';
    else if (b === 0x08) out += '\\b';
    else if (b === 0x07) out += '\\a';
    else if (b < 0x20 || b >= 0x7f) out += `\\${b.toString(8).padStart(3, '0')}`;
    else out += ch;
  }
  return out + q;
}
