import type { XmlHandlers } from './xml-stream.js';

/**
 * A small streaming XML tokenizer for repository metadata, built on String.indexOf (which V8
 * runs natively) instead of a per-character state machine: primary.xml of a distribution is
 * 50+ MB, and saxes spends most of its time, and the garbage collector's, character by
 * character. It checks what a reader must (tag nesting, one root, quoted attributes, known
 * entities, no markup in attribute values, nothing but blanks outside the root) and calls
 * the same handlers as the saxes driver; tests run both over the corpus and require equal
 * results. DTDs with an internal subset are refused (metadata never has one, and entity
 * declarations are how XML bombs start).
 */
export class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${line}:${column}: ${message}`);
  }
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(s: string, fail: (message: string, at: number) => never, base: number): string {
  if (!s.includes('&')) return s;
  let out = '';
  let pos = 0;
  for (;;) {
    const amp = s.indexOf('&', pos);
    if (amp < 0) return out + s.slice(pos);
    const semi = s.indexOf(';', amp);
    if (semi < 0) fail('unterminated entity reference', base + amp);
    out += s.slice(pos, amp);
    const name = s.slice(amp + 1, semi);
    if (name.startsWith('#')) {
      const cp = name[1] === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      if (!/^#(x[0-9a-fA-F]+|[0-9]+)$/.test(name) || !Number.isFinite(cp) || cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        fail(`bad character reference '&${name};'`, base + amp);
      }
      out += String.fromCodePoint(cp);
    } else {
      const value = PREDEFINED[name];
      if (value === undefined) fail(`undefined entity '&${name};'`, base + amp);
      out += value;
    }
    pos = semi + 1;
  }
}

/** An element name seen before: validated, with its local part and its last attribute names. */
interface ElementName {
  name: string;
  local: string;
  first: number;
  attrs: string[];
}

/** Characters that end an element name in a start tag (blank, '>' or '/'). */
function isNameEnd(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d || c === 0x3e || c === 0x2f;
}

const SPECIAL_IN_VALUE = /[<&\t\n\r]/;
const isBlank = (s: string): boolean => /^[ \t\r\n]*$/.test(s);
const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.\u00b7\u00c0-\uffff]*$/;

export class XmlScanner {
  private buf = '';
  /** Lines before `buf` starts (for error positions). */
  private lineBase = 1;
  private readonly stack: string[] = [];
  /** Local names (prefix dropped) of `stack`, made once per open tag. */
  private readonly locals: string[] = [];
  /** Element names seen, and the two most recent (matched in place without slicing). */
  private readonly names = new Map<string, ElementName>();
  private readonly recent: Array<ElementName | undefined> = [undefined, undefined];
  /** Position of the next '&' in `buf` at or after the scan position (-1: none), or -2: unknown. */
  private amp = -2;
  private rootClosed = false;
  private rootSeen = false;
  private first = true;

  constructor(private readonly handlers: XmlHandlers) {}

  private fail(message: string, at: number): never {
    const before = this.buf.slice(0, at);
    let line = this.lineBase;
    let lastNl = -1;
    for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) {
      line++;
      lastNl = i;
    }
    throw new XmlSyntaxError(message, line, at - lastNl);
  }

  private text(raw: string, at: number): void {
    if (this.stack.length === 0) {
      if (!isBlank(raw)) this.fail('text outside the root element', at);
      return;
    }
    if (this.handlers.wantText()) this.handlers.text(decodeEntities(raw, (m, p) => this.fail(m, p), at));
    else if (raw.includes('&')) decodeEntities(raw, (m, p) => this.fail(m, p), at);
  }

  write(chunk: string): void {
    let buf = this.buf + chunk;
    if (this.first && buf.length > 0) {
      if (buf.charCodeAt(0) === 0xfeff) buf = buf.slice(1);
      this.first = false;
    }
    this.buf = buf;
    this.amp = -2;
    const pos = this.scan(false);
    this.consume(pos);
  }

  close(): void {
    this.amp = -2;
    const pos = this.scan(true);
    this.consume(pos);
    if (this.buf.length > 0) this.fail('unexpected end of document', 0);
    if (this.stack.length > 0) this.fail(`unexpected end of document inside <${this.stack[this.stack.length - 1]}>`, this.buf.length);
    if (!this.rootSeen) this.fail('no root element', 0);
  }

  private consume(pos: number): void {
    if (pos === 0) return;
    const buf = this.buf;
    for (let i = buf.indexOf('\n'); i >= 0 && i < pos; i = buf.indexOf('\n', i + 1)) this.lineBase++;
    this.buf = this.buf.slice(pos);
  }

  /** Process complete tokens; returns where the unprocessed remainder starts. */
  private scan(final: boolean): number {
    const buf = this.buf;
    const h = this.handlers;
    let pos = 0;
    for (;;) {
      const lt = buf.indexOf('<', pos);
      if (lt < 0) {
        if (!final) return pos;
        if (pos < buf.length) this.text(buf.slice(pos), pos);
        return buf.length;
      }
      if (lt > pos) {
        // Text between tags: only sliced when wanted, or when it holds an entity to check.
        if (this.stack.length === 0 || h.wantText()) this.text(buf.slice(pos, lt), pos);
        else {
          if (this.amp !== -1 && this.amp < pos) this.amp = buf.indexOf('&', pos);
          if (this.amp !== -1 && this.amp < lt) this.text(buf.slice(pos, lt), pos);
        }
      }
      pos = lt;
      const next = buf.charCodeAt(lt + 1);
      if (Number.isNaN(next)) return pos;
      if (next === 0x2f /* / */) {
        const gt = buf.indexOf('>', lt);
        if (gt < 0) return pos;
        const open = this.stack.pop();
        // The usual case, </name> exactly, is checked in place (no slice).
        if (open === undefined || gt !== lt + 2 + open.length || !buf.startsWith(open, lt + 2)) {
          const name = buf.slice(lt + 2, gt).trimEnd();
          if (open === undefined) this.fail(`unexpected close tag </${name}>`, lt);
          if (open !== name) this.fail(`close tag </${name}> does not match <${open}>`, lt);
        }
        h.close(this.locals.pop() as string);
        if (this.stack.length === 0) this.rootClosed = true;
        pos = gt + 1;
        continue;
      }
      if (next === 0x3f /* ? */) {
        const end = buf.indexOf('?>', lt + 2);
        if (end < 0) return pos;
        pos = end + 2;
        continue;
      }
      if (next === 0x21 /* ! */) {
        if (buf.length - lt < 9 && !final) return pos;
        if (buf.startsWith('<!--', lt)) {
          const end = buf.indexOf('-->', lt + 4);
          if (end < 0) return pos;
          pos = end + 3;
          continue;
        }
        if (buf.startsWith('<![CDATA[', lt)) {
          const end = buf.indexOf(']]>', lt + 9);
          if (end < 0) return pos;
          if (this.stack.length === 0) this.fail('CDATA outside the root element', lt);
          if (h.wantText()) h.text(buf.slice(lt + 9, end));
          pos = end + 3;
          continue;
        }
        if (buf.startsWith('<!DOCTYPE', lt)) {
          const gt = buf.indexOf('>', lt);
          if (gt < 0) return pos;
          if (buf.slice(lt, gt).includes('[')) this.fail('DOCTYPE with an internal subset is not supported', lt);
          pos = gt + 1;
          continue;
        }
        this.fail('malformed markup declaration', lt);
      }
      // Start tag: name, then attributes with quoted values (which may contain '>').
      // Metadata repeats a few element names (rpm:entry above all): the last two are matched
      // in place, others looked up after slicing; each name is validated once.
      let i = lt + 1;
      let known: ElementName | undefined;
      for (let r = 0; r < 2; r++) {
        const e = this.recent[r];
        if (e !== undefined && buf.charCodeAt(i) === e.first && isNameEnd(buf.charCodeAt(i + e.name.length)) && buf.startsWith(e.name, i)) {
          known = e;
          if (r === 1) {
            this.recent[1] = this.recent[0] as ElementName;
            this.recent[0] = e;
          }
          break;
        }
      }
      if (known === undefined) {
        let j = i;
        for (; j < buf.length; j++) {
          if (isNameEnd(buf.charCodeAt(j))) break;
        }
        if (j >= buf.length) return pos;
        const sliced = buf.slice(i, j);
        known = this.names.get(sliced);
        if (known === undefined) {
          if (!NAME.test(sliced)) this.fail(`bad element name '${sliced}'`, lt);
          const colon = sliced.indexOf(':');
          known = { name: sliced, local: colon < 0 ? sliced : sliced.slice(colon + 1), first: sliced.charCodeAt(0), attrs: [] };
          this.names.set(sliced, known);
        }
        this.recent[1] = this.recent[0] as ElementName;
        this.recent[0] = known;
      }
      const name = known.name;
      if (this.rootClosed) this.fail('a second root element', lt);
      i += name.length;
      let attrIndex = 0;
      const attrs: Record<string, string> = {};
      let selfClosing = false;
      let complete = false;
      for (;;) {
        while (i < buf.length) {
          const c = buf.charCodeAt(i);
          if (c !== 0x20 && c !== 0x0a && c !== 0x09 && c !== 0x0d) break;
          i++;
        }
        if (i >= buf.length) break;
        const c = buf.charCodeAt(i);
        if (c === 0x3e /* > */) {
          complete = true;
          i++;
          break;
        }
        if (c === 0x2f /* / */) {
          if (i + 1 >= buf.length) break;
          if (buf.charCodeAt(i + 1) !== 0x3e) this.fail(`malformed tag <${name}>`, i);
          selfClosing = true;
          complete = true;
          i += 2;
          break;
        }
        // The attribute names of an element usually come in the same order as last time.
        let attrName = known.attrs[attrIndex];
        let eq: number;
        if (attrName !== undefined && buf.charCodeAt(i + attrName.length) === 0x3d && buf.startsWith(attrName, i)) {
          eq = i + attrName.length;
        } else {
          eq = buf.indexOf('=', i);
          if (eq < 0) break;
          attrName = buf.slice(i, eq).trimEnd();
          if (!NAME.test(attrName)) this.fail(`bad attribute name in <${name}>`, i);
          if (attrIndex < 8) known.attrs[attrIndex] = attrName;
        }
        attrIndex++;
        let q = eq + 1;
        while (q < buf.length && (buf[q] === ' ' || buf[q] === '\t' || buf[q] === '\n' || buf[q] === '\r')) q++;
        if (q >= buf.length) break;
        const quote = buf[q];
        if (quote !== '"' && quote !== "'") this.fail(`attribute '${attrName}' of <${name}> is not quoted`, q);
        const endQuote = buf.indexOf(quote, q + 1);
        if (endQuote < 0) break;
        let value = buf.slice(q + 1, endQuote);
        // One scan for everything that needs care; most values have none of it.
        if (SPECIAL_IN_VALUE.test(value)) {
          if (value.includes('<')) this.fail(`'<' in attribute '${attrName}' of <${name}>`, q);
          if (value.includes('\n') || value.includes('\t') || value.includes('\r')) value = value.replace(/\r\n|[\t\n\r]/g, ' ');
          value = decodeEntities(value, (m, p) => this.fail(m, p), q + 1);
        }
        if (Object.prototype.hasOwnProperty.call(attrs, attrName)) this.fail(`duplicate attribute '${attrName}' in <${name}>`, i);
        attrs[attrName] = value;
        i = endQuote + 1;
        const after = buf.charCodeAt(i);
        if (i < buf.length && after !== 0x20 && after !== 0x0a && after !== 0x09 && after !== 0x0d && after !== 0x3e && after !== 0x2f) {
          this.fail(`missing blank between attributes of <${name}>`, i);
        }
      }
      if (!complete) {
        if (final) this.fail(`unterminated tag <${name}>`, lt);
        return pos;
      }
      this.rootSeen = true;
      const local = known.local;
      if (!selfClosing) {
        this.stack.push(name);
        this.locals.push(local);
      }
      h.open(local, attrs);
      if (selfClosing) {
        h.close(local);
        if (this.stack.length === 0) this.rootClosed = true;
      }
      pos = i;
    }
  }
}
