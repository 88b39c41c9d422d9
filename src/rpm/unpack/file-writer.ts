import { Worker } from 'node:worker_threads';
import { AtollError } from '../../errors/index.js';
import type { WriterMessage, WriterOp, WriterReply } from './unpack-worker.js';

/**
 * Main-thread side of the unpack writer: queues filesystem operations in payload order and
 * ships them to one worker thread (unpack-worker.ts) in batches, so that file creation (kernel
 * work) overlaps with decompression and cpio parsing.
 *
 * One writer, not one per CPU: the benchmark measured a second writer thread (each owning a
 * share of the directories) as a net loss on 2 CPUs, even when the decoder is cheap (zstd):
 * ~0.15 s more CPU per 100 MB package and no wall-clock gain. File creation does not scale
 * across threads on ext4: inode allocation scans the parent directory's block group from its
 * start, and two threads allocating in the same group race for the same free inode (the loser
 * rescans under the group lock); every directory of a package lands in the same group.
 *
 * File data is copied into the batch's one transferable buffer (the source chunks belong to
 * the decoder stream; write ops name a range of it), and the worker sends each buffer back
 * for reuse. Bounded: at most MAX_OUTSTANDING bytes are queued before `data` waits for the
 * worker to catch up. The worker starts at construction, before the staging directory exists
 * (`start` names it), so its start-up overlaps with the caller's.
 */

const BATCH_BYTES = 1024 * 1024;
const BATCH_OPS = 512;
const MAX_OUTSTANDING = 24 * 1024 * 1024;

export class FileWriter {
  private readonly worker: Worker;
  private ops: WriterOp[] = [];
  /** Data of the batch being filled (BATCH_BYTES), `batchBytes` of it used. */
  private batch = new Uint8Array(new ArrayBuffer(BATCH_BYTES));
  private batchBytes = 0;
  /** The last op, when it is a write that more data may extend. */
  private lastWrite: Extract<WriterOp, { t: 'write' }> | null = null;
  private readonly spare: ArrayBuffer[] = [];
  private done = false;
  private outstanding = 0;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor() {
    this.worker = new Worker(new URL('./unpack-worker.js', import.meta.url));
    this.worker.on('message', (reply: WriterReply) => {
      if ('ack' in reply) {
        this.outstanding -= reply.ack;
        if (reply.buffer !== null) this.spare.push(reply.buffer);
      } else if ('done' in reply) this.done = true;
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
    this.worker.on('error', (error) => {
      this.failure ??= error;
      this.wake?.();
    });
    this.worker.on('exit', () => {
      if (!this.done) this.failure ??= new Error('unpack writer thread exited early');
      this.wake?.();
    });
  }

  /** Where to write, and the owner entries get when created there (see unpack-worker.ts). */
  start(staging: string, uid: number, gid: number): void {
    this.worker.postMessage({ staging, uid, gid } satisfies WriterMessage);
  }

  /** Throw the worker's failure, if any. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  op(op: WriterOp): void {
    this.lastWrite = null;
    this.ops.push(op);
    if (this.ops.length >= BATCH_OPS) this.flush();
  }

  /** Content for the file opened last; `chunk` may be reused after this returns. */
  async data(chunk: Uint8Array): Promise<void> {
    let at = 0;
    while (at < chunk.length) {
      if (this.batchBytes === this.batch.length) this.flush();
      const take = Math.min(chunk.length - at, this.batch.length - this.batchBytes);
      this.batch.set(at === 0 && take === chunk.length ? chunk : chunk.subarray(at, at + take), this.batchBytes);
      if (this.lastWrite !== null) this.lastWrite.length += take;
      else {
        this.lastWrite = { t: 'write', offset: this.batchBytes, length: take };
        this.ops.push(this.lastWrite);
      }
      this.batchBytes += take;
      at += take;
    }
    if (this.batchBytes === this.batch.length) {
      this.flush();
      while (this.outstanding > MAX_OUTSTANDING && !this.failure) await this.next();
      this.check();
    }
  }

  private flush(): void {
    this.lastWrite = null;
    if (this.ops.length === 0) return;
    if (this.batchBytes === 0) {
      this.worker.postMessage({ ops: this.ops, bytes: 0, data: null } satisfies WriterMessage);
    } else {
      const data = this.batch.buffer as ArrayBuffer;
      this.outstanding += this.batchBytes;
      this.worker.postMessage({ ops: this.ops, bytes: this.batchBytes, data } satisfies WriterMessage, [data]);
      this.batch = new Uint8Array(this.spare.pop() ?? new ArrayBuffer(BATCH_BYTES));
      this.batchBytes = 0;
    }
    this.ops = [];
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
    this.flush();
    this.worker.postMessage({ end: true } satisfies WriterMessage);
    while (!this.done && !this.failure) await this.next();
    this.check();
    await this.worker.terminate();
  }

  /** Stop the worker (after a failure); nothing is written once this resolves. */
  async abort(): Promise<void> {
    await this.worker.terminate();
  }
}
