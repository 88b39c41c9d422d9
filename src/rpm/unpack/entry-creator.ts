import { Worker } from 'node:worker_threads';
import { AtollError } from '../../errors/index.js';
import { CLAIM_BUSY, CLAIM_DONE, CLAIM_FREE, KIND_SKIP, type CreatorPlan, type CreatorReply } from './creator-protocol.js';

/**
 * Main-thread side of unpackRpm's worker (unpack-worker.ts), which hashes the compressed
 * payload and creates entries from the end of the header's file list while the main thread
 * writes the payload from its start. The two share one Int32Array of claims, one per header
 * file: whoever moves an entry from FREE to BUSY creates it; the main thread, reaching an
 * entry the worker claimed, waits (Atomics.wait, usually not at all) until it is DONE and then
 * only opens it to write its content.
 *
 * Why a worker that creates rather than one that writes (the previous design): an unpack's CPU
 * time is mostly the kernel allocating inodes (ext4: ~70% of `cpio -idm`'s time on this
 * package), which is known from the header alone, needs no payload byte, and runs in parallel
 * on two threads; writing content into an existing file is cheap. So the main thread reads the
 * decoder's pipe with blocking reads and writes content itself (no buffers cross threads, no
 * event loop in the data path), and the worker takes half of the inode work off it.
 *
 * The worker starts at construction, before the header is read, so its start-up overlaps with
 * the main thread's.
 */

/** Longest wait for one entry the worker claimed (it takes microseconds; this only bounds a wedged worker). */
const WAIT_MS = 30_000;

export interface CreatorResult {
  hashed: { digests: string[]; bytes: number } | null;
}

export class EntryCreator {
  private readonly worker: Worker;
  private claims: Int32Array = new Int32Array(0);
  private kinds: Uint8Array = new Uint8Array(0);
  private rels: readonly string[] = [];
  private workerCreates = false;
  private readonly replies: CreatorReply[] = [];
  private failure: Error | undefined;
  private exited = false;
  private wake: (() => void) | undefined;

  constructor() {
    this.worker = new Worker(new URL('./unpack-worker.js', import.meta.url));
    this.worker.on('message', (reply: CreatorReply) => {
      if ('error' in reply) {
        const e = reply.error;
        if (e.kind === 'unsafe') {
          this.failure ??= new AtollError('RPM_UNPACK_UNSAFE', e.message, { data: { path: e.path }, hint: 'the package would write outside the target or through a symlink' });
        } else {
          this.failure ??= Object.assign(new Error(e.message), { code: e.code, syscall: e.syscall });
        }
      } else this.replies.push(reply);
      this.wake?.();
    });
    this.worker.on('error', (error) => {
      this.failure ??= new AtollError('RPM_UNPACK_WORKER', `the unpack worker thread failed: ${error.message}`, { cause: error });
      this.wake?.();
    });
    this.worker.on('exit', () => {
      this.exited = true;
      this.wake?.();
    });
  }

  /** Hand the worker its plan; from now on it claims and creates entries. */
  start(plan: CreatorPlan): void {
    this.claims = new Int32Array(plan.claims);
    this.kinds = plan.kinds;
    this.rels = plan.rels;
    this.workerCreates = plan.mode === 'worker';
    this.worker.postMessage(plan);
  }

  /**
   * Claim entry `index` for the main thread: true when it is ours to create; false when the
   * worker created it (it exists once this returns).
   */
  claim(index: number): boolean {
    const claims = this.claims;
    if (this.kinds[index] === KIND_SKIP) return true; // never the worker's
    let state: number;
    if (this.workerCreates) state = Atomics.load(claims, index);
    else {
      state = Atomics.compareExchange(claims, index, CLAIM_FREE, CLAIM_BUSY);
      if (state === CLAIM_FREE) return true;
    }
    if (state === CLAIM_FREE || state === CLAIM_BUSY) {
      const t0 = Date.now();
      while ((state = Atomics.load(claims, index)) === CLAIM_FREE || state === CLAIM_BUSY) {
        if (Atomics.wait(claims, index, state, 1000) === 'timed-out' && Date.now() - t0 > WAIT_MS) {
          const path = `/${this.rels[index] ?? ''}`;
          throw new AtollError('RPM_UNPACK_WORKER', `the unpack worker stopped while creating ${path}`, { data: { path } });
        }
      }
    }
    if (state === CLAIM_DONE) return false;
    // The worker failed on this entry and has posted why; the caller's cleanup collects it.
    throw new WorkerFailed();
  }

  /** The main thread created entry `index` itself. */
  created(index: number): void {
    Atomics.store(this.claims, index, CLAIM_DONE);
  }

  private next(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** The digests, once hashed (null when the plan asked for none); throws the worker's failure. */
  async hashed(): Promise<{ digests: string[]; bytes: number } | null> {
    for (;;) {
      const reply = this.replies.find((r) => 'hashed' in r);
      if (reply && 'hashed' in reply) {
        if ('error' in reply.hashed) throw new AtollError('RPM_IO', `cannot read the payload: ${reply.hashed.error}`);
        return reply.hashed;
      }
      if (this.failure) throw this.failure;
      if (this.exited) throw new Error('unpack worker exited early');
      await this.next();
    }
  }

  /** Wait until the worker has created its share; throws its failure. */
  async finish(): Promise<void> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.replies.some((r) => 'done' in r)) break;
      if (this.exited) throw new Error('unpack worker exited early');
      await this.next();
    }
    await this.worker.terminate();
  }

  /** The worker's own failure, if it reported one (after a WorkerFailed). */
  async failureReport(): Promise<Error | undefined> {
    // The message was posted before the claim was marked failed: it is on its way.
    for (let i = 0; i < 100 && !this.failure && !this.exited; i++) await Promise.race([this.next(), new Promise((r) => setTimeout(r, 10))]);
    return this.failure;
  }

  /** Stop the worker; nothing is created once this resolves. */
  async abort(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * The worker failed on an entry the main thread was waiting for: the caller replaces this by
 * the worker's reason (failureReport), thrown as is only if none arrived.
 */
export class WorkerFailed extends AtollError {
  constructor() {
    super('RPM_UNPACK_WORKER', 'the unpack worker failed on an entry and gave no reason');
  }
}
