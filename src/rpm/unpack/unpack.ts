import { chmodSync, lchownSync, utimesSync } from 'node:fs';
import { lstat, mkdtemp, readdir, readFile, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AtollError } from '../../errors/index.js';
import { nullReporter, warn, type Reporter } from '../../report/index.js';
import { runProgram } from '../../util/index.js';
import type { RpmFile, RpmHeaderPackage } from '../header/index.js';
import { payloadCpioStream, readPayloadFiles, readRpmFile, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, type PayloadIntegrity } from '../payload/index.js';
import { fileCapsXattr } from './file-caps.js';
import { FileWriter } from './file-writer.js';

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
  // File creation runs on a worker thread (unpack-worker.ts), in payload order, while this
  // thread decodes the cpio stream: the two overlap instead of taking turns. It starts now,
  // so that its start-up overlaps with reading the header.
  const writer = new FileWriter();
  try {
    return await unpackWith(writer, rpmPath, target, options);
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

async function unpackWith(writer: FileWriter, rpmPath: string, target: string, options: UnpackOptions): Promise<UnpackResult> {
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
  const headerDirs: { rel: string; file: RpmFile }[] = [];
  const ownerOf = (file: RpmFile): [number, number] => (setOwners ? [users.get(file.user) ?? 0, groups.get(file.group) ?? 0] : [-1, -1]);

  // The owner entries get when created in staging: the staging directory's own (its gid is
  // inherited from a setgid parent, as theirs is). Their chown is skipped when it is that owner.
  let createdUid = -1;
  let createdGid = -1;
  function applyMetadata(abs: string, file: RpmFile): void {
    // Owner first: chown clears setuid/setgid bits.
    if (setOwners) {
      const uid = users.get(file.user) ?? 0;
      const gid = groups.get(file.group) ?? 0;
      if (uid !== createdUid || gid !== createdGid) lchownSync(abs, uid, gid);
    }
    chmodSync(abs, file.mode & 0o7777);
    utimesSync(abs, file.mtime, file.mtime);
  }

  const capsToWrite: { abs: string; xattr: Uint8Array }[] = [];

  try {
    const created = await lstat(staging);
    createdUid = created.uid;
    createdGid = created.gid;
    writer.start(staging, createdUid, createdGid);
    const integrity = result.integrity;
    const cpio = payloadCpioStream(rpmPath, pkg, { mainHeader: headers.main.blob.bytes, payloadStart: headers.payloadStart, integrity });
    const verifyFileDigests = options.fileDigests === 'always' || pkg.payload.digest === null;
    for await (const pf of readPayloadFiles(pkg, cpio, { verifyFileDigests })) {
      writer.check();
      const { file } = pf;
      const rel = relativeOf(file);
      const type = file.mode & S_IFMT;
      if (rel === '') {
        // The package owns "/": only its metadata applies, to the staging root.
        if (type === S_IFDIR) headerDirs.push({ rel, file });
        continue;
      }
      if (type === S_IFDIR) {
        writer.op({ t: 'dir', rel });
        headerDirs.push({ rel, file });
        result.entries++;
        continue;
      }
      if (type === S_IFREG) {
        if (pf.hardlinks.length > 0 && !pf.carriesContent) continue; // linked when the content arrives
        writer.op({ t: 'open', rel, path: file.path });
        for await (const chunk of pf.body) {
          await writer.data(chunk);
          result.bytes += chunk.length;
        }
        const [uid, gid] = ownerOf(file);
        writer.op({ t: 'close', mode: file.mode & 0o7777, uid, gid, mtime: file.mtime });
        if (file.caps !== '') {
          const xattr = fileCapsXattr(file.caps);
          if (xattr) {
            result.capabilities.push({ path: file.path, text: file.caps, xattr });
            if (writeCaps) capsToWrite.push({ abs: join(staging, rel), xattr });
          }
        }
        result.entries++;
        for (const other of pf.hardlinks) {
          const otherFile = pkg.files[other]!;
          writer.op({ t: 'link', from: rel, rel: relativeOf(otherFile), path: otherFile.path });
          result.entries++;
        }
      } else if (type === S_IFLNK) {
        const [uid, gid] = ownerOf(file);
        writer.op({ t: 'symlink', rel, path: file.path, target: file.linkto, uid, gid, mtime: file.mtime });
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
    await writer.finish();
    // Node has no setxattr: attr's setfattr writes it (root only; a kernel refuses otherwise).
    for (const { abs, xattr } of capsToWrite) {
      await runProgram('setfattr', ['-h', '-n', 'security.capability', '-v', `0x${Buffer.from(xattr).toString('hex')}`, abs], { check: true });
    }
    // Directory metadata last, deepest first, so adding entries does not disturb mtimes and a
    // read-only directory mode does not block its own content.
    headerDirs.sort((a, b) => b.rel.split('/').length - a.rel.split('/').length);
    for (const { rel, file } of headerDirs) applyMetadata(rel === '' ? staging : join(staging, rel), file);
    if (!headerDirs.some((d) => d.rel === '')) chmodSync(staging, 0o755);
    if (targetExists) await rmdir(target);
    await rename(staging, target);
    return result;
  } catch (error) {
    // Stop the writer before removing what it wrote.
    await writer.abort();
    await rm(staging, { recursive: true, force: true });
    if (error instanceof AtollError) throw error;
    const errno = error as NodeJS.ErrnoException;
    if (typeof errno.code === 'string' && errno.syscall) {
      throw new AtollError('RPM_IO', `unpacking ${rpmPath} into ${target}: ${errno.message}`, { cause: error });
    }
    throw error;
  }
}
