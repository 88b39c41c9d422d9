import { AtollError } from '../errors/index.js';
import { isObjectPath, isSignature } from './decode.js';
import { isValidType, parseType, type GVariantType } from './type.js';
import type { GVariantValue, Variant } from './value.js';

/**
 * GVariant text format parser, a port of GLib's gvariant-parser.c (without `%` positional
 * arguments): what `ostree commit --add-metadata=KEY=VALUE` accepts. Without a type, the type is
 * inferred exactly as GLib does (integers default to int32, strings to 's', `[1, 2.5]` is `ad`,
 * `[]` alone cannot be typed). Errors are GVARIANT_TEXT_INVALID with the character offset.
 */
export function parseGVariantText(text: string, type?: string | GVariantType): Variant {
  const stream = new Tokens(text);
  const ast = parseValue(stream, 0);
  if (stream.peek() !== undefined) throw stream.error(stream.pos, 'expected end of input');
  const target = type === undefined ? resolveType(ast) : parseType(type);
  return { type: target.text, value: valueOf(ast, target) };
}

function textError(at: number, why: string): AtollError {
  return new AtollError('GVARIANT_TEXT_INVALID', `invalid gvariant text at character ${at}: ${why}`, { data: { offset: at } });
}

interface Token {
  text: string;
  start: number;
}

const KEYWORDS: Record<string, string> = {
  boolean: 'b', byte: 'y', int16: 'n', uint16: 'q', int32: 'i', handle: 'h', uint32: 'u', int64: 'x', uint64: 't',
  double: 'd', string: 's', objectpath: 'o', signature: 'g',
};

const isAlnum = (c: string): boolean => /[A-Za-z0-9]/.test(c);

/** GLib's token rules (token_stream_prepare). */
class Tokens {
  pos = 0;
  private current: Token | undefined;
  constructor(readonly text: string) {}

  error(at: number, why: string): AtollError {
    return textError(at, why);
  }

  peek(): Token | undefined {
    if (this.current) return this.current;
    const s = this.text;
    let p = this.pos;
    while (p < s.length && /\s/.test(s[p] as string)) p++;
    this.pos = p;
    if (p >= s.length) return undefined;
    const c = s[p] as string;
    let end = p + 1;
    if (/[-+.0-9]/.test(c)) {
      while (end < s.length && (isAlnum(s[end] as string) || /[-+.]/.test(s[end] as string))) end++;
    } else if (c === 'b' && (s[p + 1] === "'" || s[p + 1] === '"')) {
      end = this.quoted(p + 1);
    } else if (/[A-Za-z]/.test(c)) {
      while (end < s.length && isAlnum(s[end] as string)) end++;
    } else if (c === "'" || c === '"') {
      end = this.quoted(p);
    } else if (c === '@') {
      let brackets = 0;
      for (; end < s.length && !/[,:>\]\s]/.test(s[end] as string); end++) {
        const d = s[end] as string;
        if (d === '(' || d === '{') brackets++;
        else if ((d === ')' || d === '}') && brackets-- === 0) break;
      }
    }
    this.current = { text: s.slice(p, end), start: p };
    return this.current;
  }

  private quoted(open: number): number {
    const quote = this.text[open];
    let p = open + 1;
    while (p < this.text.length && this.text[p] !== quote) {
      if (this.text[p] === '\\') p++;
      p++;
    }
    if (p >= this.text.length) throw textError(open, 'unterminated string constant');
    return p + 1;
  }

  next(): Token {
    const token = this.peek();
    if (!token) throw textError(this.text.length, 'unexpected end of input');
    this.pos = token.start + token.text.length;
    this.current = undefined;
    return token;
  }

  consume(text: string): boolean {
    if (this.peek()?.text !== text) return false;
    this.next();
    return true;
  }

  require(text: string, why: string): void {
    const at = this.peek()?.start ?? this.text.length;
    if (!this.consume(text)) throw textError(at, `expected '${text}'${why}`);
  }
}

type Ast =
  | { kind: 'array'; at: number; items: Ast[] }
  | { kind: 'tuple'; at: number; items: Ast[] }
  | { kind: 'dict'; at: number; keys: Ast[]; values: Ast[]; entry: boolean }
  | { kind: 'variant'; at: number; child: Ast }
  | { kind: 'boolean'; at: number; value: boolean }
  | { kind: 'number'; at: number; token: string }
  | { kind: 'nothing'; at: number }
  | { kind: 'just'; at: number; child: Ast }
  | { kind: 'typedecl'; at: number; type: GVariantType; child: Ast }
  | { kind: 'string'; at: number; value: string }
  | { kind: 'bytestring'; at: number; value: Uint8Array };

function parseValue(stream: Tokens, depth: number): Ast {
  if (depth > 128) throw textError(stream.pos, 'nested too deeply');
  const token = stream.peek();
  if (!token) throw textError(stream.text.length, 'expected value');
  const at = token.start;
  const t = token.text;
  if (t === '[') {
    stream.next();
    const items: Ast[] = [];
    if (!stream.consume(']')) {
      items.push(parseValue(stream, depth + 1));
      while (!stream.consume(']')) {
        stream.require(',', " or ']' to follow array element");
        items.push(parseValue(stream, depth + 1));
      }
    }
    return { kind: 'array', at, items };
  }
  if (t === '(') {
    stream.next();
    const items: Ast[] = [];
    if (!stream.consume(')')) {
      items.push(parseValue(stream, depth + 1));
      stream.require(',', ' after first tuple element');
      while (!stream.consume(')')) {
        if (items.length > 1) stream.require(',', " or ')' to follow tuple element");
        items.push(parseValue(stream, depth + 1));
      }
    }
    return { kind: 'tuple', at, items };
  }
  if (t === '<') {
    stream.next();
    const child = parseValue(stream, depth + 1);
    stream.require('>', ' to follow variant value');
    return { kind: 'variant', at, child };
  }
  if (t === '{') {
    stream.next();
    if (stream.consume('}')) return { kind: 'dict', at, keys: [], values: [], entry: false };
    const keys = [parseValue(stream, depth + 1)];
    if (stream.consume(',')) {
      const value = parseValue(stream, depth + 1);
      stream.require('}', ' to follow dictionary entry');
      return { kind: 'dict', at, keys, values: [value], entry: true };
    }
    stream.require(':', " or ',' to follow dictionary entry key");
    const values = [parseValue(stream, depth + 1)];
    while (!stream.consume('}')) {
      stream.require(',', " or '}' to follow dictionary entry");
      keys.push(parseValue(stream, depth + 1));
      stream.require(':', ' to follow dictionary entry key');
      values.push(parseValue(stream, depth + 1));
    }
    return { kind: 'dict', at, keys, values, entry: false };
  }
  if (t === 'true' || t === 'false') {
    stream.next();
    return { kind: 'boolean', at, value: t === 'true' };
  }
  if (/^[-+.0-9]/.test(t) || t === 'inf' || t === 'nan') {
    stream.next();
    return { kind: 'number', at, token: t };
  }
  if (t[0] === 'n' || t[0] === 'j') {
    stream.next();
    if (t === 'nothing') return { kind: 'nothing', at };
    if (t === 'just') return { kind: 'just', at, child: parseValue(stream, depth + 1) };
    throw textError(at, "unknown keyword (expected 'just' or 'nothing')");
  }
  if (t[0] === '@' || KEYWORDS[t] !== undefined) {
    stream.next();
    const typeText = t[0] === '@' ? t.slice(1) : (KEYWORDS[t] as string);
    if (!isValidType(typeText)) throw textError(at, `invalid type declaration '${typeText}'`);
    return { kind: 'typedecl', at, type: parseType(typeText), child: parseValue(stream, depth + 1) };
  }
  if (t[0] === "'" || t[0] === '"') {
    stream.next();
    return { kind: 'string', at, value: unescapeString(t.slice(1, -1), at) };
  }
  if (t[0] === 'b' && (t[1] === "'" || t[1] === '"')) {
    stream.next();
    return { kind: 'bytestring', at, value: unescapeBytes(t.slice(2, -1)) };
  }
  throw textError(at, 'expected value');
}

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function unescapeString(body: string, at: number): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i] as string;
    if (e === 'u' || e === 'U') {
      const digits = e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + digits);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== digits) throw textError(at + i, 'invalid unicode escape');
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff || cp === 0 || (cp >= 0xd800 && cp <= 0xdfff)) throw textError(at + i, 'invalid unicode escape');
      out += String.fromCodePoint(cp);
      i += digits;
    } else out += SIMPLE_ESCAPES[e] ?? e;
  }
  return out;
}

function unescapeBytes(body: string): Uint8Array {
  const out: number[] = [];
  const raw = new TextEncoder().encode(body);
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as number;
    if (c !== 0x5c) {
      out.push(c);
      continue;
    }
    const e = raw[++i] as number;
    if (e >= 0x30 && e <= 0x37) {
      let value = e - 0x30;
      for (let k = 0; k < 2 && (raw[i + 1] as number) >= 0x30 && (raw[i + 1] as number) <= 0x37; k++) value = value * 8 + ((raw[++i] as number) - 0x30);
      out.push(value & 0xff);
    } else {
      const simple = SIMPLE_ESCAPES[String.fromCharCode(e)];
      out.push(simple !== undefined ? simple.charCodeAt(0) : e);
    }
  }
  out.push(0);
  return new Uint8Array(out);
}

// ---- type inference: GLib's patterns ('*' any type, 'N' any number, 'S' any string type,
// 'M' "may be wrapped in maybes") ----

function pattern(ast: Ast): string {
  switch (ast.kind) {
    case 'array': return ast.items.length === 0 ? 'Ma*' : `Ma${arrayPattern(ast.items)}`;
    case 'tuple': return `M(${ast.items.map(pattern).join('')})`;
    case 'dict': {
      if (ast.keys.length === 0) return 'Ma{**}';
      const keyPattern = arrayPattern(ast.keys);
      const keyChar = keyPattern[0] === 'M' ? (keyPattern[1] as string) : (keyPattern[0] as string);
      if (!'bynqiuxthdsogNS'.includes(keyChar)) throw textError(ast.at, 'dictionary keys must have basic types');
      return `M${ast.entry ? '' : 'a'}{${keyChar}${pattern(ast.values[0] as Ast)}}`;
    }
    case 'variant': return 'Mv';
    case 'boolean': return 'Mb';
    case 'number': return ast.token.includes('.') || (!ast.token.startsWith('0x') && ast.token.includes('e')) || ast.token.includes('inf') || ast.token.includes('nan') ? 'Md' : 'MN';
    case 'nothing': return 'm*';
    case 'just': return `m${pattern(ast.child)}`;
    case 'typedecl': return ast.type.text;
    case 'string': return 'MS';
    case 'bytestring': return 'May';
  }
}

function arrayPattern(items: Ast[]): string {
  let merged = pattern(items[0] as Ast);
  for (let k = 1; k < items.length; k++) {
    const next = coalesce(merged, pattern(items[k] as Ast));
    if (next === undefined) throw textError((items[k] as Ast).at, 'unable to find a common type');
    merged = next;
  }
  return merged;
}

/** One complete pattern starting at `pos` (pattern_copy). */
function copyPattern(p: string, pos: number): number {
  let i = pos;
  while (p[i] === 'a' || p[i] === 'm' || p[i] === 'M') i++;
  let brackets = 0;
  do {
    const c = p[i];
    if (c === '(' || c === '{') brackets++;
    else if (c === ')' || c === '}') brackets--;
    i++;
  } while (brackets > 0 && i < p.length);
  return i;
}

/** GLib's pattern_coalesce: the most specific pattern matching both, or undefined. */
function coalesce(left: string, right: string): string | undefined {
  const side = [left, right];
  const pos = [0, 0];
  let out = '';
  while (pos[0]! < side[0]!.length && pos[1]! < side[1]!.length) {
    const l = side[0]![pos[0]!] as string;
    const r = side[1]![pos[1]!] as string;
    if (l === r) {
      out += l;
      pos[0]!++;
      pos[1]!++;
      continue;
    }
    let done = false;
    for (const [one, other] of [[0, 1], [1, 0]] as const) {
      const a = side[one]![pos[one]!] as string;
      const b = side[other]![pos[other]!] as string;
      if (a === '*' && b !== ')') {
        const end = copyPattern(side[other]!, pos[other]!);
        out += side[other]!.slice(pos[other]!, end);
        pos[other] = end;
        pos[one]!++;
      } else if (a === 'M' && b === 'm') {
        out += b;
        pos[other]!++;
      } else if (a === 'M' && b !== 'm' && b !== '*') {
        pos[one]!++;
      } else if (a === 'N' && 'ynqiuxthd'.includes(b)) {
        out += b;
        pos[other]!++;
        pos[one]!++;
      } else if (a === 'S' && 'sog'.includes(b)) {
        out += b;
        pos[other]!++;
        pos[one]!++;
      } else continue;
      done = true;
      break;
    }
    if (!done) return undefined;
  }
  return pos[0] === side[0]!.length && pos[1] === side[1]!.length ? out : undefined;
}

/** ast_resolve: defaults M → (nothing), S → s, N → i; '*' cannot be typed. */
function resolveType(ast: Ast): GVariantType {
  let out = '';
  for (const c of pattern(ast)) {
    if (c === '*') throw textError(ast.at, 'unable to infer type');
    if (c === 'M') continue;
    out += c === 'S' ? 's' : c === 'N' ? 'i' : c;
  }
  return parseType(out);
}

// ---- values ----

const INT_LIMITS: Record<string, [bigint, bigint]> = {
  y: [0n, 0xffn], n: [-0x8000n, 0x7fffn], q: [0n, 0xffffn], i: [-0x80000000n, 0x7fffffffn], h: [-0x80000000n, 0x7fffffffn],
  u: [0n, 0xffffffffn], x: [-(2n ** 63n), 2n ** 63n - 1n], t: [0n, 2n ** 64n - 1n],
};

function numberValue(token: string, type: GVariantType, at: number): number | bigint {
  if (type.code === 'd') {
    const t = token.toLowerCase();
    const m = /^([-+]?)(inf|infinity|nan)$/.exec(t);
    if (m) return m[2] === 'nan' ? NaN : m[1] === '-' ? -Infinity : Infinity;
    if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/.test(t)) {
      const value = Number(t);
      // g_ascii_strtod reports ERANGE for overflow and for subnormal results; GLib refuses those
      // unless the result is 0.
      if (!Number.isFinite(value) || (value !== 0 && Math.abs(value) < 2.2250738585072014e-308)) throw textError(at, 'number too big for any type');
      return value;
    }
    if (/^[-+]?0x[0-9a-f]+$/.test(t)) return Number(BigInt(t.replace(/^([-+]?)0x/, '$10x').replace(/^\+/, '')));
    throw textError(at, 'invalid character in number');
  }
  const limits = INT_LIMITS[type.code];
  if (!limits) throw textError(at, `can not parse as value of type '${type.text}'`);
  const negative = token.startsWith('-');
  const body = token.replace(/^[-+]/, '');
  let magnitude: bigint;
  if (/^0[xX][0-9a-fA-F]+$/.test(body)) magnitude = BigInt(`0x${body.slice(2)}`);
  else if (/^0[0-7]*$/.test(body)) magnitude = body.length > 1 ? BigInt(`0o${body.slice(1)}`) : 0n;
  else if (/^[1-9][0-9]*$/.test(body)) magnitude = BigInt(body);
  else throw textError(at, 'invalid character in number');
  const value = negative ? -magnitude : magnitude;
  if (value < limits[0] || value > limits[1]) throw textError(at, `number out of range for type '${type.code}'`);
  return type.code === 'x' || type.code === 't' ? value : Number(value);
}

function mismatch(ast: Ast, type: GVariantType): AtollError {
  return textError(ast.at, `can not parse as value of type '${type.text}'`);
}

function valueOf(ast: Ast, type: GVariantType): GVariantValue {
  if (ast.kind === 'nothing' || ast.kind === 'just') {
    if (type.code !== 'm') throw mismatch(ast, type);
    return ast.kind === 'nothing' ? null : valueOf(ast.child, type.element as GVariantType);
  }
  if (ast.kind === 'typedecl') {
    if (ast.type.text !== type.text) throw textError(ast.at, `can not use type '${ast.type.text}' as '${type.text}'`);
    return valueOf(ast.child, ast.type);
  }
  // GLib's maybe_wrapper: any other value may stand for Just(value).
  let base = type;
  while (base.code === 'm') base = base.element as GVariantType;
  switch (ast.kind) {
    case 'boolean':
      if (base.code !== 'b') throw mismatch(ast, type);
      return ast.value;
    case 'number':
      return numberValue(ast.token, base, ast.at);
    case 'string':
      if (base.code === 's') return ast.value;
      if (base.code === 'o' && isObjectPath(ast.value)) return ast.value;
      if (base.code === 'g' && isSignature(ast.value)) return ast.value;
      if (base.code === 'o' || base.code === 'g') throw textError(ast.at, `not a valid ${base.code === 'o' ? 'object path' : 'signature'}`);
      throw mismatch(ast, type);
    case 'bytestring':
      if (base.text !== 'ay') throw mismatch(ast, type);
      return ast.value;
    case 'variant': {
      if (base.code !== 'v') throw mismatch(ast, type);
      const childType = resolveType(ast.child);
      return { type: childType.text, value: valueOf(ast.child, childType) };
    }
    case 'array': {
      if (base.code !== 'a') throw mismatch(ast, type);
      const element = base.element as GVariantType;
      const items = ast.items.map((item) => valueOf(item, element));
      return element.code === 'y' ? new Uint8Array(items as number[]) : items;
    }
    case 'tuple': {
      const members = base.members;
      if (base.code !== '(' || !members || members.length !== ast.items.length) throw mismatch(ast, type);
      return ast.items.map((item, k) => valueOf(item, members[k] as GVariantType));
    }
    case 'dict': {
      const entryType = ast.entry ? base : base.code === 'a' ? (base.element as GVariantType) : undefined;
      if (!entryType || entryType.code !== '{' || (ast.entry && base.code !== '{')) throw mismatch(ast, type);
      const [k, v] = entryType.members as [GVariantType, GVariantType];
      const pairs = ast.keys.map((key, i) => [valueOf(key, k), valueOf(ast.values[i] as Ast, v)] as [GVariantValue, GVariantValue]);
      return ast.entry ? (pairs[0] as GVariantValue[]) : pairs;
    }
  }
}
