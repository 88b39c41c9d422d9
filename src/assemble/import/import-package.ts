import { createHash } from 'node:crypto';
import { AtollError } from '../../errors/index.js';
import type { Reporter } from '../../report/index.js';
import { variant } from '../../gvariant/index.js';
import {
  readRpmFile,
  payloadCpioStream,
  readPayloadFiles,
  fileCapsXattr,
  formatEvr,
  formatNevra,
  RPMFILE,
  S_IFMT,
  S_IFDIR,
  S_IFLNK,
  S_IFREG,
  type RpmHeaderPackage,
  type RpmHeaders,
} from '../../rpm/index.js';
import { ObjectType, Transaction, readRef, loadCommit, writeContent, encodeDirMeta, type Repo, type VarDict, type Variant } from '../../ostree/repo/index.js';
import { MutableTree, writeCommit } from '../../ostree/commit/index.js';
import { translatePath, pkgcacheRef } from './translate-path.js';

/**
 * Import one RPM into the package cache (a bare-user repository, as rpm-ostree's pkgcache) as
 * its own commit on `rpmostree/pkg/<name>/<evr.arch>`, with the paths translated for an
 * OSTree tree. Everything is stored owned by root: owners named in the header are applied
 * after assembly, when the tree's own passwd/group (possibly extended by %pre scripts) can
 * resolve them, as rpm-ostree's rpmfi overrides do. The payload's digests are checked while
 * streaming; the commit and ref are written only after every check passed.
 */

/** Bumped when the import layout changes, so old cache entries are re-imported. */
export const UNPACK_VERSION = 2;

export interface ImportResult {
  ref: string;
  commit: string;
  /** The cached commit was reused (same header digest and unpack version). */
  reused: boolean;
  pkg: RpmHeaderPackage;
  headers: RpmHeaders;
  /** tmpfiles.d lines generated for /var, /run, /usr/local and /opt entries. */
  tmpfiles: string[];
}

/** SHA-256 of the main header: identifies the package build (rpm-ostree's metadata_sha256). */
export function headerDigest(headers: RpmHeaders): string {
  return createHash('sha256').update(headers.main.blob.bytes).digest('hex');
}

function tmpfilesLine(path: string, file: { mode: number; user: string; group: string; linkto: string }): string | undefined {
  const type = file.mode & S_IFMT;
  const safe = path.replace(/\\/g, '\\\\').replace(/\s/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  if (type === S_IFLNK) return `L ${safe} - - - - ${file.linkto}`;
  const mode = (file.mode & 0o7777).toString(8).padStart(4, '0');
  if (type === S_IFDIR) return `d ${safe} ${mode} ${file.user} ${file.group} - -`;
  if (type === S_IFREG) return `f ${safe} ${mode} ${file.user} ${file.group} - -`;
  return undefined;
}

export interface ImportOptions {
  reporter?: Reporter;
  /** Re-import even when the ref already holds this build. */
  force?: boolean;
  /**
   * Write into this open transaction instead of a private one (the caller commits: one sync
   * for a whole batch of packages, and the batch's refs move together).
   */
  transaction?: Transaction;
  /** `rpmostree.repodata_checksum` (the package checksum from repo metadata), when known. */
  repodataChecksum?: string;
}

/** The package cache ref of a package. */
export function importRef(pkg: RpmHeaderPackage): string {
  const evr = formatEvr({ epoch: pkg.epoch, version: pkg.version, release: pkg.release });
  return pkgcacheRef(pkg.name, pkg.epoch !== null ? `${pkg.epoch}:${pkg.version}-${pkg.release}` : evr, pkg.arch);
}

/**
 * The cached import of this build, when the cache has it (same header digest and unpack
 * version), else undefined.
 */
export async function cachedImport(repo: Repo, headers: RpmHeaders, pkg: RpmHeaderPackage): Promise<ImportResult | undefined> {
  const ref = importRef(pkg);
  const existing = await readRef(repo, ref);
  if (existing === undefined) return undefined;
  const meta = (await loadCommit(repo, existing)).metadata;
  const same = (meta.get('rpmostree.metadata_sha256') as Variant | undefined)?.value === headerDigest(headers) && (meta.get('rpmostree.unpack_version') as Variant | undefined)?.value === UNPACK_VERSION;
  if (!same) return undefined;
  const tmpfiles = ((meta.get('rpmostree.atoll.tmpfiles') as Variant | undefined)?.value as string[] | undefined) ?? [];
  return { ref, commit: existing, reused: true, pkg, headers, tmpfiles };
}

export async function importPackage(repo: Repo, rpmPath: string, options: ImportOptions = {}): Promise<ImportResult> {
  const { headers, pkg } = await readRpmFile(rpmPath);
  const ref = importRef(pkg);
  const digest = headerDigest(headers);

  if (!options.force) {
    const cached = await cachedImport(repo, headers, pkg);
    if (cached !== undefined) return cached;
  }

  const shared = options.transaction;
  const tx = shared ?? (await Transaction.begin(repo));
  try {
    const rootMeta = await tx.writeMetadata(ObjectType.DirMeta, encodeDirMeta({ uid: 0, gid: 0, mode: S_IFDIR | 0o755, xattrs: [] }));
    const tree = new MutableTree(rootMeta);
    const tmpfiles: string[] = [];
    const optLinks: string[] = [];
    const translated = pkg.files.map((file) => translatePath(file.path, (file.mode & S_IFMT) === S_IFDIR, pkg.name));
    const splitPath = (path: string): { dir: MutableTree; base: string } => {
      const parts = path.split('/');
      const base = parts.pop()!;
      return { dir: tree.ensurePath(parts.join('/'), rootMeta), base };
    };
    const contentOf = new Map<number, string>();
    const pendingLinks: Array<{ index: number; members: number[] }> = [];
    const carrierBytes = new Map<number, Uint8Array>();

    // Directories and tmpfiles entries come from the header alone; the payload supplies content.
    for (let i = 0; i < pkg.files.length; i++) {
      const file = pkg.files[i]!;
      const t = translated[i]!;
      if (t.kind === 'skip') continue;
      if (file.flags & RPMFILE.GHOST) continue; // rpm creates nothing for %ghost entries
      if (t.kind === 'tmpfiles') {
        const line = tmpfilesLine(t.path, file);
        if (line === undefined) {
          throw new AtollError('ASSEMBLE_UNSUPPORTED_FILE', `package ${pkg.name}: ${file.path} is a device, fifo or socket`, { data: { package: pkg.name, path: file.path } });
        }
        tmpfiles.push(line);
        continue;
      }
      if (t.optLink !== undefined) optLinks.push(t.optLink);
      if ((file.mode & S_IFMT) === S_IFDIR) {
        const meta = await tx.writeMetadata(ObjectType.DirMeta, encodeDirMeta({ uid: 0, gid: 0, mode: S_IFDIR | (file.mode & 0o7777), xattrs: [] }));
        tree.ensurePath(t.path, rootMeta).metaChecksum = meta;
      } else if ((file.mode & S_IFMT) !== S_IFREG && (file.mode & S_IFMT) !== S_IFLNK) {
        throw new AtollError('ASSEMBLE_UNSUPPORTED_FILE', `package ${pkg.name}: ${file.path} is a device, fifo or socket`, { data: { package: pkg.name, path: file.path } });
      }
    }

    const cpio = payloadCpioStream(rpmPath, pkg, { mainHeader: headers.main.blob.bytes, payloadStart: headers.payloadStart });
    // With a PAYLOADDIGEST (verified before the commit and ref are written) every byte is
    // pinned by the verified header already: per-file digests would hash everything twice.
    // Packages without one get each file checked, as rpm's install does.
    for await (const entry of readPayloadFiles(pkg, cpio, { verifyFileDigests: pkg.payload.digest === null })) {
      const t = translated[entry.index]!;
      const file = entry.file;
      const type = file.mode & S_IFMT;
      if (t.kind !== 'store' || type === S_IFDIR) continue;
      const caps = file.caps !== '' ? fileCapsXattr(file.caps) : null;
      const xattrs = caps ? [{ name: 'security.capability', value: caps }] : [];
      let checksum: string | undefined;
      if (type === S_IFLNK) {
        checksum = await writeContent(tx, { uid: 0, gid: 0, mode: S_IFLNK | 0o777, symlinkTarget: file.linkto, xattrs }, undefined);
      } else if (entry.hardlinks.length > 0 && !entry.carriesContent) {
        pendingLinks.push({ index: entry.index, members: entry.hardlinks });
        continue;
      } else {
        const chunks: Uint8Array[] = [];
        for await (const chunk of entry.body) chunks.push(chunk);
        const bytes = Buffer.concat(chunks);
        if (entry.hardlinks.length > 0) carrierBytes.set(entry.index, bytes);
        checksum = await writeContent(tx, { uid: 0, gid: 0, mode: S_IFREG | (file.mode & 0o7777), xattrs }, { kind: 'bytes', bytes });
      }
      contentOf.set(entry.index, checksum);
      const { dir, base } = splitPath(t.path);
      dir.setFile(base, checksum);
    }
    // Hardlink members without content share the content of the member that carried it
    // (a checkout recreates them as separate files, as ostree stores hardlinks).
    for (const { index, members } of pendingLinks) {
      const carrier = members.find((m) => contentOf.has(m));
      const t = translated[index]!;
      if (carrier === undefined || t.kind !== 'store') continue;
      const file = pkg.files[index]!;
      const caps = file.caps !== '' ? fileCapsXattr(file.caps) : null;
      const xattrs = caps ? [{ name: 'security.capability', value: caps }] : [];
      // Same bytes, possibly different mode: re-derive the object from the carrier's content.
      const carrierFile = pkg.files[carrier]!;
      let checksum = contentOf.get(carrier)!;
      if ((carrierFile.mode & 0o7777) !== (file.mode & 0o7777) || carrierFile.caps !== file.caps) {
        const bytes = carrierBytes.get(carrier)!;
        checksum = await writeContent(tx, { uid: 0, gid: 0, mode: S_IFREG | (file.mode & 0o7777), xattrs }, { kind: 'bytes', bytes });
      }
      const { dir, base } = splitPath(t.path);
      dir.setFile(base, checksum);
    }

    for (const top of [...new Set(optLinks)]) tmpfiles.push(`L /var/opt/${top} - - - - /usr/lib/opt/${top}`);
    if (tmpfiles.length > 0) {
      const conf = Buffer.from(`${tmpfiles.join('\n')}\n`, 'utf8');
      const checksum = await writeContent(tx, { uid: 0, gid: 0, mode: S_IFREG | 0o644, xattrs: [] }, { kind: 'bytes', bytes: conf });
      tree.ensurePath('usr/lib/rpm-ostree/tmpfiles.d', rootMeta).setFile(`${pkg.name}.conf`, checksum);
    }
    fillDirMeta(tree, rootMeta);

    const metadata: VarDict = new Map<string, Variant>([
      ['rpmostree.nevra', variant('(sstsss)', [formatNevra(pkg), pkg.name, BigInt(pkg.epoch ?? 0), pkg.version, pkg.release, pkg.arch])],
      ['rpmostree.metadata', variant('ay', headers.main.blob.bytes)],
      ['rpmostree.metadata_sha256', variant('s', digest)],
      ['rpmostree.unpack_version', variant('u', UNPACK_VERSION)],
      ['rpmostree.atoll.tmpfiles', variant('as', tmpfiles)],
    ]);
    if (options.repodataChecksum !== undefined) metadata.set('rpmostree.repodata_checksum', variant('s', options.repodataChecksum));
    const commit = await writeCommit(tx, tree, { timestamp: pkg.buildtime, metadata, subject: formatNevra(pkg) });
    tx.setRef(ref, commit);
    if (!shared) await tx.commit();
    return { ref, commit, reused: false, pkg, headers, tmpfiles };
  } catch (error) {
    if (!shared) await tx.abort().catch(() => undefined);
    throw error;
  }
}

function fillDirMeta(tree: MutableTree, meta: string): void {
  tree.metaChecksum ??= meta;
  for (const child of tree.dirs.values()) fillDirMeta(child, meta);
}
