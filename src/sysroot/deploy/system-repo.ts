import { Repo, Transaction, resolveRev, loadCommit, listRefs, writeRef, pruneRepo, pruneCommits, parseRefspec } from '../../ostree/repo/index.js';
import { checkout } from '../../ostree/checkout/index.js';
import { metadataString } from '../../ostree/objects/index.js';
import { isAtollError } from '../../errors/index.js';
import type { CommitInfo, SysrootRepo, SysrootRepoProvider } from './repo-port.js';

/** The SysrootRepo port over atoll's own repository module (the system repo is bare). */
export function storeSysrootRepo(repo: Repo): SysrootRepo {
  const infoCache = new Map<string, CommitInfo | undefined>();
  return {
    async resolveRev(rev) {
      return await resolveRev(repo, rev);
    },
    async commitInfo(csum) {
      if (infoCache.has(csum)) return infoCache.get(csum);
      let info: CommitInfo | undefined;
      try {
        const commit = await loadCommit(repo, csum);
        info = { version: metadataString(commit.metadata, 'version'), timestamp: Number(commit.timestamp), endoflifeRebase: metadataString(commit.metadata, 'ostree.endoflife-rebase'),
          sourceTitle: metadataString(commit.metadata, 'ostree.source-title'),
        };
      } catch (error) {
        if (!isAtollError(error)) throw error;
        info = undefined; // a missing commit: status shows no version, as ostree does
      }
      infoCache.set(csum, info);
      return info;
    },
    async checkoutHardlink(csum, dest) {
      await checkout(repo, csum, dest, { requireHardlinks: true, passthroughWhiteouts: true });
    },
    async listRefs(prefix) {
      return (await listRefs(repo, { remotes: false })).map((r) => r.name).filter((name) => name.startsWith(prefix));
    },
    async setRef(name, csum) {
      const { remote, ref } = parseRefspec(name);
      await writeRef(repo, ref, csum, remote);
    },
    async deleteRef(name) {
      await writeRef(repo, name, undefined);
    },
    async updateRefs(updates) {
      // One repo transaction, as ostree's generate_deployment_refs (and its fault injection).
      const tx = await Transaction.begin(repo);
      try {
        for (const { name, csum } of updates) tx.setRef(name, csum);
        await tx.commit();
      } catch (error) {
        await tx.abort();
        throw error;
      }
    },
    async prune(commits) {
      if (commits !== undefined) {
        const pruned = await pruneCommits(repo, commits, { depth: 0, partials: true });
        return { objectsDeleted: pruned.deleted, freedBytes: pruned.freedBytes };
      }
      const result = await pruneRepo(repo, { refsOnly: true, depth: 0 });
      return { objectsDeleted: result.deleted, freedBytes: result.freedBytes };
    },
  };
}

/** init-fs creates the system repo in bare mode; everything else opens it. */
export function systemRepoProvider(): SysrootRepoProvider {
  return {
    async init(path) {
      await Repo.init(path, 'bare');
    },
    async open(path) {
      return storeSysrootRepo(await Repo.open(path));
    },
  };
}
