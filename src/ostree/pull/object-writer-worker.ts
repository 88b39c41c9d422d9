/**
 * Worker thread body of ObjectWriter (object-writer.ts): writes batches of objects, each to a
 * fresh temp file that is then renamed to its final name under objects/; archive content
 * objects are verified here first (inflate and re-hash), off the pulling thread. The calls
 * are synchronous here, so one object costs four plain syscalls instead of four thread-pool
 * round trips (with their futex wake-ups) on the pulling thread.
 */
import { parentPort } from 'node:worker_threads';
import { openSync, writeSync, closeSync, renameSync, unlinkSync, mkdirSync } from 'node:fs';
import { isAtollError } from '../../errors/index.js';
import { verifyArchiveContentSync } from './verify.js';

export interface WriteSpan {
  temp: string;
  /** Directory of the final name (objects/XX), created on first use. */
  dir: string;
  final: string;
  /** The object's bytes within the batch's buffer. */
  offset: number;
  length: number;
  /** An archive `.filez` to verify (inflate and re-hash) against this checksum before writing. */
  verify?: string;
}

export interface WriteBatch {
  id: number;
  bytes: Uint8Array;
  ops: WriteSpan[];
}

export type WriteReply = { id: number } | { id: number; error: { message: string; code?: string; path: string; corrupt?: string } };

const madeDirs = new Set<string>();

function writeOne(op: WriteSpan, bytes: Uint8Array): void {
  if (!madeDirs.has(op.dir)) {
    mkdirSync(op.dir, { recursive: true });
    madeDirs.add(op.dir);
  }
  const fd = openSync(op.temp, 'wx', 0o644);
  try {
    let done = 0;
    while (done < op.length) done += writeSync(fd, bytes, op.offset + done, op.length - done, done);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(op.temp, op.final);
  } catch (error) {
    try {
      unlinkSync(op.temp);
    } catch {
      // the temp is removed by the next pull's stale-temp sweep
    }
    throw error;
  }
}

parentPort?.on('message', (batch: WriteBatch) => {
  let reply: WriteReply = { id: batch.id };
  for (const op of batch.ops) {
    if (op.verify !== undefined) {
      try {
        verifyArchiveContentSync(op.verify, batch.bytes.subarray(op.offset, op.offset + op.length));
      } catch (error) {
        if (!isAtollError(error)) throw error;
        reply = { id: batch.id, error: { message: error.message, path: op.final, corrupt: op.verify } };
        break;
      }
    }
    try {
      writeOne(op, batch.bytes);
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      reply = { id: batch.id, error: { message: e.message, ...(e.code === undefined ? {} : { code: e.code }), path: op.final } };
      break;
    }
  }
  parentPort?.postMessage(reply);
});
