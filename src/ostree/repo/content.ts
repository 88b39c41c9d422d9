import { readFile, copyFile, open } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { createReadStream, createWriteStream, readFileSync, readSync, lstatSync, readlinkSync, writeFileSync, openSync, writevSync, closeSync, symlinkSync, lchownSync, chownSync, chmodSync, utimesSync, lutimesSync } from 'node:fs';
import { deflateRaw, deflateRawSync, inflateRaw, createDeflateRaw, createInflateRaw } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { AtollError, isErrno } from '../../errors/index.js';
import type { Repo } from './repo.js';
import type { Transaction } from './transaction.js';
import {
  type FileHeader,
  encodeArchiveHeader,
  decodeArchiveHeader,
  encodeOwnerModeXattrs,
  decodeOwnerModeXattrs,
  ContentHasher,
  contentChecksum,
  isSymlinkMode,
  S_IFMT,
  S_IFLNK,
  S_IFREG,
  ObjectType,
} from './codec.js';
import { readXattrsSync, writeXattrsSync, getXattrSync, type Xattrs } from './xattrs.js';

const deflateRawAsync = promisify(deflateRaw);
const inflateRawAsync = promisify(inflateRaw);

/** bare-user keeps the real uid/gid/mode/xattrs of a content object in this xattr. */
export const OSTREEMETA_XATTR = 'user.ostreemeta';

const SYNC_DEFLATE_LIMIT = 64 * 1024;

/** Above this size a regular file is hashed and copied by streaming instead of in memory. */
const IN_MEMORY_LIMIT = 16 * 1024 * 1024;

async function hashFileStreaming(path: string, header: FileHeader): Promise<string> {
  const hash = new ContentHasher(header);
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1024 * 1024);
    while (true) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest();
}

/**
 * Where the bytes of a regular file come from: memory (compose's in-memory trees) or a path on
 * disk (committing a directory). `size` is the length of the data.
 */
export type ContentData = { kind: 'bytes'; bytes: Uint8Array } | { kind: 'path'; path: string; size: number };

const euid = typeof process.geteuid === 'function' ? process.geteuid() : 0;
const egid = typeof process.getegid === 'function' ? process.getegid() : 0;

/**
 * Hash a content object and, unless the repo already has it, write it into the transaction in
 * the repo's storage form (spec §2.5). Returns the checksum.
 *
 * The per-file filesystem work is synchronous on purpose: for the small files that dominate an
 * OS tree each call is a few microseconds, and a thread-pool round trip per syscall costs more
 * than the syscall. What is worth running in parallel — deflate for archive repos — goes to
 * zlib's async API (libuv's thread pool), so callers still run several of these at once.
 */
export async function writeContent(
  tx: Transaction,
  header: FileHeader,
  data: ContentData | undefined,
  options: { knownChecksum?: string; zlibLevel?: number } = {},
): Promise<string> {
  const type = header.mode & S_IFMT;
  if (type !== S_IFLNK && type !== S_IFREG) throw new TypeError('writeContent: not a regular file or symlink');
  const symlinkObject = type === S_IFLNK;
  // A known checksum (a copy from another repository) is checked before reading any data.
  if (options.knownChecksum !== undefined && tx.haveObjectSync(options.knownChecksum, ObjectType.File)) return options.knownChecksum;
  let bytes: Uint8Array | undefined;
  if (!symlinkObject) {
    if (!data) throw new TypeError('writeContent: a regular file needs data');
    if (data.kind === 'bytes') bytes = data.bytes;
    else if (data.size <= IN_MEMORY_LIMIT) bytes = readKnownSize(data.path, data.size);
  }
  const checksum =
    options.knownChecksum ??
    (symlinkObject || bytes ? contentChecksum(header, bytes ?? new Uint8Array(0)) : await hashFileStreaming((data as { path: string }).path, header));
  if (options.knownChecksum === undefined && tx.haveObjectSync(checksum, ObjectType.File)) return checksum;
  const temp = tx.tempPath();
  const target = header.symlinkTarget ?? '';
  switch (tx.repo.mode) {
    case 'archive': {
      const prefix = encodeArchiveHeader(header, symlinkObject ? 0 : (bytes?.length ?? (data as { size: number }).size));
      if (symlinkObject) {
        writeFileSync(temp, prefix, { mode: 0o644 });
      } else if (bytes) {
        // Small payloads compress in place: a thread-pool round trip (and zlib's per-chunk
        // callbacks) would cost more than the work.
        const compressed = bytes.length <= SYNC_DEFLATE_LIMIT ? deflateRawSync(bytes, { level: options.zlibLevel ?? 6 }) : await deflateRawAsync(bytes, { level: options.zlibLevel ?? 6 });
        const fd = openSync(temp, 'w', 0o644);
        try {
          writevSync(fd, [prefix, compressed]);
        } finally {
          closeSync(fd);
        }
      } else {
        // Large files are compressed as a stream, so memory stays flat whatever their size.
        writeFileSync(temp, prefix, { mode: 0o644 });
        await pipeline(
          createReadStream((data as { path: string }).path),
          createDeflateRaw({ level: options.zlibLevel ?? 6 }),
          createWriteStream(temp, { flags: 'a' }),
        );
      }
      break;
    }
    case 'bare': {
      if (symlinkObject) {
        symlinkSync(target, temp);
        if (header.uid !== euid || header.gid !== egid) lchownSync(temp, header.uid, header.gid);
        if (header.xattrs.length > 0) writeXattrsSync(temp, header.xattrs);
        lutimesSync(temp, 0, 0);
      } else {
        await writeData(temp, bytes, data);
        if (header.uid !== euid || header.gid !== egid) chownSync(temp, header.uid, header.gid);
        chmodSync(temp, header.mode & 0o7777);
        if (header.xattrs.length > 0) writeXattrsSync(temp, header.xattrs);
        utimesSync(temp, 0, 0);
      }
      break;
    }
    case 'bare-user': {
      const meta = encodeOwnerModeXattrs({ uid: header.uid, gid: header.gid, mode: header.mode, xattrs: header.xattrs });
      if (symlinkObject) {
        writeFileSync(temp, Buffer.concat([Buffer.from(target, 'utf8'), Buffer.from([0])]));
        chmodSync(temp, 0o644);
      } else {
        await writeData(temp, bytes, data);
        chmodSync(temp, ((header.mode & 0o775) | 0o400) & 0o7777);
      }
      writeXattrsSync(temp, [{ name: OSTREEMETA_XATTR, value: meta }]);
      utimesSync(temp, 0, 0);
      break;
    }
    case 'bare-user-only': {
      if (!symlinkObject && (header.uid !== 0 || header.gid !== 0 || header.xattrs.length > 0 || (header.mode & ~(S_IFMT | 0o775)) !== 0)) {
        throw new AtollError('OSTREE_CONTENT_UNSUPPORTED', `content object ${checksum} has mode ${(header.mode & 0o7777).toString(8)}, uid ${header.uid}, gid ${header.gid} or xattrs, which a bare-user-only repository cannot store`, {
          hint: 'commit with canonical permissions (bare-user-only does this by default)',
        });
      }
      if (symlinkObject) {
        symlinkSync(target, temp);
        lutimesSync(temp, 0, 0);
      } else {
        await writeData(temp, bytes, data);
        chmodSync(temp, header.mode & 0o775);
        utimesSync(temp, 0, 0);
      }
      break;
    }
  }
  tx.stageSync(temp, checksum, ObjectType.File);
  return checksum;
}

/**
 * readFileSync for a file whose size the caller just lstat'ed: open, one read, close (no
 * fstat). A file that changed size meanwhile is read again the general way.
 */
function readKnownSize(path: string, size: number): Buffer {
  const fd = openSync(path, 'r');
  let n: number;
  const buf = Buffer.allocUnsafe(size + 1);
  try {
    n = readSync(fd, buf, 0, size + 1, 0);
  } finally {
    closeSync(fd);
  }
  return n === size ? buf.subarray(0, size) : readFileSync(path);
}

async function writeData(temp: string, bytes: Uint8Array | undefined, data: ContentData | undefined): Promise<void> {
  if (bytes) writeFileSync(temp, bytes, { mode: 0o600 });
  else await copyFile((data as { path: string }).path, temp);
}

/** A content object as stored: its header, and how to get at its data. */
export interface LoadedContent {
  header: FileHeader;
  size: number;
  /** For bare modes, the object file itself (hardlink checkouts link to it). */
  objectPath: string;
  /** The uncompressed data (empty for symlinks). */
  readData(): Promise<Buffer>;
  /** Archive repos: where the raw-deflate payload starts in objectPath. */
  payloadOffset?: number;
  /** Bare modes: the object file's lstat (a hardlink checkout checks owner/mode and records the inode). */
  stat?: Stats;
}

/**
 * Re-hash a loaded content object (fsck). Large objects are streamed (inflated on the fly for
 * archive repos), so memory stays flat whatever the file size.
 */
export async function hashLoadedContent(checksum: string, content: LoadedContent): Promise<string> {
  const hasher = new ContentHasher(content.header, content.size);
  if (isSymlinkMode(content.header.mode)) return hasher.digest();
  if (content.size <= IN_MEMORY_LIMIT) return hasher.update(await content.readData()).digest();
  const consume = async (chunks: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of chunks) hasher.update(chunk);
  };
  try {
    if (content.payloadOffset !== undefined) {
      await pipeline(createReadStream(content.objectPath, { start: content.payloadOffset }), createInflateRaw(), consume);
    } else {
      await pipeline(createReadStream(content.objectPath), consume);
    }
  } catch (error) {
    if (error instanceof AtollError) throw error;
    throw corrupt(checksum, `invalid compressed data: ${(error as Error).message}`, error);
  }
  return hasher.digest();
}

/**
 * Read a content object in any mode: uid/gid/mode/xattrs/target and the data. Errors are
 * coded: a missing object is OSTREE_OBJECT_MISSING, an undecodable one OSTREE_OBJECT_CORRUPT.
 */
export async function loadContent(repo: Repo, checksum: string, options: { noXattrs?: boolean } = {}): Promise<LoadedContent> {
  const path = repo.objectPath(checksum, ObjectType.File);
  let st;
  try {
    st = lstatSync(path);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) {
      throw new AtollError('OSTREE_OBJECT_MISSING', `Couldn't find file object '${checksum}'`, { data: { checksum, type: 'file' } });
    }
    throw error;
  }
  switch (repo.mode) {
    case 'archive': {
      // Read only the head of the file: `ls` and checkout decisions need the header alone.
      const head = readHead(path, st.size);
      let decoded;
      try {
        decoded = decodeArchiveHeader(head);
      } catch (error) {
        if (head.length < st.size) {
          try {
            decoded = decodeArchiveHeader(readFileSync(path));
          } catch (inner) {
            throw corrupt(checksum, (inner as Error).message, inner);
          }
        } else {
          throw corrupt(checksum, (error as Error).message, error);
        }
      }
      const { size, header } = decoded;
      const payloadOffset = decoded.payloadOffset;
      return {
        header: options.noXattrs ? { ...header, xattrs: [] } : header,
        size,
        objectPath: path,
        payloadOffset,
        readData: async () => {
          if (isSymlinkMode(header.mode)) return Buffer.alloc(0);
          const whole = head.length >= st.size ? head : await readFile(path);
          let out: Buffer;
          try {
            out = await inflateRawAsync(whole.subarray(payloadOffset));
          } catch (error) {
            throw corrupt(checksum, `invalid compressed data: ${(error as Error).message}`, error);
          }
          if (out.length !== size) throw corrupt(checksum, `size mismatch: header says ${size}, data is ${out.length}`);
          return out;
        },
      };
    }
    case 'bare': {
      const xattrs: Xattrs = options.noXattrs ? [] : readXattrsSync(path);
      if (st.isSymbolicLink()) {
        const target = readlinkSync(path);
        return { header: { uid: st.uid, gid: st.gid, mode: S_IFLNK | 0o777, rdev: 0, symlinkTarget: target, xattrs }, size: 0, objectPath: path, stat: st, readData: async () => Buffer.alloc(0) };
      }
      if (!st.isFile()) throw corrupt(checksum, 'not a regular file or symlink');
      return { header: { uid: st.uid, gid: st.gid, mode: st.mode, rdev: 0, symlinkTarget: '', xattrs }, size: st.size, objectPath: path, stat: st, readData: async () => readSmallOrLarge(path, st.size) };
    }
    case 'bare-user': {
      const metaBytes = getXattrSync(path, OSTREEMETA_XATTR);
      if (metaBytes === null) throw corrupt(checksum, `missing ${OSTREEMETA_XATTR}`);
      let meta;
      try {
        meta = decodeOwnerModeXattrs(metaBytes, OSTREEMETA_XATTR);
      } catch (error) {
        throw corrupt(checksum, (error as Error).message, error);
      }
      if (isSymlinkMode(meta.mode)) {
        const content = await readFile(path);
        const target = content.subarray(0, content.length > 0 && content[content.length - 1] === 0 ? content.length - 1 : content.length).toString('utf8');
        return { header: { uid: meta.uid, gid: meta.gid, mode: meta.mode, rdev: 0, symlinkTarget: target, xattrs: options.noXattrs ? [] : meta.xattrs }, size: 0, objectPath: path, stat: st, readData: async () => Buffer.alloc(0) };
      }
      return { header: { uid: meta.uid, gid: meta.gid, mode: meta.mode, rdev: 0, symlinkTarget: '', xattrs: options.noXattrs ? [] : meta.xattrs }, size: st.size, objectPath: path, stat: st, readData: async () => readSmallOrLarge(path, st.size) };
    }
    case 'bare-user-only': {
      if (st.isSymbolicLink()) {
        return { header: { uid: 0, gid: 0, mode: S_IFLNK | 0o777, rdev: 0, symlinkTarget: readlinkSync(path), xattrs: [] }, size: 0, objectPath: path, stat: st, readData: async () => Buffer.alloc(0) };
      }
      return { header: { uid: 0, gid: 0, mode: st.mode, rdev: 0, symlinkTarget: '', xattrs: [] }, size: st.size, objectPath: path, stat: st, readData: async () => readSmallOrLarge(path, st.size) };
    }
  }
}

const HEAD_BYTES = 64 * 1024;

function readHead(path: string, size: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(Math.min(size, HEAD_BYTES));
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Small files synchronously (no thread-pool hops), large ones asynchronously. */
async function readSmallOrLarge(path: string, size: number): Promise<Buffer> {
  return size <= IN_MEMORY_LIMIT ? readFileSync(path) : await readFile(path);
}

function corrupt(checksum: string, why: string, cause?: unknown): AtollError {
  return new AtollError('OSTREE_OBJECT_CORRUPT', `corrupted file object ${checksum}: ${why}`, { data: { checksum, type: 'file' }, cause });
}
