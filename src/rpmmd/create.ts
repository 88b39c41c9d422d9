import { readdir, stat, mkdir, rename, rm } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { join, relative, sep, basename } from 'node:path';
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { AtollError } from '../errors/index.js';
import { phase, warn, nullReporter, type Reporter } from '../report/index.js';
import { fsyncDirectory, mapLimit, writeFileAtomic } from '../util/index.js';
import { readRpmFile, PAYLOAD_COMPRESSORS, RPMSENSE, RPMFILE, rpmvercmp, type Dependency, type RpmHeaderPackage } from '../rpm/index.js';
import type { ChangelogEntry, RepoFileEntry, RepoPackage } from './types.js';
import { createChecksum, checksumHex, isKnownChecksumType } from './checksum.js';
import { isPrimaryPath } from './capability.js';
import { isPreRequirement } from './dependency-xml.js';
import { repairLatin1 } from './latin1-repair.js';
import {
  primaryHeader, primaryPackage, PRIMARY_FOOTER, filelistsHeader, filelistsPackage, FILELISTS_FOOTER, otherHeader, otherPackage, OTHER_FOOTER,
  repomdXml, type RepomdDataOut,
} from './write-xml.js';

export interface CreateRepoOptions {
  /** Compression of primary/filelists/other (createrepo_c 0.17 default: gz). */
  compression?: 'gz' | 'zst';
  /** Package and repomd checksum type (createrepo_c `-s`, default sha256). */
  checksumType?: string;
  /** repomd revision (default: now, in seconds). */
  revision?: string;
  /** Use the revision as every record's timestamp (createrepo_c --set-timestamp-to-revision). */
  setTimestampToRevision?: boolean;
  /** Newest changelog entries kept per package (default 10). */
  changelogLimit?: number;
  /** Paths (relative to DIR) to leave out, as globs on the relative path or the file name. */
  excludes?: string[];
  reporter?: Reporter;
  /** Clock (seconds) for the default revision and timestamps. */
  now?: () => number;
}

export interface CreateRepoResult {
  packages: number;
  repomdPath: string;
  records: RepomdDataOut[];
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

async function findRpms(dir: string, excludes: RegExp[]): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string): Promise<void> {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      const rel = relative(dir, path).split(sep).join('/');
      if (d === dir && (entry.name === 'repodata' || entry.name.startsWith('.repodata'))) continue;
      if (excludes.some((re) => re.test(rel) || re.test(entry.name))) continue;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && entry.name.endsWith('.rpm')) out.push(path);
    }
  }
  await walk(dir);
  // createrepo_c's order: by file name, then by path.
  return out.sort((a, b) => (basename(a) < basename(b) ? -1 : basename(a) > basename(b) ? 1 : a < b ? -1 : a > b ? 1 : 0));
}

async function fileDigest(path: string, type: string): Promise<string> {
  const hash = createChecksum(type);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

function fileEntries(pkg: RpmHeaderPackage): RepoFileEntry[] {
  return pkg.files.map((f) => ({
    path: f.path,
    // createrepo_c checks the directory bit first, then %ghost.
    type: (f.mode & 0o170000) === 0o040000 ? 'dir' : f.flags & RPMFILE.GHOST ? 'ghost' : 'file',
  }));
}

function depKey(d: Dependency): string {
  const sense = d.flags & RPMSENSE.SENSEMASK;
  return `${d.name}\u0000${sense}\u0000${d.evr}`;
}

/** A dependency EVR whose epoch is not numeric is dropped by createrepo_c (with a warning). */
function badEpoch(d: Dependency): boolean {
  const colon = d.evr.indexOf(':');
  return colon >= 0 && !/^\d+$/.test(d.evr.slice(0, colon));
}

/** `libc.so.6(GLIBC_2.x)` version inside the parentheses, for the keep-the-highest quirk. */
function libcVersion(name: string): string {
  const m = /^libc\.so\.6\(([^)]*)\)/.exec(name);
  return m ? (m[1] as string).replace(/^GLIBC_/, '') : '';
}

/**
 * createrepo_c 0.17's Requires filter (rpm-md.md §3.4): drop rpmlib(), own primary files,
 * requires equal to an own provide; mark pre; collapse repeats of the previous same-name
 * entry; keep only the highest libc.so.6(...) (appended last); drop bad epochs.
 */
export function createrepoRequires(pkg: Pick<RpmHeaderPackage, 'requires' | 'provides' | 'files'>, warnBadEpoch: (d: Dependency) => void = () => undefined): Dependency[] {
  const ownFiles = new Set(pkg.files.map((f) => f.path));
  const provided = new Set(pkg.provides.map(depKey));
  const last = new Map<string, { flags: number; evr: string; pre: boolean }>();
  const out: Dependency[] = [];
  let libc: Dependency | null = null;
  for (const dep of pkg.requires) {
    if (dep.name.startsWith('rpmlib(')) continue;
    if (dep.name.startsWith('/') && ownFiles.has(dep.name) && isPrimaryPath(dep.name)) continue;
    if (provided.has(depKey(dep))) continue;
    const pre = isPreRequirement(dep);
    const sense = dep.flags & RPMSENSE.SENSEMASK;
    const prev = last.get(dep.name);
    if (prev && prev.flags === sense && prev.evr === dep.evr && prev.pre === pre) continue;
    if (badEpoch(dep)) {
      warnBadEpoch(dep);
      continue;
    }
    const kept: Dependency = { name: dep.name, flags: sense | (pre ? RPMSENSE.PREREQ : 0), evr: dep.evr };
    if (dep.name.startsWith('libc.so.6')) {
      if (libc === null || rpmvercmp(libcVersion(dep.name), libcVersion(libc.name)) > 0) libc = kept;
      continue;
    }
    out.push(kept);
    last.set(dep.name, { flags: sense, evr: dep.evr, pre });
  }
  if (libc !== null) out.push(libc);
  return out;
}

/** Other dependency kinds: as in the header, only the comparison bits, bad epochs dropped. */
function plainDeps(deps: readonly Dependency[], warnBadEpoch: (d: Dependency) => void): Dependency[] {
  const out: Dependency[] = [];
  for (const d of deps) {
    if (badEpoch(d)) {
      warnBadEpoch(d);
      continue;
    }
    out.push({ name: d.name, flags: d.flags & RPMSENSE.SENSEMASK, evr: d.evr });
  }
  return out;
}

/**
 * createrepo_c's changelog selection: the newest `limit` entries (header order is newest
 * first), written oldest first, author with trailing blanks removed, and its "ugly but works"
 * de-duplication of equal dates: each entry added in front pushes a following equal date up
 * by one, cascading while neighbours are equal.
 */
export function createrepoChangelogs(entries: ReadonlyArray<{ time: number; name: string; text: string }>, limit: number): ChangelogEntry[] {
  const list: ChangelogEntry[] = [];
  for (const e of entries.slice(0, limit)) {
    const entry = { author: e.name.replace(/ +$/, ''), date: e.time, text: e.text };
    list.unshift(entry);
    for (let i = 1; i < list.length; i++) {
      const next = list[i] as ChangelogEntry;
      if (next.date !== (list[i - 1] as ChangelogEntry).date) break;
      next.date++;
    }
  }
  return list;
}

interface Indexed {
  repo: RepoPackage;
  allFiles: RepoFileEntry[];
  changelogs: ChangelogEntry[];
}

async function indexPackage(dir: string, path: string, checksumType: string, changelogLimit: number, reporter: Reporter): Promise<Indexed> {
  const { pkg, headers, fileSize } = await readRpmFile(path);
  repairLatin1(pkg, headers.main);
  const st = await stat(path);
  const pkgid = await fileDigest(path, checksumType);
  const nevra = `${pkg.name}-${pkg.version}-${pkg.release}.${pkg.arch}`;
  const warnBadEpoch = (d: Dependency): void =>
    warn(reporter, `bad epoch in version string "${d.evr}" for dependency "${d.name}" in package "${nevra}": skipping this dependency`);
  const allFiles = fileEntries(pkg);
  const repo: RepoPackage = {
    name: pkg.name,
    epoch: pkg.epoch === 0 ? null : pkg.epoch,
    version: pkg.version,
    release: pkg.release,
    arch: pkg.isSource ? 'src' : pkg.arch,
    summary: pkg.summary,
    description: pkg.description,
    license: pkg.license,
    url: pkg.url,
    vendor: pkg.vendor,
    packager: pkg.packager,
    group: pkg.group,
    buildtime: pkg.buildtime,
    buildhost: pkg.buildhost,
    installedSize: pkg.installedSize,
    sourcerpm: pkg.isSource ? null : pkg.sourcerpm,
    provides: plainDeps(pkg.provides, warnBadEpoch),
    requires: createrepoRequires(pkg, warnBadEpoch),
    conflicts: plainDeps(pkg.conflicts, warnBadEpoch),
    obsoletes: plainDeps(pkg.obsoletes, warnBadEpoch),
    recommends: plainDeps(pkg.recommends, warnBadEpoch),
    suggests: plainDeps(pkg.suggests, warnBadEpoch),
    supplements: plainDeps(pkg.supplements, warnBadEpoch),
    enhances: plainDeps(pkg.enhances, warnBadEpoch),
    pkgid,
    checksumType,
    locationHref: relative(dir, path).split(sep).join('/'),
    locationBase: null,
    fileTime: Math.floor(st.mtimeMs / 1000),
    packageSize: fileSize,
    archiveSize: pkg.payload.archiveSize ?? 0,
    headerStart: pkg.headerRange.start,
    headerEnd: pkg.headerRange.end,
    files: allFiles.filter((f) => isPrimaryPath(f.path)),
    filelistsLoaded: false,
  };
  const changelogs = createrepoChangelogs(pkg.changelog, changelogLimit);
  const forbidden = firstForbiddenString(repo, allFiles, changelogs);
  if (forbidden !== null) {
    throw new AtollError('RPMMD_CREATE_PACKAGE_UNWRITABLE', `cannot write XML for ${nevra}: forbidden control character in ${JSON.stringify(forbidden)}`, {
      data: { package: nevra },
    });
  }
  return { repo, allFiles, changelogs };
}

// XML 1.0 cannot carry C0 controls other than tab, LF and CR; createrepo_c leaves such packages out.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

function firstForbiddenString(p: RepoPackage, files: readonly RepoFileEntry[], changelogs: readonly ChangelogEntry[]): string | null {
  const strings: string[] = [p.name, p.version, p.release, p.arch, p.summary, p.description, p.packager, p.url, p.license, p.vendor, p.group, p.buildhost, p.sourcerpm ?? '', p.locationHref];
  for (const kind of ['provides', 'requires', 'conflicts', 'obsoletes', 'recommends', 'suggests', 'supplements', 'enhances'] as const) {
    for (const d of p[kind]) strings.push(d.name, d.evr);
  }
  for (const f of files) strings.push(f.path);
  for (const c of changelogs) strings.push(c.author, c.text);
  return strings.find((s) => FORBIDDEN.test(s)) ?? null;
}

async function compress(data: Buffer, kind: 'gz' | 'zst'): Promise<Uint8Array> {
  if (kind === 'gz') return gzipSync(data, { level: 6 });
  return await PAYLOAD_COMPRESSORS.zstd.compress([data], 10);
}

/**
 * Write `DIR/repodata` for every .rpm under DIR, equivalent to `createrepo_c --no-database`:
 * primary, filelists and other (gz or zst), repomd.xml last. The new repodata is built in a
 * temporary sibling and swapped in by rename, so readers see the old or the new, never a mix.
 * Packages whose headers cannot be read are reported and skipped (createrepo_c does the same).
 */
export async function createRepo(dir: string, options: CreateRepoOptions = {}): Promise<CreateRepoResult> {
  const reporter = options.reporter ?? nullReporter;
  const checksumType = (options.checksumType ?? 'sha256').toLowerCase();
  if (!isKnownChecksumType(checksumType)) {
    throw new AtollError('RPMMD_CHECKSUM_TYPE_UNKNOWN', `unknown checksum type '${checksumType}'`, { hint: 'use sha256, sha512, sha1 or md5', data: { type: checksumType } });
  }
  const dirStat = await stat(dir).catch(() => null);
  if (dirStat === null || !dirStat.isDirectory()) {
    throw new AtollError('RPMMD_CREATE_DIR_MISSING', `${dir} is not a directory`, { data: { dir } });
  }
  const compression = options.compression ?? 'gz';
  const changelogLimit = options.changelogLimit ?? 10;
  const nowSeconds = options.now?.() ?? Math.floor(Date.now() / 1000);
  const revision = options.revision ?? String(nowSeconds);
  const rpms = await findRpms(dir, (options.excludes ?? []).map(globToRegExp));
  const indexed = await phase(
    reporter,
    'indexing packages',
    async (tick) => {
      let done = 0;
      const results = await mapLimit(rpms, 4, async (path) => {
        try {
          return await indexPackage(dir, path, checksumType, changelogLimit, reporter);
        } catch (error) {
          if (!(error instanceof AtollError)) throw error;
          warn(reporter, `skipping ${relative(dir, path)}: ${error.message}`, error.code);
          return null;
        } finally {
          tick(++done);
        }
      });
      return results.filter((r): r is Indexed => r !== null);
    },
    { total: rpms.length, unit: 'items' },
  );

  const count = indexed.length;
  const primary = primaryHeader(count) + indexed.map((i) => primaryPackage(i.repo)).join('') + PRIMARY_FOOTER;
  const filelists = filelistsHeader(count) + indexed.map((i) => filelistsPackage(i.repo, i.allFiles)).join('') + FILELISTS_FOOTER;
  const other = otherHeader(count) + indexed.map((i) => otherPackage(i.repo, i.changelogs)).join('') + OTHER_FOOTER;

  const temp = join(dir, `.repodata.tmp-${randomBytes(6).toString('hex')}`);
  await mkdir(temp);
  try {
    const records: RepomdDataOut[] = [];
    for (const [type, xml] of [['primary', primary], ['filelists', filelists], ['other', other]] as const) {
      const open = Buffer.from(xml, 'utf8');
      const stored = await compress(open, compression);
      const value = checksumHex(checksumType, stored);
      const name = `${value}-${type}.xml.${compression}`;
      await writeFileAtomic(join(temp, name), stored);
      records.push({
        type,
        checksum: { type: checksumType, value },
        openChecksum: { type: checksumType, value: checksumHex(checksumType, open) },
        href: `repodata/${name}`,
        timestamp: options.setTimestampToRevision && /^\d+$/.test(revision) ? Number(revision) : nowSeconds,
        size: stored.length,
        openSize: open.length,
      });
    }
    await writeFileAtomic(join(temp, 'repomd.xml'), repomdXml(revision, records));
    const final = join(dir, 'repodata');
    const old = join(dir, `.repodata.old-${randomBytes(6).toString('hex')}`);
    const hadOld = await stat(final).then(() => true, () => false);
    if (hadOld) await rename(final, old);
    await rename(temp, final);
    await fsyncDirectory(dir);
    if (hadOld) await rm(old, { recursive: true, force: true });
    return { packages: count, repomdPath: join(final, 'repomd.xml'), records };
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

