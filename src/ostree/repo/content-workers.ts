import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { AtollError } from '../../errors/index.js';
import type { ArchiveCopy, CompressJob, CompressResult, CopyBatchJob } from './compress-worker.js';

type Job = Omit<CompressJob, 'id'> | Omit<CopyBatchJob, 'id'>;

/**
 * A small pool of worker threads that hash and compress archive content objects (see
 * compress-worker.ts). One per core: the main thread keeps walking the tree and doing the
 * cheap per-file syscalls while the workers do the CPU work in parallel.
 */
export class ContentWorkerPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Array<{ job: Job; resolve: (r: CompressResult) => void; reject: (e: unknown) => void }> = [];
  private readonly pending = new Map<number, { resolve: (r: CompressResult) => void; reject: (e: unknown) => void; worker: Worker }>();
  private nextId = 0;
  private closed = false;

  constructor(readonly size: number = Math.max(1, Math.min(4, availableParallelism()))) {}

  private spawn(): Worker {
    const worker = new Worker(new URL('./compress-worker.js', import.meta.url));
    worker.on('message', (result: CompressResult) => {
      const entry = this.pending.get(result.id);
      if (!entry) return;
      this.pending.delete(result.id);
      entry.resolve(result);
      this.release(worker);
    });
    worker.on('error', (error) => {
      for (const [id, entry] of this.pending) {
        if (entry.worker !== worker) continue;
        this.pending.delete(id);
        entry.reject(error);
      }
    });
    this.workers.push(worker);
    return worker;
  }

  private release(worker: Worker): void {
    const next = this.queue.shift();
    if (next) this.dispatch(worker, next.job, next.resolve, next.reject);
    else this.idle.push(worker);
  }

  private dispatch(worker: Worker, job: Job, resolve: (r: CompressResult) => void, reject: (e: unknown) => void): void {
    const id = this.nextId++;
    this.pending.set(id, { resolve, reject, worker });
    worker.postMessage({ ...job, id });
  }

  private async submit(job: Job): Promise<CompressResult> {
    if (this.closed) throw new TypeError('worker pool is closed');
    return await new Promise<CompressResult>((resolve, reject) => {
      const worker = this.idle.pop() ?? (this.workers.length < this.size ? this.spawn() : undefined);
      if (worker) this.dispatch(worker, job, resolve, reject);
      else this.queue.push({ job, resolve, reject });
    });
  }

  /** Hash (and, if new, compress into job.temp) one file. */
  async run(job: Omit<CompressJob, 'id'>): Promise<{ checksum: string; written: boolean; size: number }> {
    const result = await this.submit(job);
    if ('error' in result) {
      throw new AtollError('OSTREE_IO', `${job.path}: ${result.error.message}`, { data: { errno: result.error.code, path: job.path } });
    }
    if (!('checksum' in result)) throw new TypeError('compress worker: unexpected reply');
    return result;
  }

  /**
   * Write archive objects whose checksum and header are known (see compress-worker.ts): each
   * file's data, deflated, behind its encoded header, into its temp path. Resolves when the
   * whole batch is written; the first failure rejects it (temp files already written stay in
   * the transaction's staging directory, which its abort removes).
   */
  async copyBatch(copies: ArchiveCopy[], level: number): Promise<void> {
    const result = await this.submit({ copies, level });
    if ('error' in result) {
      const path = result.error.path ?? copies[0]?.path ?? '';
      throw new AtollError('OSTREE_IO', `${path}: ${result.error.message}`, { data: { errno: result.error.code, path } });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
