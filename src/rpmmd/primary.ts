import { AtollError } from '../errors/index.js';
import type { Dependency, DependencyKind } from '../rpm/index.js';
import { RPMSENSE } from '../rpm/index.js';
import type { RepoPackage } from './types.js';
import { parseXmlStream, type XmlStreamResult, type XmlEngine } from './xml-stream.js';
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
 * Stream primary.xml (rpm-md.md §3) into RepoPackage values, one callback per package, in
 * document order. Unknown elements are ignored; a package without name, arch, version or
 * checksum, or with a malformed number or flag, is RPMMD_METADATA_INVALID; a `packages="N"`
 * count that disagrees with the packages read is RPMMD_METADATA_INVALID too (a cut-off file).
 */
export async function parsePrimary(
  chunks: AsyncIterable<Uint8Array>,
  fileName: string,
  onPackage: (pkg: RepoPackage) => void,
  options: { openChecksumType?: string; engine?: XmlEngine } = {},
): Promise<XmlStreamResult & { count: number }> {
  let pkg: RepoPackage | null = null;
  let inFormat = false;
  let depList: Dependency[] | null = null;
  let textWanted = false;
  let text = '';
  let fileType: 'file' | 'dir' | 'ghost' = 'file';
  let declared: number | null = null;
  let count = 0;
  let rootSeen = false;
  let versionSeen = false;
  // Unknown elements are transparent (as in createrepo_c's reader), but a <package> whose type
  // is not "rpm" is skipped with everything inside it.
  let skipDepth = 0;
  let lastEpoch: string | undefined;
  let lastVer: string | undefined;
  let lastRel: string | undefined;
  let lastEvr = '';

  const invalid = (message: string): AtollError =>
    new AtollError('RPMMD_METADATA_INVALID', `${fileName}: ${message}`, { data: { file: fileName } });

  const result = await parseXmlStream(
    chunks,
    fileName,
    {
      wantText: () => textWanted,
      text(data) {
        text += data;
      },
      open(name, attrs) {
        if (pkg === null) {
          if (!rootSeen) {
            rootSeen = true;
            if (name !== 'metadata') throw invalid(`root element is <${name}>, expected <metadata>`);
            if (attrs.packages !== undefined) declared = Number(attrs.packages);
            return;
          }
          if (skipDepth > 0 || (name === 'package' && attrs.type !== undefined && attrs.type !== 'rpm')) {
            skipDepth++;
          } else if (name === 'package') {
            pkg = emptyRepoPackage();
            inFormat = false;
            versionSeen = false;
          }
          return;
        }
        // Dependency entries are most of the elements: handled first.
        if (name === 'entry') {
          if (depList === null) return;
          const flags = senseFromFlagsAttribute(attrs.flags);
          if (flags === undefined) throw invalid(`package '${pkg.name}': unknown dependency flags '${attrs.flags}'`);
          const pre = attrs.pre === '1' || attrs.pre === 'true' ? RPMSENSE.PREREQ : 0;
          // Neighbouring entries often carry the same version (a package's own provides,
          // its subpackage requirements): reuse the string instead of concatenating again.
          const { epoch, ver, rel } = attrs;
          if (epoch !== lastEpoch || ver !== lastVer || rel !== lastRel) {
            lastEvr = evrFromAttributes(epoch, ver, rel);
            lastEpoch = epoch;
            lastVer = ver;
            lastRel = rel;
          }
          depList.push({ name: attrs.name ?? '', flags: flags | pre, evr: lastEvr });
          return;
        }
        if (TEXT_FIELDS.has(name)) {
          textWanted = true;
          text = '';
        }
        switch (name) {
          case 'version':
            versionSeen = true;
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
            inFormat = true;
            break;
          case 'header-range':
            pkg.headerStart = int(attrs.start, 'header-range start', fileName, pkg);
            pkg.headerEnd = int(attrs.end, 'header-range end', fileName, pkg);
            break;
          case 'file':
            fileType = attrs.type === 'dir' ? 'dir' : attrs.type === 'ghost' ? 'ghost' : 'file';
            break;
          default:
            if (inFormat && DEP_KINDS.has(name)) depList = pkg[name as DependencyKind];
        }
      },
      close(name) {
        if (pkg === null) {
          if (skipDepth > 0) skipDepth--;
          return;
        }
        if (name === 'entry') return;
        if (textWanted) {
          textWanted = false;
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
              pkg.files.push({ path: text, type: fileType });
              break;
          }
          text = '';
          return;
        }
        if (name === 'package') {
          const done: RepoPackage = pkg;
          pkg = null;
          depList = null;
          if (done.name === '') throw invalid(`package #${count + 1} has no name`);
          if (done.arch === '') throw invalid(`package '${done.name}' has no arch`);
          if (!versionSeen) throw invalid(`package '${done.name}' has no version`);
          if (done.pkgid === '') throw invalid(`package '${done.name}' has no checksum (pkgid)`);
          if (done.locationHref === '') throw invalid(`package '${done.name}' has no location`);
          count++;
          onPackage(done);
        } else if (DEP_KINDS.has(name)) {
          depList = null;
        } else if (name === 'format') {
          inFormat = false;
        }
      },
    },
    options,
  );
  if (!rootSeen) throw invalid('empty document');
  if (declared !== null && Number.isFinite(declared) && declared !== count) {
    throw invalid(`the document declares ${declared} packages but lists ${count}`);
  }
  return { ...result, count };
}
