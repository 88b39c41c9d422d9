/**
 * Worker thread body of unpackRpm's file writer (unpack.ts): performs, strictly in order, the
 * filesystem operations the main thread derives from the payload, so decompression and cpio
 * parsing (main thread and the decoder process) overlap with file creation (here). All
 * operations are synchronous: one thread, one order, so the safety checks below see exactly
 * the tree the earlier operations built (no entry is written through a symlink: every parent
 * component is created here or checked with lstat; files are created O_EXCL|O_NOFOLLOW).
 */
import { closeSync, constants, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lstatSync, lutimesSync, mkdirSync, openSync, symlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

export type WriterOp =
  | { t: 'dir'; rel: string }
  | { t: 'open'; rel: string; path: string }
  | { t: 'write'; data: Uint8Array }
  | { t: 'close'; mode: number; uid: number; gid: number; mtime: number }
  | { t: 'link'; from: string; rel: string; path: string }
  | { t: 'symlink'; rel: string; path: string; target: string; uid: number; gid: number; mtime: number };

export type WriterMessage = { ops: WriterOp[]; bytes: number } | { end: true };

export type WriterReply =
  | { ack: number }
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

const staging = (workerData as { staging: string }).staging;
// Directories known to be real (not symlinks) inside staging: "" is the staging root.
const realDirs = new Set<string>(['']);
let fd = -1;
let failed = false;

const parentOf = (rel: string): string => (rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '');

function ensureDir(rel: string, mode: number): void {
  if (realDirs.has(rel)) return;
  ensureDir(parentOf(rel), 0o755);
  const abs = join(staging, rel);
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

function apply(op: WriterOp): void {
  switch (op.t) {
    case 'dir':
      // The header's mode is applied at the end (a read-only mode must not block the content).
      ensureDir(op.rel, 0o700);
      return;
    case 'open':
      ensureDir(parentOf(op.rel), 0o755);
      try {
        fd = openSync(join(staging, op.rel), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST' || code === 'ELOOP') throw new Unsafe(`${op.path} already exists in the target`, op.path);
        throw error;
      }
      return;
    case 'write': {
      const data = op.data;
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      return;
    }
    case 'close': {
      const f = fd;
      fd = -1;
      try {
        // Owner first: chown clears setuid/setgid bits.
        if (op.uid >= 0) fchownSync(f, op.uid, op.gid);
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
        linkSync(join(staging, op.from), join(staging, op.rel));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new Unsafe(`${op.path} already exists in the target`, op.path);
        throw error;
      }
      return;
    case 'symlink': {
      ensureDir(parentOf(op.rel), 0o755);
      const abs = join(staging, op.rel);
      try {
        symlinkSync(op.target, abs);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new Unsafe(`${op.path} already exists in the target`, op.path);
        throw error;
      }
      if (op.uid >= 0) lchownSync(abs, op.uid, op.gid);
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
  if (failed) return;
  try {
    for (const op of message.ops) apply(op);
    parentPort!.postMessage({ ack: message.bytes } satisfies WriterReply);
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
