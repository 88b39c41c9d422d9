import { AtollError } from '../../errors/index.js';
import { isSafeFilename } from '../../util/index.js';
import { ObjectType, compareNames, encodeDirTree, type DirTree } from '../repo/codec.js';
import type { Transaction } from '../repo/transaction.js';

/**
 * A directory being built in memory (OstreeMutableTree): files map to content checksums,
 * subdirectories to child trees, and each tree has a dirmeta checksum. Compose builds one of
 * these from unpacked RPMs; committing a directory builds one from the filesystem. Writing it
 * turns it into dirtree objects bottom-up.
 */
export class MutableTree {
  metaChecksum: string | undefined;
  readonly files = new Map<string, string>();
  readonly dirs = new Map<string, MutableTree>();

  constructor(metaChecksum?: string) {
    this.metaChecksum = metaChecksum;
  }

  setFile(name: string, checksum: string): void {
    checkName(name);
    if (this.dirs.has(name)) throw new AtollError('OSTREE_MTREE_CONFLICT', `'${name}' is already a directory`);
    this.files.set(name, checksum);
  }

  /** The child directory `name`, created (without dirmeta) when absent. */
  ensureDir(name: string): MutableTree {
    checkName(name);
    if (this.files.has(name)) throw new AtollError('OSTREE_MTREE_CONFLICT', `'${name}' is already a file`);
    let child = this.dirs.get(name);
    if (!child) {
      child = new MutableTree();
      this.dirs.set(name, child);
    }
    return child;
  }

  /** Walk `path` (relative, `/`-separated), creating directories; returns the last one. */
  ensurePath(path: string, defaultMeta?: string): MutableTree {
    return path
      .split('/')
      .filter((p) => p !== '' && p !== '.')
      .reduce((tree: MutableTree, part) => {
        const child = tree.ensureDir(part);
        child.metaChecksum ??= defaultMeta;
        return child;
      }, this);
  }

  remove(name: string): boolean {
    return this.files.delete(name) || this.dirs.delete(name);
  }

  /** The dirtree value (entries sorted by strcmp); children must have been written. */
  toDirTree(childTrees: Map<string, string>): DirTree {
    const files = [...this.files].sort((a, b) => compareNames(a[0], b[0])).map(([name, checksum]) => ({ name, checksum }));
    const dirs = [...this.dirs]
      .sort((a, b) => compareNames(a[0], b[0]))
      .map(([name, child]) => {
        if (child.metaChecksum === undefined) throw new AtollError('OSTREE_MTREE_NO_METADATA', `directory '${name}' has no dirmeta`);
        return { name, treeChecksum: childTrees.get(name) as string, metaChecksum: child.metaChecksum };
      });
    return { files, dirs };
  }

  /** Write every dirtree bottom-up; returns the root dirtree checksum. */
  async write(tx: Transaction): Promise<string> {
    const childTrees = new Map<string, string>();
    for (const [name, child] of this.dirs) childTrees.set(name, await child.write(tx));
    return await tx.writeMetadata(ObjectType.DirTree, encodeDirTree(this.toDirTree(childTrees)));
  }
}

function checkName(name: string): void {
  if (!isSafeFilename(name)) {
    throw new AtollError('OSTREE_MTREE_BAD_NAME', `invalid file name '${name.replace(/\0/g, '\\0')}'`);
  }
}
