import { createHash } from 'node:crypto';
import { AtollError } from '../../errors/index.js';
import { HASH_ALGO, RPMFILE, type RpmFile, type RpmHeaderPackage } from '../header/index.js';
import { readCpio, type CpioEntry } from './cpio-reader.js';
import type { ByteSource } from './decompress.js';

/**
 * The payload read the way rpm reads it (rpm-format.md §8.2): each cpio entry is mapped to its
 * header file by name (or index for stripped entries), all metadata comes from the header,
 * hardlink sets carry their content on the last member, %ghost files are absent, and at the
 * trailer every non-ghost file must have been seen.
 */

export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;

export function isRegular(mode: number): boolean {
  return (mode & S_IFMT) === S_IFREG;
}

export interface PayloadFile {
  index: number;
  file: RpmFile;
  /** Content (regular files: the real bytes; the set's content for the last hardlink member). Symlink targets come from the header. */
  body: AsyncGenerator<Uint8Array>;
  /** Bytes the body will yield. */
  size: number;
  /** Other members of this file's hardlink set (header indexes, ascending), [] when none. */
  hardlinks: number[];
  /** For a hardlink set: this entry carries the content (the last member). */
  carriesContent: boolean;
  entry: CpioEntry;
}

export interface PayloadReadOptions {
  /** Check each regular file's digest against FILEDIGESTS while streaming (default true). */
  verifyFileDigests?: boolean;
}

function payloadBad(message: string, data?: Record<string, unknown>): AtollError {
  return new AtollError('RPM_PAYLOAD_BAD', `payload: ${message}`, { data });
}

/** Hardlink sets: regular non-ghost files sharing (device, inode), more than one member. */
export function hardlinkSets(files: readonly RpmFile[]): Map<number, number[]> {
  const groups = new Map<string, number[]>();
  files.forEach((f, i) => {
    if (!isRegular(f.mode) || f.flags & RPMFILE.GHOST || f.inode === 0) return;
    const key = `${f.device}:${f.inode}`;
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  const byIndex = new Map<number, number[]>();
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    for (const m of members) byIndex.set(m, members);
  }
  return byIndex;
}

/** Normalise a cpio name to the header path form (`./usr/x` → `/usr/x`; bare names in source packages stay). */
function headerPathOf(name: string, source: boolean): string {
  if (name.startsWith('./')) return name.slice(1);
  if (name.startsWith('/')) return name;
  return source ? name : `/${name}`;
}

async function* digestChecked(body: AsyncGenerator<Uint8Array>, algo: string, expected: string, path: string): AsyncGenerator<Uint8Array> {
  const hash = createHash(algo);
  let complete = false;
  try {
    for await (const chunk of body) {
      hash.update(chunk);
      yield chunk;
    }
    complete = true;
  } finally {
    if (complete) {
      const actual = hash.digest('hex');
      if (actual !== expected.toLowerCase()) {
        // eslint-disable-next-line no-unsafe-finally
        throw new AtollError('RPM_DIGEST_MISMATCH', `file ${path}: digest mismatch: expected ${expected}, got ${actual}`, {
          data: { path, expected, actual },
        });
      }
    }
  }
}

/** What the payload reader knows about one archive entry (all metadata from the header). */
export interface PayloadMatch {
  index: number;
  file: RpmFile;
  /** Bytes of data the entry carries. */
  size: number;
  /** Other members of this file's hardlink set (header indexes, ascending), [] when none. */
  hardlinks: number[];
  /** For a hardlink set: this entry carries the content (the last member). */
  carriesContent: boolean;
  /** The file digest to check the content against (hex), or null. */
  digest: { algo: string; expected: string } | null;
}

/**
 * The header side of payload reading, synchronous: maps each cpio entry to its header file
 * (by name, or index for stripped entries), checks it (not in the header, duplicate, size,
 * hardlink content on the last member) and, at the end, that every non-ghost file was seen.
 * Shared by the async reader below and unpack's push-driven loop.
 */
export class PayloadMatcher {
  private readonly files: readonly RpmFile[];
  private readonly byPath = new Map<string, number>();
  private readonly links: Map<number, number[]>;
  private readonly seen: Uint8Array;
  private readonly algo: string | undefined;

  constructor(
    private readonly pkg: RpmHeaderPackage,
    options: PayloadReadOptions = {},
  ) {
    this.files = pkg.files;
    this.files.forEach((f, i) => this.byPath.set(f.path, i));
    this.links = hardlinkSets(this.files);
    this.seen = new Uint8Array(this.files.length);
    const algo = HASH_ALGO[pkg.fileDigestAlgo];
    this.algo = options.verifyFileDigests !== false && algo !== undefined ? algo.node : undefined;
  }

  // Which member of a hardlink set carries the content: the last one in the payload, which rpm
  // makes the last in header order among those present (ghosts are never present).
  private lastOfSet(index: number): boolean {
    const members = this.links.get(index);
    return !members || members[members.length - 1] === index;
  }

  private expectedSize(index: number): number {
    const f = this.files[index]!;
    const type = f.mode & S_IFMT;
    if (type === S_IFREG) return this.lastOfSet(index) ? f.size : 0;
    if (type === S_IFLNK) return Buffer.byteLength(f.linkto);
    return 0;
  }

  /** Data size of a stripped (07070X) entry. */
  readonly strippedSize = (index: number): number => {
    if (index >= this.files.length) throw payloadBad(`stripped entry refers to file ${index} of ${this.files.length}`, { index });
    return this.expectedSize(index);
  };

  /** The header file of an entry; null for a ghost (old rpm versions wrote some; rpm skips them). */
  match(entry: CpioEntry): PayloadMatch | null {
    const files = this.files;
    let index: number;
    if (entry.kind === 'stripped') index = entry.fileIndex;
    else {
      const path = headerPathOf(entry.name, this.pkg.isSource);
      const found = this.byPath.get(path);
      if (found === undefined) throw payloadBad(`archive file '${entry.name}' is not in the header`, { name: entry.name });
      index = found;
    }
    const file = files[index]!;
    if (file.flags & RPMFILE.GHOST) return null;
    if (this.seen[index]) throw payloadBad(`duplicate archive entry for ${file.path}`, { path: file.path });
    this.seen[index] = 1;
    const size = this.expectedSize(index);
    if (entry.kind === 'newc' && entry.size !== size) {
      const members = this.links.get(index);
      if (members && entry.size !== 0) {
        throw new AtollError('RPM_HARDLINK_BAD', `hardlink set of ${file.path}: content is not on the last member`, { data: { path: file.path } });
      }
      throw payloadBad(`archive entry ${file.path} has ${entry.size} bytes, header says ${size}`, { path: file.path, size: entry.size, expected: size });
    }
    const hardlinks = (this.links.get(index) ?? []).filter((m) => m !== index);
    const carriesContent = isRegular(file.mode) && this.lastOfSet(index);
    const digest = this.algo !== undefined && carriesContent && file.digest !== '' ? { algo: this.algo, expected: file.digest } : null;
    return { index, file, size, hardlinks, carriesContent, digest };
  }

  /** True when header file `index` belongs to a hardlink set. */
  inHardlinkSet(index: number): boolean {
    return this.links.has(index);
  }

  fileAt(index: number): RpmFile {
    return this.files[index]!;
  }

  /** At the trailer: every non-ghost file must have been in the archive. */
  finish(): void {
    const files = this.files;
    const missing = files.findIndex((f, i) => !this.seen[i] && !(f.flags & RPMFILE.GHOST));
    if (missing >= 0) throw payloadBad(`missing file ${files[missing]!.path}: not in the archive`, { path: files[missing]!.path });
  }
}

/** Iterate the payload's files (cpio already decompressed). Throws coded errors on any inconsistency. */
export async function* readPayloadFiles(pkg: RpmHeaderPackage, cpio: ByteSource, options: PayloadReadOptions = {}): AsyncGenerator<PayloadFile> {
  const matcher = new PayloadMatcher(pkg, options);
  for await (const { entry, body } of readCpio(cpio, matcher.strippedSize)) {
    const m = matcher.match(entry);
    if (m === null) continue;
    const checked = m.digest !== null ? digestChecked(body, m.digest.algo, m.digest.expected, m.file.path) : body;
    yield { index: m.index, file: m.file, body: checked, size: m.size, hardlinks: m.hardlinks, carriesContent: m.carriesContent, entry };
    // Drain so digests are checked even when the consumer skipped the body.
    for await (const _ of checked) void _;
  }
  matcher.finish();
}
