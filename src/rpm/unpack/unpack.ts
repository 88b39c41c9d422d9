import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  symlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { lstat, mkdtemp, readdir, readFile, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AtollError } from '../../errors/index.js';
import { nullReporter, warn, type Reporter } from '../../report/index.js';
import { runProgram } from '../../util/index.js';
import type { RpmFile, RpmHeaderPackage } from '../header/index.js';
import { payloadCpioStream, readPayloadFiles, readRpmFile, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, type PayloadIntegrity } from '../payload/index.js';
import { fileCapsXattr } from './file-caps.js';

/**
 * Unpack a package's payload into a directory, taking every piece of metadata from the header
 * (rpm-format.md §8.2, §7.11). Safety: the tree is built in a fresh staging directory beside the
 * target and renamed into place only after every digest checked out, so a failure leaves
 * nothing behind; no entry is ever written through a symlink (each parent component must be a
 * real directory, files are created O_EXCL|O_NOFOLLOW), and header paths with `..`, `.` or
 * empty components were already refused by the header reader.
 */

export interface UnpackOptions {
  reporter?: Reporter;
  /**
   * Set owners: 'auto' (default) = when running as root; 'never'; 'always'. Names resolve
   * against `<passwdRoot>/etc/passwd` and `/etc/group` (default `/`); unknown names → 0, like rpm.
   */
  owners?: 'auto' | 'never' | 'always';
  passwdRoot?: string;
  /** Write `security.capability` xattrs: 'auto' (default) = when root. Always reported in the result. */
  capabilities?: 'auto' | 'never' | 'always';
  /**
   * Check each file's digest while writing: 'always' (like rpm's install; SHA-256 of every byte,
   * the largest CPU cost of an unpack) or 'auto' (default: only when the package has no
   * PAYLOADDIGEST. With one, the payload digest, checked before the tree is renamed into place,
   * pins every byte, and the verified header pins PAYLOADDIGEST; rpm-ostree's importer, which
   * unpacks through libarchive, checks no file digests at all).
   */
  fileDigests?: 'always' | 'auto';
  /** Device nodes, FIFOs and sockets: 'skip' (default, reported) or 'error' (RPM_SPECIAL_FILE). */
  specialFiles?: 'skip' | 'error';
}

export interface UnpackedCapability {
  path: string;
  text: string;
  /** `security.capability` xattr value. */
  xattr: Uint8Array;
}

export interface UnpackResult {
  pkg: RpmHeaderPackage;
  /** Entries written (files, directories, symlinks, hardlinks). */
  entries: number;
  bytes: number;
  capabilities: UnpackedCapability[];
  skipped: { path: string; reason: string }[];
  integrity: PayloadIntegrity;
}

function unsafe(message: string, path: string): AtollError {
  return new AtollError('RPM_UNPACK_UNSAFE', message, { data: { path }, hint: 'the package would write outside the target or through a symlink' });
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

async function idMap(file: string): Promise<Map<string, number>> {
  const map = new Map<string, number>();
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return map;
  }
  for (const line of text.split('\n')) {
    const parts = line.split(':');
    if (parts.length >= 3 && /^\d+$/.test(parts[2]!) && !map.has(parts[0]!)) map.set(parts[0]!, Number(parts[2]));
  }
  return map;
}

/** The staging-relative path of a header path ("" for "/"). */
function relativeOf(file: RpmFile): string {
  return file.path.startsWith('/') ? file.path.slice(1) : file.path;
}

export async function unpackRpm(rpmPath: string, target: string, options: UnpackOptions = {}): Promise<UnpackResult> {
  const reporter = options.reporter ?? nullReporter;
  const { headers, pkg } = await readRpmFile(rpmPath);
  const root = isRoot();
  const setOwners = options.owners === 'always' || ((options.owners ?? 'auto') === 'auto' && root);
  const writeCaps = options.capabilities === 'always' || ((options.capabilities ?? 'auto') === 'auto' && root);
  const users = setOwners ? await idMap(join(options.passwdRoot ?? '/', 'etc', 'passwd')) : new Map<string, number>();
  const groups = setOwners ? await idMap(join(options.passwdRoot ?? '/', 'etc', 'group')) : new Map<string, number>();

  // The target must be absent or an empty directory.
  let targetExists = false;
  try {
    const st = await lstat(target);
    if (!st.isDirectory() || (await readdir(target)).length > 0) {
      throw new AtollError('RPM_UNPACK_TARGET', `target ${target} exists and is not an empty directory`, { data: { target } });
    }
    targetExists = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  let staging: string;
  try {
    staging = await mkdtemp(join(dirname(target), `.${basename(target)}.unpack-`));
  } catch (error) {
    throw new AtollError('RPM_UNPACK_TARGET', `cannot create a staging directory beside ${target}: ${(error as Error).message}`, {
      data: { target },
      cause: error,
    });
  }

  const result: UnpackResult = {
    pkg,
    entries: 0,
    bytes: 0,
    capabilities: [],
    skipped: [],
    integrity: { checked: [], warnings: [], compressedBytes: 0, archiveBytes: 0 },
  };
  // Directories known to be real (not symlinks) inside staging: "" is the staging root.
  const realDirs = new Set<string>(['']);
  const headerDirs: { rel: string; file: RpmFile }[] = [];

  // Small synchronous syscalls: unpacking is sequential anyway, and a thread-pool hop per
  // chmod/utimes would cost more than the call (packages with 10,000+ entries exist).
  function ensureDir(rel: string, mode: number): void {
    if (realDirs.has(rel)) return;
    const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    ensureDir(parent, 0o755);
    const abs = join(staging, rel);
    try {
      mkdirSync(abs, { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const st = lstatSync(abs);
      if (st.isSymbolicLink()) throw unsafe(`refusing to write through symlink /${rel}`, `/${rel}`);
      if (!st.isDirectory()) throw unsafe(`/${rel} is not a directory but the package puts files under it`, `/${rel}`);
    }
    realDirs.add(rel);
  }
  const parentOf = (rel: string): string => (rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '');

  function applyMetadata(abs: string, file: RpmFile, isLink: boolean): void {
    // Owner first: chown clears setuid/setgid bits.
    if (setOwners) lchownSync(abs, users.get(file.user) ?? 0, groups.get(file.group) ?? 0);
    if (!isLink) chmodSync(abs, file.mode & 0o7777);
    if (isLink) lutimesSync(abs, file.mtime, file.mtime);
    else utimesSync(abs, file.mtime, file.mtime);
  }

  async function capabilities(abs: string, file: RpmFile): Promise<void> {
    if (file.caps === '') return;
    const xattr = fileCapsXattr(file.caps);
    if (!xattr) return;
    result.capabilities.push({ path: file.path, text: file.caps, xattr });
    if (writeCaps) {
      // Node has no setxattr: attr's setfattr writes it (root only; a kernel refuses otherwise).
      await runProgram('setfattr', ['-h', '-n', 'security.capability', '-v', `0x${Buffer.from(xattr).toString('hex')}`, abs], { check: true });
    }
  }

  try {
    const integrity = result.integrity;
    const cpio = payloadCpioStream(rpmPath, pkg, { mainHeader: headers.main.blob.bytes, payloadStart: headers.payloadStart, integrity });
    const verifyFileDigests = options.fileDigests === 'always' || pkg.payload.digest === null;
    for await (const pf of readPayloadFiles(pkg, cpio, { verifyFileDigests })) {
      const { file } = pf;
      const rel = relativeOf(file);
      const type = file.mode & S_IFMT;
      if (rel === '') {
        // The package owns "/": only its metadata applies, to the staging root.
        if (type === S_IFDIR) headerDirs.push({ rel, file });
        continue;
      }
      const abs = join(staging, rel);
      if (type === S_IFDIR) {
        ensureDir(rel, 0o700);
        headerDirs.push({ rel, file });
        result.entries++;
        continue;
      }
      ensureDir(parentOf(rel), 0o755);
      if (type === S_IFREG) {
        if (pf.hardlinks.length > 0 && !pf.carriesContent) continue; // linked when the content arrives
        let fd: number;
        try {
          fd = openSync(abs, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'EEXIST' || code === 'ELOOP') throw unsafe(`${file.path} already exists in the target`, file.path);
          throw error;
        }
        try {
          for await (const chunk of pf.body) {
            let off = 0;
            while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
            result.bytes += chunk.length;
          }
          if (setOwners) fchownSync(fd, users.get(file.user) ?? 0, groups.get(file.group) ?? 0);
          fchmodSync(fd, file.mode & 0o7777);
          futimesSync(fd, file.mtime, file.mtime);
        } finally {
          closeSync(fd);
        }
        await capabilities(abs, file);
        result.entries++;
        for (const other of pf.hardlinks) {
          const otherFile = pkg.files[other]!;
          const otherRel = relativeOf(otherFile);
          ensureDir(parentOf(otherRel), 0o755);
          try {
            linkSync(abs, join(staging, otherRel));
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw unsafe(`${otherFile.path} already exists in the target`, otherFile.path);
            throw error;
          }
          result.entries++;
        }
      } else if (type === S_IFLNK) {
        try {
          symlinkSync(file.linkto, abs);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw unsafe(`${file.path} already exists in the target`, file.path);
          throw error;
        }
        applyMetadata(abs, file, true);
        result.entries++;
      } else {
        if (options.specialFiles === 'error') {
          throw new AtollError('RPM_SPECIAL_FILE', `${file.path} is a device node, FIFO or socket (mode ${file.mode.toString(8)})`, {
            data: { path: file.path, mode: file.mode },
          });
        }
        result.skipped.push({ path: file.path, reason: `special file (mode ${file.mode.toString(8)})` });
        warn(reporter, `skipping special file ${file.path}`, 'RPM_SPECIAL_FILE');
      }
    }
    // Directory metadata last, deepest first, so adding entries does not disturb mtimes and a
    // read-only directory mode does not block its own content.
    headerDirs.sort((a, b) => b.rel.split('/').length - a.rel.split('/').length);
    for (const { rel, file } of headerDirs) applyMetadata(rel === '' ? staging : join(staging, rel), file, false);
    if (!headerDirs.some((d) => d.rel === '')) chmodSync(staging, 0o755);
    if (targetExists) await rmdir(target);
    await rename(staging, target);
    return result;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (error instanceof AtollError) throw error;
    const errno = error as NodeJS.ErrnoException;
    if (typeof errno.code === 'string' && errno.syscall) {
      throw new AtollError('RPM_IO', `unpacking ${rpmPath} into ${target}: ${errno.message}`, { cause: error });
    }
    throw error;
  }
}
