import { readdirSync, readFileSync, lstatSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { isErrno } from '../errors/index.js';
import { writeFileAtomic } from '../util/index.js';
import { loadCommit, loadDirTree, type Repo } from '../ostree/repo/index.js';

/**
 * `--cachedir`'s archive-objects/ (XX/REST.filez hardlinks of the package files' archive
 * objects, filled by the commit of an archive compose) would only grow. After each successful
 * archive compose it is pruned as rpm-ostree prunes its pkgcache of what the compose no longer
 * needs, with a grace period so that alternating treefiles sharing one cachedir do not evict
 * each other: an entry is dropped when it was used by none of the last `keepComposes` composes
 * (this one included) AND by no compose for `keepDays` days. What this compose used always
 * stays, so composing the same inputs twice is fully warm.
 *
 * The usage record is `archive-objects/usage`: lines `compose N SECONDS` (a compose's number
 * and time), the first one the latest compose, every other one followed by the checksums whose
 * last use was that compose; an entry not listed was used by the latest compose, so the record
 * of a cache that every compose uses whole stays two lines long (the warm compose's case). A
 * line `used COUNT XOR` after the latest compose fingerprints what it used: when the next
 * compose uses the same set and no entry is older, nothing can go and the cache is not even
 * listed (composing the same inputs again costs one small write). A missing or unreadable
 * record (first run, an older atoll, a crash) counts every entry as used now.
 */
export interface ArchiveCachePolicy {
  keepComposes: number;
  keepDays: number;
}

export const DEFAULT_ARCHIVE_CACHE_POLICY: ArchiveCachePolicy = { keepComposes: 3, keepDays: 7 };

const USAGE_FILE = 'usage';
const USAGE_HEADER = 'atoll archive-objects usage 1';
const PREFIX = /^[0-9a-f]{2}$/;
const REST = /^[0-9a-f]{62}\.filez$/;

export interface ArchiveCachePruneResult {
  /** False when the same set as the latest compose's was used and nothing was older: no listing. */
  scanned: boolean;
  kept: number;
  dropped: number;
  freedBytes: number;
}

interface Usage {
  /** The latest compose's number (entries without a record were last used by it). */
  latest: number | undefined;
  /** compose number → its time (epoch seconds). */
  composes: Map<number, number>;
  /** checksum → number of the last compose that used it, for entries the latest one did not use. */
  lastUse: Map<string, number>;
  /** The latest compose's used set, fingerprinted (usedFingerprint). */
  used: string | undefined;
}

/** COUNT and the XOR of every checksum's first 128 bits: equal sets, equal fingerprints (a collision only delays a prune). */
function usedFingerprint(used: ReadonlySet<string>): string {
  const words = new Uint32Array(4);
  for (const checksum of used) for (let i = 0; i < 4; i++) words[i]! ^= parseInt(checksum.slice(i * 8, i * 8 + 8), 16);
  return `${used.size} ${[...words].map((w) => w.toString(16).padStart(8, '0')).join('')}`;
}

function readUsage(cacheDir: string): Usage {
  const usage: Usage = { latest: undefined, composes: new Map(), lastUse: new Map(), used: undefined };
  let text: string;
  try {
    text = readFileSync(join(cacheDir, USAGE_FILE), 'utf8');
  } catch {
    return usage;
  }
  const lines = text.split('\n');
  if (lines[0] !== USAGE_HEADER) return usage;
  let current: number | undefined;
  for (const line of lines.slice(1)) {
    const compose = /^compose (\d+) (\d+)$/.exec(line);
    const usedLine = /^used (\d+ [0-9a-f]{32})$/.exec(line);
    if (usedLine && current !== undefined && current === usage.latest) usage.used = usedLine[1];
    else if (compose) {
      current = Number(compose[1]);
      usage.latest ??= current;
      usage.composes.set(current, Number(compose[2]));
    } else if (current !== undefined && current !== usage.latest && /^[0-9a-f]{64}$/.test(line)) usage.lastUse.set(line, current);
  }
  return usage;
}

function formatUsage(usage: Usage): string {
  const byCompose = new Map<number, string[]>();
  for (const [checksum, n] of usage.lastUse) {
    const list = byCompose.get(n) ?? [];
    list.push(checksum);
    byCompose.set(n, list);
  }
  const parts = [USAGE_HEADER, `compose ${usage.latest!} ${usage.composes.get(usage.latest!)!}`, `used ${usage.used!}`];
  for (const n of [...byCompose.keys()].sort((a, b) => a - b)) {
    parts.push(`compose ${n} ${usage.composes.get(n)!}`, ...byCompose.get(n)!.sort());
  }
  return `${parts.join('\n')}\n`;
}

/**
 * Record that a compose at `now` used `used` (content checksums; those not in the cache are
 * ignored) and drop the entries the policy lets go.
 */
export async function pruneArchiveObjectCache(cacheDir: string, used: ReadonlySet<string>, now: Date, policy: ArchiveCachePolicy = DEFAULT_ARCHIVE_CACHE_POLICY): Promise<ArchiveCachePruneResult> {
  const result: ArchiveCachePruneResult = { scanned: true, kept: 0, dropped: 0, freedBytes: 0 };
  let prefixes: string[];
  try {
    prefixes = readdirSync(cacheDir).filter((name) => PREFIX.test(name));
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return result;
    throw error;
  }
  const old = readUsage(cacheDir);
  const current = Math.max(0, ...old.composes.keys()) + 1;
  const seconds = Math.floor(now.getTime() / 1000);
  const next: Usage = { latest: current, composes: new Map([[current, seconds]]), lastUse: new Map(), used: usedFingerprint(used) };
  if (old.latest !== undefined && old.lastUse.size === 0 && old.used === next.used) {
    await writeFileAtomic(join(cacheDir, USAGE_FILE), formatUsage(next));
    return { ...result, scanned: false };
  }
  for (const prefix of prefixes) {
    for (const rest of readdirSync(join(cacheDir, prefix))) {
      if (!REST.test(rest)) continue; // a link in progress, or not ours
      const checksum = prefix + rest.slice(0, 62);
      // An entry without a record was used by the latest compose (or came since: a concurrent
      // compose, or no record at all), so it counts as recent.
      const last = used.has(checksum) ? current : (old.lastUse.get(checksum) ?? old.latest ?? current);
      const lastTime = last === current ? seconds : (old.composes.get(last) ?? seconds);
      if (current - last >= policy.keepComposes && seconds - lastTime >= policy.keepDays * 86_400) {
        const path = join(cacheDir, prefix, rest);
        try {
          const size = lstatSync(path).size;
          unlinkSync(path);
          result.freedBytes += size;
          result.dropped++;
        } catch (error) {
          if (!isErrno(error, 'ENOENT')) throw error;
        }
        continue;
      }
      if (last !== current) {
        next.lastUse.set(checksum, last);
        next.composes.set(last, lastTime);
      }
      result.kept++;
    }
  }
  await writeFileAtomic(join(cacheDir, USAGE_FILE), formatUsage(next));
  return result;
}

/** The content objects a commit's tree refers to. */
export async function commitContentChecksums(repo: Repo, commit: string): Promise<Set<string>> {
  const out = new Set<string>();
  const seen = new Set<string>();
  const walk = async (tree: string): Promise<void> => {
    if (seen.has(tree)) return;
    seen.add(tree);
    const dirtree = await loadDirTree(repo, tree);
    for (const f of dirtree.files) out.add(f.checksum);
    for (const d of dirtree.dirs) await walk(d.treeChecksum);
  };
  await walk((await loadCommit(repo, commit)).rootTree);
  return out;
}
