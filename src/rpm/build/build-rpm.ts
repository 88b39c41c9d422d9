/**
 * The RPM writer: description → lead + signature header + main header + compressed cpio payload,
 * laid out and digested as rpm 4.18's rpmbuild does (rpm-format.md §1–§8), so that `rpm -K`,
 * `rpm -qp`, `rpm2cpio`, `rpm -i` and createrepo_c accept the result. Deterministic: the same
 * description gives the same bytes (no clock, no host lookups, single-threaded compressors).
 */
import { createHash } from 'node:crypto';
import { DEPENDENCY_KINDS, type Dependency } from '../package/index.js';
import { encodeHeader, encodeLead, signaturePadding, DEPENDENCY_TAGS, SCRIPT_TAGS, RPM_TYPE, TAG, SIGTAG, type HeaderEntryInput } from '../header/index.js';
import type { PackageDescription, ScriptKind } from './description.js';
import { SCRIPT_KINDS } from '../header/index.js';
import { normalizePackage, type NormalizeOptions, type NormalizedFile, type NormalizedPackage, type NormalizedScript } from './normalize.js';
import { cpioNewcChunks, cpioStrippedChunks, type CpioWriteEntry } from './cpio-writer.js';
import { bytesSource } from './content-source.js';
import { compressorSpec } from './payload-compressor.js';

const FOUR_GIB = 2 ** 32;
/** rpm keeps the signature header at a constant size: RESERVEDSPACE fills the data store up to here. */
const SIGNATURE_DATA_BEFORE_TRAILER = 4260;
/** The rpm feature level the headers emulate (RPMVERSION). */
export const EMULATED_RPM_VERSION = '4.18.0';

/** Header range facts of a built package (what repository metadata records). */
export interface BuiltRpm {
  bytes: Uint8Array;
  /** `N-V-R.A.rpm`, rpmbuild's default file name. */
  fileName: string;
  /** As rpm's `%{NEVRA}` prints it (`name-[E:]V-R.A`, the epoch whenever one is set, even 0). */
  nevra: string;
  /** Main header `[start, end)` in the file (`<rpm:header-range>`). */
  headerStart: number;
  headerEnd: number;
  /** Uncompressed cpio size. */
  archiveSize: number;
}

const str = (tag: number, value: string): HeaderEntryInput => ({ tag, type: RPM_TYPE.STRING, value });
const i18n = (tag: number, value: string): HeaderEntryInput => ({ tag, type: RPM_TYPE.I18NSTRING, value: [value] });
const strs = (tag: number, value: readonly string[]): HeaderEntryInput => ({ tag, type: RPM_TYPE.STRING_ARRAY, value });
const i32 = (tag: number, value: readonly number[]): HeaderEntryInput => ({ tag, type: RPM_TYPE.INT32, value });
const i16 = (tag: number, value: readonly number[]): HeaderEntryInput => ({ tag, type: RPM_TYPE.INT16, value });
const i64 = (tag: number, value: readonly number[]): HeaderEntryInput => ({ tag, type: RPM_TYPE.INT64, value });
const bin = (tag: number, value: Uint8Array): HeaderEntryInput => ({ tag, type: RPM_TYPE.BIN, value });

function dependencyEntries(tags: readonly [number, number, number], deps: readonly Dependency[]): HeaderEntryInput[] {
  if (deps.length === 0) return [];
  return [strs(tags[0], deps.map((d) => d.name)), i32(tags[1], deps.map((d) => d.flags)), strs(tags[2], deps.map((d) => d.evr))];
}

/** Payload order (rpm-format.md §8.2): lone files in path order, then each hardlink set, content on its last member. */
function cpioEntries(files: readonly NormalizedFile[]): CpioWriteEntry[] {
  const members = new Map<number, number[]>();
  files.forEach((f, i) => {
    if (f.ghost) return;
    const list = members.get(f.inode) ?? [];
    list.push(i);
    members.set(f.inode, list);
  });
  const entry = (i: number, nlink: number, withData: boolean): CpioWriteEntry => {
    const f = files[i] as NormalizedFile;
    return {
      fileIndex: i,
      path: f.path,
      ino: f.inode,
      mode: f.mode,
      uid: 0,
      gid: 0,
      nlink,
      mtime: f.mtime,
      rdevMajor: f.rdev >> 8,
      rdevMinor: f.rdev & 0xff,
      data: withData ? f.content : bytesSource(new Uint8Array(0)),
    };
  };
  const out: CpioWriteEntry[] = [];
  const sets: number[][] = [];
  files.forEach((f, i) => {
    if (f.ghost) return;
    const set = members.get(f.inode) as number[];
    if (set.length === 1) out.push(entry(i, 1, true));
    else if (set[0] === i) sets.push(set);
  });
  for (const set of sets) set.forEach((i, k) => out.push(entry(i, set.length, k === set.length - 1)));
  return out;
}

function scriptEntries(kind: ScriptKind, s: NormalizedScript): HeaderEntryInput[] {
  const [bodyTag, progTag, flagsTag] = SCRIPT_TAGS[kind];
  const out: HeaderEntryInput[] = [];
  if (s.body !== undefined) out.push(str(bodyTag, s.body));
  // rpm stores a plain interpreter as STRING and one with arguments as STRING_ARRAY.
  out.push(s.prog.length === 1 ? str(progTag, s.prog[0] as string) : strs(progTag, s.prog));
  if (s.flags !== 0) out.push(i32(flagsTag, [s.flags]));
  return out;
}

function fileEntries(pkg: NormalizedPackage): HeaderEntryInput[] {
  const files = pkg.files;
  if (files.length === 0) return [];
  const dirnames: string[] = [];
  const dirIndex = new Map<string, number>();
  for (const f of files) {
    if (!dirIndex.has(f.dirname)) {
      dirIndex.set(f.dirname, dirnames.length);
      dirnames.push(f.dirname);
    }
  }
  const out: HeaderEntryInput[] = [
    pkg.largeFiles ? i64(TAG.LONGFILESIZES, files.map((f) => f.size)) : i32(TAG.FILESIZES, files.map((f) => f.size)),
    i16(TAG.FILEMODES, files.map((f) => f.mode)),
    i16(TAG.FILERDEVS, files.map((f) => f.rdev)),
    i32(TAG.FILEMTIMES, files.map((f) => f.mtime)),
    strs(TAG.FILEDIGESTS, files.map((f) => f.digest)),
    strs(TAG.FILELINKTOS, files.map((f) => f.linkto)),
    i32(TAG.FILEFLAGS, files.map((f) => f.flags)),
    strs(TAG.FILEUSERNAME, files.map((f) => f.user)),
    strs(TAG.FILEGROUPNAME, files.map((f) => f.group)),
    i32(TAG.FILEVERIFYFLAGS, files.map((f) => f.verifyFlags)),
    i32(TAG.FILEDEVICES, files.map((f) => f.device)),
    i32(TAG.FILEINODES, files.map((f) => f.inode)),
    strs(TAG.FILELANGS, files.map((f) => f.lang)),
    i32(TAG.DIRINDEXES, files.map((f) => dirIndex.get(f.dirname) as number)),
    strs(TAG.BASENAMES, files.map((f) => f.basename)),
    strs(TAG.DIRNAMES, dirnames),
    i32(TAG.FILECOLORS, files.map(() => 0)),
  ];
  if (files.some((f) => f.caps !== '')) out.push(strs(TAG.FILECAPS, files.map((f) => f.caps)));
  if (files.some((f) => f.fileClass !== undefined)) {
    // rpmbuild's dictionary: the distinct classes in first-use order ('' included when used).
    const dict: string[] = [];
    const index = files.map((f) => {
      const cls = f.fileClass ?? '';
      let i = dict.indexOf(cls);
      if (i < 0) i = dict.push(cls) - 1;
      return i;
    });
    out.push(i32(TAG.FILECLASS, index), strs(TAG.CLASSDICT, dict));
  }
  return out;
}

function triggerEntries(pkg: NormalizedPackage): HeaderEntryInput[] {
  const out: HeaderEntryInput[] = [];
  if (pkg.triggers.length > 0) {
    const conds = pkg.triggers.flatMap((t, index) => t.conditions.map((c) => ({ ...c, index })));
    out.push(
      strs(TAG.TRIGGERSCRIPTS, pkg.triggers.map((t) => t.body ?? '')),
      strs(TAG.TRIGGERNAME, conds.map((c) => c.name)),
      strs(TAG.TRIGGERVERSION, conds.map((c) => c.evr)),
      i32(TAG.TRIGGERFLAGS, conds.map((c) => c.flags)),
      i32(TAG.TRIGGERINDEX, conds.map((c) => c.index)),
      strs(TAG.TRIGGERSCRIPTPROG, pkg.triggers.map((t) => t.prog[0] as string)),
    );
    if (pkg.triggers.some((t) => t.flags !== 0)) out.push(i32(TAG.TRIGGERSCRIPTFLAGS, pkg.triggers.map((t) => t.flags)));
  }
  const fileTriggerSet = (list: NormalizedPackage['fileTriggers'], tags: number[]): void => {
    if (list.length === 0) return;
    const [scripts, prog, flags, name, index, version, condFlags, priorities] = tags as [number, number, number, number, number, number, number, number];
    const conds = list.flatMap((t, i) => t.prefixes.map((p) => ({ p, i, flag: t.flag })));
    out.push(
      strs(scripts, list.map((t) => t.body ?? '')),
      strs(prog, list.map((t) => t.prog[0] as string)),
      strs(name, conds.map((c) => c.p)),
      i32(index, conds.map((c) => c.i)),
      strs(version, conds.map(() => '')),
      i32(condFlags, conds.map((c) => c.flag)),
      i32(priorities, list.map((t) => t.priority)),
    );
    if (list.some((t) => t.flags !== 0)) out.push(i32(flags, list.map((t) => t.flags)));
  };
  fileTriggerSet(pkg.fileTriggers, [
    TAG.FILETRIGGERSCRIPTS, TAG.FILETRIGGERSCRIPTPROG, TAG.FILETRIGGERSCRIPTFLAGS, TAG.FILETRIGGERNAME,
    TAG.FILETRIGGERINDEX, TAG.FILETRIGGERVERSION, TAG.FILETRIGGERFLAGS, TAG.FILETRIGGERPRIORITIES,
  ]);
  fileTriggerSet(pkg.transFileTriggers, [
    TAG.TRANSFILETRIGGERSCRIPTS, TAG.TRANSFILETRIGGERSCRIPTPROG, TAG.TRANSFILETRIGGERSCRIPTFLAGS, TAG.TRANSFILETRIGGERNAME,
    TAG.TRANSFILETRIGGERINDEX, TAG.TRANSFILETRIGGERVERSION, TAG.TRANSFILETRIGGERFLAGS, TAG.TRANSFILETRIGGERPRIORITIES,
  ]);
  return out;
}

function mainHeader(pkg: NormalizedPackage, payload: { compressed: Uint8Array; archiveDigest: string; compressorTag: string | undefined; flags: string }): Uint8Array {
  const entries: HeaderEntryInput[] = [
    strs(TAG.HEADERI18NTABLE, ['C']),
    str(TAG.NAME, pkg.name),
    str(TAG.VERSION, pkg.version),
    str(TAG.RELEASE, pkg.release),
    i18n(TAG.SUMMARY, pkg.summary),
    i18n(TAG.DESCRIPTION, pkg.description),
    i32(TAG.BUILDTIME, [pkg.buildtime]),
    str(TAG.BUILDHOST, pkg.buildhost),
    pkg.installedSize >= FOUR_GIB ? i64(TAG.LONGSIZE, [pkg.installedSize]) : i32(TAG.SIZE, [pkg.installedSize]),
    str(TAG.LICENSE, pkg.license),
    i18n(TAG.GROUP, pkg.group),
    str(TAG.OS, 'linux'),
    str(TAG.ARCH, pkg.arch),
    str(TAG.RPMVERSION, EMULATED_RPM_VERSION),
    str(TAG.ENCODING, 'utf-8'),
    str(TAG.PAYLOADFORMAT, 'cpio'),
    str(TAG.PAYLOADFLAGS, payload.flags),
    // FILEDIGESTALGO is present even without files, as rpmbuild writes it.
    i32(TAG.FILEDIGESTALGO, [8]),
    strs(TAG.PAYLOADDIGEST, [createHash('sha256').update(payload.compressed).digest('hex')]),
    i32(TAG.PAYLOADDIGESTALGO, [8]),
    strs(TAG.PAYLOADDIGESTALT, [payload.archiveDigest]),
  ];
  if (pkg.epoch !== null) entries.push(i32(TAG.EPOCH, [pkg.epoch]));
  if (pkg.vendor !== undefined) entries.push(str(TAG.VENDOR, pkg.vendor));
  if (pkg.packager !== undefined) entries.push(str(TAG.PACKAGER, pkg.packager));
  if (pkg.url !== undefined) entries.push(str(TAG.URL, pkg.url));
  if (pkg.platform !== undefined) entries.push(str(TAG.PLATFORM, pkg.platform));
  if (pkg.optflags !== undefined) entries.push(str(TAG.OPTFLAGS, pkg.optflags));
  if (pkg.sourcerpm !== null) entries.push(str(TAG.SOURCERPM, pkg.sourcerpm));
  if (payload.compressorTag !== undefined) entries.push(str(TAG.PAYLOADCOMPRESSOR, payload.compressorTag));
  for (const kind of SCRIPT_KINDS) {
    const s = pkg.scripts[kind];
    if (s) entries.push(...scriptEntries(kind, s));
  }
  for (const kind of DEPENDENCY_KINDS) entries.push(...dependencyEntries(DEPENDENCY_TAGS[kind], pkg.deps[kind]));
  entries.push(...dependencyEntries([TAG.ORDERNAME, TAG.ORDERFLAGS, TAG.ORDERVERSION], pkg.orderWithRequires));
  entries.push(...fileEntries(pkg), ...triggerEntries(pkg));
  if (pkg.changelog.length > 0) {
    entries.push(
      i32(TAG.CHANGELOGTIME, pkg.changelog.map((c) => c.time)),
      strs(TAG.CHANGELOGNAME, pkg.changelog.map((c) => c.name)),
      strs(TAG.CHANGELOGTEXT, pkg.changelog.map((c) => c.text)),
    );
  }
  return encodeHeader(entries, 63);
}

function signatureHeader(main: Uint8Array, compressed: Uint8Array, archiveSize: number): Uint8Array {
  const total = main.length + compressed.length;
  const md5 = createHash('md5').update(main).update(compressed).digest();
  const entries: HeaderEntryInput[] = [
    str(SIGTAG.SHA1, createHash('sha1').update(main).digest('hex')),
    str(SIGTAG.SHA256, createHash('sha256').update(main).digest('hex')),
    bin(SIGTAG.MD5, new Uint8Array(md5)),
  ];
  // rpm switches both sizes to the 64-bit tags as soon as either needs them.
  if (total >= FOUR_GIB || archiveSize >= FOUR_GIB) entries.push(i64(SIGTAG.LONGSIZE, [total]), i64(SIGTAG.LONGARCHIVESIZE, [archiveSize]));
  else entries.push(i32(SIGTAG.SIZE, [total]), i32(SIGTAG.PAYLOADSIZE, [archiveSize]));
  // RESERVEDSPACE (the last tag) pads the store so signing can later add a signature in place.
  const probe = encodeHeader([...entries, bin(SIGTAG.RESERVEDSPACE, new Uint8Array(1))], 62);
  const probeDl = new DataView(probe.buffer).getUint32(12);
  const reserved = SIGNATURE_DATA_BEFORE_TRAILER - (probeDl - 16 - 1);
  return encodeHeader([...entries, bin(SIGTAG.RESERVEDSPACE, new Uint8Array(reserved))], 62);
}

/** Build a package and return its bytes with the facts repository tooling wants. */
export async function buildRpmDetailed(description: PackageDescription, options: NormalizeOptions = {}): Promise<BuiltRpm> {
  const pkg = normalizePackage(description, options);
  const entries = cpioEntries(pkg.files);
  // The cpio stream is generated, hashed and counted on its way into the compressor: only the
  // compressed payload is ever held in memory.
  const archiveHash = createHash('sha256');
  let archiveSize = 0;
  function* archive(): Generator<Uint8Array> {
    for (const chunk of pkg.largeFiles ? cpioStrippedChunks(entries) : cpioNewcChunks(entries)) {
      archiveHash.update(chunk);
      archiveSize += chunk.length;
      yield chunk;
    }
  }
  const spec = compressorSpec(pkg.compressor);
  const compressed = await spec.compress(archive(), pkg.level);
  const main = mainHeader(pkg, {
    compressed,
    archiveDigest: archiveHash.digest('hex'),
    compressorTag: spec.tagValue,
    flags: spec.tagValue === undefined ? '' : String(pkg.level ?? ''),
  });
  const signature = signatureHeader(main, compressed, archiveSize);
  const pad = signaturePadding(signature.length);
  const lead = encodeLead({ name: `${pkg.name}-${pkg.evr}`, source: false, archnum: 1 });
  const headerStart = lead.length + signature.length + pad;
  const bytes = new Uint8Array(headerStart + main.length + compressed.length);
  bytes.set(lead, 0);
  bytes.set(signature, lead.length);
  bytes.set(main, headerStart);
  bytes.set(compressed, headerStart + main.length);
  // As rpm's %{NEVRA} prints it: the epoch appears whenever the EPOCH tag is present, even 0.
  const nevra = `${pkg.name}-${pkg.evr}.${pkg.arch}`;
  return {
    bytes,
    fileName: rpmFileName(description),
    nevra,
    headerStart,
    headerEnd: headerStart + main.length,
    archiveSize,
  };
}

/** Build a package: the complete `.rpm` file bytes. */
export async function buildRpm(description: PackageDescription, options: NormalizeOptions = {}): Promise<Uint8Array> {
  return (await buildRpmDetailed(description, options)).bytes;
}

/** rpmbuild's default file name, `N-V-R.A.rpm` (no epoch). */
export function rpmFileName(description: Pick<PackageDescription, 'name' | 'version' | 'release' | 'arch'>): string {
  return `${description.name}-${description.version}-${description.release}.${description.arch ?? 'noarch'}.rpm`;
}

