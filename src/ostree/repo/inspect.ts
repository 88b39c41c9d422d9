import { AtollError } from '../../errors/index.js';
import type { Repo } from './repo.js';
import { loadCommit, loadDirMeta, loadDirTree, loadDetachedMetadata, resolvePath, type TreeEntry } from './read.js';
import { loadContent } from './content.js';
import { ObjectType, commitContentChecksum, isSymlinkMode, type Commit, type Xattr, S_IFMT, S_IFDIR, S_IFLNK } from './codec.js';
import { printGVariant, byteswapGVariant } from '../../gvariant/index.js';
import { sizesFromVariant } from '../objects/index.js';

/**
 * The text of `ostree ls`, `log` and `show`, byte for byte (ot-builtin-ls.c, ot-dump.c).
 * Pure formatting over repo reads; the CLI prints what these return.
 */
export interface LsOptions {
  recursive?: boolean;
  checksums?: boolean;
  xattrs?: boolean;
  dirOnly?: boolean;
}

interface Info {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  target: string;
  xattrs: readonly Xattr[];
}

async function entryInfo(repo: Repo, entry: TreeEntry): Promise<Info> {
  if (entry.kind === 'dir') {
    const meta = await loadDirMeta(repo, entry.metaChecksum);
    return { mode: meta.mode, uid: meta.uid, gid: meta.gid, size: 0, target: '', xattrs: meta.xattrs };
  }
  const content = await loadContent(repo, entry.checksum);
  return { mode: content.header.mode, uid: content.header.uid, gid: content.header.gid, size: content.size, target: content.header.symlinkTarget ?? '', xattrs: content.header.xattrs };
}

function lsLine(path: string, entry: TreeEntry, info: Info, options: LsOptions): string {
  const typeChar = (info.mode & S_IFMT) === S_IFDIR ? 'd' : (info.mode & S_IFMT) === S_IFLNK ? 'l' : '-';
  let line = `${typeChar}0${(info.mode & ~S_IFMT).toString(8).padStart(4, '0')} ${info.uid} ${info.gid} ${String(info.size).padStart(6, ' ')} `;
  if (options.checksums) line += entry.kind === 'dir' ? `${entry.treeChecksum} ${entry.metaChecksum} ` : `${entry.checksum} `;
  if (options.xattrs) {
    const value = info.xattrs.map((x) => [Uint8Array.from([...Buffer.from(x.name), 0]), x.value]);
    line += `{ ${printGVariant('a(ayay)', value)} } `;
  }
  line += path;
  if (isSymlinkMode(info.mode)) line += ` -> ${info.target}`;
  return line;
}

function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** Lines of `ostree ls [-R] [-C] [-X] [-d] REV PATH...` (paths default to `/`). */
export async function listTree(repo: Repo, commitChecksum: string, paths: readonly string[], options: LsOptions = {}): Promise<string[]> {
  const commit = await loadCommit(repo, commitChecksum);
  const lines: string[] = [];
  const listChildren = async (path: string, entry: Extract<TreeEntry, { kind: 'dir' }>, recurse: boolean): Promise<void> => {
    const tree = await loadDirTree(repo, entry.treeChecksum);
    for (const f of tree.files) {
      const child: TreeEntry = { kind: 'file', name: f.name, checksum: f.checksum };
      lines.push(lsLine(childPath(path, f.name), child, await entryInfo(repo, child), options));
    }
    for (const d of tree.dirs) {
      const child: TreeEntry = { kind: 'dir', name: d.name, treeChecksum: d.treeChecksum, metaChecksum: d.metaChecksum };
      lines.push(lsLine(childPath(path, d.name), child, await entryInfo(repo, child), options));
      if (recurse) await listChildren(childPath(path, d.name), child, true);
    }
  };
  for (const raw of paths.length > 0 ? paths : ['/']) {
    const path = normalizePath(raw);
    const entry = await resolvePath(repo, commit, path);
    lines.push(lsLine(path, entry, await entryInfo(repo, entry), options));
    if (entry.kind === 'dir' && !options.dirOnly) await listChildren(path, entry, Boolean(options.recursive));
  }
  return lines;
}

export function normalizePath(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  return `/${parts.join('/')}`;
}

/** `YYYY-MM-DD HH:MM:SS +0000`, as ostree formats commit dates (UTC). */
export function formatCommitDate(stored: bigint): string {
  // GLib reads the guint64 as gint64 seconds: dates before 1970 come back.
  const timestamp = BigInt.asIntN(64, stored);
  const ms = Number(timestamp) * 1000;
  const date = new Date(ms);
  if (!Number.isFinite(ms) || Number.isNaN(date.getTime()) || timestamp > 253402300799n || timestamp < -62135596800n) {
    throw new AtollError('OSTREE_COMMIT_BAD_TIMESTAMP', `invalid timestamp ${timestamp}`);
  }
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(date.getUTCFullYear(), 4)}-${p(date.getUTCMonth() + 1)}-${p(date.getUTCDate())} ${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`;
}

/**
 * GLib's `g_date_time_format (dt, "%c")` in the C locale, in UTC (`Fri Oct 25 00:00:00 1985`;
 * `%e` pads with a figure space, as GLib does): how ostree shows timestamps in its errors.
 */
export function formatGlibCTime(seconds: bigint | number): string {
  const d = new Date(Number(seconds) * 1000);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, '\u2007')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

function indentLines(text: string): string {
  let out = '';
  let data = text;
  while (true) {
    const nl = data.indexOf('\n');
    if (nl >= 0) {
      out += `    ${data.slice(0, nl + 1)}`;
      data = data.slice(nl + 1);
    } else {
      if (data !== '') out += `    ${data}\n`;
      return out;
    }
  }
}

/** One commit as `ostree log`/`show` print it. */
export function formatCommit(checksum: string, commit: Commit): string {
  let out = `commit ${checksum}\n`;
  if (commit.parent !== null) out += `Parent:  ${commit.parent}\n`;
  out += `ContentChecksum:  ${commitContentChecksum(commit)}\n`;
  out += `Date:  ${formatCommitDate(commit.timestamp)}\n`;
  const version = commit.metadata.get('version');
  if (version && version.type === 's') out += `Version: ${version.value as string}\n`;
  if (commit.subject !== '') out += `\n${indentLines(commit.subject)}`;
  else out += '(no subject)\n';
  if (commit.body !== '') out += `\n${indentLines(commit.body)}`;
  out += '\n';
  return out;
}

/** `ostree log REV`: the commit and its ancestors while they are present. */
export async function formatLog(repo: Repo, checksum: string): Promise<string> {
  let out = '';
  let current: string | null = checksum;
  while (current !== null) {
    if (!(await repo.hasObject(current, ObjectType.Commit))) {
      out += '<< History beyond this commit not fetched >>\n';
      break;
    }
    const commit = await loadCommit(repo, current);
    out += formatCommit(current, commit);
    current = commit.parent;
  }
  return out;
}

/** `ostree show --print-metadata-key=KEY`: the value in GVariant text form. */
/**
 * One metadata value in GVariant text. `byteswap`: print it byte-swapped, as `ostree show`
 * does on little-endian hosts unless `-B/--no-byteswap` (metadata written by old big-endian
 * tooling reads right that way; values of native builds then look swapped).
 */
export async function printMetadataKey(repo: Repo, checksum: string, key: string, detached = false, byteswap = false): Promise<string> {
  let dict;
  if (detached) {
    dict = (await loadDetachedMetadata(repo, checksum)) ?? new Map();
  } else {
    dict = (await loadCommit(repo, checksum)).metadata;
  }
  const value = dict.get(key);
  if (!value) throw new AtollError('OSTREE_METADATA_KEY_MISSING', `no such metadata key '${key}'`);
  return printGVariant(value.type, byteswap ? byteswapGVariant(value.type, value.value) : value.value);
}

/** `show --print-sizes`: totals of a commit's `ostree.sizes`, and what of it this repository lacks. */
export interface CommitSizes {
  archived: { needed: number; total: number };
  unpacked: { needed: number; total: number };
  objects: { needed: number; total: number };
}

export async function commitSizes(repo: Repo, checksum: string): Promise<CommitSizes> {
  const value = (await loadCommit(repo, checksum)).metadata.get('ostree.sizes');
  if (!value) throw new AtollError('OSTREE_METADATA_KEY_MISSING', 'No metadata key ostree.sizes in commit', { hint: 'the commit was made without --generate-sizes' });
  const out: CommitSizes = { archived: { needed: 0, total: 0 }, unpacked: { needed: 0, total: 0 }, objects: { needed: 0, total: 0 } };
  for (const entry of sizesFromVariant(value)) {
    // Entries from before ostree 2020.1 carry no type: they list content objects only.
    const exists = await repo.hasObject(entry.checksum, entry.objectType ?? ObjectType.File);
    out.archived.total += entry.archivedSize;
    out.unpacked.total += entry.unpackedSize;
    out.objects.total++;
    if (!exists) {
      out.archived.needed += entry.archivedSize;
      out.unpacked.needed += entry.unpackedSize;
      out.objects.needed++;
    }
  }
  return out;
}

/** GLib's g_format_size (SI units; a no-break space before kB and above). */
export function formatGSize(n: number): string {
  if (n < 1000) return n === 1 ? '1 byte' : `${n} bytes`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let value = n / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)}\u00a0${units[unit] as string}`;
}

/** The three lines `ostree show --print-sizes` prints. */
export function formatCommitSizes(sizes: CommitSizes): string {
  return (
    `Compressed size (needed/total): ${formatGSize(sizes.archived.needed)}/${formatGSize(sizes.archived.total)}\n` +
    `Unpacked size (needed/total): ${formatGSize(sizes.unpacked.needed)}/${formatGSize(sizes.unpacked.total)}\n` +
    `Number of objects (needed/total): ${sizes.objects.needed}/${sizes.objects.total}\n`
  );
}
