import { isUtf8 } from 'node:buffer';
import { createChecksum } from './checksum.js';
import { PrimaryBuilder } from './primary.js';
import type { RepoPackage } from './types.js';
import { DependencyInts, type PrimaryCacheWriter } from './primary-cache-codec.js';
import { decodeEntities } from './xml-scanner.js';
import { evrFromAttributes, senseFromFlagsAttribute } from './dependency-xml.js';
import { RPMSENSE } from '../rpm/index.js';
import type { XmlStreamResult } from './xml-stream.js';

/**
 * A byte-level reader for primary.xml, the cold-start hot spot (a distribution's primary is
 * 50+ MB of XML, 400,000+ `rpm:entry` elements). It works on the decompressed bytes without
 * decoding chunks to strings, and interns dependency names and versions by their bytes, so
 * a name repeated across packages becomes one JS string made once (no slice, no re-hash per
 * occurrence). It feeds the same PrimaryBuilder as the string tokenizers.
 *
 * It reads a well-formed subset of XML: elements, quoted attributes, the predefined and
 * numeric entities, CDATA, comments, processing instructions. Anything else, and anything
 * malformed, makes it stop with PrimaryBytesUnsupported; the caller then reads the file
 * again with the maintained tokenizer (xml-stream.ts), whose result or coded error is the
 * answer. So this reader never has to produce an error message, only to never accept what
 * the reference parser rejects. Tests hold its output equal to saxes' over the corpus.
 */
export class PrimaryBytesUnsupported extends Error {}

const bail = (why: string): never => {
  throw new PrimaryBytesUnsupported(why);
};

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.\u00b7\u00c0-\uffff]*$/;
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/**
 * Strings interned by their UTF-8 bytes: the same bytes always give the same string. Open
 * addressing; a slot holds the id and the hash side by side, and an id's bytes are found
 * through one typed array, so a lookup touches few cache lines (a distribution has hundreds
 * of thousands of distinct dependency names).
 */
class Interner {
  private mask = (1 << 12) - 1;
  /** Per slot: id + 1 (0: empty), hash. */
  private table = new Int32Array(2 << 12);
  /** Per id: start in `store`, byte length. */
  private meta = new Int32Array(2 << 12);
  readonly strings: string[] = [];
  private store = Buffer.allocUnsafe(1 << 16);
  private used = 0;

  /** Id of the string with bytes buf[start, end) (whose FNV-1a hash is `hash`), added if new. */
  id(buf: Uint8Array, start: number, end: number, hash: number, nonAscii: boolean): number {
    const length = end - start;
    const table = this.table;
    const mask = this.mask;
    let slot = hash & mask;
    for (;;) {
      const v = table[2 * slot] as number;
      if (v === 0) break;
      if (table[2 * slot + 1] === hash) {
        const id = v - 1;
        if (this.meta[2 * id + 1] === length) {
          const store = this.store;
          const at = this.meta[2 * id] as number;
          let k = 0;
          while (k < length && store[at + k] === buf[start + k]) k++;
          if (k === length) return id;
        }
      }
      slot = (slot + 1) & mask;
    }
    return this.insert(buf, start, end, hash, nonAscii, slot);
  }

  /** A new string at `slot` (kept out of id(), so that its hot path compiles small). */
  private insert(buf: Uint8Array, start: number, end: number, hash: number, nonAscii: boolean, slot: number): number {
    const length = end - start;
    if (nonAscii && !isUtf8(buf.subarray(start, end))) bail('invalid UTF-8');
    const id = this.strings.length;
    if (this.used + length > this.store.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.store.length * 2, this.used + length));
      this.store.copy(bigger, 0, 0, this.used);
      this.store = bigger;
    }
    this.store.set(buf.subarray(start, end), this.used);
    if (2 * id + 2 > this.meta.length) {
      const bigger = new Int32Array(this.meta.length * 2);
      bigger.set(this.meta);
      this.meta = bigger;
    }
    this.meta[2 * id] = this.used;
    this.meta[2 * id + 1] = length;
    this.used += length;
    this.strings.push(Buffer.from(buf.buffer, buf.byteOffset + start, length).toString(nonAscii ? 'utf8' : 'latin1'));
    this.table[2 * slot] = id + 1;
    this.table[2 * slot + 1] = hash;
    if (this.strings.length * 2 > this.mask) this.grow();
    return id;
  }

  /** True when buf[at...] starts with the bytes of string `id`. */
  matches(id: number, buf: Uint8Array, at: number): boolean {
    const start = this.meta[2 * id] as number;
    const length = this.meta[2 * id + 1] as number;
    if (at + length > buf.length) return false;
    for (let k = 0; k < length; k++) if (this.store[start + k] !== buf[at + k]) return false;
    return true;
  }

  byteLength(id: number): number {
    return this.meta[2 * id + 1] as number;
  }

  private grow(): void {
    const old = this.table;
    const size = (this.mask + 1) * 2;
    const mask = size - 1;
    const table = new Int32Array(2 * size);
    for (let s = 0; s < old.length; s += 2) {
      const v = old[s] as number;
      if (v === 0) continue;
      const hash = old[s + 1] as number;
      let slot = hash & mask;
      while (table[2 * slot] !== 0) slot = (slot + 1) & mask;
      table[2 * slot] = v;
      table[2 * slot + 1] = hash;
    }
    this.table = table;
    this.mask = mask;
  }
}

const isBlankByte = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;

/** The attributes of an `rpm:entry` after its name, as read once, with flags and EVR made. */
interface EntryRest {
  flags: string | undefined;
  epoch: string | undefined;
  ver: string | undefined;
  rel: string | undefined;
  pre: string | undefined;
  /** RPMSENSE bits of flags and pre, undefined for unknown flags (the builder reports them). */
  bits: number | undefined;
  evr: string;
  /** Index of `evr` in the cache writer, -1 until needed. */
  evrIndex: number;
}

/** Elements whose text repeats across packages (interned; the writer then finds it by identity). */
const INTERNED_TEXT = new Set(['name', 'arch', 'summary', 'license', 'url', 'vendor', 'packager', 'group', 'buildhost', 'sourcerpm']);

/** Attribute slots of `rpm:entry`, the element that gets no attribute object. */
const ENTRY_ATTRS = ['name', 'flags', 'epoch', 'ver', 'rel', 'pre'];

class PrimaryByteReader {
  private readonly names = new Interner();
  /** Per name id: whether the element's text is interned (INTERNED_TEXT). */
  private readonly internText: boolean[] = [];
  /** Per name id: local part (prefix dropped), or undefined when not yet checked. */
  private readonly locals: Array<string | undefined> = [];
  private readonly values = new Interner();
  private readonly stack: number[] = [];
  private rootSeen = false;
  private rootClosed = false;
  private first = true;
  /** Name ids of the attributes in ENTRY_ATTRS order (-1 until seen), and of `rpm:entry`. */
  private readonly entryAttrIds = ENTRY_ATTRS.map(() => -1);
  // Attribute names and values of the current start tag (the first `nAttrs`).
  private readonly attrNames: number[] = [];
  private readonly attrValues: string[] = [];
  private nAttrs = 0;
  private selfClosing = false;

  /**
   * `rpm:entry` tags written as `name="..."` then the rest: the rest (flags, epoch, ver, rel,
   * pre) repeats across entries, so its bytes are interned and parsed once.
   */
  private readonly rests = new Interner();
  private readonly restTuples: Array<EntryRest | undefined> = [];
  /** Id of the rest of the entry tag being read by the general path, to remember its parse. */
  private pendingRest = -1;

  /** Cache writer index of each interned value (by value id), when writing a cache. */
  private readonly writerIndex: Array<number | undefined> = [];

  constructor(
    private readonly builder: PrimaryBuilder,
    /** When set, dependencies go straight into this cache writer's form. */
    private readonly cache: { writer: PrimaryCacheWriter; deps: DependencyInts } | null = null,
  ) {}

  /**
   * An `rpm:entry` start tag at buf[j] (just after its name) in the usual shape: blank,
   * `name="value"` without entities, the rest of the tag up to `/>` seen before. Returns
   * where the tag ends, -1 when the buffer ends first, 0 when the general path must read it
   * (then `pendingRest` says which rest to remember).
   */
  private entryFast(buf: Buffer, j: number, n: number): number {
    if (j + 6 >= n) return -1;
    if (!isBlankByte(buf[j] as number)) return 0;
    j++;
    if (buf[j] !== 0x6e || buf[j + 1] !== 0x61 || buf[j + 2] !== 0x6d || buf[j + 3] !== 0x65 || buf[j + 4] !== 0x3d || buf[j + 5] !== 0x22) return 0;
    const valueStart = j + 6;
    let hash = FNV_OFFSET;
    let nonAscii = false;
    let k = valueStart;
    while (k < n) {
      const b = buf[k] as number;
      if (b <= 0x3c) {
        if (b === 0x22) break;
        if (b === 0x3c || b === 0x26 || b < 0x20) return 0;
      } else if (b >= 0x80) nonAscii = true;
      hash = Math.imul(hash ^ b, FNV_PRIME);
      k++;
    }
    if (k >= n) return -1;
    const valueEnd = k;
    const restStart = k + 1;
    let restHash = FNV_OFFSET;
    let restNonAscii = false;
    let quote = 0;
    for (k = restStart; k < n; k++) {
      const b = buf[k] as number;
      if (quote !== 0) {
        if (b === quote) quote = 0;
      } else if (b === 0x3e) break;
      else if (b === 0x22 || b === 0x27) quote = b;
      if (b === 0x3c) return 0;
      if (b >= 0x80) restNonAscii = true;
      restHash = Math.imul(restHash ^ b, FNV_PRIME);
    }
    if (k >= n) return -1;
    if (buf[k - 1] !== 0x2f) return 0;
    const restId = this.rests.id(buf, restStart, k, restHash, restNonAscii);
    const rest = this.restTuples[restId];
    if (rest === undefined) {
      this.pendingRest = restId;
      return 0;
    }
    const valueId = this.values.id(buf, valueStart, valueEnd, hash, nonAscii);
    const name = this.values.strings[valueId] as string;
    const cache = this.cache;
    if (cache !== null && rest.bits !== undefined) {
      // Straight into the cache form: string indices remembered per interned value.
      const kind = this.builder.dependencyKind();
      if (kind >= 0) {
        let nameIndex = this.writerIndex[valueId];
        // First use of this value as a dependency name: appended without the writer's map
        // (a value also stored through the map, a package name, is then stored twice).
        if (nameIndex === undefined) this.writerIndex[valueId] = nameIndex = cache.writer.appendShared(name);
        if (rest.evrIndex < 0) rest.evrIndex = cache.writer.sharedIndex(rest.evr);
        cache.deps.push(kind, nameIndex, rest.bits, rest.evrIndex);
      } else {
        this.builder.entry(name, rest.flags, rest.epoch, rest.ver, rest.rel, rest.pre);
      }
    } else if (rest.bits === undefined || !this.builder.dependency(name, rest.bits, rest.evr)) {
      this.builder.entry(name, rest.flags, rest.epoch, rest.ver, rest.rel, rest.pre);
    }
    if (this.stack.length === 0) this.rootClosed = true;
    return k + 1;
  }

  private nameId(buf: Uint8Array, start: number, end: number, hash: number, nonAscii: boolean): number {
    const id = this.names.id(buf, start, end, hash, nonAscii);
    if (this.locals[id] === undefined) {
      const name = this.names.strings[id] as string;
      if (!NAME.test(name)) bail('bad name');
      const colon = name.indexOf(':');
      this.locals[id] = colon < 0 ? name : name.slice(colon + 1);
      this.internText[id] = INTERNED_TEXT.has(this.locals[id] as string);
      const slot = ENTRY_ATTRS.indexOf(name);
      if (slot >= 0) this.entryAttrIds[slot] = id;
    }
    return id;
  }

  /** Text between tags, buf[start, end). */
  private text(buf: Buffer, start: number, end: number, special: boolean, blank: boolean): void {
    if (this.stack.length === 0) {
      if (!blank) bail('text outside the root element');
      return;
    }
    if (this.builder.wantText()) {
      if (end === start) return;
      if (special) {
        const raw = buf.toString('utf8', start, end);
        if (raw.includes('\r') || !isUtf8(buf.subarray(start, end))) bail('CR or invalid UTF-8 in text');
        this.builder.text(decodeEntities(raw, bail, 0));
      } else if (this.internText[this.stack[this.stack.length - 1] as number] === true) {
        // Vendor, group, buildhost, license... repeat across packages: interned like dependencies.
        let hash = FNV_OFFSET;
        for (let i = start; i < end; i++) hash = Math.imul(hash ^ (buf[i] as number), FNV_PRIME);
        this.builder.text(this.values.strings[this.values.id(buf, start, end, hash, false)] as string);
      } else {
        this.builder.text(buf.toString('latin1', start, end));
      }
    } else if (special) {
      decodeEntities(buf.toString('utf8', start, end), bail, 0);
    }
  }

  /**
   * Process complete tokens of buf; returns where the unprocessed remainder starts. The hot
   * loop stays small (V8 compiles it sooner and cheaper); each kind of token has its method,
   * which returns where the token ends, or -1 when the buffer ends first.
   */
  scan(buf: Buffer, final: boolean): number {
    const n = buf.length;
    let pos = 0;
    if (this.first) {
      if (n < 3 && !final) return 0;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3;
      this.first = false;
    }
    for (;;) {
      // Text up to the next '<': entity references, CR and non-ASCII bytes need the slow path.
      let i = pos;
      let special = false;
      let blank = true;
      while (i < n) {
        const c = buf[i] as number;
        if (c === 0x3c) break;
        if (c === 0x26 || c === 0x0d || c >= 0x80) special = true;
        else if (c !== 0x20 && c !== 0x0a && c !== 0x09) blank = false;
        i++;
      }
      if (i >= n) {
        if (!final) return pos;
        this.text(buf, pos, n, special, blank && !special);
        return n;
      }
      if (i > pos) this.text(buf, pos, i, special, blank && !special);
      pos = i;
      if (i + 1 >= n) return pos;
      const next = buf[i + 1] as number;
      const end = next === 0x2f ? this.closeTag(buf, i, n) : next === 0x3f || next === 0x21 ? this.markup(buf, i, n, final) : this.startTag(buf, i, n, final);
      if (end < 0) return pos;
      pos = end;
    }
  }

  /** `</name>` at buf[lt]. */
  private closeTag(buf: Buffer, lt: number, n: number): number {
    const open = this.stack[this.stack.length - 1];
    if (open === undefined) bail('close tag without open tag');
    let j = lt + 2 + this.names.byteLength(open as number);
    if (j >= n) return -1;
    if (!this.names.matches(open as number, buf, lt + 2)) bail('close tag does not match');
    while (j < n && isBlankByte(buf[j] as number)) j++;
    if (j >= n) return -1;
    if (buf[j] !== 0x3e) bail('close tag does not match');
    this.stack.pop();
    this.builder.close(this.locals[open as number] as string);
    if (this.stack.length === 0) this.rootClosed = true;
    return j + 1;
  }

  /** `<?...?>`, `<!--...-->` or `<![CDATA[...]]>` at buf[lt]. */
  private markup(buf: Buffer, lt: number, n: number, final: boolean): number {
    if (buf[lt + 1] === 0x3f) {
      const end = buf.indexOf('?>', lt + 2, 'latin1');
      return end < 0 ? -1 : end + 2;
    }
    if (n - lt < 9 && !final) return -1;
    if (buf[lt + 2] === 0x2d && buf[lt + 3] === 0x2d) {
      const end = buf.indexOf('-->', lt + 4, 'latin1');
      return end < 0 ? -1 : end + 3;
    }
    if (buf.toString('latin1', lt, lt + 9) === '<![CDATA[') {
      const end = buf.indexOf(']]>', lt + 9, 'latin1');
      if (end < 0) return -1;
      if (this.stack.length === 0) bail('CDATA outside the root element');
      if (this.builder.wantText()) {
        if (!isUtf8(buf.subarray(lt + 9, end))) bail('invalid UTF-8');
        this.builder.text(buf.toString('utf8', lt + 9, end));
      }
      return end + 3;
    }
    return bail('markup declaration');
  }

  /** A start tag at buf[lt]: its name (hashed on the way), then the entry fast path or attributes(). */
  private startTag(buf: Buffer, lt: number, n: number, final: boolean): number {
    let j = lt + 1;
    let hash = FNV_OFFSET;
    let nonAscii = false;
    while (j < n) {
      const c = buf[j] as number;
      if (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d || c === 0x3e || c === 0x2f) break;
      if (c >= 0x80) nonAscii = true;
      hash = Math.imul(hash ^ c, FNV_PRIME);
      j++;
    }
    if (j >= n) return -1;
    if (j === lt + 1) bail('empty element name');
    const id = this.nameId(buf, lt + 1, j, hash, nonAscii);
    if (this.rootClosed) bail('a second root element');
    const isEntry = this.locals[id] === 'entry';
    this.pendingRest = -1;
    if (isEntry) {
      const end = this.entryFast(buf, j, n);
      if (end === -1) return -1;
      if (end > 0) {
        this.rootSeen = true;
        return end;
      }
    }
    const end = this.attributes(buf, j, n, isEntry);
    if (end < 0) {
      if (final) bail('unterminated tag');
      return -1;
    }
    this.rootSeen = true;
    this.element(id, isEntry);
    return end;
  }

  /**
   * Attributes of a start tag from buf[j] to its end: fills attrNames/attrValues/nAttrs and
   * selfClosing; returns where the tag ends, -1 when the buffer ends first.
   */
  private attributes(buf: Buffer, j: number, n: number, isEntry: boolean): number {
    const attrNames = this.attrNames;
    const attrValues = this.attrValues;
    let nAttrs = 0;
    this.selfClosing = false;
    for (;;) {
      while (j < n && isBlankByte(buf[j] as number)) j++;
      if (j >= n) return -1;
      const c = buf[j] as number;
      if (c === 0x3e /* > */) {
        this.nAttrs = nAttrs;
        return j + 1;
      }
      if (c === 0x2f /* / */) {
        if (j + 1 >= n) return -1;
        if (buf[j + 1] !== 0x3e) bail('malformed tag');
        this.selfClosing = true;
        this.nAttrs = nAttrs;
        return j + 2;
      }
      // Attribute name, '=', quoted value.
      const nameStart = j;
      let hash = FNV_OFFSET;
      let nonAscii = false;
      while (j < n) {
        const b = buf[j] as number;
        if (b === 0x3d || b === 0x20 || b === 0x0a || b === 0x09 || b === 0x0d || b === 0x3e || b === 0x2f || b === 0x22 || b === 0x27 || b === 0x3c) break;
        if (b >= 0x80) nonAscii = true;
        hash = Math.imul(hash ^ b, FNV_PRIME);
        j++;
      }
      const nameEnd = j;
      while (j < n && isBlankByte(buf[j] as number)) j++;
      if (j >= n) return -1;
      if (buf[j] !== 0x3d || nameEnd === nameStart) bail('malformed attribute');
      j++;
      while (j < n && isBlankByte(buf[j] as number)) j++;
      if (j >= n) return -1;
      const quote = buf[j] as number;
      if (quote !== 0x22 && quote !== 0x27) bail('unquoted attribute');
      const valueStart = j + 1;
      let valueHash = FNV_OFFSET;
      let valueSpecial = false;
      let valueNonAscii = false;
      j = valueStart;
      while (j < n) {
        const b = buf[j] as number;
        if (b <= 0x3c) {
          if (b === quote) break;
          if (b === 0x3c) bail("'<' in an attribute value");
          if (b === 0x26 || b < 0x20) valueSpecial = true;
        } else if (b >= 0x80) valueNonAscii = true;
        valueHash = Math.imul(valueHash ^ b, FNV_PRIME);
        j++;
      }
      if (j >= n) return -1;
      const valueEnd = j;
      j++;
      if (j < n) {
        const after = buf[j] as number;
        if (after !== 0x20 && after !== 0x0a && after !== 0x09 && after !== 0x0d && after !== 0x3e && after !== 0x2f) bail('missing blank between attributes');
      }
      const attrId = this.nameId(buf, nameStart, nameEnd, hash, nonAscii);
      for (let k = 0; k < nAttrs; k++) if (attrNames[k] === attrId) bail('duplicate attribute');
      let value: string;
      if (valueSpecial) {
        if (valueNonAscii && !isUtf8(buf.subarray(valueStart, valueEnd))) bail('invalid UTF-8');
        value = decodeEntities(buf.toString('utf8', valueStart, valueEnd).replace(/\r\n|[\t\n\r]/g, ' '), bail, 0);
      } else if (isEntry) {
        // Dependency names and versions repeat across packages: one string per distinct value.
        value = this.values.strings[this.values.id(buf, valueStart, valueEnd, valueHash, valueNonAscii)] as string;
      } else {
        if (valueNonAscii && !isUtf8(buf.subarray(valueStart, valueEnd))) bail('invalid UTF-8');
        value = buf.toString(valueNonAscii ? 'utf8' : 'latin1', valueStart, valueEnd);
      }
      attrNames[nAttrs] = attrId;
      attrValues[nAttrs] = value;
      nAttrs++;
    }
  }

  /** Deliver the element whose start tag attributes() read. */
  private element(id: number, isEntry: boolean): void {
    const builder = this.builder;
    const attrNames = this.attrNames;
    const attrValues = this.attrValues;
    const nAttrs = this.nAttrs;
    const local = this.locals[id] as string;
    if (isEntry && this.selfClosing) {
      const ids = this.entryAttrIds;
      let depName: string | undefined;
      let flags: string | undefined;
      let epoch: string | undefined;
      let ver: string | undefined;
      let rel: string | undefined;
      let pre: string | undefined;
      for (let k = 0; k < nAttrs; k++) {
        const a = attrNames[k] as number;
        const v = attrValues[k] as string;
        if (a === ids[0]) depName = v;
        else if (a === ids[1]) flags = v;
        else if (a === ids[2]) epoch = v;
        else if (a === ids[3]) ver = v;
        else if (a === ids[4]) rel = v;
        else if (a === ids[5]) pre = v;
      }
      if (this.pendingRest >= 0) {
        const bits = senseFromFlagsAttribute(flags);
        this.restTuples[this.pendingRest] = {
          flags, epoch, ver, rel, pre,
          bits: bits === undefined ? undefined : bits | (pre === '1' || pre === 'true' ? RPMSENSE.PREREQ : 0),
          evr: evrFromAttributes(epoch, ver, rel),
          evrIndex: -1,
        };
      }
      builder.entry(depName, flags, epoch, ver, rel, pre);
      if (this.stack.length === 0) this.rootClosed = true;
      return;
    }
    const attrs: Record<string, string> = {};
    for (let k = 0; k < nAttrs; k++) attrs[this.names.strings[attrNames[k] as number] as string] = attrValues[k] as string;
    if (!this.selfClosing) this.stack.push(id);
    builder.open(local, attrs);
    if (this.selfClosing) {
      builder.close(local);
      if (this.stack.length === 0) this.rootClosed = true;
    }
  }

  end(rest: Buffer): void {
    const pos = this.scan(rest, true);
    if (pos !== rest.length) bail('unexpected end of document');
    if (this.stack.length > 0) bail('unexpected end of document');
    if (!this.rootSeen) bail('no root element');
  }
}

/**
 * Read primary.xml bytes into RepoPackage values (see parsePrimary). Throws
 * PrimaryBytesUnsupported, possibly after some packages were delivered, when the document
 * leaves the subset this reader handles: the caller must start over with parsePrimary.
 */
export async function parsePrimaryBytes(
  chunks: AsyncIterable<Uint8Array>,
  fileName: string,
  onPackage: (pkg: RepoPackage) => void,
  options: { openChecksumType?: string } = {},
): Promise<XmlStreamResult & { count: number }> {
  const builder = new PrimaryBuilder(fileName, onPackage);
  return await run(chunks, builder, new PrimaryByteReader(builder), options.openChecksumType);
}

/**
 * Read primary.xml bytes straight into a cache writer (a cold repository open): the same
 * packages as parsePrimaryBytes + `writer.add`, without making dependency objects.
 * PrimaryBytesUnsupported as for parsePrimaryBytes (start over with a new writer).
 */
export async function readPrimaryIntoCache(
  chunks: AsyncIterable<Uint8Array>,
  fileName: string,
  writer: PrimaryCacheWriter,
  options: { openChecksumType?: string; onPackage?: (count: number) => void } = {},
): Promise<XmlStreamResult & { count: number }> {
  const deps = new DependencyInts();
  const builder = new PrimaryBuilder(fileName, (p) => {
    writer.add(p, deps);
    deps.reset();
    options.onPackage?.(writer.count);
  });
  builder.sink = (kind, name, flags, evr) => deps.push(kind, writer.sharedIndex(name), flags, writer.sharedIndex(evr));
  return await run(chunks, builder, new PrimaryByteReader(builder, { writer, deps }), options.openChecksumType);
}

async function run(
  chunks: AsyncIterable<Uint8Array>,
  builder: PrimaryBuilder,
  reader: PrimaryByteReader,
  openChecksumType: string | undefined,
): Promise<XmlStreamResult & { count: number }> {
  const hash = openChecksumType !== undefined ? createChecksum(openChecksumType) : null;
  let bytes = 0;
  // The unread end of a chunk (a token cut in two) moves to the front of one reused buffer,
  // and the next chunk is appended to it (the reader keeps no reference into what it scanned).
  let scratch = Buffer.allocUnsafe(1 << 19);
  let restLength = 0;
  for await (const chunk of chunks) {
    bytes += chunk.length;
    hash?.update(chunk);
    let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (restLength > 0) {
      if (restLength + chunk.length > scratch.length) {
        const bigger = Buffer.allocUnsafe(Math.max(scratch.length * 2, restLength + chunk.length));
        scratch.copy(bigger, 0, 0, restLength);
        scratch = bigger;
      }
      scratch.set(chunk, restLength);
      buf = scratch.subarray(0, restLength + chunk.length);
    }
    const pos = reader.scan(buf, false);
    restLength = buf.length - pos;
    if (restLength > scratch.length) scratch = Buffer.allocUnsafe(Math.max(scratch.length * 2, restLength));
    if (buf.buffer === scratch.buffer) scratch.copyWithin(0, pos, buf.length);
    else buf.copy(scratch, 0, pos);
  }
  reader.end(scratch.subarray(0, restLength));
  builder.finish();
  return { bytes, digest: hash ? hash.digest('hex') : null, count: builder.count };
}
