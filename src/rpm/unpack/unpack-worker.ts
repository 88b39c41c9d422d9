/**
 * Worker thread body of unpackRpm's file writer (file-writer.ts): performs, strictly in order,
 * the filesystem operations the main thread sends it, so decompression and cpio parsing (main
 * thread and the decoder process) overlap with file creation (here). All operations are
 * synchronous. No entry is written through a symlink: every parent component is created here
 * or, when it exists (made by an earlier entry), checked with lstat; entries are never
 * removed or renamed, so a checked directory stays a directory; files are created
 * O_EXCL|O_NOFOLLOW, symlinks and hardlinks fail on an existing name.
 */
import { closeSync, constants, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lstatSync, lutimesSync, mkdirSync, openSync, symlinkSync, writeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

export type WriterOp =
  | { t: 'dir'; rel: string }
  | { t: 'open'; rel: string; path: string }
  /** Bytes [offset, offset + length) of the batch's data go to the file opened last. */
  | { t: 'write'; offset: number; length: number }
  | { t: 'close'; mode: number; uid: number; gid: number; mtime: number }
  | { t: 'link'; from: string; rel: string; path: string }
  | { t: 'symlink'; rel: string; path: string; target: string; uid: number; gid: number; mtime: number };

export type WriterMessage =
  /** First message: where to write, and the owner new entries get (their chown is skipped when it is the one asked for). */
  | { staging: string; uid: number; gid: number }
  | { ops: WriterOp[]; bytes: number; data: ArrayBuffer | null }
  | { end: true };

export type WriterReply =
  /** Bytes done; the batch's data buffer comes back (transferred) for reuse. */
  | { ack: number; buffer: ArrayBuffer | null }
  | { done: true }
  | { error: { kind: 'unsafe'; message: string; path: string } | { kind: 'io'; message: string; code: string; syscall: string } };

class Unsafe extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

// Set by the first message: the worker starts before the staging directory exists, so that
// its start-up overlaps with reading the package header.
let staging = '';
let createdUid = -1;
let createdGid = -1;
// Directories known to be real (not symlinks) inside staging: "" is the staging root.
const realDirs = new Set<string>(['']);
let fd = -1;
let failed = false;

const parentOf = (rel: string): string => (rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '');

/**
 * The absolute path of a staging-relative path. Plain concatenation, not path.join (whose
 * normalisation costs more than the syscall's own lookup on a 3,000-file package): the header
 * reader refused every path with an empty, `.` or `..` component, and this refuses them again.
 */
function inStaging(rel: string): string {
  if (rel === '' || rel === '..' || rel.startsWith('../') || rel.endsWith('/..') || rel.includes('/../') || rel.startsWith('/') || rel.includes('//')) {
    throw new Unsafe(`refusing the unnormalised path /${rel}`, `/${rel}`);
  }
  return `${staging}/${rel}`;
}

function ensureDir(rel: string, mode: number): void {
  if (realDirs.has(rel)) return;
  ensureDir(parentOf(rel), 0o755);
  const abs = inStaging(rel);
  try {
    mkdirSync(abs, { mode });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const st = lstatSync(abs);
    if (st.isSymbolicLink()) throw new Unsafe(`refusing to write through symlink /${rel}`, `/${rel}`);
    if (!st.isDirectory()) throw new Unsafe(`/${rel} is not a directory but the package puts files under it`, `/${rel}`);
  }
  realDirs.add(rel);
}

function apply(op: WriterOp, data: Uint8Array | null): void {
  switch (op.t) {
    case 'dir':
      // The header's mode is applied at the end (a read-only mode must not block the content).
      ensureDir(op.rel, 0o700);
      return;
    case 'open':
      ensureDir(parentOf(op.rel), 0o755);
      try {
        fd = openSync(inStaging(op.rel), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST' || code === 'ELOOP') throw new Unsafe(`${op.path} already exists in the target`, op.path);
        throw error;
      }
      return;
    case 'write': {
      let off = op.offset;
      const end = op.offset + op.length;
      while (off < end) off += writeSync(fd, data as Uint8Array, off, end - off);
      return;
    }
    case 'close': {
      const f = fd;
      fd = -1;
      try {
        // Owner first: chown clears setuid/setgid bits. A new file already has the owner
        // that creates it (root:root for a root unpack, the common case): no chown then.
        if (op.uid >= 0 && (op.uid !== createdUid || op.gid !== createdGid)) fchownSync(f, op.uid, op.gid);
        fchmodSync(f, op.mode);
        futimesSync(f, op.mtime, op.mtime);
      } finally {
        closeSync(f);
      }
      return;
    }
    case 'link':
      ensureDir(parentOf(op.rel), 0o755);
      try {
        linkSync(inStaging(op.from), inStaging(op.rel));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new Unsafe(`${op.path} already exists in the target`, op.path);
        throw error;
      }
      return;
    case 'symlink': {
      ensureDir(parentOf(op.rel), 0o755);
      const abs = inStaging(op.rel);
      try {
        symlinkSync(op.target, abs);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new Unsafe(`${op.path} already exists in the target`, op.path);
        throw error;
      }
      if (op.uid >= 0 && (op.uid !== createdUid || op.gid !== createdGid)) lchownSync(abs, op.uid, op.gid);
      lutimesSync(abs, op.mtime, op.mtime);
      return;
    }
  }
}

parentPort!.on('message', (message: WriterMessage) => {
  if ('end' in message) {
    if (!failed) parentPort!.postMessage({ done: true } satisfies WriterReply);
    return;
  }
  if ('staging' in message) {
    staging = message.staging;
    createdUid = message.uid;
    createdGid = message.gid;
    return;
  }
  if (failed) return;
  try {
    const data = message.data === null ? null : new Uint8Array(message.data);
    for (const op of message.ops) apply(op, data);
    if (message.data === null) parentPort!.postMessage({ ack: message.bytes, buffer: null } satisfies WriterReply);
    else parentPort!.postMessage({ ack: message.bytes, buffer: message.data } satisfies WriterReply, [message.data]);
  } catch (error) {
    failed = true;
    if (fd >= 0) {
      try {
        closeSync(fd);
      } catch {
        // already failing
      }
      fd = -1;
    }
    let reply: WriterReply;
    if (error instanceof Unsafe) reply = { error: { kind: 'unsafe', message: error.message, path: error.path } };
    else {
      const e = error as NodeJS.ErrnoException;
      reply = { error: { kind: 'io', message: e.message, code: String(e.code ?? 'EIO'), syscall: String(e.syscall ?? 'unknown') } };
    }
    parentPort!.postMessage(reply);
  }
});
