import { AtollError } from '../errors/index.js';

/**
 * A parsed, definite GVariant type. Layout facts (alignment, fixed size) are computed once at
 * parse time because the encoder and decoder consult them for every value.
 */
export interface GVariantType {
  /** The type string, e.g. `a{sv}`. */
  readonly text: string;
  /** First character: a basic code, `v`, `m`, `a`, `(` or `{`. */
  readonly code: string;
  /** 1, 2, 4 or 8. */
  readonly alignment: number;
  /** Size in bytes when every value of the type has the same size; 0 when variable. */
  readonly fixedSize: number;
  /** Element type of `m` and `a`. */
  readonly element: GVariantType | undefined;
  /** Members of `(...)` and `{..}` (two for dict entries). */
  readonly members: readonly GVariantType[] | undefined;
}

/** GLib's limit on container nesting; deeper input is rejected rather than recursed into. */
export const MAX_DEPTH = 128;

const BASIC: Record<string, [alignment: number, size: number]> = {
  b: [1, 1], y: [1, 1], n: [2, 2], q: [2, 2], i: [4, 4], u: [4, 4], h: [4, 4],
  x: [8, 8], t: [8, 8], d: [8, 8], s: [1, 0], o: [1, 0], g: [1, 0],
};

/** Basic types: the only ones allowed as dict-entry keys. */
export function isBasicCode(code: string): boolean {
  return code in BASIC;
}

const cache = new Map<string, GVariantType>();

function invalid(text: string, at: number, why: string): AtollError {
  return new AtollError('GVARIANT_INVALID_TYPE', `invalid gvariant type string '${text}' at character ${at}: ${why}`, {
    data: { type: text, at },
  });
}

function alignUp(n: number, alignment: number): number {
  return (n + alignment - 1) & -alignment;
}

function make(text: string, code: string, alignment: number, fixedSize: number, element?: GVariantType, members?: GVariantType[]): GVariantType {
  return Object.freeze({ text, code, alignment, fixedSize, element, members: members && Object.freeze(members) });
}

/** Parses one complete type starting at `pos`; returns it and the position after it. */
function scan(text: string, pos: number, depth: number): [GVariantType, number] {
  if (depth > MAX_DEPTH) throw invalid(text, pos, `nested deeper than ${MAX_DEPTH}`);
  const c = text[pos];
  if (c === undefined) throw invalid(text, pos, 'unexpected end');
  const basic = BASIC[c];
  if (basic) return [make(c, c, basic[0], basic[1]), pos + 1];
  if (c === 'v') return [make('v', 'v', 8, 0), pos + 1];
  if (c === 'm' || c === 'a') {
    const [element, next] = scan(text, pos + 1, depth + 1);
    return [make(text.slice(pos, next), c, element.alignment, 0, element), next];
  }
  if (c === '(' || c === '{') {
    const close = c === '(' ? ')' : '}';
    const members: GVariantType[] = [];
    let p = pos + 1;
    while (text[p] !== close) {
      if (text[p] === undefined) throw invalid(text, p, `missing '${close}'`);
      const [member, next] = scan(text, p, depth + 1);
      members.push(member);
      p = next;
    }
    if (c === '{') {
      if (members.length !== 2) throw invalid(text, pos, 'a dict entry has exactly two members');
      if (!isBasicCode((members[0] as GVariantType).code)) throw invalid(text, pos + 1, 'a dict entry key must be a basic type');
    }
    let alignment = 1;
    let size = 0;
    let fixed = true;
    for (const m of members) {
      alignment = Math.max(alignment, m.alignment);
      if (m.fixedSize === 0) fixed = false;
      size = alignUp(size, m.alignment) + m.fixedSize;
    }
    // The unit tuple is one zero byte; other fixed tuples are rounded up to their alignment.
    const fixedSize = !fixed ? 0 : members.length === 0 ? 1 : alignUp(size, alignment);
    return [make(text.slice(pos, p + 1), c, alignment, fixedSize, undefined, members), p + 1];
  }
  throw invalid(text, pos, `unknown type code '${c}'`);
}

/**
 * Parse a single complete definite type string (`s`, `a{sv}`, `(uuua(ayay))`...). Results are
 * cached, so callers may parse the same string in hot paths.
 */
export function parseType(text: string | GVariantType): GVariantType {
  if (typeof text !== 'string') return text;
  const hit = cache.get(text);
  if (hit) return hit;
  const [type, next] = scan(text, 0, 0);
  if (next !== text.length) throw invalid(text, next, 'trailing characters after a complete type');
  if (cache.size < 4096) cache.set(text, type);
  return type;
}

/** True if `text` is exactly one complete definite type. */
export function isValidType(text: string): boolean {
  try {
    parseType(text);
    return true;
  } catch {
    return false;
  }
}

/** Framing-offset width for a container whose serialized size is `size` (normal form). */
export function offsetSizeFor(size: number): number {
  if (size === 0) return 0;
  if (size <= 0xff) return 1;
  if (size <= 0xffff) return 2;
  if (size <= 0xffffffff) return 4;
  return 8;
}

/** Width the encoder picks for `body` bytes of data followed by `count` offsets (§1.3). */
export function pickOffsetSize(body: number, count: number): number {
  if (body + count <= 0xff) return 1;
  if (body + 2 * count <= 0xffff) return 2;
  if (body + 4 * count <= 0xffffffff) return 4;
  return 8;
}

export { alignUp };
