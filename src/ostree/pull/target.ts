import { copyFile, link, mkdir, readdir, rename, unlink } from 'node:fs/promises';
import { ObjectWriter } from './object-writer.js';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { FileHeader } from '../objects/index.js';
import { Repo, Transaction, writeContent, loadContent, readRef, writeRef, resolveRev, objectTypeFromExtension, removeTombstone, type RepoMode } from '../repo/index.js';
import { writeFileAtomic, isFsyncEnabled, runProgram } from '../../util/index.js';
import { isErrno } from '../../errors/index.js';

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

  /** Object names per `objects/XX` directory, read once (a readdir beats a stat per object). */
  private readonly index = new Map<string, Promise<Set<string>>>();
  private readonly writer = new ObjectWriter();
  private readonly tempPrefix = `pull-${process.pid}-${randomBytes(4).toString('hex')}-`;
  private tempCounter = 0;
  private wroteDirect = false;

  private constructor(private readonly repo: Repo) {}

  private extension(type: ObjectKind): string {
    return type === 'file' && this.repo.mode === 'archive' ? 'filez' : type;
  }

  private prefixSet(prefix: string): Promise<Set<string>> {
    let set = this.index.get(prefix);
    if (!set) {
      set = readdir(join(this.repo.path, 'objects', prefix)).then(
        (names) => new Set(names),
        (error: unknown) => {
          if (isErrno(error, 'ENOENT')) return new Set<string>();
          throw error;
        },
      );
      this.index.set(prefix, set);
    }
    return set;
  }

  static async open(path: string): Promise<PullTarget> {
    const repo = await Repo.open(path);
    await repo.ensureLayout();
    await removeStaleTemps(join(repo.path, 'tmp'));
    return new PullTarget(repo);
  }

  /** A source repository: read only, nothing created or cleaned in it. */
  static async openSource(path: string): Promise<PullTarget> {
    return new PullTarget(await Repo.open(path));
  }

  get path(): string {
    return this.repo.path;
  }

  get mode(): RepoMode {
    return this.repo.mode;
  }

  async has(checksum: string, type: ObjectKind): Promise<boolean> {
    if ((await this.prefixSet(checksum.slice(0, 2))).has(`${checksum.slice(2)}.${this.extension(type)}`)) return true;
    // A content object in a `core.parent` repository is not fetched again (ostree's has_object
    // looks there too; a child of an archive repo then holds only its new files).
    if (type !== 'file') return false;
    for (const parent of await this.parentRepos()) if (await parent.has(checksum, type)) return true;
    return false;
  }

  private parents: Promise<PullTarget[]> | undefined;

  /** The `core.parent` chain (each opened read only), loaded on first use. */
  private parentRepos(): Promise<PullTarget[]> {
    this.parents ??= (async () => {
      const out: PullTarget[] = [];
      const seen = new Set<string>([this.repo.path]);
      let config = this.repo.config;
      for (;;) {
        const path = config.getStringOr('core', 'parent', undefined);
        if (path === undefined || path === '' || seen.has(path)) return out;
        seen.add(path);
        const parent = await PullTarget.openSource(path).catch(() => undefined);
        if (!parent) return out;
        out.push(parent);
        config = parent.repo.config;
      }
    })();
    return this.parents;
  }

  /**
   * Write an object straight into `objects/` (temp file in tmp/, then rename): used for all
   * objects of archive repos and for metadata of the others. The rename makes each object
   * appear whole or not at all; `flush()` syncs the filesystem before any ref is written.
   */
  private async writeDirect(checksum: string, type: ObjectKind, bytes: Uint8Array, verify = false): Promise<void> {
    const prefix = checksum.slice(0, 2);
    const name = `${checksum.slice(2)}.${this.extension(type)}`;
    const set = await this.prefixSet(prefix);
    if (set.has(name) && type !== 'commitmeta') return;
    const temp = join(this.repo.path, 'tmp', `${this.tempPrefix}${(this.tempCounter++).toString(36)}`);
    const dir = join(this.repo.path, 'objects', prefix);
    // Marked present before the rename: the object is verified, and a second copy of it is
    // never queued. Nothing outside this pull sees the set.
    set.add(name);
    this.wroteDirect = true;
    await this.writer.write(temp, dir, join(dir, name), bytes, verify ? checksum : undefined);
  }

  /**
   * Put `source`'s object in place as it is, without reading it: a hardlink (a copy across
   * filesystems), as ostree imports from local repositories. Metadata links between any modes;
   * content objects only between repositories of the same mode (their on-disk forms differ
   * otherwise). False when that is not possible; the caller then writes the object itself.
   */
  async linkFrom(source: PullTarget, checksum: string, type: ObjectKind): Promise<boolean> {
    if (type === 'file' && source.mode !== this.mode && !(source.mode === 'bare-user' && this.mode === 'bare-user-only')) return false;
    const prefix = checksum.slice(0, 2);
    const name = `${checksum.slice(2)}.${this.extension(type)}`;
    const set = await this.prefixSet(prefix);
    if (set.has(name) && type !== 'commitmeta') return true;
    const from = join(source.repo.path, 'objects', prefix, `${checksum.slice(2)}.${source.extension(type)}`);
    const temp = join(this.repo.path, 'tmp', `${this.tempPrefix}${(this.tempCounter++).toString(36)}`);
    try {
      await link(from, temp);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return false;
      if (!isErrno(error, 'EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP')) throw error;
      await copyFile(from, temp);
    }
    const dir = join(this.repo.path, 'objects', prefix);
    await mkdir(dir, { recursive: true });
    await rename(temp, join(dir, name));
    set.add(name);
    this.wroteDirect = true;
    return true;
  }

  readObject(checksum: string, type: ObjectKind): Promise<Uint8Array | undefined> {
    return this.repo.readOptionalObjectBytes(checksum, objectTypeFromExtension(type));
  }

  async loadContent(checksum: string): Promise<{ header: FileHeader; data: Uint8Array }> {
    const loaded = await loadContent(this.repo, checksum);
    return { header: loaded.header, data: await loaded.readData() };
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
    await this.writeDirect(checksum, type, bytes);
  }

  /** A fetched commit replaces the tombstone a prune left for it (as ostree's HTTP pull does). */
  async removeTombstone(checksum: string): Promise<void> {
    await removeTombstone(this.repo, checksum);
  }

  /**
   * A verified content object. Archive repos keep the fetched `.filez` bytes as they are (no
   * recompression); other modes write the object in their own form.
   */
  async writeContent(checksum: string, header: FileHeader, data: Uint8Array, archiveBytes: Uint8Array | undefined): Promise<void> {
    if (this.repo.mode === 'archive' && archiveBytes !== undefined) {
      await this.writeDirect(checksum, 'file', archiveBytes);
      return;
    }
    await this.write(async (tx) => {
      const isSymlink = (header.mode & 0o170000) === 0o120000;
      await writeContent(tx, header, isSymlink ? undefined : { kind: 'bytes', bytes: data }, { knownChecksum: checksum });
      (await this.prefixSet(checksum.slice(0, 2))).add(`${checksum.slice(2)}.${this.extension('file')}`);
    });
  }

  /** True when fetched `.filez` bytes are stored as they are (archive repos). */
  get storesArchiveBytes(): boolean {
    return this.repo.mode === 'archive';
  }

  /**
   * An unverified `.filez` for an archive repo: verified (inflated and re-hashed) on the writer
   * thread before it is written; a mismatch fails the next write or `flush()` with
   * PULL_CORRUPT_OBJECT, and the object is never written.
   */
  async writeArchiveContentUnverified(checksum: string, bytes: Uint8Array, verify = true): Promise<void> {
    if (!this.storesArchiveBytes) throw new TypeError('writeArchiveContentUnverified: not an archive repository');
    await this.writeDirect(checksum, 'file', bytes, verify);
  }

  /** Make everything written so far durable and visible in objects/. */
  async flush(): Promise<void> {
    await this.writer.idle();
    // A transaction's commit syncs the filesystem too (after linking its objects, before any
    // commit object): that one syncfs covers the direct writes as well.
    if (this.wroteDirect && isFsyncEnabled() && !this.tx) {
      // One syncfs for every directly written object, as ostree's transaction commit does.
      const synced = await runProgram('sync', ['-f', this.repo.path]).catch(() => undefined);
      if (!synced || synced.status !== 0) await runProgram('sync', []).catch(() => undefined);
    }
    this.wroteDirect = false;
    const tx = this.tx;
    if (!tx) return;
    this.tx = undefined;
    this.inBatch = 0;
    if (this.pending > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    await (await tx).commit();
  }

  /** Drop staged (uncommitted) objects, e.g. after a verification failure. */
  async abort(): Promise<void> {
    await this.writer.idle().catch(() => undefined);
    const tx = this.tx;
    this.tx = undefined;
    if (tx) await (await tx).abort().catch(() => undefined);
  }
}

/** A rev (ref, remote:ref, checksum or prefix) → commit checksum, as the store resolves it. */
export async function resolveCommitRev(repo: string, rev: string): Promise<string> {
  return await resolveRev(await Repo.open(repo), rev);
}

/** Temp files of pulls that were killed (their pid is gone). */
async function removeStaleTemps(tmp: string): Promise<void> {
  const names = await readdir(tmp).catch(() => [] as string[]);
  for (const name of names) {
    const match = /^pull-(\d+)-/.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch (error) {
      alive = isErrno(error, 'EPERM');
    }
    if (!alive) await unlink(join(tmp, name)).catch(() => undefined);
  }
}
