import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Repo } from './repo.js';

/**
 * (device, inode) → content checksum for every loose content object of a bare-ish repo: a
 * file in a hardlink checkout *is* the object, so re-committing it needs no hashing. Built
 * once per commit by scanning objects/ (as ostree's ostree_repo_scan_hardlinks does).
 */
export class DevinoCache {
  private constructor(private readonly map: Map<string, string>) {}

  static async forRepo(repo: Repo): Promise<DevinoCache> {
    const map = new Map<string, string>();
    if (repo.mode === 'archive') return new DevinoCache(map);
    const objects = join(repo.path, 'objects');
    let prefixes: string[] = [];
    try {
      prefixes = readdirSync(objects);
    } catch {
      return new DevinoCache(map);
    }
    // Synchronous on purpose: one lstat is ~1µs, and a promise per object (tens of thousands)
    // cost several times the syscalls themselves in thread-pool hops and garbage collection.
    for (const prefix of prefixes) {
      if (!/^[0-9a-f]{2}$/.test(prefix)) continue;
      const dir = join(objects, prefix);
      for (const name of readdirSync(dir)) {
        if (!name.endsWith('.file') || name.length !== 67) continue;
        let st;
        try {
          st = lstatSync(join(dir, name), { bigint: false });
        } catch {
          continue;
        }
        if (st.isFile()) map.set(`${st.dev}:${st.ino}`, prefix + name.slice(0, 62));
      }
    }
    return new DevinoCache(map);
  }

  lookup(dev: number, ino: number): string | undefined {
    return this.map.get(`${dev}:${ino}`);
  }

  get size(): number {
    return this.map.size;
  }
}
