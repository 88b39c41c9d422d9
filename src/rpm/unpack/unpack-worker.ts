/**
 * Worker thread of unpackRpm (see entry-creator.ts for the main-thread side). Two jobs, in this
 * order:
 *  1. hash the compressed payload straight from the package file (PAYLOADDIGEST, or MD5 over
 *     header+payload for old packages), so the main thread never touches the compressed bytes;
 *  2. create entries ahead of the main thread: it claims each entry (a shared Int32Array,
 *     compare-and-swap 0 → 1) and creates it: empty regular files, directories, symlinks. In
 *     'shared' mode it walks the header's file list from its END while the main thread, which
 *     walks the payload from the start, claims what it reaches first (they meet in the
 *     middle); in 'worker' mode it walks from the start and creates everything (the main thread
 *     waits for it). File creation (inode allocation) is most of an unpack's kernel time, and
 *     it is all known from the header before a byte of payload arrives; content then goes into
 *     files that exist.
 * In 'worker' mode the hash comes after the creation (the main thread is waiting for entries).
 *
 * Safety is the same as on the main thread: every parent component is created here or, when it
 * exists, lstat says it is a real directory; files are created O_EXCL|O_NOFOLLOW, symlinks fail
 * on an existing name; nothing is ever removed or renamed, so a checked directory stays one.
 */
import { closeSync, constants, lchownSync, lutimesSync, openSync, readSync, symlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { RealDirs, parentOf } from './real-dirs.js';
import { CLAIM_BUSY, CLAIM_DONE, CLAIM_FAILED, CLAIM_FREE, KIND_DIR, KIND_FILE, KIND_SKIP, KIND_SYMLINK, type CreatorPlan, type CreatorReply } from './creator-protocol.js';

class Unsafe extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

function hashPayload(job: NonNullable<CreatorPlan['hash']>): { digests: string[]; bytes: number } {
  const hashes = job.algos.map((a) => {
    const h = createHash(a.node);
    if (a.seed) h.update(a.seed);
    return h;
  });
  const fd = openSync(job.path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    let position = job.start;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, position);
      if (n === 0) break;
      const chunk = n === buffer.length ? buffer : buffer.subarray(0, n);
      for (const h of hashes) h.update(chunk);
      position += n;
    }
    return { digests: hashes.map((h) => h.digest('hex')), bytes: position - job.start };
  } finally {
    closeSync(fd);
  }
}

function create(plan: CreatorPlan): number {
  const { staging, kinds, rels } = plan;
  const claims = new Int32Array(plan.claims);
  const realDirs = new RealDirs(staging, (message, path) => new Unsafe(message, path));
  let created = 0;
  const forward = plan.mode === 'worker';
  for (let k = 0; k < kinds.length; k++) {
    const i = forward ? k : kinds.length - 1 - k;
    const kind = kinds[i]!;
    if (kind === KIND_SKIP) continue;
    if (Atomics.compareExchange(claims, i, CLAIM_FREE, CLAIM_BUSY) !== CLAIM_FREE) continue;
    const rel = rels[i]!;
    try {
      if (kind === KIND_DIR) realDirs.ensure(rel, 0o700);
      else {
        realDirs.ensure(parentOf(rel), 0o755);
        const abs = `${staging}/${rel}`;
        try {
          if (kind === KIND_FILE) closeSync(openSync(abs, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600));
          else symlinkSync(plan.linktos[i]!, abs);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'EEXIST' || code === 'ELOOP') throw new Unsafe(`/${rel} already exists in the target`, `/${rel}`);
          throw error;
        }
        if (kind === KIND_SYMLINK) {
          const uid = plan.uids[i]!;
          const gid = plan.gids[i]!;
          if (uid >= 0 && (uid !== plan.createdUid || gid !== plan.createdGid)) lchownSync(abs, uid, gid);
          lutimesSync(abs, plan.mtimes[i]!, plan.mtimes[i]!);
        }
      }
    } catch (error) {
      // Report first, then release the waiter: the main thread looks for this message when it
      // sees CLAIM_FAILED.
      report(error);
      Atomics.store(claims, i, CLAIM_FAILED);
      Atomics.notify(claims, i);
      // Nothing else will be created here: no main-thread wait may outlive this.
      for (let j = 0; j < kinds.length; j++) {
        if (Atomics.compareExchange(claims, j, CLAIM_FREE, CLAIM_FAILED) === CLAIM_FREE) Atomics.notify(claims, j);
      }
      return -1;
    }
    created++;
    Atomics.store(claims, i, CLAIM_DONE);
    Atomics.notify(claims, i);
  }
  return created;
}

function report(error: unknown): void {
  let reply: CreatorReply;
  if (error instanceof Unsafe) reply = { error: { kind: 'unsafe', message: error.message, path: error.path } };
  else {
    const e = error as NodeJS.ErrnoException;
    reply = { error: { kind: 'io', message: e.message, code: String(e.code ?? 'EIO'), syscall: String(e.syscall ?? 'unknown') } };
  }
  parentPort!.postMessage(reply);
}

parentPort!.once('message', (plan: CreatorPlan) => {
  const hash = (): void => {
    if (!plan.hash) return;
    let hashed: { digests: string[]; bytes: number } | { error: string };
    try {
      hashed = hashPayload(plan.hash);
    } catch (error) {
      hashed = { error: (error as Error).message };
    }
    parentPort!.postMessage({ hashed } satisfies CreatorReply);
  };
  // Shared creation: hash first (the main thread creates meanwhile). Worker creation: the main
  // thread waits for what the worker creates, so that comes first.
  if (plan.mode === 'shared') hash();
  const created = create(plan);
  if (created >= 0) parentPort!.postMessage({ done: { created } } satisfies CreatorReply);
  if (plan.mode === 'worker') hash();
});
