import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Repo } from './repo.js';
import type { FileHeader } from './codec.js';

/**
 * (device, inode) → content checksum for every loose content object of bare-ish repos: a
 * file in a hardlink checkout *is* the object, so re-committing it needs no hashing. Built
 * once per commit by scanning objects/ (as ostree's ostree_repo_scan_hardlinks does). Several
 * repositories can feed one cache (a compose commits a tree hardlinked from its bare-user
 * package cache into an archive repository); each entry remembers the repository holding the
 * object, so a target that lacks it can copy the object (header and data) from there.
 */
export interface DevinoEntry {
  checksum: string;
  repo: Repo;
  /** The object's header, when the filler already decoded it (saves re-reading the object). */
  header?: FileHeader;
}

export class DevinoCache {
  private constructor(private readonly map: Map<string, DevinoEntry>) {}

  /**
   * An empty cache for a hardlink checkout to fill as it links (ostree's checkout option
   * `devino_to_csum_cache`): a commit of the checkout then needs no scan of the repository.
   */
  static empty(): DevinoCache {
    return new DevinoCache(new Map());
  }

  add(dev: number, ino: number, entry: DevinoEntry): void {
    this.map.set(`${dev}:${ino}`, entry);
  }

  /** The checksum of every entry: the content objects a hardlink checkout laid out. */
  checksums(): Set<string> {
    const out = new Set<string>();
    for (const entry of this.map.values()) out.add(entry.checksum);
    return out;
  }

  static async forRepo(repo: Repo): Promise<DevinoCache> {
    return DevinoCache.forRepos([repo]);
  }

  /** Archive repositories contribute nothing (their objects are compressed, never checked out by hardlink). */
  static async forRepos(repos: readonly Repo[]): Promise<DevinoCache> {
    const map = new Map<string, DevinoEntry>();
    for (const repo of repos) {
      if (repo.mode === 'archive') continue;
      const objects = join(repo.path, 'objects');
      let prefixes: string[] = [];
      try {
        prefixes = readdirSync(objects);
      } catch {
        continue;
      }
      for (const prefix of prefixes) {
        if (!/^[0-9a-f]{2}$/.test(prefix)) continue;
        const dir = join(objects, prefix);
        // Synchronous lstat: the inodes are usually cached (a checkout just linked them), and
        // a thread-pool round trip per object costs more than the call.
        for (const name of readdirSync(dir)) {
          if (!name.endsWith('.file') || name.length !== 67) continue;
          const st = lstatSync(join(dir, name), { throwIfNoEntry: false });
          const key = st && st.isFile() ? `${st.dev}:${st.ino}` : undefined;
          if (key !== undefined && !map.has(key)) map.set(key, { checksum: prefix + name.slice(0, 62), repo });
        }
      }
    }
    return new DevinoCache(map);
  }

  lookup(dev: number, ino: number): string | undefined {
    return this.map.get(`${dev}:${ino}`)?.checksum;
  }

  /** The checksum and the repository whose object this inode is. */
  lookupEntry(dev: number, ino: number): DevinoEntry | undefined {
    return this.map.get(`${dev}:${ino}`);
  }

  get size(): number {
    return this.map.size;
  }
}
