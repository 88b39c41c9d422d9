import { AtollError } from '../errors/index.js';
import type { Dependency, DependencyKind } from '../rpm/index.js';
import { RPMSENSE, DEPENDENCY_KINDS } from '../rpm/index.js';
import type { RepoPackage } from './types.js';
import { parseXmlStream, type XmlHandlers, type XmlStreamResult, type XmlEngine } from './xml-stream.js';
import { evrFromAttributes, senseFromFlagsAttribute } from './dependency-xml.js';

const TEXT_FIELDS = new Set([
  'name', 'arch', 'checksum', 'summary', 'description', 'packager', 'url', 'license', 'vendor', 'group', 'buildhost', 'sourcerpm', 'file',
]);
const DEP_KINDS = new Set<string>(['provides', 'requires', 'conflicts', 'obsoletes', 'recommends', 'suggests', 'supplements', 'enhances']);

export function emptyRepoPackage(): RepoPackage {
  return {
    name: '',
    epoch: null,
    version: '',
    release: '',
    arch: '',
    summary: '',
    description: '',
    license: '',
    url: '',
    vendor: '',
    packager: '',
    group: '',
    buildtime: 0,
    buildhost: '',
    installedSize: 0,
    sourcerpm: null,
    // Spelled out rather than spread from emptyDependencies(): this runs once per package.
    provides: [],
    requires: [],
    conflicts: [],
    obsoletes: [],
    recommends: [],
    suggests: [],
    supplements: [],
    enhances: [],
    pkgid: '',
    checksumType: '',
    locationHref: '',
    locationBase: null,
    fileTime: 0,
    packageSize: 0,
    archiveSize: 0,
    headerStart: 0,
    headerEnd: 0,
    files: [],
    filelistsLoaded: false,
  };
}

function int(value: string | undefined, what: string, file: string, pkg: RepoPackage): number {
  if (value === undefined || value === '') return 0;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new AtollError('RPMMD_METADATA_INVALID', `${file}: package '${pkg.name}': ${what} is not a non-negative integer: '${value}'`, {
      data: { file, package: pkg.name, what, value },
    });
  }
  return n;
}

/**
 * The primary.xml state machine (rpm-md.md §3), fed by a tokenizer: element open/close with
 * local names, text while `wantText()`. Unknown elements are ignored; a package without name,
 * arch, version or checksum, or with a malformed number or flag, is RPMMD_METADATA_INVALID.
 * `entry()` is the hot path for `rpm:entry` (most elements of the file) without an attribute
 * object; the byte-level reader (primary-bytes.ts) calls it directly.
 */
export class PrimaryBuilder implements XmlHandlers {
  private pkg: RepoPackage | null = null;
  private inFormat = false;
  private depList: Dependency[] | null = null;
  /** Index in DEPENDENCY_KINDS of the open dependency list (-1: none). */
  private depKind = -1;
  /**
   * Where dependencies go instead of the package's lists, when set (the byte-level reader
   * writing the cache directly); called only while a dependency list is open.
   */
  sink: ((kind: number, name: string, flags: number, evr: string) => void) | null = null;
  private textWanted = false;
  private collected = '';
  private fileType: 'file' | 'dir' | 'ghost' = 'file';
  declared: number | null = null;
  count = 0;
  rootSeen = false;
  private versionSeen = false;
  // Unknown elements are transparent (as in createrepo_c's reader), but a <package> whose type
  // is not "rpm" is skipped with everything inside it.
  private skipDepth = 0;
  private lastEpoch: string | undefined;
  private lastVer: string | undefined;
  private lastRel: string | undefined;
  private lastEvr = '';

  constructor(
    private readonly fileName: string,
    private readonly onPackage: (pkg: RepoPackage) => void,
  ) {}

  invalid(message: string): AtollError {
    return new AtollError('RPMMD_METADATA_INVALID', `${this.fileName}: ${message}`, { data: { file: this.fileName } });
  }

  wantText(): boolean {
    return this.textWanted;
  }

  text(data: string): void {
    this.collected += data;
  }

  /**
   * A dependency with its flags and EVR already made (the byte-level reader's cache); false
   * when no dependency list is open, and the caller must use `entry()`.
   */
  dependency(name: string, flags: number, evr: string): boolean {
    if (this.pkg === null || this.depList === null) return false;
    if (this.sink !== null) this.sink(this.depKind, name, flags, evr);
    else this.depList.push({ name, flags, evr });
    return true;
  }

  /** Index in DEPENDENCY_KINDS of the dependency list entries now go to, -1 when none. */
  dependencyKind(): number {
    return this.pkg === null || this.depList === null ? -1 : this.depKind;
  }

  /** An `rpm:entry` element (opened and closed), attributes given one by one. */
  entry(name: string | undefined, flagsAttr: string | undefined, epoch: string | undefined, ver: string | undefined, rel: string | undefined, preAttr: string | undefined): void {
    const pkg = this.pkg;
    if (pkg === null) {
      const attrs: Record<string, string> = {};
      if (name !== undefined) attrs.name = name;
      if (flagsAttr !== undefined) attrs.flags = flagsAttr;
      if (epoch !== undefined) attrs.epoch = epoch;
      if (ver !== undefined) attrs.ver = ver;
      if (rel !== undefined) attrs.rel = rel;
      if (preAttr !== undefined) attrs.pre = preAttr;
      this.open('entry', attrs);
      this.close('entry');
      return;
    }
    const depList = this.depList;
    if (depList === null) return;
    const flags = senseFromFlagsAttribute(flagsAttr);
    if (flags === undefined) throw this.invalid(`package '${pkg.name}': unknown dependency flags '${flagsAttr}'`);
    const pre = preAttr === '1' || preAttr === 'true' ? RPMSENSE.PREREQ : 0;
    // Neighbouring entries often carry the same version (a package's own provides,
    // its subpackage requirements): reuse the string instead of concatenating again.
    if (epoch !== this.lastEpoch || ver !== this.lastVer || rel !== this.lastRel) {
      this.lastEvr = evrFromAttributes(epoch, ver, rel);
      this.lastEpoch = epoch;
      this.lastVer = ver;
      this.lastRel = rel;
    }
    if (this.sink !== null) this.sink(this.depKind, name ?? '', flags | pre, this.lastEvr);
    else depList.push({ name: name ?? '', flags: flags | pre, evr: this.lastEvr });
  }

  open(name: string, attrs: Record<string, string>): void {
    const pkg = this.pkg;
    const fileName = this.fileName;
    if (pkg === null) {
      if (!this.rootSeen) {
        this.rootSeen = true;
        if (name !== 'metadata') throw this.invalid(`root element is <${name}>, expected <metadata>`);
        if (attrs.packages !== undefined) this.declared = Number(attrs.packages);
        return;
      }
      if (this.skipDepth > 0 || (name === 'package' && attrs.type !== undefined && attrs.type !== 'rpm')) {
        this.skipDepth++;
      } else if (name === 'package') {
        this.pkg = emptyRepoPackage();
        this.inFormat = false;
        this.versionSeen = false;
      }
      return;
    }
    // Dependency entries are most of the elements: handled first.
    if (name === 'entry') {
      if (this.depList === null) return;
      this.entry(attrs.name, attrs.flags, attrs.epoch, attrs.ver, attrs.rel, attrs.pre);
      return;
    }
    if (TEXT_FIELDS.has(name)) {
      this.textWanted = true;
      this.collected = '';
    }
    switch (name) {
      case 'version':
        this.versionSeen = true;
        pkg.epoch = attrs.epoch === undefined || attrs.epoch === '' || attrs.epoch === '0' ? null : int(attrs.epoch, 'epoch', fileName, pkg);
        pkg.version = attrs.ver ?? '';
        pkg.release = attrs.rel ?? '';
        break;
      case 'checksum':
        pkg.checksumType = (attrs.type ?? '').toLowerCase();
        break;
      case 'time':
        pkg.fileTime = int(attrs.file, 'time file', fileName, pkg);
        pkg.buildtime = int(attrs.build, 'time build', fileName, pkg);
        break;
      case 'size':
        pkg.packageSize = int(attrs.package, 'size package', fileName, pkg);
        pkg.installedSize = int(attrs.installed, 'size installed', fileName, pkg);
        pkg.archiveSize = int(attrs.archive, 'size archive', fileName, pkg);
        break;
      case 'location':
        pkg.locationHref = attrs.href ?? '';
        pkg.locationBase = attrs['xml:base'] ?? null;
        break;
      case 'format':
        this.inFormat = true;
        break;
      case 'header-range':
        pkg.headerStart = int(attrs.start, 'header-range start', fileName, pkg);
        pkg.headerEnd = int(attrs.end, 'header-range end', fileName, pkg);
        break;
      case 'file':
        this.fileType = attrs.type === 'dir' ? 'dir' : attrs.type === 'ghost' ? 'ghost' : 'file';
        break;
      default:
        if (this.inFormat && DEP_KINDS.has(name)) {
          this.depList = pkg[name as DependencyKind];
          this.depKind = DEPENDENCY_KINDS.indexOf(name as DependencyKind);
        }
    }
  }

  close(name: string): void {
    const pkg = this.pkg;
    if (pkg === null) {
      if (this.skipDepth > 0) this.skipDepth--;
      return;
    }
    if (name === 'entry') return;
    if (this.textWanted) {
      this.textWanted = false;
      const text = this.collected;
      this.collected = '';
      switch (name) {
        case 'name':
          pkg.name = text;
          break;
        case 'arch':
          pkg.arch = text;
          break;
        case 'checksum':
          pkg.pkgid = text.trim().toLowerCase();
          break;
        case 'summary':
          pkg.summary = text;
          break;
        case 'description':
          pkg.description = text;
          break;
        case 'packager':
          pkg.packager = text;
          break;
        case 'url':
          pkg.url = text;
          break;
        case 'license':
          pkg.license = text;
          break;
        case 'vendor':
          pkg.vendor = text;
          break;
        case 'group':
          pkg.group = text;
          break;
        case 'buildhost':
          pkg.buildhost = text;
          break;
        case 'sourcerpm':
          pkg.sourcerpm = text === '' ? null : text;
          break;
        case 'file':
          pkg.files.push({ path: text, type: this.fileType });
          break;
      }
      return;
    }
    if (name === 'package') {
      const done: RepoPackage = pkg;
      this.pkg = null;
      this.depList = null;
      if (done.name === '') throw this.invalid(`package #${this.count + 1} has no name`);
      if (done.arch === '') throw this.invalid(`package '${done.name}' has no arch`);
      if (!this.versionSeen) throw this.invalid(`package '${done.name}' has no version`);
      if (done.pkgid === '') throw this.invalid(`package '${done.name}' has no checksum (pkgid)`);
      if (done.locationHref === '') throw this.invalid(`package '${done.name}' has no location`);
      this.count++;
      this.onPackage(done);
    } else if (DEP_KINDS.has(name)) {
      this.depList = null;
    } else if (name === 'format') {
      this.inFormat = false;
    }
  }

  /** Checks once the document has ended: a root, and the declared package count. */
  finish(): void {
    if (!this.rootSeen) throw this.invalid('empty document');
    if (this.declared !== null && Number.isFinite(this.declared) && this.declared !== this.count) {
      throw this.invalid(`the document declares ${this.declared} packages but lists ${this.count}`);
    }
  }
}

/**
 * Stream primary.xml (rpm-md.md §3) into RepoPackage values, one callback per package, in
 * document order (see PrimaryBuilder). A `packages="N"` count that disagrees with the
 * packages read is RPMMD_METADATA_INVALID too (a cut-off file).
 */
export async function parsePrimary(
  chunks: AsyncIterable<Uint8Array>,
  fileName: string,
  onPackage: (pkg: RepoPackage) => void,
  options: { openChecksumType?: string; engine?: XmlEngine } = {},
): Promise<XmlStreamResult & { count: number }> {
  const builder = new PrimaryBuilder(fileName, onPackage);
  const result = await parseXmlStream(chunks, fileName, builder, options);
  builder.finish();
  return { ...result, count: builder.count };
}
