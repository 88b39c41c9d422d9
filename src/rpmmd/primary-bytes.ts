import { isUtf8 } from 'node:buffer';
import { createChecksum } from './checksum.js';
import { PrimaryBuilder } from './primary.js';
import type { RepoPackage } from './types.js';
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

/** Strings interned by their UTF-8 bytes: the same bytes always give the same string. */
class Interner {
  private mask = (1 << 12) - 1;
  private slots = new Int32Array(1 << 12);
  private readonly hashes: number[] = [];
  private readonly starts: number[] = [];
  private readonly lengths: number[] = [];
  readonly strings: string[] = [];
  private store = Buffer.allocUnsafe(1 << 16);
  private used = 0;

  /** Id of the string with bytes buf[start, end) (whose FNV-1a hash is `hash`), added if new. */
  id(buf: Uint8Array, start: number, end: number, hash: number, nonAscii: boolean): number {
    const length = end - start;
    const slots = this.slots;
    const mask = this.mask;
    const store = this.store;
    let slot = hash & mask;
    for (;;) {
      const v = slots[slot] as number;
      if (v === 0) break;
      const id = v - 1;
      if (this.hashes[id] === hash && this.lengths[id] === length) {
        const at = this.starts[id] as number;
        let k = 0;
        while (k < length && store[at + k] === buf[start + k]) k++;
        if (k === length) return id;
      }
      slot = (slot + 1) & mask;
    }
    if (nonAscii && !isUtf8(buf.subarray(start, end))) bail('invalid UTF-8');
    const id = this.strings.length;
    if (this.used + length > this.store.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.store.length * 2, this.used + length));
      this.store.copy(bigger, 0, 0, this.used);
      this.store = bigger;
    }
    this.store.set(buf.subarray(start, end), this.used);
    this.starts.push(this.used);
    this.used += length;
    this.lengths.push(length);
    this.hashes.push(hash);
    this.strings.push(Buffer.from(buf.buffer, buf.byteOffset + start, length).toString(nonAscii ? 'utf8' : 'latin1'));
    slots[slot] = id + 1;
    if (this.strings.length * 2 > mask) this.grow();
    return id;
  }

  /** True when buf[at...] starts with the bytes of string `id`. */
  matches(id: number, buf: Uint8Array, at: number): boolean {
    const start = this.starts[id] as number;
    const length = this.lengths[id] as number;
    if (at + length > buf.length) return false;
    for (let k = 0; k < length; k++) if (this.store[start + k] !== buf[at + k]) return false;
    return true;
  }

  byteLength(id: number): number {
    return this.lengths[id] as number;
  }

  private grow(): void {
    const size = this.slots.length * 2;
    const mask = size - 1;
    const slots = new Int32Array(size);
    for (let id = 0; id < this.hashes.length; id++) {
      let slot = (this.hashes[id] as number) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = id + 1;
    }
    this.slots = slots;
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
}

/** Attribute slots of `rpm:entry`, the element that gets no attribute object. */
const ENTRY_ATTRS = ['name', 'flags', 'epoch', 'ver', 'rel', 'pre'];

class PrimaryByteReader {
  private readonly names = new Interner();
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

  /**
   * `rpm:entry` tags written as `name="..."` then the rest: the rest (flags, epoch, ver, rel,
   * pre) repeats across entries, so its bytes are interned and parsed once.
   */
  private readonly rests = new Interner();
  private readonly restTuples: Array<EntryRest | undefined> = [];
  /** Id of the rest of the entry tag being read by the general path, to remember its parse. */
  private pendingRest = -1;

  constructor(private readonly builder: PrimaryBuilder) {}

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
    const name = this.values.strings[this.values.id(buf, valueStart, valueEnd, hash, nonAscii)] as string;
    if (rest.bits === undefined || !this.builder.dependency(name, rest.bits, rest.evr)) {
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
      const raw = buf.toString('utf8', start, end);
      if (special) {
        if (raw.includes('\r') || !isUtf8(buf.subarray(start, end))) bail('CR or invalid UTF-8 in text');
        this.builder.text(decodeEntities(raw, bail, 0));
      } else {
        this.builder.text(raw);
      }
    } else if (special) {
      decodeEntities(buf.toString('utf8', start, end), bail, 0);
    }
  }

  /** Process complete tokens of buf; returns where the unprocessed remainder starts. */
  scan(buf: Buffer, final: boolean): number {
    const n = buf.length;
    let pos = 0;
    if (this.first) {
      if (n < 3 && !final) return 0;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3;
      this.first = false;
    }
    const builder = this.builder;
    for (;;) {
      // Text up to the next '<': entity references, CR and non-ASCII bytes need the slow path.
      let i = pos;
      let special = false;
      let blank = true;
      while (i < n) {
        const c = buf[i] as number;
        if (c === 0x3c) break;
        if (c === 0x26 || c === 0x0d || c >= 0x80) special = true;
        else if (blank && c !== 0x20 && c !== 0x0a && c !== 0x09) blank = false;
        i++;
      }
      if (i >= n) {
        if (!final) return pos;
        this.text(buf, pos, n, special, blank && !special);
        return n;
      }
      if (i > pos) this.text(buf, pos, i, special, blank && !special);
      const lt = i;
      pos = lt;
      if (lt + 1 >= n) return pos;
      const next = buf[lt + 1] as number;
      if (next === 0x2f /* / */) {
        const open = this.stack.pop();
        if (open === undefined) bail('close tag without open tag');
        const length = this.names.byteLength(open as number);
        let j = lt + 2 + length;
        if (j >= n) {
          this.stack.push(open as number);
          return pos;
        }
        if (!this.names.matches(open as number, buf, lt + 2)) bail('close tag does not match');
        while (j < n && isBlankByte(buf[j] as number)) j++;
        if (j >= n) {
          this.stack.push(open as number);
          return pos;
        }
        if (buf[j] !== 0x3e) bail('close tag does not match');
        builder.close(this.locals[open as number] as string);
        if (this.stack.length === 0) this.rootClosed = true;
        pos = j + 1;
        continue;
      }
      if (next === 0x3f /* ? */) {
        const end = buf.indexOf('?>', lt + 2, 'latin1');
        if (end < 0) return pos;
        pos = end + 2;
        continue;
      }
      if (next === 0x21 /* ! */) {
        if (n - lt < 9 && !final) return pos;
        if (buf[lt + 2] === 0x2d && buf[lt + 3] === 0x2d) {
          const end = buf.indexOf('-->', lt + 4, 'latin1');
          if (end < 0) return pos;
          pos = end + 3;
          continue;
        }
        if (buf.toString('latin1', lt, lt + 9) === '<![CDATA[') {
          const end = buf.indexOf(']]>', lt + 9, 'latin1');
          if (end < 0) return pos;
          if (this.stack.length === 0) bail('CDATA outside the root element');
          if (builder.wantText()) {
            if (!isUtf8(buf.subarray(lt + 9, end))) bail('invalid UTF-8');
            builder.text(buf.toString('utf8', lt + 9, end));
          }
          pos = end + 3;
          continue;
        }
        bail('markup declaration');
      }
      // Start tag: the name (hashed on the way), then attributes.
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
      if (j >= n) return pos;
      if (j === lt + 1) bail('empty element name');
      const id = this.nameId(buf, lt + 1, j, hash, nonAscii);
      if (this.rootClosed) bail('a second root element');
      const local = this.locals[id] as string;
      const isEntry = local === 'entry';
      this.pendingRest = -1;
      if (isEntry) {
        const end = this.entryFast(buf, j, n);
        if (end === -1) return pos;
        if (end > 0) {
          this.rootSeen = true;
          pos = end;
          continue;
        }
      }
      const attrNames = this.attrNames;
      const attrValues = this.attrValues;
      let nAttrs = 0;
      let selfClosing = false;
      let complete = false;
      for (;;) {
        while (j < n && isBlankByte(buf[j] as number)) j++;
        if (j >= n) break;
        const c = buf[j] as number;
        if (c === 0x3e /* > */) {
          complete = true;
          j++;
          break;
        }
        if (c === 0x2f /* / */) {
          if (j + 1 >= n) break;
          if (buf[j + 1] !== 0x3e) bail('malformed tag');
          selfClosing = true;
          complete = true;
          j += 2;
          break;
        }
        // Attribute name, '=', quoted value.
        const nameStart = j;
        hash = FNV_OFFSET;
        nonAscii = false;
        while (j < n) {
          const b = buf[j] as number;
          if (b === 0x3d || b === 0x20 || b === 0x0a || b === 0x09 || b === 0x0d || b === 0x3e || b === 0x2f || b === 0x22 || b === 0x27 || b === 0x3c) break;
          if (b >= 0x80) nonAscii = true;
          hash = Math.imul(hash ^ b, FNV_PRIME);
          j++;
        }
        const nameEnd = j;
        while (j < n && isBlankByte(buf[j] as number)) j++;
        if (j >= n) break;
        if (buf[j] !== 0x3d || nameEnd === nameStart) bail('malformed attribute');
        j++;
        while (j < n && isBlankByte(buf[j] as number)) j++;
        if (j >= n) break;
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
        if (j >= n) break;
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
      if (!complete) {
        if (final) bail('unterminated tag');
        return pos;
      }
      this.rootSeen = true;
      pos = j;
      if (isEntry && selfClosing) {
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
          };
        }
        builder.entry(depName, flags, epoch, ver, rel, pre);
        if (this.stack.length === 0) this.rootClosed = true;
        continue;
      }
      const attrs: Record<string, string> = {};
      for (let k = 0; k < nAttrs; k++) attrs[this.names.strings[attrNames[k] as number] as string] = attrValues[k] as string;
      if (!selfClosing) this.stack.push(id);
      builder.open(local, attrs);
      if (selfClosing) {
        builder.close(local);
        if (this.stack.length === 0) this.rootClosed = true;
      }
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
 * Read primary.xml bytes into PrimaryBuilder (see parsePrimary). Throws
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
  const reader = new PrimaryByteReader(builder);
  const hash = options.openChecksumType !== undefined ? createChecksum(options.openChecksumType) : null;
  let bytes = 0;
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    bytes += chunk.length;
    hash?.update(chunk);
    const view = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const buf = rest.length === 0 ? view : Buffer.concat([rest, view]);
    const pos = reader.scan(buf, false);
    rest = buf.subarray(pos);
  }
  reader.end(rest);
  builder.finish();
  return { bytes, digest: hash ? hash.digest('hex') : null, count: builder.count };
}
