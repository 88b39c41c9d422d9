import { createHash } from 'node:crypto';
import { AtollError, isAtollError } from '../../errors/index.js';
import { phase, nullReporter, type Reporter } from '../../report/index.js';
import { mapLimit } from '../../util/index.js';
import type { Repo } from './repo.js';
import { ObjectType, objectExtension } from './codec.js';
import { decodeCommit, decodeDirMeta, decodeDirTree, type DirTree } from './codec.js';
import { loadContent, hashLoadedContent } from './content.js';

/** One finding: the code says what kind, the message names the object (and the path needing it). */
export interface FsckProblem {
  code: string;
  message: string;
  checksum: string;
  /** The object's kind as ostree names it (`file`, `dirtree`, `dirmeta`, `commit`...). */
  type: string;
  path?: string;
  commit?: string;
}

export interface FsckReport {
  commits: number;
  objects: number;
  problems: FsckProblem[];
  partialCommits: string[];
}

function problem(error: AtollError, checksum: string, type: ObjectType, extra: { path?: string; commit?: string } = {}): FsckProblem {
  return { code: error.code, message: error.message, checksum, type: objectExtension(type), ...extra };
}

/**
 * `ostree fsck`, stricter: every loose object is re-hashed (content objects decompressed and
 * hashed over their uncompressed header + data), every metadata object decoded and validated
 * (normal form, dirtree order and names, modes), and every commit's tree walked for missing
 * objects, each reported with the path that needs it. Commits marked partial are not walked.
 */
export async function fsckRepo(repo: Repo, reporter: Reporter = nullReporter): Promise<FsckReport> {
  const report: FsckReport = { commits: 0, objects: 0, problems: [], partialCommits: [] };
  const objects: Array<{ checksum: string; type: ObjectType }> = [];
  for await (const o of repo.listObjects()) objects.push(o);
  report.objects = objects.length;
  const bad = new Set<string>();
  const trees = new Map<string, DirTree>();
  const commits: string[] = [];

  await phase(reporter, 'fsck objects', async (tick) => {
    let done = 0;
    await mapLimit(objects, 4, async ({ checksum, type }) => {
      const name = objectExtension(type);
      try {
        if (type === ObjectType.File) await verifyContent(repo, checksum);
        else if (type === ObjectType.Commit || type === ObjectType.DirTree || type === ObjectType.DirMeta) {
          const bytes = await repo.readObjectBytes(checksum, type);
          const actual = createHash('sha256').update(bytes).digest('hex');
          if (actual !== checksum) {
            throw new AtollError('OSTREE_FSCK_CHECKSUM_MISMATCH', `Corrupted ${name} object; checksum expected='${checksum}' actual='${actual}'`);
          }
          try {
            if (type === ObjectType.Commit) {
              decodeCommit(bytes);
              commits.push(checksum);
            } else if (type === ObjectType.DirTree) trees.set(checksum, decodeDirTree(bytes));
            else decodeDirMeta(bytes);
          } catch (error) {
            if (!isAtollError(error)) throw error;
            throw new AtollError(error.code, `invalid ${name} object ${checksum}: ${error.message}`);
          }
        }
      } catch (error) {
        if (!isAtollError(error)) throw error;
        bad.add(`${checksum}.${name}`);
        report.problems.push(problem(error, checksum, type));
      }
      tick(++done);
    });
  }, { total: objects.length, unit: 'items' });

  report.commits = commits.length;
  const have = new Set(objects.map((o) => `${o.checksum}.${objectExtension(o.type)}`));
  const walked = new Set<string>();
  await phase(reporter, 'fsck commits', async () => {
    for (const commitChecksum of commits.sort()) {
      if (await repo.isCommitPartial(commitChecksum)) {
        report.partialCommits.push(commitChecksum);
        continue;
      }
      const commit = decodeCommit(await repo.readObjectBytes(commitChecksum, ObjectType.Commit));
      const missing = (checksum: string, type: ObjectType, path: string): void => {
        report.problems.push(
          problem(new AtollError('OSTREE_FSCK_MISSING_OBJECT', `Object missing: ${checksum}.${objectExtension(type)} (needed by ${path} in commit ${commitChecksum})`), checksum, type, { path, commit: commitChecksum }),
        );
      };
      const walkDir = (treeChecksum: string, metaChecksum: string, path: string): void => {
        if (!have.has(`${metaChecksum}.dirmeta`)) missing(metaChecksum, ObjectType.DirMeta, path);
        if (!have.has(`${treeChecksum}.dirtree`)) {
          missing(treeChecksum, ObjectType.DirTree, path);
          return;
        }
        if (walked.has(treeChecksum)) return;
        walked.add(treeChecksum);
        const tree = trees.get(treeChecksum);
        if (!tree) return; // invalid: already reported
        for (const f of tree.files) {
          if (!have.has(`${f.checksum}.file`)) missing(f.checksum, ObjectType.File, path === '/' ? `/${f.name}` : `${path}/${f.name}`);
        }
        for (const d of tree.dirs) walkDir(d.treeChecksum, d.metaChecksum, path === '/' ? `/${d.name}` : `${path}/${d.name}`);
      };
      walkDir(commit.rootTree, commit.rootMeta, '/');
    }
  });
  return report;
}

async function verifyContent(repo: Repo, checksum: string): Promise<void> {
  let content;
  try {
    content = await loadContent(repo, checksum);
  } catch (error) {
    if (isAtollError(error)) throw new AtollError('OSTREE_FSCK_CORRUPT_OBJECT', `Corrupted file object ${checksum}: ${error.message}`);
    throw error;
  }
  let actual: string;
  try {
    actual = await hashLoadedContent(checksum, content);
  } catch (error) {
    if (isAtollError(error)) throw new AtollError('OSTREE_FSCK_CORRUPT_OBJECT', `Corrupted file object ${checksum}: ${error.message}`);
    throw error;
  }
  if (actual !== checksum) {
    throw new AtollError('OSTREE_FSCK_CHECKSUM_MISMATCH', `Corrupted file object; checksum expected='${checksum}' actual='${actual}'`);
  }
}
