import { Worker } from 'node:worker_threads';
import { AtollError } from '../../errors/index.js';
import type { WriterMessage, WriterOp, WriterReply } from './unpack-worker.js';

/**
 * Main-thread side of the unpack writer: queues filesystem operations in payload order and
 * ships them to the worker thread (unpack-worker.ts) in batches, file data copied into
 * transferable buffers (the source chunks belong to the decoder stream). Bounded: at most
 * MAX_OUTSTANDING bytes are queued before `data` waits for the worker to catch up.
 */

const BATCH_BYTES = 1024 * 1024;
const BATCH_OPS = 512;
const MAX_OUTSTANDING = 24 * 1024 * 1024;

export class FileWriter {
  private readonly worker: Worker;
  private ops: WriterOp[] = [];
  private transfer: ArrayBuffer[] = [];
  private batchBytes = 0;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private outstanding = 0;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private done = false;

  constructor(staging: string) {
    this.worker = new Worker(new URL('./unpack-worker.js', import.meta.url), { workerData: { staging } });
    this.worker.on('message', (reply: WriterReply) => {
      if ('ack' in reply) this.outstanding -= reply.ack;
      else if ('done' in reply) this.done = true;
      else {
        const e = reply.error;
        if (e.kind === 'unsafe') {
          this.failure = new AtollError('RPM_UNPACK_UNSAFE', e.message, { data: { path: e.path }, hint: 'the package would write outside the target or through a symlink' });
        } else {
          this.failure = Object.assign(new Error(e.message), { code: e.code, syscall: e.syscall });
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

  /** Throw the worker's failure, if any. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  op(op: WriterOp): void {
    this.emitData();
    this.ops.push(op);
    if (this.ops.length >= BATCH_OPS) this.flush();
  }

  /** Content for the file opened last; `chunk` may be reused after this returns. */
  async data(chunk: Uint8Array): Promise<void> {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= BATCH_BYTES) {
      this.emitData();
      this.flush();
      while (this.outstanding > MAX_OUTSTANDING && !this.failure) await this.next();
      this.check();
    }
  }

  private emitData(): void {
    if (this.pendingBytes === 0) return;
    // Unpooled, so its ArrayBuffer is this buffer alone and can be transferred.
    const data = Buffer.allocUnsafeSlow(this.pendingBytes);
    let at = 0;
    for (const c of this.pending) {
      data.set(c, at);
      at += c.length;
    }
    this.ops.push({ t: 'write', data });
    this.transfer.push(data.buffer as ArrayBuffer);
    this.batchBytes += data.length;
    this.pending = [];
    this.pendingBytes = 0;
    if (this.batchBytes >= BATCH_BYTES) this.flush();
  }

  private flush(): void {
    if (this.ops.length === 0) return;
    const message: WriterMessage = { ops: this.ops, bytes: this.batchBytes };
    this.outstanding += this.batchBytes;
    this.worker.postMessage(message, this.transfer);
    this.ops = [];
    this.transfer = [];
    this.batchBytes = 0;
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
    this.emitData();
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
