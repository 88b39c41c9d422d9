/**
 * Turns a PackageDescription into the exact values the header and payload carry: files sorted
 * by path with inodes, sizes, digests and flags as rpmbuild computes them, dependency sets with
 * rpmbuild's automatic entries, sorted and de-duplicated the way rpm's dependency sets are.
 */
import { createHash } from 'node:crypto';
import { AtollError } from '../../errors/index.js';
import { RPMSENSE, DEPENDENCY_KINDS, type Dependency, type DependencyKind } from '../package/index.js';
import { RPMFILE, SCRIPT_KINDS, type ScriptKind } from '../header/index.js';
import {
  type DependencyInput,
  type FileContent,
  type FileInput,
  type FileType,
  type PackageDescription,
  type PayloadCompressor,
  type ScriptInput,
} from './description.js';
import { compressorSpec } from './payload-compressor.js';
import { bytesSource, fillSource, type ContentSource } from './content-source.js';


/** FILEVERIFYFLAGS: all checks; %ghost drops digest, size, link target and mtime. */
export const VERIFY_ALL = 0xffffffff;
export const VERIFY_GHOST = 0xffffffd8;

/** rpmbuild's default buildtime when neither the description nor SOURCE_DATE_EPOCH gives one. */
export const DEFAULT_BUILDTIME = 1700000000;

const TYPE_BITS: Record<FileType, number> = {
  file: 0o100000,
  dir: 0o040000,
  symlink: 0o120000,
  char: 0o020000,
  block: 0o060000,
  fifo: 0o010000,
};
const DEFAULT_PERMS: Record<FileType, number> = { file: 0o644, dir: 0o755, symlink: 0o777, char: 0o660, block: 0o660, fifo: 0o644 };

export interface NormalizedFile {
  path: string;
  dirname: string;
  basename: string;
  type: FileType;
  mode: number;
  /** Size recorded in the header (sizeOverride wins). */
  size: number;
  /** Content that goes into the payload (regular, non-ghost files; symlink target bytes). */
  content: ContentSource;
  digest: string;
  linkto: string;
  flags: number;
  verifyFlags: number;
  user: string;
  group: string;
  mtime: number;
  rdev: number;
  device: number;
  inode: number;
  lang: string;
  caps: string;
  /** undefined when the description gives none. */
  fileClass: string | undefined;
  ghost: boolean;
}

export interface NormalizedScript {
  body: string | undefined;
  prog: string[];
  flags: number;
}

export interface NormalizedTrigger extends NormalizedScript {
  conditions: Dependency[];
}

export interface NormalizedFileTrigger extends NormalizedScript {
  flag: number;
  prefixes: string[];
  priority: number;
}

export interface NormalizedPackage {
  name: string;
  epoch: number | null;
  version: string;
  release: string;
  arch: string;
  /** `[E:]V-R` as rpmbuild writes it in self-provides. */
  evr: string;
  summary: string;
  description: string;
  license: string;
  url: string | undefined;
  vendor: string | undefined;
  packager: string | undefined;
  platform: string | undefined;
  optflags: string | undefined;
  group: string;
  buildtime: number;
  buildhost: string;
  sourcerpm: string | null;
  deps: Record<DependencyKind, Dependency[]>;
  orderWithRequires: Dependency[];
  files: NormalizedFile[];
  scripts: Partial<Record<ScriptKind, NormalizedScript>>;
  triggers: NormalizedTrigger[];
  fileTriggers: NormalizedFileTrigger[];
  transFileTriggers: NormalizedFileTrigger[];
  changelog: { time: number; name: string; text: string }[];
  compressor: PayloadCompressor;
  level: number | undefined;
  /** Any header file size ≥ 4 GiB: LONGFILESIZES and the stripped cpio format. */
  largeFiles: boolean;
  installedSize: number;
}

function bad(message: string, data?: Record<string, unknown>): AtollError {
  return new AtollError('RPM_BUILD_DESCRIPTION_BAD', message, { data, hint: 'fix the package description' });
}

const encoder = new TextEncoder();

function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const OPS: Record<string, number> = {
  '<': RPMSENSE.LESS,
  '<=': RPMSENSE.LESS | RPMSENSE.EQUAL,
  '=': RPMSENSE.EQUAL,
  '==': RPMSENSE.EQUAL,
  '>=': RPMSENSE.GREATER | RPMSENSE.EQUAL,
  '>': RPMSENSE.GREATER,
};

const QUALIFIERS: Record<string, number> = {
  pre: RPMSENSE.SCRIPT_PRE,
  post: RPMSENSE.SCRIPT_POST,
  preun: RPMSENSE.SCRIPT_PREUN,
  postun: RPMSENSE.SCRIPT_POSTUN,
  pretrans: RPMSENSE.PRETRANS,
  posttrans: RPMSENSE.POSTTRANS,
  interp: RPMSENSE.INTERP,
  meta: RPMSENSE.META,
  verify: RPMSENSE.SCRIPT_VERIFY,
};

/** Parse `foo`, `foo >= 1.0`, `(a or b)` or the object form into a header dependency. */
export function parseDependency(input: DependencyInput, what = 'dependency'): Dependency {
  if (typeof input !== 'string') {
    if (typeof input.name !== 'string' || input.name === '') throw bad(`${what} without a name`);
    let flags = input.flags ?? 0;
    if (input.op !== undefined) {
      const op = OPS[input.op];
      if (op === undefined) throw bad(`${what} '${input.name}' has an unknown operator '${input.op}'`);
      flags |= op;
    }
    for (const q of input.qualifiers ?? []) {
      const bit = QUALIFIERS[q];
      if (bit === undefined) throw bad(`${what} '${input.name}' has an unknown qualifier '${q}'`);
      flags |= bit;
    }
    const evr = input.evr ?? '';
    if ((flags & RPMSENSE.SENSEMASK) !== 0 && evr === '') throw bad(`${what} '${input.name}' has an operator but no version`);
    if ((flags & RPMSENSE.SENSEMASK) === 0 && evr !== '') throw bad(`${what} '${input.name}' has a version but no operator`);
    checkDepText(input.name, what);
    checkDepText(evr, what);
    return { name: input.name, flags: flags >>> 0, evr };
  }
  const text = input.trim();
  if (text.startsWith('(')) {
    if (!text.endsWith(')')) throw bad(`${what} '${text}': a rich dependency must be parenthesised`);
    checkDepText(text, what);
    return { name: text, flags: 0, evr: '' };
  }
  const parts = text.split(/\s+/);
  if (parts.length === 1 && parts[0] !== '') return { name: parts[0] as string, flags: 0, evr: '' };
  if (parts.length === 3) {
    const op = OPS[parts[1] as string];
    if (op !== undefined) return { name: parts[0] as string, flags: op, evr: parts[2] as string };
  }
  throw bad(`cannot parse ${what} '${input}' (expected 'name', 'name OP evr' or '(rich dependency)')`);
}

function checkDepText(text: string, what: string): void {
  if (text.includes('\0') || /[\n\r]/.test(text)) throw bad(`${what} '${text}' contains a NUL or newline`);
}

function toSource(content: FileContent | undefined, path: string): ContentSource {
  if (content === undefined) return bytesSource(new Uint8Array(0));
  if (typeof content === 'string') return bytesSource(encoder.encode(content));
  if (content instanceof Uint8Array) return bytesSource(content);
  if (typeof content !== 'object' || content === null) throw bad(`content of '${path}' is not text, bytes, base64 or size/fill`);
  if ('base64' in content) return bytesSource(new Uint8Array(Buffer.from(content.base64, 'base64')));
  const { size, fill } = content;
  if (!Number.isSafeInteger(size) || size < 0) throw bad(`content size ${size} of '${path}' is not a non-negative integer`);
  // Produced block by block while the payload is written: large sizes cost no memory.
  if (fill === undefined) return fillSource(size, new Uint8Array(0));
  if (typeof fill === 'number') return fillSource(size, Uint8Array.of(fill & 0xff));
  return fillSource(size, encoder.encode(fill));
}

function digestOf(source: ContentSource): string {
  const hash = createHash('sha256');
  for (const chunk of source.chunks()) hash.update(chunk);
  return hash.digest('hex');
}

function checkPath(path: string): void {
  if (typeof path !== 'string' || !path.startsWith('/') || path === '/') throw bad(`file path '${path}' must be absolute and not '/'`);
  if (path.includes('\0') || /[\n\r]/.test(path)) throw bad(`file path '${path}' contains a NUL or newline`);
  const parts = path.slice(1).split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) throw bad(`file path '${path}' has an empty, '.' or '..' component`);
}

function fileType(input: FileInput): FileType {
  if (input.type !== undefined) {
    if (!(input.type in TYPE_BITS)) throw bad(`file '${input.path}' has an unknown type '${input.type}'`);
    return input.type;
  }
  return input.target !== undefined ? 'symlink' : 'file';
}

function normalizeFiles(inputs: readonly FileInput[], buildtime: number, unsafePaths: boolean): NormalizedFile[] {
  const byPath = new Map<string, FileInput>();
  for (const input of inputs) {
    if (unsafePaths) {
      if (typeof input.path !== 'string' || input.path.includes('\0')) throw bad(`file path '${input.path}' cannot be stored`);
    } else {
      checkPath(input.path);
    }
    if (byPath.has(input.path)) throw bad(`file '${input.path}' is listed twice`);
    byPath.set(input.path, input);
  }
  // Hardlinks: resolve to the set's root file (a regular, non-ghost file of this package).
  const rootOf = (input: FileInput): FileInput => {
    const seen = new Set<string>();
    let current = input;
    while (current.hardlink !== undefined) {
      if (seen.has(current.path)) throw bad(`hardlink cycle through '${current.path}'`);
      seen.add(current.path);
      const next = byPath.get(current.hardlink);
      if (next === undefined) throw bad(`file '${current.path}' is a hardlink of '${current.hardlink}', which the package does not contain`);
      current = next;
    }
    if (fileType(current) !== 'file' || current.ghost) throw bad(`hardlink set of '${input.path}' must consist of regular non-ghost files`);
    return current;
  };
  const sorted = [...byPath.values()].sort((a, b) => byteCompare(a.path, b.path));
  const inodeOfRoot = new Map<string, number>();
  // Hardlink members share the content: hash it once (it may be gigabytes).
  const digestCache = new Map<string, string>();
  const cacheDigest = (path: string, content: ContentSource): string => {
    const digest = digestOf(content);
    digestCache.set(path, digest);
    return digest;
  };
  const linkedRoots = new Set<string>(sorted.filter((f) => f.hardlink !== undefined).map((f) => rootOf(f).path));
  const out: NormalizedFile[] = [];
  sorted.forEach((input, index) => {
    const type = fileType(input);
    const ghost = input.ghost === true;
    const isHardlink = input.hardlink !== undefined;
    if (isHardlink && (type !== 'file' || ghost)) throw bad(`hardlink '${input.path}' must be a regular non-ghost file`);
    if (isHardlink && input.content !== undefined) throw bad(`hardlink '${input.path}' takes its content from '${input.hardlink}'; do not give content`);
    if (type === 'symlink' && (input.target === undefined || input.target === '')) throw bad(`symlink '${input.path}' needs a target`);
    if (type !== 'symlink' && input.target !== undefined) throw bad(`'${input.path}' has a target but is not a symlink`);
    if (type !== 'file' && input.content !== undefined) throw bad(`'${input.path}' is a ${type} and cannot have content`);
    if (input.target !== undefined && (input.target.includes('\0') || /[\n\r]/.test(input.target))) throw bad(`symlink '${input.path}' target contains a NUL or newline`);
    const root = isHardlink ? rootOf(input) : input;
    let inode = index + 1;
    if (isHardlink || linkedRoots.has(input.path)) {
      const known = inodeOfRoot.get(root.path);
      if (known === undefined) inodeOfRoot.set(root.path, inode);
      else inode = known;
    }
    const perms = input.mode ?? DEFAULT_PERMS[type];
    if (!Number.isInteger(perms) || perms < 0 || perms > 0o7777) throw bad(`file '${input.path}' mode ${perms} is not a permission value (0..0o7777)`);
    const content =
      type === 'file' && !ghost ? toSource(root.content, input.path) : type === 'symlink' ? bytesSource(encoder.encode(input.target)) : bytesSource(new Uint8Array(0));
    let size = type === 'file' || type === 'symlink' ? content.size : 0;
    const override = input.sizeOverride ?? (isHardlink ? root.sizeOverride : undefined);
    if (override !== undefined) {
      if (!Number.isSafeInteger(override) || override < 0 || type !== 'file') throw bad(`sizeOverride of '${input.path}' must be a non-negative integer on a regular file`);
      size = override;
    }
    let flags = 0;
    if (input.config) flags |= RPMFILE.CONFIG;
    if (input.doc) flags |= RPMFILE.DOC;
    if (input.missingok) flags |= RPMFILE.MISSINGOK | RPMFILE.CONFIG;
    if (input.noreplace) flags |= RPMFILE.NOREPLACE | RPMFILE.CONFIG;
    if (ghost) flags |= RPMFILE.GHOST;
    if (input.license) flags |= RPMFILE.LICENSE;
    if (input.readme) flags |= RPMFILE.README;
    if (input.artifact) flags |= RPMFILE.ARTIFACT;
    const rdev = input.rdev === undefined ? 0 : ((input.rdev.major & 0xff) << 8) | (input.rdev.minor & 0xff);
    if (input.rdev !== undefined && type !== 'char' && type !== 'block') throw bad(`'${input.path}' has rdev but is not a device`);
    const slash = input.path.lastIndexOf('/');
    const user = input.user ?? 'root';
    const group = input.group ?? 'root';
    if (!/^[^\s:/\0]+$/.test(user) || !/^[^\s:/\0]+$/.test(group)) throw bad(`'${input.path}' has an invalid owner '${user}:${group}'`);
    const mtime = input.mtime ?? buildtime;
    if (!Number.isInteger(mtime) || mtime < 0 || mtime > 0xffffffff) throw bad(`'${input.path}' mtime ${mtime} is out of range`);
    out.push({
      path: input.path,
      dirname: input.path.slice(0, slash + 1),
      basename: input.path.slice(slash + 1),
      type,
      mode: TYPE_BITS[type] | perms,
      size,
      content,
      digest: type === 'file' && !ghost ? (digestCache.get(root.path) ?? cacheDigest(root.path, content)) : '',
      linkto: type === 'symlink' ? (input.target as string) : '',
      flags,
      verifyFlags: (input.verifyFlags ?? (ghost ? VERIFY_GHOST : VERIFY_ALL)) >>> 0,
      user,
      group,
      mtime,
      rdev,
      device: ghost ? 0 : 1,
      inode,
      lang: input.lang ?? '',
      caps: input.caps ?? '',
      fileClass: input.fileClass,
      ghost,
    });
  });
  return out;
}

function normalizeScript(input: ScriptInput | string, what: string): NormalizedScript {
  const script = typeof input === 'string' ? { body: input } : input;
  const prog = script.prog === undefined ? ['/bin/sh'] : typeof script.prog === 'string' ? [script.prog] : [...script.prog];
  if (prog.length === 0 || prog.some((p) => p === '' || p.includes('\0'))) throw bad(`${what} has an empty interpreter`);
  if (prog[0] !== '<lua>' && !(prog[0] as string).startsWith('/')) throw bad(`${what} interpreter '${prog[0]}' must be an absolute path or <lua>`);
  return { body: script.body, prog, flags: script.flags ?? 0 };
}

const TRIGGER_FLAG = { prein: RPMSENSE.TRIGGERPREIN, in: RPMSENSE.TRIGGERIN, un: RPMSENSE.TRIGGERUN, postun: RPMSENSE.TRIGGERPOSTUN } as const;

const SCRIPT_SENSE: Record<ScriptKind, number> = {
  pretrans: RPMSENSE.PRETRANS,
  prein: RPMSENSE.SCRIPT_PRE,
  postin: RPMSENSE.SCRIPT_POST,
  preun: RPMSENSE.SCRIPT_PREUN,
  postun: RPMSENSE.SCRIPT_POSTUN,
  posttrans: RPMSENSE.POSTTRANS,
  verifyscript: RPMSENSE.SCRIPT_VERIFY,
};
const SCRIPT_ALIASES: Record<string, ScriptKind> = { pre: 'prein', post: 'postin' };

/** `%{_isa}` of an arch, as rpm's macros define it (`name(x86-64)`); undefined for noarch/unknown. */
export function isaSuffix(arch: string): string | undefined {
  if (arch === 'x86_64' || arch === 'amd64') return 'x86-64';
  if (/^i[3-6]86$/.test(arch) || arch === 'athlon') return 'x86-32';
  if (arch === 'aarch64') return 'aarch-64';
  if (arch === 'ppc64le' || arch === 'ppc64') return 'ppc-64';
  if (arch === 's390x') return 's390-64';
  if (arch === 'riscv64') return 'riscv-64';
  if (/^armv7/.test(arch)) return 'arm-32';
  return undefined;
}

/** rpm's dependency-set order: name, then EVR (both bytewise), then flags; exact duplicates dropped. */
export function sortDependencies(deps: readonly Dependency[]): Dependency[] {
  const sorted = [...deps].sort((a, b) => byteCompare(a.name, b.name) || byteCompare(a.evr, b.evr) || a.flags - b.flags);
  return sorted.filter((d, i) => {
    const prev = sorted[i - 1];
    return prev === undefined || prev.name !== d.name || prev.evr !== d.evr || prev.flags !== d.flags;
  });
}

function buildtimeDefault(): number {
  const sde = process.env.SOURCE_DATE_EPOCH;
  if (sde !== undefined && /^\d+$/.test(sde)) return Number(sde);
  return DEFAULT_BUILDTIME;
}

const RPMLIB = (name: string, version: string): Dependency => ({
  name: `rpmlib(${name})`,
  flags: RPMSENSE.RPMLIB | RPMSENSE.LESS | RPMSENSE.EQUAL,
  evr: version,
});

const FOUR_GIB = 2 ** 32;

const PACKAGE_KEYS = new Set([
  'name', 'epoch', 'version', 'release', 'arch', 'summary', 'description', 'license', 'url', 'vendor', 'packager', 'group',
  'buildtime', 'buildhost', 'platform', 'optflags', 'sourcerpm', ...DEPENDENCY_KINDS, 'orderWithRequires', 'files', 'scripts', 'triggers',
  'fileTriggers', 'changelog', 'payload', 'autoDeps', 'autoReqProv',
]);
const FILE_KEYS = new Set([
  'path', 'type', 'content', 'target', 'hardlink', 'mode', 'user', 'group', 'mtime', 'caps', 'lang', 'verifyFlags', 'fileClass',
  'rdev', 'sizeOverride', 'config', 'noreplace', 'missingok', 'ghost', 'doc', 'license', 'readme', 'artifact',
]);

/** Descriptions often come from YAML: a misspelt key must not be silently ignored. */
function checkKeys(value: object, allowed: ReadonlySet<string>, what: string): void {
  const unknown = Object.keys(value).filter((k) => !allowed.has(k));
  if (unknown.length > 0) throw bad(`${what} has unknown key(s): ${unknown.join(', ')}`, { unknown });
}

export interface NormalizeOptions {
  /**
   * Hostile-input tests only: accept file paths with `..`, `.`, empty components or no leading
   * `/` (they end up verbatim in the header and as `.PATH` in the cpio), so readers can be tested
   * against escape attempts. Never set it for packages meant to be installed.
   */
  unsafePaths?: boolean;
}

export function normalizePackage(desc: PackageDescription, options: NormalizeOptions = {}): NormalizedPackage {
  if (typeof desc !== 'object' || desc === null) throw bad('the package description must be an object');
  checkKeys(desc, PACKAGE_KEYS, `package '${String(desc.name)}'`);
  for (const f of desc.files ?? []) {
    if (typeof f !== 'object' || f === null) throw bad(`package '${desc.name}': a file entry is not an object`);
    checkKeys(f, FILE_KEYS, `file '${String(f.path)}'`);
  }
  for (const key of ['name', 'version', 'release'] as const) {
    const value = desc[key];
    if (typeof value !== 'string' || value === '' || /[\s\0]/.test(value)) throw bad(`package ${key} '${String(value)}' must be a non-empty string without whitespace`);
  }
  if (/[-]/.test(desc.version) || /[-]/.test(desc.release)) throw bad(`version and release cannot contain '-' (${desc.version}-${desc.release})`);
  if (desc.name.includes('/') || desc.name.startsWith('(')) throw bad(`package name '${desc.name}' is not a valid name`);
  const epoch = desc.epoch ?? null;
  if (epoch !== null && (!Number.isInteger(epoch) || epoch < 0 || epoch > 0x7fffffff)) throw bad(`epoch ${epoch} is not a non-negative integer`);
  const arch = desc.arch ?? 'noarch';
  if (!/^[A-Za-z0-9_]+$/.test(arch)) throw bad(`arch '${arch}' is not valid`);
  const evr = `${epoch === null ? '' : `${epoch}:`}${desc.version}-${desc.release}`;
  const buildtime = desc.buildtime ?? buildtimeDefault();
  if (!Number.isInteger(buildtime) || buildtime < 0 || buildtime > 0xffffffff) throw bad(`buildtime ${buildtime} is out of range`);
  const autoDeps = desc.autoDeps ?? true;
  const compressor = desc.payload?.compressor ?? 'gzip';
  const spec = compressorSpec(compressor);
  const level = desc.payload?.level ?? spec.defaultLevel;
  if (desc.payload?.level !== undefined) {
    const range = spec.levels;
    if (range === undefined || !Number.isInteger(level) || (level as number) < range[0] || (level as number) > range[1]) {
      throw bad(`payload level ${desc.payload.level} is not valid for ${compressor}${range ? ` (${range[0]}..${range[1]})` : ' (takes no level)'}`);
    }
  }

  const deps = {} as Record<DependencyKind, Dependency[]>;
  for (const kind of DEPENDENCY_KINDS) {
    deps[kind] = (desc[kind] ?? []).map((d) => parseDependency(d, kind.replace(/s$/, '')));
  }
  for (const kind of ['provides', 'obsoletes'] as const) {
    const rich = deps[kind].find((d) => d.name.startsWith('('));
    if (rich) throw bad(`${kind} cannot contain rich dependencies ('${rich.name}')`);
  }

  const files = normalizeFiles(desc.files ?? [], buildtime, options.unsafePaths === true);
  const scripts: Partial<Record<ScriptKind, NormalizedScript>> = {};
  for (const [key, input] of Object.entries(desc.scripts ?? {})) {
    const kind = SCRIPT_ALIASES[key] ?? key;
    if (!SCRIPT_KINDS.includes(kind as ScriptKind)) throw bad(`unknown scriptlet '${key}' (supported: ${SCRIPT_KINDS.join(', ')}, pre, post)`);
    if (scripts[kind as ScriptKind] !== undefined) throw bad(`scriptlet '${kind}' is given twice (alias '${key}')`);
    if (input !== undefined) scripts[kind as ScriptKind] = normalizeScript(input, `%${key}`);
  }
  const triggers = (desc.triggers ?? []).map((t, i) => {
    const flag = TRIGGER_FLAG[t.type];
    if (flag === undefined) throw bad(`trigger ${i} has an unknown type '${t.type}'`);
    if (t.conditions.length === 0) throw bad(`trigger ${i} has no conditions`);
    const conditions = t.conditions.map((c) => {
      const d = parseDependency(c, 'trigger condition');
      return { ...d, flags: (d.flags | flag) >>> 0 };
    });
    const script = normalizeScript(t, `trigger ${i}`);
    // rpm keeps only the program for trigger scripts (TRIGGERSCRIPTPROG is one string each).
    if (script.prog.length > 1) throw bad(`trigger ${i}: trigger interpreters take no arguments`);
    return { ...script, conditions };
  });
  const fileTriggers: NormalizedFileTrigger[] = [];
  const transFileTriggers: NormalizedFileTrigger[] = [];
  (desc.fileTriggers ?? []).forEach((t, i) => {
    const flag = t.type === 'in' || t.type === 'un' || t.type === 'postun' ? TRIGGER_FLAG[t.type] : undefined;
    if (flag === undefined) throw bad(`file trigger ${i} has an unknown type '${t.type}'`);
    if (t.prefixes.length === 0 || t.prefixes.some((p) => !p.startsWith('/'))) throw bad(`file trigger ${i} needs absolute path prefixes`);
    const script = normalizeScript(t, `file trigger ${i}`);
    if (script.prog.length > 1) throw bad(`file trigger ${i}: trigger interpreters take no arguments`);
    const normalized = { ...script, flag, prefixes: [...t.prefixes], priority: t.priority ?? 1000000 };
    (t.scope === 'transaction' ? transFileTriggers : fileTriggers).push(normalized);
  });

  const largeFiles = files.some((f) => f.size >= FOUR_GIB);
  let installedSize = 0;
  const countedInodes = new Set<number>();
  for (const f of files) {
    if (f.ghost || (f.type !== 'file' && f.type !== 'symlink')) continue;
    if (countedInodes.has(f.inode)) continue;
    countedInodes.add(f.inode);
    installedSize += f.size;
  }

  if (autoDeps) {
    deps.provides.push({ name: desc.name, flags: RPMSENSE.EQUAL, evr });
    const isa = isaSuffix(arch);
    if (isa !== undefined) deps.provides.push({ name: `${desc.name}(${isa})`, flags: RPMSENSE.EQUAL, evr });
    if ((desc.autoReqProv ?? true) && files.some((f) => f.flags & RPMFILE.CONFIG)) {
      const config = { name: `config(${desc.name})`, flags: RPMSENSE.EQUAL | RPMSENSE.CONFIG, evr };
      deps.provides.push(config);
      deps.requires.push({ ...config });
    }
    // Interpreters of scriptlets and triggers, flagged as rpmbuild flags them.
    for (const kind of SCRIPT_KINDS) {
      const s = scripts[kind];
      if (s && s.prog[0] !== '<lua>') deps.requires.push({ name: s.prog[0] as string, flags: RPMSENSE.INTERP | SCRIPT_SENSE[kind], evr: '' });
    }
    for (const t of [...triggers, ...fileTriggers, ...transFileTriggers]) {
      if (t.prog[0] !== '<lua>') deps.requires.push({ name: t.prog[0] as string, flags: RPMSENSE.INTERP, evr: '' });
    }
    // rpmlib() features used, as rpmbuild records them.
    const allScripts = [...Object.values(scripts), ...triggers, ...fileTriggers, ...transFileTriggers];
    const rpmlib: Dependency[] = [RPMLIB('CompressedFileNames', '3.0.4-1'), RPMLIB('FileDigests', '4.6.0-1'), RPMLIB('PayloadFilesHavePrefix', '4.0-1')];
    if (spec.rpmlib) rpmlib.push({ name: spec.rpmlib.name, flags: RPMSENSE.RPMLIB | RPMSENSE.LESS | RPMSENSE.EQUAL, evr: spec.rpmlib.version });
    if (largeFiles) rpmlib.push(RPMLIB('LargeFiles', '4.12.0-1'));
    if (files.some((f) => f.caps !== '')) rpmlib.push(RPMLIB('FileCaps', '4.6.1-1'));
    if (new Set(files.map((f) => f.inode)).size < files.length) rpmlib.push(RPMLIB('PartialHardlinkSets', '4.0.4-1'));
    if (allScripts.some((s) => s.prog[0] === '<lua>')) rpmlib.push(RPMLIB('BuiltinLuaScripts', '4.2.2-1'));
    if (allScripts.some((s) => s.prog.length > 1)) rpmlib.push(RPMLIB('ScriptletInterpreterArgs', '4.0.3-1'));
    if (allScripts.some((s) => s.flags & 0x1)) rpmlib.push(RPMLIB('ScriptletExpansion', '4.9.0-1'));
    const everyDep = DEPENDENCY_KINDS.flatMap((k) => deps[k]);
    if (everyDep.some((d) => d.name.startsWith('('))) rpmlib.push(RPMLIB('RichDependencies', '4.12.0-1'));
    const versions = [desc.version, desc.release, ...everyDep.map((d) => d.evr)];
    if (versions.some((v) => v.includes('~'))) rpmlib.push(RPMLIB('TildeInVersions', '4.10.0-1'));
    if (versions.some((v) => v.includes('^'))) rpmlib.push(RPMLIB('CaretInVersions', '4.15.0-1'));
    deps.requires.push(...rpmlib);
  }
  for (const kind of DEPENDENCY_KINDS) deps[kind] = sortDependencies(deps[kind]);

  return {
    name: desc.name,
    epoch,
    version: desc.version,
    release: desc.release,
    arch,
    evr,
    summary: desc.summary ?? desc.name,
    description: desc.description ?? desc.summary ?? desc.name,
    license: desc.license ?? 'MIT',
    url: desc.url,
    vendor: desc.vendor,
    packager: desc.packager,
    platform: desc.platform,
    optflags: desc.optflags,
    group: desc.group ?? 'Unspecified',
    buildtime,
    buildhost: desc.buildhost ?? 'atoll.invalid',
    sourcerpm: desc.sourcerpm === undefined ? `${desc.name}-${desc.version}-${desc.release}.src.rpm` : desc.sourcerpm,
    deps,
    orderWithRequires: sortDependencies((desc.orderWithRequires ?? []).map((d) => parseDependency(d, 'order-with-requires'))),
    files,
    scripts,
    triggers,
    fileTriggers,
    transFileTriggers,
    changelog: desc.changelog ?? [],
    compressor,
    level,
    largeFiles,
    installedSize,
  };
}
