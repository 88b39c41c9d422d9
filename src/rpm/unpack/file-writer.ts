import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { AtollError } from '../../errors/index.js';
import type { WriterMessage, WriterOp, WriterReply } from './unpack-worker.js';

/**
 * Main-thread side of the unpack writer: queues filesystem operations in payload order and
 * ships them to worker threads (unpack-worker.ts) in batches. Creating files is kernel work
 * that scales with threads, so there can be two workers (see `start`), each
 * owning the entries of a share of the directories: a file's open, data and close, and the
 * hardlinks to it, go to the worker of the file's directory, in payload order; parent
 * directories are made by whichever worker needs them first (mkdir is atomic, and an existing
 * one is accepted only after lstat says it is a real directory; entries are never removed or
 * renamed, so a checked directory stays one).
 *
 * File data is copied into the batch's one transferable buffer (the source chunks belong to
 * the decoder stream; write ops name a range of it), and the worker sends each buffer back
 * for reuse. Bounded: at most MAX_OUTSTANDING bytes are queued before `data` waits for the
 * workers to catch up. The first worker starts at construction, before the staging directory
 * exists (`start` names it), so its start-up overlaps with the caller's.
 */

const BATCH_BYTES = 1024 * 1024;
const BATCH_OPS = 512;
const MAX_OUTSTANDING = 24 * 1024 * 1024;

interface Shard {
  worker: Worker;
  ops: WriterOp[];
  /** Data of the batch being filled (BATCH_BYTES), `batchBytes` of it used. */
  batch: Uint8Array;
  batchBytes: number;
  /** The shard's last op, when it is a write that more data may extend. */
  lastWrite: Extract<WriterOp, { t: 'write' }> | null;
  spare: ArrayBuffer[];
  done: boolean;
}

const parentOf = (rel: string): string => (rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '');

export class FileWriter {
  /** Fixed once `start` has run (ops are routed by their count). */
  private readonly shards: Shard[];
  /** Shard of the file opened last (its data and close go there). */
  private current: Shard;
  private outstanding = 0;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor() {
    this.shards = [this.spawn()];
    this.current = this.shards[0] as Shard;
  }

  private spawn(): Shard {
    const shard: Shard = {
      worker: new Worker(new URL('./unpack-worker.js', import.meta.url)),
      ops: [],
      batch: new Uint8Array(new ArrayBuffer(BATCH_BYTES)),
      batchBytes: 0,
      lastWrite: null,
      spare: [],
      done: false,
    };
    shard.worker.on('message', (reply: WriterReply) => {
      if ('ack' in reply) {
        this.outstanding -= reply.ack;
        if (reply.buffer !== null) shard.spare.push(reply.buffer);
      } else if ('done' in reply) shard.done = true;
      else {
        const e = reply.error;
        if (e.kind === 'unsafe') {
          this.failure ??= new AtollError('RPM_UNPACK_UNSAFE', e.message, { data: { path: e.path }, hint: 'the package would write outside the target or through a symlink' });
        } else {
          this.failure ??= Object.assign(new Error(e.message), { code: e.code, syscall: e.syscall });
        }
      }
      this.wake?.();
    });
    shard.worker.on('error', (error) => {
      this.failure ??= error;
      this.wake?.();
    });
    shard.worker.on('exit', () => {
      if (!shard.done) this.failure ??= new Error('unpack writer thread exited early');
      this.wake?.();
    });
    return shard;
  }

  /** The shard that owns the entries of directory `dir`. */
  private shardOf(dir: string): Shard {
    if (this.shards.length === 1) return this.shards[0] as Shard;
    let h = 0;
    for (let i = 0; i < dir.length; i++) h = (Math.imul(h, 31) + dir.charCodeAt(i)) | 0;
    return this.shards[(h >>> 0) % this.shards.length] as Shard;
  }

  /**
   * Where to write, and the owner entries get when created there (see unpack-worker.ts).
   * `parallel`: add the second worker (when there is a second CPU); worth it when decoding the
   * payload is cheap (zstd, gzip), while an xz decoder keeps a CPU busy on its own.
   */
  start(staging: string, uid: number, gid: number, parallel: boolean): void {
    if (parallel && availableParallelism() >= 2) this.shards.push(this.spawn());
    for (const shard of this.shards) shard.worker.postMessage({ staging, uid, gid } satisfies WriterMessage);
  }

  /** Throw a worker's failure, if any. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  op(op: WriterOp): void {
    let shard: Shard;
    switch (op.t) {
      case 'open':
        shard = this.current = this.shardOf(parentOf(op.rel));
        break;
      case 'write':
      case 'close':
        shard = this.current;
        break;
      case 'link':
        // Where the file it links to was made (so that it exists).
        shard = this.shardOf(parentOf(op.from));
        break;
      default:
        shard = this.shardOf(parentOf(op.rel));
    }
    shard.lastWrite = null;
    shard.ops.push(op);
    if (shard.ops.length >= BATCH_OPS) this.flush(shard);
  }

  /** Content for the file opened last; `chunk` may be reused after this returns. */
  async data(chunk: Uint8Array): Promise<void> {
    const shard = this.current;
    let at = 0;
    while (at < chunk.length) {
      if (shard.batchBytes === shard.batch.length) this.flush(shard);
      const take = Math.min(chunk.length - at, shard.batch.length - shard.batchBytes);
      shard.batch.set(at === 0 && take === chunk.length ? chunk : chunk.subarray(at, at + take), shard.batchBytes);
      if (shard.lastWrite !== null) shard.lastWrite.length += take;
      else {
        shard.lastWrite = { t: 'write', offset: shard.batchBytes, length: take };
        shard.ops.push(shard.lastWrite);
      }
      shard.batchBytes += take;
      at += take;
    }
    if (shard.batchBytes === shard.batch.length) {
      this.flush(shard);
      while (this.outstanding > MAX_OUTSTANDING && !this.failure) await this.next();
      this.check();
    }
  }

  private flush(shard: Shard): void {
    shard.lastWrite = null;
    if (shard.ops.length === 0) return;
    if (shard.batchBytes === 0) {
      shard.worker.postMessage({ ops: shard.ops, bytes: 0, data: null } satisfies WriterMessage);
    } else {
      const data = shard.batch.buffer as ArrayBuffer;
      this.outstanding += shard.batchBytes;
      shard.worker.postMessage({ ops: shard.ops, bytes: shard.batchBytes, data } satisfies WriterMessage, [data]);
      shard.batch = new Uint8Array(shard.spare.pop() ?? new ArrayBuffer(BATCH_BYTES));
      shard.batchBytes = 0;
    }
    shard.ops = [];
  }

  private next(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** Send what is queued and wait until every operation has been performed. */
  async finish(): Promise<void> {
    for (const shard of this.shards) {
      this.flush(shard);
      shard.worker.postMessage({ end: true } satisfies WriterMessage);
    }
    while (!this.shards.every((s) => s.done) && !this.failure) await this.next();
    this.check();
    await Promise.all(this.shards.map((s) => s.worker.terminate()));
  }

  /** Stop the workers (after a failure); nothing is written once this resolves. */
  async abort(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.worker.terminate()));
  }
}
