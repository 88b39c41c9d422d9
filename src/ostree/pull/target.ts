import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileHeader } from '../objects/index.js';
import { Repo } from '../repo/repo.js';
import { Transaction } from '../repo/transaction.js';
import { writeContent, loadContent } from '../repo/content.js';
import { readRef, writeRef } from '../repo/refs.js';
import type { RepoMode } from '../repo/repo-mode.js';
import { writeFileAtomic } from '../../util/index.js';

/**
 * The pull's view of the store: every use of src/ostree/repo is in this file, so the engine
 * (pull.ts) does not depend on the store's internal shapes.
 *
 * Objects go through store transactions, committed in batches: a transaction links its
 * objects into `objects/` only at commit (after one syncfs), so a killed pull loses at most
 * one batch, and a re-run finds everything committed before and fetches only the rest. The
 * commit under way carries a `state/<commit>.commitpartial` marker until its whole tree is in;
 * refs are written last.
 */
export type ObjectKind = 'file' | 'dirtree' | 'dirmeta' | 'commit' | 'commitmeta';

/** Objects per store transaction; tests lower it (ATOLL_PULL_BATCH_SIZE) to exercise resume. */
export const BATCH_SIZE = Number(process.env.ATOLL_PULL_BATCH_SIZE ?? '') > 0 ? Number(process.env.ATOLL_PULL_BATCH_SIZE) : 2000;

export class PullTarget {
  private tx: Promise<Transaction> | undefined;
  private pending = 0;
  private inBatch = 0;
  private idle: Array<() => void> = [];
  private flushing: Promise<void> | undefined;

  private constructor(private readonly repo: Repo) {}

  static async open(path: string): Promise<PullTarget> {
    const repo = await Repo.open(path);
    await repo.ensureLayout();
    return new PullTarget(repo);
  }

  get path(): string {
    return this.repo.path;
  }

  get mode(): RepoMode {
    return this.repo.mode;
  }

  has(checksum: string, type: ObjectKind): Promise<boolean> {
    return this.repo.hasObject(checksum, type);
  }

  readObject(checksum: string, type: ObjectKind): Promise<Uint8Array | undefined> {
    return this.repo.readOptionalObjectBytes(checksum, type);
  }

  async loadContent(checksum: string): Promise<{ header: FileHeader; data: Uint8Array }> {
    const loaded = await loadContent(this.repo, checksum);
    const header: FileHeader = {
      uid: loaded.header.uid,
      gid: loaded.header.gid,
      mode: loaded.header.mode,
      rdev: loaded.header.rdev,
      symlinkTarget: loaded.header.symlinkTarget,
      xattrs: loaded.header.xattrs.map(([name, value]) => ({ name, value })),
    };
    return { header, data: await loaded.readData() };
  }

  isPartial(checksum: string): Promise<boolean> {
    return this.repo.isCommitPartial(checksum);
  }

  /** True when any `state/*.commitpartial` marker exists. */
  async hasAnyPartial(): Promise<boolean> {
    const names = await readdir(join(this.repo.path, 'state')).catch(() => [] as string[]);
    return names.some((n) => n.endsWith('.commitpartial'));
  }

  markPartial(checksum: string, partial: boolean): Promise<void> {
    return this.repo.markCommitPartial(checksum, partial);
  }

  readRef(ref: string, remote: string | undefined): Promise<string | undefined> {
    return this.repo_readRef(ref, remote);
  }

  private repo_readRef(ref: string, remote: string | undefined): Promise<string | undefined> {
    return readRef(this.repo, ref, remote);
  }

  async writeRef(ref: string, checksum: string, remote: string | undefined): Promise<void> {
    await writeRef(this.repo, ref, checksum, remote);
  }

  async writeTopLevelFile(name: 'summary' | 'summary.sig', bytes: Uint8Array | undefined): Promise<void> {
    if (bytes === undefined) return;
    await writeFileAtomic(join(this.repo.path, name), bytes);
  }

  /** Run one write inside the current batch transaction. */
  private async write(work: (tx: Transaction) => Promise<void>): Promise<void> {
    if (this.flushing) await this.flushing;
    this.tx ??= Transaction.begin(this.repo);
    const txPromise = this.tx;
    this.pending++;
    try {
      await work(await txPromise);
    } finally {
      this.pending--;
      if (this.pending === 0) for (const resolve of this.idle.splice(0)) resolve();
    }
    if (++this.inBatch >= BATCH_SIZE && !this.flushing) {
      this.flushing = this.flush().finally(() => (this.flushing = undefined));
      await this.flushing;
    }
  }

  async writeMetadata(type: Exclude<ObjectKind, 'file'>, checksum: string, bytes: Uint8Array): Promise<void> {
    await this.write(async (tx) => {
      await tx.writeMetadata(type, bytes, checksum);
    });
  }

  /**
   * A verified content object. Archive repos keep the fetched `.filez` bytes as they are (no
   * recompression); other modes write the object in their own form.
   */
  async writeContent(checksum: string, header: FileHeader, data: Uint8Array, archiveBytes: Uint8Array | undefined): Promise<void> {
    await this.write(async (tx) => {
      if (this.repo.mode === 'archive' && archiveBytes !== undefined) {
        if (await tx.haveObject(checksum, 'file')) return;
        const temp = tx.tempPath();
        await writeFile(temp, archiveBytes, { mode: 0o644 });
        await tx.stage(temp, checksum, 'file');
        return;
      }
      const storeHeader = {
        uid: header.uid,
        gid: header.gid,
        mode: header.mode,
        rdev: header.rdev ?? 0,
        symlinkTarget: header.symlinkTarget ?? '',
        xattrs: header.xattrs.map((x): [string, Uint8Array] => [x.name, x.value]),
      };
      const isSymlink = (header.mode & 0o170000) === 0o120000;
      await writeContent(tx, storeHeader, isSymlink ? undefined : { kind: 'bytes', bytes: data }, { knownChecksum: checksum });
    });
  }

  /** Make everything written so far durable and visible in objects/. */
  async flush(): Promise<void> {
    const tx = this.tx;
    if (!tx) return;
    this.tx = undefined;
    this.inBatch = 0;
    if (this.pending > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    await (await tx).commit();
  }

  /** Drop staged (uncommitted) objects, e.g. after a verification failure. */
  async abort(): Promise<void> {
    const tx = this.tx;
    this.tx = undefined;
    if (tx) await (await tx).abort().catch(() => undefined);
  }
}

/** A rev (ref, remote:ref, checksum or prefix) → commit checksum, as the store resolves it. */
export async function resolveCommitRev(repo: string, rev: string): Promise<string> {
  const { resolveRev } = await import('../repo/read.js');
  return await resolveRev(await Repo.open(repo), rev);
}
