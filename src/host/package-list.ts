import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AtollError, isAtollError } from '../errors/index.js';
import { type Repo, loadCommit, loadContent, resolvePath } from '../ostree/repo/index.js';
import { type PkglistEntry, parsePkglist, readRpmdbPackages, sortPkglist } from '../assemble/index.js';

/** rpm-ostree's commit metadata key holding the package list, `a(sssss)`. */
export const PKGLIST_KEY = 'rpmostree.rpmdb.pkglist';

/** Where rpm-ostree trees keep the rpmdb (the first one found wins). */
const RPMDB_DIRS = ['usr/share/rpm', 'usr/lib/sysimage/rpm'];

export type Package = PkglistEntry;

/** `[epoch:]version-release`, the EVR as rpm-ostree prints it (epoch only when non-zero). */
export function formatEvr(p: Package): string {
  return `${p.epoch ? `${p.epoch}:` : ''}${p.version}-${p.release}`;
}

/** `name-[epoch:]version-release.arch` (libdnf's nevra). */
export function formatNevra(p: Package): string {
  return `${p.name}-${formatEvr(p)}.${p.arch}`;
}

export interface CommitPackages {
  packages: Package[];
  /** Where the list came from. */
  source: 'pkglist' | 'rpmdb';
}

/**
 * The packages of a commit: the `rpmostree.rpmdb.pkglist` metadata when present (what
 * rpm-ostree reads first), else the rpmdb.sqlite inside the tree.
 */
export async function commitPackages(repo: Repo, csum: string): Promise<CommitPackages> {
  const commit = await loadCommit(repo, csum);
  const meta = commit.metadata.get(PKGLIST_KEY);
  if (meta !== undefined) {
    if (meta.type !== 'a(sssss)') throw new AtollError('HOST_BAD_PKGLIST', `commit ${csum}: ${PKGLIST_KEY} has type ${meta.type}, expected a(sssss)`);
    return { packages: sortPkglist(parsePkglist(meta.value)), source: 'pkglist' };
  }
  for (const dir of RPMDB_DIRS) {
    let entry;
    try {
      entry = await resolvePath(repo, commit, `${dir}/rpmdb.sqlite`);
    } catch (error) {
      if (isAtollError(error) && error.code === 'OSTREE_PATH_NOT_FOUND') continue;
      throw error;
    }
    if (entry.kind !== 'file') continue;
    const content = await loadContent(repo, entry.checksum);
    // sqlite wants a file: a private copy in a temporary directory (the object stays untouched).
    const tmp = await mkdtemp(join(tmpdir(), 'atoll-rpmdb-'));
    try {
      await writeFile(join(tmp, 'rpmdb.sqlite'), await content.readData());
      return { packages: sortPkglist(readRpmdbPackages(tmp)), source: 'rpmdb' };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  throw new AtollError('HOST_NO_PACKAGE_LIST', `commit ${csum} has no ${PKGLIST_KEY} metadata and no rpmdb.sqlite in ${RPMDB_DIRS.join(' or ')}`, {
    hint: 'commits made by atoll compose or rpm-ostree carry the package list; a plain ostree commit does not',
  });
}
