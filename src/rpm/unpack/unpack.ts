import { createHash, randomBytes, type Hash } from 'node:crypto';
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
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  symlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { rename, rm, rmdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AtollError } from '../../errors/index.js';
import { nullReporter, warn, type Reporter } from '../../report/index.js';
import { runProgram } from '../../util/index.js';
import { decodePackage, readRpmHeaders, RPMFILE, TAG, type RpmFile, type RpmHeaderPackage } from '../header/index.js';
import {
  checkCompressed,
  checkDecoded,
  CpioPushParser,
  payloadCpioStream,
  payloadDecompressor,
  payloadDecoderProgram,
  probeDecoderTuning,
  makeFifo,
  PayloadMatcher,
  planPayloadChecks,
  readRpmHeaderBytesSync,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  spawnDecoderPipe,
  type CpioEntry,
  type CpioPushHandler,
  type DecoderPipe,
  type PayloadCheckPlan,
  type PayloadIntegrity,
  type PayloadMatch,
} from '../payload/index.js';
import { fileCapsXattr } from './file-caps.js';
import { RealDirs, parentOf } from './real-dirs.js';
import { EntryCreator, WorkerFailed } from './entry-creator.js';
import { KIND_DIR, KIND_FILE, KIND_SKIP, KIND_SYMLINK, type CreatorPlan } from './creator-protocol.js';

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

function idMap(file: string): Map<string, number> {
  const map = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
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

class Unsafe extends AtollError {
  constructor(message: string, path: string) {
    super('RPM_UNPACK_UNSAFE', message, { data: { path }, hint: 'the package would write outside the target or through a symlink' });
  }
}

/**
 * A staging-relative path, refused when unnormalised: the header reader already refused every
 * path with an empty, `.` or `..` component; this checks again, since paths are joined by plain
 * concatenation (path.join's normalisation costs more than the syscall on 3,000 files).
 */
function checkedRel(rel: string): string {
  // Fast path: a normalised relative path has no "//", does not start with "/" or ".", and
  // has "/." only before a name that is not "." or "..".
  if (!rel.includes('//') && rel[0] !== '/' && rel[0] !== '.' && !rel.includes('/.')) return rel;
  const parts = rel.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) throw new Unsafe(`refusing the unnormalised path /${rel}`, `/${rel}`);
  return rel;
}

export async function unpackRpm(rpmPath: string, target: string, options: UnpackOptions = {}): Promise<UnpackResult> {
  // The worker (hashing, and creating entries from the end of the file list) starts now, so
  // that its start-up overlaps with reading the header.
  const creator = new EntryCreator();
  try {
    return await unpackWith(creator, rpmPath, target, options);
  } catch (error) {
    await creator.abort();
    throw error;
  }
}

/**
 * The main thread's side of an unpack: gets the payload's entries from the push parser, in
 * payload order, and creates (or, when the worker got there first, opens) and fills each one.
 * Everything is synchronous: the caller pushes chunks from a blocking read loop.
 */
class PayloadWriter implements CpioPushHandler {
  entries = 0;
  bytes = 0;
  readonly capabilities: UnpackedCapability[] = [];
  readonly capsToWrite: { abs: string; xattr: Uint8Array }[] = [];
  readonly skipped: { path: string; reason: string }[] = [];
  readonly headerDirs: { rel: string; file: RpmFile }[] = [];
  private readonly realDirs: RealDirs;
  private current: PayloadMatch | null = null;
  private fd = -1;
  private fileHash: Hash | null = null;

  constructor(
    private readonly staging: string,
    private readonly matcher: PayloadMatcher,
    private readonly creator: EntryCreator,
    private readonly owners: { uids: Int32Array; gids: Int32Array; createdUid: number; createdGid: number },
    private readonly options: UnpackOptions & { writeCaps: boolean; reporter: Reporter },
  ) {
    this.realDirs = new RealDirs(staging, (message, path) => new Unsafe(message, path));
  }

  private chownNeeded(index: number): boolean {
    const o = this.owners;
    const uid = o.uids[index]!;
    return uid >= 0 && (uid !== o.createdUid || o.gids[index]! !== o.createdGid);
  }

  entry(entry: CpioEntry): void {
    const m = this.matcher.match(entry);
    if (m === null) return; // a ghost in the payload: skipped, like rpm
    const { file, index } = m;
    const rel = checkedRel(relativeOf(file));
    const type = file.mode & S_IFMT;
    if (rel === '') {
      // The package owns "/": only its metadata applies, to the staging root.
      if (type === S_IFDIR) this.headerDirs.push({ rel, file });
      return;
    }
    if (type === S_IFDIR) {
      // The header's mode is applied at the end (a read-only mode must not block the content).
      if (this.creator.claim(index)) {
        this.realDirs.ensure(rel, 0o700);
        this.creator.created(index);
      }
      this.realDirs.add(rel);
      this.headerDirs.push({ rel, file });
      this.entries++;
    } else if (type === S_IFREG) {
      if (m.hardlinks.length > 0 && !m.carriesContent) return; // linked when the content arrives
      const abs = `${this.staging}/${rel}`;
      if (this.creator.claim(index)) {
        this.realDirs.ensure(parentOf(rel), 0o755);
        try {
          this.fd = openSync(abs, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'EEXIST' || code === 'ELOOP') throw new Unsafe(`${file.path} already exists in the target`, file.path);
          throw error;
        }
        this.creator.created(index);
      } else {
        // The worker created it, empty, after checking its parents (which never change).
        this.fd = openSync(abs, constants.O_WRONLY | constants.O_NOFOLLOW);
      }
      this.current = m;
      this.fileHash = m.digest !== null ? createHash(m.digest.algo) : null;
    } else if (type === S_IFLNK) {
      if (this.creator.claim(index)) {
        this.realDirs.ensure(parentOf(rel), 0o755);
        const abs = `${this.staging}/${rel}`;
        try {
          symlinkSync(file.linkto, abs);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new Unsafe(`${file.path} already exists in the target`, file.path);
          throw error;
        }
        if (this.chownNeeded(index)) lchownSync(abs, this.owners.uids[index]!, this.owners.gids[index]!);
        lutimesSync(abs, file.mtime, file.mtime);
        this.creator.created(index);
      }
      this.entries++;
    } else {
      if (this.options.specialFiles === 'error') {
        throw new AtollError('RPM_SPECIAL_FILE', `${file.path} is a device node, FIFO or socket (mode ${file.mode.toString(8)})`, {
          data: { path: file.path, mode: file.mode },
        });
      }
      this.skipped.push({ path: file.path, reason: `special file (mode ${file.mode.toString(8)})` });
      warn(this.options.reporter, `skipping special file ${file.path}`, 'RPM_SPECIAL_FILE');
    }
  }

  data(bytes: Uint8Array): void {
    if (this.fd < 0) return; // symlink targets come from the header
    const length = bytes.length;
    let done = 0;
    while (done < length) done += writeSync(this.fd, bytes, done, length - done);
    this.fileHash?.update(bytes);
    this.bytes += length;
  }

  end(): void {
    const m = this.current;
    if (m === null) return;
    this.current = null;
    const { file, index } = m;
    const fd = this.fd;
    this.fd = -1;
    try {
      if (this.fileHash !== null) {
        const actual = this.fileHash.digest('hex');
        this.fileHash = null;
        if (actual !== m.digest!.expected.toLowerCase()) {
          throw new AtollError('RPM_DIGEST_MISMATCH', `file ${file.path}: digest mismatch: expected ${m.digest!.expected}, got ${actual}`, {
            data: { path: file.path, expected: m.digest!.expected, actual },
          });
        }
      }
      // Owner first: chown clears setuid/setgid bits. A new file already has the owner that
      // creates it (root:root for a root unpack, the common case): no chown then.
      if (this.chownNeeded(index)) fchownSync(fd, this.owners.uids[index]!, this.owners.gids[index]!);
      fchmodSync(fd, file.mode & 0o7777);
      futimesSync(fd, file.mtime, file.mtime);
    } finally {
      closeSync(fd);
    }
    const rel = relativeOf(file);
    if (file.caps !== '') {
      const xattr = fileCapsXattr(file.caps);
      if (xattr) {
        this.capabilities.push({ path: file.path, text: file.caps, xattr });
        if (this.options.writeCaps) this.capsToWrite.push({ abs: `${this.staging}/${rel}`, xattr });
      }
    }
    this.entries++;
    for (const other of m.hardlinks) {
      const otherFile = this.matcher.fileAt(other);
      const otherRel = checkedRel(relativeOf(otherFile));
      this.realDirs.ensure(parentOf(otherRel), 0o755);
      try {
        linkSync(`${this.staging}/${rel}`, `${this.staging}/${otherRel}`);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new Unsafe(`${otherFile.path} already exists in the target`, otherFile.path);
        throw error;
      }
      this.entries++;
    }
  }

  /** Close what is open (after a failure). */
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** What the worker creates for each header file (see unpack-worker.ts), and the owners. */
function creatorPlan(
  pkg: RpmHeaderPackage,
  matcher: PayloadMatcher,
  staging: string,
  owners: Owners,
  createdUid: number,
  createdGid: number,
  mode: CreatorPlan['mode'],
  hash: CreatorPlan['hash'],
): CreatorPlan {
  const files = pkg.files;
  const n = files.length;
  const kinds = new Uint8Array(n);
  const rels: string[] = new Array<string>(n);
  const linktos: string[] = new Array<string>(n);
  const uids = new Int32Array(n);
  const gids = new Int32Array(n);
  const mtimes = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const f = files[i]!;
    const rel = relativeOf(f);
    rels[i] = rel;
    linktos[i] = f.linkto;
    uids[i] = owners.uid(f.user);
    gids[i] = owners.gid(f.group);
    mtimes[i] = f.mtime;
    const type = f.mode & S_IFMT;
    let kind = KIND_SKIP;
    if (rel === '' || f.flags & RPMFILE.GHOST) kind = KIND_SKIP;
    else if (type === S_IFDIR) kind = KIND_DIR;
    else if (type === S_IFLNK) kind = KIND_SYMLINK;
    // Hardlink sets are made by the main thread when their content arrives.
    else if (type === S_IFREG) kind = matcher.inHardlinkSet(i) ? KIND_SKIP : KIND_FILE;
    kinds[i] = kind;
    if (kind !== KIND_SKIP) checkedRel(rel);
  }
  return { staging, createdUid, createdGid, claims: new SharedArrayBuffer(4 * Math.max(n, 1)), kinds, rels, linktos, uids, gids, mtimes, mode, hash };
}

/** Owner ids by name (-1: owners are not set); consecutive files mostly share names. */
class Owners {
  private lastUser = '';
  private lastUid = -1;
  private lastGroup = '';
  private lastGid = -1;

  constructor(
    private readonly users: Map<string, number> | null,
    private readonly groups: Map<string, number> | null,
  ) {}

  uid(user: string): number {
    if (this.users === null) return -1;
    if (user !== this.lastUser || this.lastUid < 0) {
      this.lastUser = user;
      this.lastUid = this.users.get(user) ?? 0;
    }
    return this.lastUid;
  }

  gid(group: string): number {
    if (this.groups === null) return -1;
    if (group !== this.lastGroup || this.lastGid < 0) {
      this.lastGroup = group;
      this.lastGid = this.groups.get(group) ?? 0;
    }
    return this.lastGid;
  }
}

async function unpackWith(creator: EntryCreator, rpmPath: string, target: string, options: UnpackOptions): Promise<UnpackResult> {
  // The decoder's FIFO is made (a process: Node has no mkfifo) while the header is read.
  const fifo = join(dirname(target), `.${basename(target)}.fifo-${process.pid}-${randomBytes(6).toString('hex')}`);
  const fifoMade = makeFifo(fifo);
  try {
    return await unpackFrom(creator, rpmPath, target, options, fifo, fifoMade);
  } finally {
    if (await fifoMade) await unlink(fifo).catch(() => undefined);
  }
}

async function unpackFrom(creator: EntryCreator, rpmPath: string, target: string, options: UnpackOptions, fifo: string, fifoMade: Promise<boolean>): Promise<UnpackResult> {
  const reporter = options.reporter ?? nullReporter;
  // The headers are read and checked first, the file list decoded later: the decoder starts as
  // soon as the staging directory exists, while the file list is decoded (~25 ms for 3,000 files).
  const { bytes: headerBytes, fileSize } = readRpmHeaderBytesSync(rpmPath);
  const headers = readRpmHeaders(headerBytes);
  const compressor = headers.main.string(TAG.PAYLOADCOMPRESSOR) ?? null;
  // Refuse an unknown compressor before anything is created.
  const program = payloadDecoderProgram(compressor);
  if (!program) payloadDecompressor(compressor);
  const tuned = probeDecoderTuning(compressor);
  const root = isRoot();
  const setOwners = options.owners === 'always' || ((options.owners ?? 'auto') === 'auto' && root);
  const writeCaps = options.capabilities === 'always' || ((options.capabilities ?? 'auto') === 'auto' && root);

  // The target must be absent or an empty directory.
  let targetExists = false;
  try {
    const st = lstatSync(target);
    if (!st.isDirectory() || readdirSync(target).length > 0) {
      throw new AtollError('RPM_UNPACK_TARGET', `target ${target} exists and is not an empty directory`, { data: { target } });
    }
    targetExists = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  let staging: string;
  try {
    staging = mkdtempSync(join(dirname(target), `.${basename(target)}.unpack-`));
  } catch (error) {
    throw new AtollError('RPM_UNPACK_TARGET', `cannot create a staging directory beside ${target}: ${(error as Error).message}`, {
      data: { target },
      cause: error,
    });
  }

  const integrity: PayloadIntegrity = { checked: [], warnings: [], compressedBytes: 0, archiveBytes: 0 };
  let decoder: DecoderPipe | null = null;
  let writer: PayloadWriter | undefined;
  let users = new Map<string, number>();
  let groups = new Map<string, number>();

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

  try {
    // A decoder program reads the package file itself and writes into a FIFO we read with
    // blocking reads; the worker hashes the compressed bytes from the file. xz's own check of
    // the decoded data is skipped when PAYLOADDIGEST pins the compressed bytes (checked before
    // the tree is renamed into place): it costs a quarter of xz's time.
    await tuned;
    decoder =
      program && (await fifoMade)
        ? spawnDecoderPipe(rpmPath, headers.payloadStart, program, { fifo, scratchDir: staging, ignoreCheck: headers.main.string(TAG.PAYLOADDIGEST) !== undefined })
        : null;
    const pkg = decodePackage(headers.signature, headers.main, { headerStart: headers.headerStart, payloadStart: headers.payloadStart, leadMajor: headers.lead.major });
    const checks = planPayloadChecks(pkg, headers.main.blob.bytes);
    if (setOwners) {
      users = idMap(join(options.passwdRoot ?? '/', 'etc', 'passwd'));
      groups = idMap(join(options.passwdRoot ?? '/', 'etc', 'group'));
    }
    const owners = new Owners(setOwners ? users : null, setOwners ? groups : null);
    const created = lstatSync(staging);
    createdUid = created.uid;
    createdGid = created.gid;
    const hashJob: CreatorPlan['hash'] =
      decoder && checks.compressed.length > 0 ? { path: rpmPath, start: headers.payloadStart, algos: checks.compressed.map((c) => ({ node: c.node, seed: c.seed })) } : null;
    const matcher = new PayloadMatcher(pkg, { verifyFileDigests: options.fileDigests === 'always' || pkg.payload.digest === null });
    // An expensive decoder (xz, lzma, bzip2) is the critical path: the worker creates everything
    // and the main thread keeps off the other CPU's share (see CreatorPlan.mode).
    const mode = compressor === 'xz' || compressor === 'lzma' || compressor === 'bzip2' ? 'worker' : 'shared';
    const plan = creatorPlan(pkg, matcher, staging, owners, createdUid, createdGid, mode, hashJob);
    creator.start(plan);
    writer = new PayloadWriter(staging, matcher, creator, { uids: plan.uids, gids: plan.gids, createdUid, createdGid }, { ...options, writeCaps, reporter });
    const parser = new CpioPushParser(writer, matcher.strippedSize);
    if (decoder) await readDecoder(decoder, parser, matcher, checks, pkg, headers.main.blob.bytes.length, fileSize - headers.payloadStart, creator, integrity);
    else {
      // gzip (in-process zlib) or a registered decompressor: the streaming path, which checks
      // every digest itself; the worker only creates.
      for await (const chunk of payloadCpioStream(rpmPath, pkg, { mainHeader: headers.main.blob.bytes, payloadStart: headers.payloadStart, integrity })) parser.push(chunk);
      parser.finish();
      matcher.finish();
    }
    await creator.finish();
    // Node has no setxattr: attr's setfattr writes it (root only; a kernel refuses otherwise).
    for (const { abs, xattr } of writer.capsToWrite) {
      await runProgram('setfattr', ['-h', '-n', 'security.capability', '-v', `0x${Buffer.from(xattr).toString('hex')}`, abs], { check: true });
    }
    // Directory metadata last, deepest first, so adding entries does not disturb mtimes and a
    // read-only directory mode does not block its own content.
    const headerDirs = writer.headerDirs;
    headerDirs.sort((a, b) => b.rel.split('/').length - a.rel.split('/').length);
    for (const { rel, file } of headerDirs) applyMetadata(rel === '' ? staging : join(staging, rel), file);
    if (!headerDirs.some((d) => d.rel === '')) chmodSync(staging, 0o755);
    if (targetExists) await rmdir(target);
    await rename(staging, target);
    return { pkg, entries: writer.entries, bytes: writer.bytes, capabilities: writer.capabilities, skipped: writer.skipped, integrity };
  } catch (caught) {
    let error = caught;
    writer?.close();
    if (error instanceof WorkerFailed) error = (await creator.failureReport()) ?? error;
    // Stop the worker and the decoder before removing what they wrote.
    await creator.abort();
    await decoder?.abort();
    await rm(staging, { recursive: true, force: true });
    if (error instanceof AtollError) throw error;
    const errno = error as NodeJS.ErrnoException;
    if (typeof errno.code === 'string' && errno.syscall) {
      throw new AtollError('RPM_IO', `unpacking ${rpmPath} into ${target}: ${errno.message}`, { cause: error });
    }
    throw error;
  }
}

/**
 * The program-decoder path: blocking reads from the decoder's FIFO straight into the push
 * parser (which writes files as the bytes come), the decoded-stream digest on the way; then
 * the decoder's exit status and the worker's digests of the compressed bytes. When something
 * fails, the most telling error wins: a digest mismatch (the package is corrupt: any parse
 * error follows from it), then the decoder's own failure at the end of its output, then the
 * error itself.
 */
async function readDecoder(
  decoder: DecoderPipe,
  parser: CpioPushParser,
  matcher: PayloadMatcher,
  checks: PayloadCheckPlan,
  pkg: RpmHeaderPackage,
  mainHeaderLength: number,
  compressedBytes: number,
  creator: EntryCreator,
  integrity: PayloadIntegrity,
): Promise<void> {
  const altHash = checks.decoded ? createHash(checks.decoded.node) : null;
  const buffer = Buffer.allocUnsafe(256 * 1024);
  let decoded = 0;
  let eof = false;
  try {
    for (;;) {
      const n = readSync(decoder.fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      const chunk = n === buffer.length ? buffer : buffer.subarray(0, n);
      altHash?.update(chunk);
      decoded += n;
      parser.push(chunk);
    }
    eof = true;
    parser.finish();
    matcher.finish();
  } catch (error) {
    if (error instanceof WorkerFailed) throw error;
    // A corrupt package makes any kind of parse error: say it is corrupt.
    if (checks.compressed.length > 0) {
      const hashed = await creator.hashed().catch(() => null);
      if (hashed) checkCompressed(pkg, mainHeaderLength, checks, compressedBytes, hashed.digests, { ...integrity, checked: [] });
    }
    if (eof) await decoder.finish();
    throw error;
  }
  // The digests first: a corrupt package is reported as such even when the decoder noticed too.
  const digests = checks.compressed.length > 0 ? (await creator.hashed())!.digests : [];
  try {
    checkCompressed(pkg, mainHeaderLength, checks, compressedBytes, digests, integrity);
  } catch (error) {
    await decoder.abort();
    throw error;
  }
  await decoder.finish();
  checkDecoded(pkg, checks, altHash ? altHash.digest('hex') : null, decoded, integrity);
}
