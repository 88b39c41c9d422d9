import { AtollError } from '../errors/index.js';
import type { ChangelogEntry, RepoFileEntry } from './types.js';
import { parseXmlStream, parseInteger, type XmlStreamResult, type XmlEngine } from './xml-stream.js';

/** The identity every filelists/other `package` element repeats (joined to primary by pkgid). */
export interface PackageRef {
  pkgid: string;
  name: string;
  arch: string;
  epoch: string;
  version: string;
  release: string;
}

export interface FilelistsPackage extends PackageRef {
  files: RepoFileEntry[];
}

export interface OtherPackage extends PackageRef {
  changelogs: ChangelogEntry[];
}

/**
 * Shared reader for filelists.xml (§4) and other.xml (§5): both are a root with
 * `package pkgid name arch` elements holding a `version` and repeated children.
 */
async function parsePerPackage<T extends PackageRef>(
  chunks: AsyncIterable<Uint8Array>,
  fileName: string,
  rootName: string,
  make: (ref: PackageRef) => T,
  child: (pkg: T, name: string, attrs: Record<string, string>) => ((text: string) => void) | null,
  onPackage: (pkg: T) => void,
  options: { openChecksumType?: string; engine?: XmlEngine },
): Promise<XmlStreamResult & { count: number }> {
  let pkg: T | null = null;
  let rootSeen = false;
  let textWanted = false;
  let text = '';
  let finish: ((text: string) => void) | null = null;
  let count = 0;
  let declared: number | null = null;
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
        if (!rootSeen) {
          rootSeen = true;
          if (name !== rootName) throw invalid(`root element is <${name}>, expected <${rootName}>`);
          if (attrs.packages !== undefined) declared = Number(attrs.packages);
          return;
        }
        if (pkg === null) {
          if (name !== 'package') return;
          if (!attrs.pkgid) throw invalid(`package #${count + 1} (${attrs.name ?? '?'}) has no pkgid`);
          pkg = make({ pkgid: attrs.pkgid.toLowerCase(), name: attrs.name ?? '', arch: attrs.arch ?? '', epoch: '0', version: '', release: '' });
          return;
        }
        if (name === 'version') {
          pkg.epoch = attrs.epoch ?? '0';
          pkg.version = attrs.ver ?? '';
          pkg.release = attrs.rel ?? '';
          return;
        }
        finish = child(pkg, name, attrs);
        if (finish !== null) {
          textWanted = true;
          text = '';
        }
      },
      close(name) {
        if (pkg === null) return;
        if (textWanted) {
          textWanted = false;
          finish?.(text);
          finish = null;
          text = '';
          return;
        }
        if (name === 'package') {
          count++;
          const done = pkg;
          pkg = null;
          onPackage(done);
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

/** Stream filelists.xml: one callback per package with its complete file list. */
export async function parseFilelists(
  chunks: AsyncIterable<Uint8Array>,
  fileName: string,
  onPackage: (pkg: FilelistsPackage) => void,
  options: { openChecksumType?: string; engine?: XmlEngine } = {},
): Promise<XmlStreamResult & { count: number }> {
  return await parsePerPackage<FilelistsPackage>(
    chunks,
    fileName,
    'filelists',
    (ref) => ({ ...ref, files: [] }),
    (pkg, name, attrs) => {
      if (name !== 'file') return null;
      const type = attrs.type === 'dir' ? 'dir' : attrs.type === 'ghost' ? 'ghost' : 'file';
      return (path) => pkg.files.push({ path, type });
    },
    onPackage,
    options,
  );
}

/** Stream other.xml: one callback per package with its changelog entries (oldest first, as stored). */
export async function parseOther(
  chunks: AsyncIterable<Uint8Array>,
  fileName: string,
  onPackage: (pkg: OtherPackage) => void,
  options: { openChecksumType?: string; engine?: XmlEngine } = {},
): Promise<XmlStreamResult & { count: number }> {
  return await parsePerPackage<OtherPackage>(
    chunks,
    fileName,
    'otherdata',
    (ref) => ({ ...ref, changelogs: [] }),
    (pkg, name, attrs) => {
      if (name !== 'changelog') return null;
      const author = attrs.author ?? '';
      const date = parseInteger(attrs.date, 'changelog date', fileName);
      return (text) => pkg.changelogs.push({ author, date, text });
    },
    onPackage,
    options,
  );
}
