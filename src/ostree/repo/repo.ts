import { mkdir, readFile, stat, readdir, open, unlink } from 'node:fs/promises';
import { readFileSync, lstatSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AtollError, isErrno } from '../../errors/index.js';
import { KeyFile } from '../../keyfile/index.js';
import { writeFileAtomic } from '../../util/index.js';
import { type RepoMode, parseRepoMode, configModeString } from './repo-mode.js';
import { ObjectType, objectExtension, objectRelativePath, objectTypeFromExtension } from './codec.js';

/**
 * The object type of a loose object's extension; undefined for anything else in objects/
 * (temp files, and the payload-link / file-xattrs kinds of newer repo modes, which this store
 * neither writes nor checks).
 */
function looseObjectType(ext: string): ObjectType | undefined {
  let type: ObjectType;
  try {
    type = objectTypeFromExtension(ext);
  } catch {
    return undefined;
  }
  return type === ObjectType.PayloadLink || type === ObjectType.FileXattrs || type === ObjectType.FileXattrsLink ? undefined : type;
}

/** The directories `ostree init` creates (spec §2.1). */
const INIT_DIRS = ['objects', 'tmp', 'tmp/cache', 'refs', 'refs/heads', 'refs/mirrors', 'refs/remotes', 'state', 'extensions'];

/**
 * An opened OSTree repository: its path, mode and config, and object paths. Reading and
 * writing objects, refs and transactions are in their own files and take a Repo.
 */
export class Repo {
  private constructor(
    readonly path: string,
    readonly mode: RepoMode,
    public config: KeyFile,
  ) {}

  /** `ostree init`: the layout and the config keyfile exactly as ostree writes them. */
  static async init(path: string, mode: RepoMode = 'bare'): Promise<Repo> {
    const root = resolve(path);
    const configPath = join(root, 'config');
    const exists = await stat(configPath).then(() => true, () => false);
    if (exists) {
      // ostree init on an existing repo is a no-op when the mode agrees.
      const repo = await Repo.open(root);
      if (repo.mode !== mode) {
        throw new AtollError('OSTREE_REPO_EXISTS', `repository at ${root} already exists with mode ${configModeString(repo.mode)}`);
      }
      return repo;
    }
    await mkdir(root, { recursive: true });
    for (const dir of INIT_DIRS) await mkdir(join(root, dir), { recursive: true });
    const config = new KeyFile();
    config.setString('core', 'repo_version', '1');
    config.setString('core', 'mode', configModeString(mode));
    await writeFileAtomic(configPath, config.serialize());
    return new Repo(root, mode, config);
  }

  static async open(path: string): Promise<Repo> {
    const root = resolve(path);
    let text: string;
    try {
      text = await readFile(join(root, 'config'), 'utf8');
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) {
        throw new AtollError('OSTREE_REPO_NOT_FOUND', `no repository at ${root} (no config file)`, {
          hint: "create one with 'atoll repo init --repo=PATH --mode=archive', or pass --repo",
        });
      }
      throw error;
    }
    const config = KeyFile.parse(text);
    const version = config.getStringOr('core', 'repo_version', undefined);
    if (version !== '1') {
      throw new AtollError('OSTREE_REPO_BAD_CONFIG', `unsupported repository version '${version ?? '(missing)'}' in ${join(root, 'config')}`);
    }
    if (config.getBooleanOr('core', 'archive', false)) {
      throw new AtollError('OSTREE_REPO_BAD_CONFIG', 'obsolete core.archive=true repositories are not supported');
    }
    const mode = parseRepoMode(config.getStringOr('core', 'mode', 'bare'));
    // ostree recreates tmp/ on open (a cleaner may have removed it); read-only repos are fine without.
    try {
      mkdirSync(join(root, 'tmp'), { mode: 0o755 });
    } catch {
      // exists, or not writable
    }
    return new Repo(root, mode, config);
  }

  async saveConfig(): Promise<void> {
    await writeFileAtomic(join(this.path, 'config'), this.config.serialize());
  }

  objectPath(checksum: string, type: ObjectType): string {
    return join(this.path, objectRelativePath(checksum, type, this.mode === 'archive'));
  }

  async hasObject(checksum: string, type: ObjectType): Promise<boolean> {
    // lstat, not existsSync: a bare-mode symlink object is a symlink whose target need not exist.
    try {
      lstatSync(this.objectPath(checksum, type));
      return true;
    } catch {
      return false;
    }
  }

  /** The bytes of a metadata object; a coded error names the object when it is missing. */
  async readObjectBytes(checksum: string, type: ObjectType): Promise<Buffer> {
    try {
      // Metadata objects are small: a synchronous read beats a thread-pool round trip.
      return readFileSync(this.objectPath(checksum, type));
    } catch (error) {
      if (isErrno(error, 'ENOENT')) {
        const name = objectExtension(type);
        throw new AtollError('OSTREE_OBJECT_MISSING', `No such metadata object ${checksum}.${name}`, { data: { checksum, type: name } });
      }
      throw error;
    }
  }

  /** Like readObjectBytes but undefined when absent (commitmeta is optional). */
  async readOptionalObjectBytes(checksum: string, type: ObjectType): Promise<Buffer | undefined> {
    try {
      return readFileSync(this.objectPath(checksum, type));
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return undefined;
      throw error;
    }
  }

  /** Every loose object, as (checksum, type), in directory order. */
  async *listObjects(): AsyncGenerator<{ checksum: string; type: ObjectType; path: string }> {
    const objectsDir = join(this.path, 'objects');
    let prefixes: string[];
    try {
      prefixes = (await readdir(objectsDir)).filter((p) => /^[0-9a-f]{2}$/.test(p)).sort();
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return;
      throw error;
    }
    for (const prefix of prefixes) {
      const names = await readdir(join(objectsDir, prefix));
      for (const name of names) {
        const dot = name.indexOf('.');
        if (dot !== 62) continue;
        const rest = name.slice(0, dot);
        if (!/^[0-9a-f]{62}$/.test(rest)) continue;
        const type = looseObjectType(name.slice(dot + 1));
        if (type === undefined) continue;
        if (type === ObjectType.File && (name.endsWith('.filez') !== (this.mode === 'archive'))) continue;
        yield { checksum: prefix + rest, type, path: join(objectsDir, prefix, name) };
      }
    }
  }

  /** `state/<commit>.commitpartial`: the commit's tree is not all present. */
  commitPartialPath(checksum: string): string {
    return join(this.path, 'state', `${checksum}.commitpartial`);
  }

  async isCommitPartial(checksum: string): Promise<boolean> {
    return await stat(this.commitPartialPath(checksum)).then(() => true, () => false);
  }

  /**
   * undefined when the commit is not partial; else the state file's content: '' (pull) or
   * 'f' (marked by fsck after finding corruption, as ostree's OSTREE_REPO_COMMIT_STATE_FSCK_PARTIAL).
   */
  async commitPartialReason(checksum: string): Promise<string | undefined> {
    try {
      return readFileSync(this.commitPartialPath(checksum), 'utf8');
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) return undefined;
      throw error;
    }
  }

  async markCommitPartial(checksum: string, partial: boolean, reason?: 'f'): Promise<void> {
    const path = this.commitPartialPath(checksum);
    if (partial) {
      await mkdir(join(this.path, 'state'), { recursive: true });
      if (reason !== undefined) {
        await writeFileAtomic(path, reason);
        return;
      }
      const handle = await open(path, 'a');
      await handle.close();
    } else {
      await unlink(path).catch((error: unknown) => {
        if (!isErrno(error, 'ENOENT')) throw error;
      });
    }
  }

  /** Ensure refs/remotes and the other init dirs exist (fsck needs refs/remotes). */
  async ensureLayout(): Promise<void> {
    for (const dir of INIT_DIRS) await mkdir(join(this.path, dir), { recursive: true });
  }
}
