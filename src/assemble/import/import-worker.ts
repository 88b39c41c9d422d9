/**
 * Worker thread body of the parallel package import (import-pool.ts): imports the packages it
 * is sent into the package cache, all in one store transaction of its own, which it commits
 * (objects, one sync, then its refs) or aborts when told. The main thread only reads headers
 * and hands out work, so each worker keeps a CPU busy with payload decoding, hashing and the
 * object files' syscalls.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AtollError } from '../../errors/index.js';
import { Repo, Transaction } from '../../ostree/repo/index.js';
import { importPackage } from './import-package.js';

export interface ImportWorkerData {
  repoPath: string;
}

export type ImportWorkerRequest =
  | { t: 'import'; id: number; path: string; repodataChecksum?: string }
  | { t: 'commit'; id: number }
  | { t: 'abort'; id: number };

export interface SerializedError {
  code?: string;
  message: string;
  hint?: string;
  data?: Record<string, unknown>;
  stack?: string;
}

export type ImportWorkerReply =
  | { id: number; ok: { ref: string; commit: string; tmpfiles: string[] } | null }
  | { id: number; error: SerializedError };

const { repoPath } = workerData as ImportWorkerData;
let repo: Repo | undefined;
let tx: Transaction | undefined;

function serialize(error: unknown): SerializedError {
  if (error instanceof AtollError) return { code: error.code, message: error.message, hint: error.hint, data: error.data, stack: error.stack };
  const e = error as Error;
  return { message: e?.message ?? String(error), stack: e?.stack };
}

async function handle(request: ImportWorkerRequest): Promise<ImportWorkerReply> {
  switch (request.t) {
    case 'import': {
      repo ??= await Repo.open(repoPath);
      tx ??= await Transaction.begin(repo);
      // The main thread found no reusable cached import: import it (force skips re-checking).
      const result = await importPackage(repo, request.path, { transaction: tx, force: true, ...(request.repodataChecksum !== undefined ? { repodataChecksum: request.repodataChecksum } : {}) });
      return { id: request.id, ok: { ref: result.ref, commit: result.commit, tmpfiles: result.tmpfiles } };
    }
    case 'commit':
      await tx?.commit();
      tx = undefined;
      return { id: request.id, ok: null };
    case 'abort':
      await tx?.abort();
      tx = undefined;
      return { id: request.id, ok: null };
  }
}

// One request at a time, in arrival order.
let chain: Promise<void> = Promise.resolve();
parentPort?.on('message', (request: ImportWorkerRequest) => {
  chain = chain.then(async () => {
    let reply: ImportWorkerReply;
    try {
      reply = await handle(request);
    } catch (error) {
      reply = { id: request.id, error: serialize(error) };
    }
    parentPort?.postMessage(reply);
  });
});
