import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { AtollError } from '../../errors/index.js';
import { Transaction, type Repo } from '../../ostree/repo/index.js';
import { mapLimit } from '../../util/index.js';
import { readRpmFile } from '../../rpm/index.js';
import { cachedImport, importPackage, type ImportResult } from './import-package.js';
import type { ImportWorkerData, ImportWorkerReply, ImportWorkerRequest, SerializedError } from './import-worker.js';

/**
 * Import a batch of RPMs into the package cache. This thread reads each header and takes the
 * cached import when there is one; the packages to import go to worker threads (one per CPU,
 * at most two: see import-worker.ts) when there are enough of them to pay for starting those,
 * else they are imported here. Each importer writes into one store transaction of its own and
 * commits it when the whole batch is done: one sync per importer, and refs move only after
 * every package of the batch imported and verified (a failure aborts every transaction).
 */

export interface ImportBatchPackage {
  path: string;
  repodataChecksum?: string;
}

export interface ImportBatchOptions {
  /** Packages read (and, without workers, imported) at once on this thread. */
  concurrency?: number;
  /** Called after each package, with the number done. */
  onDone?: (done: number) => void;
  /** Use worker threads for this many packages to import or more (default 8; Infinity: never). */
  workersFrom?: number;
}

const MAX_WORKERS = 2;

export async function importPackages(repo: Repo, packages: readonly ImportBatchPackage[], options: ImportBatchOptions = {}): Promise<ImportResult[]> {
  let done = 0;
  const tick = (): void => options.onDone?.(++done);
  const parallel = Math.min(MAX_WORKERS, availableParallelism());
  const useWorkers = parallel > 1 && process.env.ATOLL_NO_WORKERS !== '1' && packages.length >= (options.workersFrom ?? 8);
  if (!useWorkers) {
    const tx = await Transaction.begin(repo);
    try {
      const results = await mapLimit(packages, options.concurrency ?? 4, async (p) => {
        const result = await importPackage(repo, p.path, { transaction: tx, ...(p.repodataChecksum !== undefined ? { repodataChecksum: p.repodataChecksum } : {}) });
        tick();
        return result;
      });
      await tx.commit();
      return results;
    } catch (error) {
      await tx.abort().catch(() => undefined);
      throw error;
    }
  }
  const pool = new ImportWorkerPool(repo.path, parallel);
  try {
    // Enough packages in flight to keep every worker fed while headers are read here.
    const results = await mapLimit(packages, parallel * 3, async (p) => {
      const { headers, pkg } = await readRpmFile(p.path);
      const cached = await cachedImport(repo, headers, pkg);
      if (cached !== undefined) {
        tick();
        return cached;
      }
      const imported = await pool.import(p.path, p.repodataChecksum);
      tick();
      return { ...imported, reused: false, pkg, headers };
    });
    await pool.commit();
    return results;
  } catch (error) {
    await pool.abort();
    throw error;
  } finally {
    await pool.close();
  }
}

interface Pending {
  resolve: (reply: ImportWorkerReply) => void;
  reject: (error: unknown) => void;
}

interface Slot {
  worker: Worker;
  /** Requests sent and not yet answered. */
  load: number;
  pending: Map<number, Pending>;
  used: boolean;
  exited: boolean;
}

class ImportWorkerPool {
  private readonly slots: Slot[] = [];
  private nextId = 0;

  constructor(
    private readonly repoPath: string,
    private readonly size: number,
  ) {}

  private spawn(): Slot {
    const worker = new Worker(new URL('./import-worker.js', import.meta.url), { workerData: { repoPath: this.repoPath } satisfies ImportWorkerData });
    const slot: Slot = { worker, load: 0, pending: new Map(), used: false, exited: false };
    worker.on('message', (reply: ImportWorkerReply) => {
      const entry = slot.pending.get(reply.id);
      if (!entry) return;
      slot.pending.delete(reply.id);
      slot.load--;
      entry.resolve(reply);
    });
    const fail = (error: unknown): void => {
      for (const entry of slot.pending.values()) entry.reject(error);
      slot.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      slot.exited = true;
      fail(new Error(`package import worker exited early (code ${code})`));
    });
    this.slots.push(slot);
    return slot;
  }

  private async send(slot: Slot, request: ImportWorkerRequest): Promise<ImportWorkerReply> {
    return await new Promise<ImportWorkerReply>((resolve, reject) => {
      if (slot.exited) {
        reject(new Error('package import worker exited early'));
        return;
      }
      slot.pending.set(request.id, { resolve, reject });
      slot.load++;
      slot.worker.postMessage(request);
    });
  }

  async import(path: string, repodataChecksum: string | undefined): Promise<{ ref: string; commit: string; tmpfiles: string[] }> {
    // The least loaded worker (a new one while fewer than `size` run and all are busy).
    let slot = this.slots.reduce<Slot | undefined>((best, s) => (best === undefined || s.load < best.load ? s : best), undefined);
    if (slot === undefined || (slot.load > 0 && this.slots.length < this.size)) slot = this.spawn();
    slot.used = true;
    const reply = await this.send(slot, { t: 'import', id: this.nextId++, path, ...(repodataChecksum !== undefined ? { repodataChecksum } : {}) });
    if ('error' in reply) throw revive(reply.error);
    if (reply.ok === null) throw new TypeError('import worker: empty reply');
    return reply.ok;
  }

  /** Commit every worker's transaction (in parallel: each is its own staging directory). */
  async commit(): Promise<void> {
    const replies = await Promise.all(this.slots.filter((s) => s.used).map(async (s) => this.send(s, { t: 'commit', id: this.nextId++ })));
    for (const reply of replies) if ('error' in reply) throw revive(reply.error);
  }

  async abort(): Promise<void> {
    await Promise.all(this.slots.map(async (s) => this.send(s, { t: 'abort', id: this.nextId++ }).catch(() => undefined)));
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map(async (s) => s.worker.terminate()));
  }
}

/** The worker's error as this thread's: coded errors keep their code, hint and data. */
function revive(error: SerializedError): Error {
  const revived = error.code !== undefined ? new AtollError(error.code, error.message, { hint: error.hint, data: error.data }) : new Error(error.message);
  if (error.stack !== undefined) revived.stack = error.stack;
  return revived;
}
