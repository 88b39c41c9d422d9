import type { Dependency, DependencyKind } from '../rpm/index.js';
import type { ChangelogEntry, RepoFileEntry, RepoPackage } from './types.js';
import { flagsAttributeFromSense, splitEvr } from './dependency-xml.js';
import { RPMSENSE } from '../rpm/index.js';

/*
 * XML writers for primary, filelists and other, in createrepo_c 0.17's layout (2-space
 * indentation, element and attribute order as in rpm-md.md §3–5) so that diffs against its
 * output stay readable. Pure: values in, strings out.
 */

// XML 1.0 cannot carry most C0 controls even escaped; libxml2 (createrepo_c) drops them too.
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

export function escapeText(s: string): string {
  return s.replace(INVALID_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

/** Attribute values as libxml2 writes them: quotes, tab/LF/CR and every non-ASCII character as references. */
export function escapeAttr(s: string): string {
   
  if (/^[\u0020-\u007e]*$/.test(s) && !/[&<>"]/.test(s)) return s;
  let out = '';
  for (const ch of escapeText(s)) {
    const cp = ch.codePointAt(0) as number;
    if (ch === '"') out += '&quot;';
    else if (ch === '\n') out += '&#10;';
    else if (ch === '\t') out += '&#9;';
    else if (cp > 0x7f) out += `&#x${cp.toString(16).toUpperCase()};`;
    else out += ch;
  }
  return out;
}

/** Element order in `<format>` (createrepo_c's, not the model's). */
const XML_DEP_ORDER: readonly DependencyKind[] = ['provides', 'requires', 'conflicts', 'obsoletes', 'suggests', 'enhances', 'recommends', 'supplements'];

function entry(dep: Dependency, withPre: boolean): string {
  let out = `<rpm:entry name="${escapeAttr(dep.name)}"`;
  const flags = flagsAttributeFromSense(dep.flags);
  if (flags !== null) {
    const evr = splitEvr(dep.evr);
    out += ` flags="${flags}" epoch="${escapeAttr(evr.epoch)}" ver="${escapeAttr(evr.ver)}"`;
    if (evr.rel !== null) out += ` rel="${escapeAttr(evr.rel)}"`;
  }
  if (withPre && dep.flags & RPMSENSE.PREREQ) out += ' pre="1"';
  return `${out}/>`;
}

function fileElement(f: RepoFileEntry, indent: string): string {
  return f.type === 'file' ? `${indent}<file>${escapeText(f.path)}</file>\n` : `${indent}<file type="${f.type}">${escapeText(f.path)}</file>\n`;
}

function versionElement(p: RepoPackage): string {
  return `<version epoch="${p.epoch ?? 0}" ver="${escapeAttr(p.version)}" rel="${escapeAttr(p.release)}"/>`;
}

export function primaryHeader(count: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="${count}">\n`;
}
export const PRIMARY_FOOTER = '</metadata>';

/**
 * One primary `<package>`. `pkg.files` must hold the primary files only, and `requires`
 * entries carry RPMSENSE.PREREQ where createrepo_c writes `pre="1"`.
 */
export function primaryPackage(p: RepoPackage): string {
  const text = (tag: string, value: string): string => `<${tag}>${escapeText(value)}</${tag}>`;
  let out = '<package type="rpm">\n';
  out += `  <name>${escapeText(p.name)}</name>\n`;
  out += `  <arch>${escapeText(p.arch)}</arch>\n`;
  out += `  ${versionElement(p)}\n`;
  out += `  <checksum type="${escapeAttr(p.checksumType)}" pkgid="YES">${p.pkgid}</checksum>\n`;
  out += `  ${text('summary', p.summary)}\n`;
  out += `  ${text('description', p.description)}\n`;
  out += `  ${text('packager', p.packager)}\n`;
  out += `  ${text('url', p.url)}\n`;
  out += `  <time file="${p.fileTime}" build="${p.buildtime}"/>\n`;
  out += `  <size package="${p.packageSize}" installed="${p.installedSize}" archive="${p.archiveSize}"/>\n`;
  out += p.locationBase !== null
    ? `  <location xml:base="${escapeAttr(p.locationBase)}" href="${escapeAttr(p.locationHref)}"/>\n`
    : `  <location href="${escapeAttr(p.locationHref)}"/>\n`;
  out += '  <format>\n';
  out += `    ${text('rpm:license', p.license)}\n`;
  out += `    ${text('rpm:vendor', p.vendor)}\n`;
  out += `    ${text('rpm:group', p.group)}\n`;
  out += `    ${text('rpm:buildhost', p.buildhost)}\n`;
  out += `    ${text('rpm:sourcerpm', p.sourcerpm ?? '')}\n`;
  out += `    <rpm:header-range start="${p.headerStart}" end="${p.headerEnd}"/>\n`;
  for (const kind of XML_DEP_ORDER) {
    const deps = p[kind];
    if (deps.length === 0) continue;
    out += `    <rpm:${kind}>\n`;
    for (const d of deps) out += `      ${entry(d, kind === 'requires')}\n`;
    out += `    </rpm:${kind}>\n`;
  }
  for (const f of p.files) out += fileElement(f, '    ');
  out += '  </format>\n</package>\n';
  return out;
}

export function filelistsHeader(count: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<filelists xmlns="http://linux.duke.edu/metadata/filelists" packages="${count}">\n`;
}
export const FILELISTS_FOOTER = '</filelists>';

export function filelistsPackage(p: RepoPackage, files: readonly RepoFileEntry[]): string {
  let out = `<package pkgid="${p.pkgid}" name="${escapeAttr(p.name)}" arch="${escapeAttr(p.arch)}">\n  ${versionElement(p)}\n`;
  for (const f of files) out += fileElement(f, '  ');
  return `${out}</package>\n`;
}

export function otherHeader(count: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<otherdata xmlns="http://linux.duke.edu/metadata/other" packages="${count}">\n`;
}
export const OTHER_FOOTER = '</otherdata>';

export function otherPackage(p: RepoPackage, changelogs: readonly ChangelogEntry[]): string {
  let out = `<package pkgid="${p.pkgid}" name="${escapeAttr(p.name)}" arch="${escapeAttr(p.arch)}">\n  ${versionElement(p)}\n`;
  for (const c of changelogs) out += `  <changelog author="${escapeAttr(c.author)}" date="${c.date}">${escapeText(c.text)}</changelog>\n`;
  return `${out}</package>\n`;
}

export interface RepomdDataOut {
  type: string;
  checksum: { type: string; value: string };
  openChecksum: { type: string; value: string } | null;
  href: string;
  timestamp: number;
  size: number;
  openSize: number | null;
}

export function repomdXml(revision: string, records: readonly RepomdDataOut[]): string {
  let out = '<?xml version="1.0" encoding="UTF-8"?>\n<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">\n';
  out += `  <revision>${escapeText(revision)}</revision>\n`;
  for (const r of records) {
    out += `  <data type="${escapeAttr(r.type)}">\n`;
    out += `    <checksum type="${r.checksum.type}">${r.checksum.value}</checksum>\n`;
    if (r.openChecksum) out += `    <open-checksum type="${r.openChecksum.type}">${r.openChecksum.value}</open-checksum>\n`;
    out += `    <location href="${escapeAttr(r.href)}"/>\n`;
    out += `    <timestamp>${r.timestamp}</timestamp>\n`;
    out += `    <size>${r.size}</size>\n`;
    if (r.openSize !== null) out += `    <open-size>${r.openSize}</open-size>\n`;
    out += '  </data>\n';
  }
  return `${out}</repomd>\n`;
}
