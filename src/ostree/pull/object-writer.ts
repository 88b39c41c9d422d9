import { Worker } from 'node:worker_threads';
import { AtollError } from '../../errors/index.js';
import type { WriteBatch, WriteSpan, WriteReply } from './object-writer-worker.js';

interface WriteOp {
  temp: string;
  dir: string;
  final: string;
  bytes: Uint8Array;
  verify?: string;
}

/** Bytes queued or in flight before `write` makes the caller wait (bounds the pull's memory). */
const MAX_PENDING_BYTES = 32 * 1024 * 1024;
const MAX_BATCH_OBJECTS = 256;
const BATCH_DELAY_MS = 4;

/**
 * Writes verified objects (temp file, then rename into objects/) on one worker thread, in
 * batches gathered over an event-loop turn. The pull's thread only fetches and verifies; a
 * 50,000-object pull would otherwise pay ~200,000 thread-pool round trips for open, write,
 * close and rename. Each object still appears whole or not at all (the rename), and `idle()`
 * resolves only when every queued object is renamed, before the pull's syncfs and its refs.
 */
export class ObjectWriter {
  private worker: Worker | undefined;
  private queue: WriteOp[] = [];
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private nextId = 0;
  private readonly inFlight = new Map<number, number>();
  private pendingBytes = 0;
  private failure: AtollError | undefined;
  private waiters: Array<() => void> = [];

  private spawn(): Worker {
    const worker = new Worker(new URL('./object-writer-worker.js', import.meta.url));
    worker.on('message', (reply: WriteReply) => {
      const bytes = this.inFlight.get(reply.id) ?? 0;
      this.inFlight.delete(reply.id);
      this.pendingBytes -= bytes;
      if ('error' in reply && reply.error.corrupt !== undefined && !this.failure) {
        this.failure = new AtollError('PULL_CORRUPT_OBJECT', reply.error.message, {
          data: { checksum: reply.error.corrupt, type: 'file' },
          hint: 'the server sent bytes that do not match the object name; nothing was written to refs',
        });
      } else if ('error' in reply && !this.failure) {
        this.failure = new AtollError('PULL_WRITE_FAILED', `cannot write object ${reply.error.path}: ${reply.error.message}`, {
          data: { path: reply.error.path, errno: reply.error.code },
        });
      }
      if (this.inFlight.size === 0) worker.unref();
      this.wake();
    });
    worker.on('error', (error) => {
      this.failure ??= new AtollError('PULL_WRITE_FAILED', `the object writer failed: ${error.message}`, { cause: error });
      this.inFlight.clear();
      this.pendingBytes = 0;
      worker.unref();
      this.wake();
    });
    return worker;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Queue one object; waits when too many bytes are queued; throws an earlier write failure. */
  async write(temp: string, dir: string, final: string, bytes: Uint8Array, verify?: string): Promise<void> {
    if (this.failure) throw this.failure;
    this.queue.push({ temp, dir, final, bytes, ...(verify === undefined ? {} : { verify }) });
    this.pendingBytes += bytes.length;
    // Batches close on size or after a few milliseconds: each message to the worker costs
    // about as much as writing a small object, and nothing waits for a single object's rename.
    if (this.queue.length >= MAX_BATCH_OBJECTS) this.send();
    else if (!this.scheduled) {
      this.scheduled = true;
      this.timer = setTimeout(() => this.send(), BATCH_DELAY_MS);
    }
    while (this.pendingBytes > MAX_PENDING_BYTES && !this.failure) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.failure) throw this.failure;
  }

  private send(): void {
    if (this.scheduled) clearTimeout(this.timer);
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const ops = this.queue;
    this.queue = [];
    const id = this.nextId++;
    // One buffer per batch, transferred: a copy of each object (the caller's buffers may be
    // views into larger or pooled ones) and one transfer instead of one per object.
    let total = 0;
    for (const op of ops) total += op.bytes.length;
    // Not zero-filled (every byte is overwritten below), and an ArrayBuffer of its own (not a
    // slice of the pool), so it can be transferred.
    const joined = Buffer.allocUnsafeSlow(total);
    const spans: WriteSpan[] = [];
    let offset = 0;
    for (const op of ops) {
      joined.set(op.bytes, offset);
      spans.push({ temp: op.temp, dir: op.dir, final: op.final, offset, length: op.bytes.length, ...(op.verify === undefined ? {} : { verify: op.verify }) });
      offset += op.bytes.length;
    }
    this.inFlight.set(id, total);
    // Referenced only while a batch is in flight: an idle writer does not keep the process up.
    this.worker ??= this.spawn();
    this.worker.ref();
    const batch: WriteBatch = { id, bytes: joined, ops: spans };
    this.worker.postMessage(batch, [joined.buffer]);
  }

  /** Resolves when every queued object is in place; rejects with the first write failure. */
  async idle(): Promise<void> {
    if (this.queue.length > 0) this.send();
    while (this.inFlight.size > 0 && !this.failure) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }
}
