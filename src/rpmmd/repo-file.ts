import { AtollError } from '../errors/index.js';
import { debug, warn, nullReporter, type Reporter } from '../report/index.js';
import { substituteVars, type RepoVars } from './vars.js';
import { normalizeBaseUrl } from './mirrors.js';

/** A repository as a `.repo` section configures it (rpm-md.md §7.2), after substitution. */
export interface RepoConfig {
  id: string;
  name: string;
  baseurls: string[];
  mirrorlist: string | null;
  metalink: string | null;
  enabled: boolean;
  gpgcheck: boolean;
  repoGpgcheck: boolean;
  gpgkeys: string[];
  priority: number;
  cost: number;
  excludepkgs: string[];
  includepkgs: string[];
  skipIfUnavailable: boolean;
  /** Seconds; -1 = never expires. */
  metadataExpire: number;
  type: string;
  /** Options atoll does not interpret, kept verbatim. */
  extra: Record<string, string>;
  /** Where it was defined. */
  file: string;
  line: number;
}

export const DEFAULT_METADATA_EXPIRE = 172_800;

export function defaultRepoConfig(id: string, baseurls: string[] = []): RepoConfig {
  return {
    id,
    name: id,
    baseurls,
    mirrorlist: null,
    metalink: null,
    enabled: true,
    gpgcheck: false,
    repoGpgcheck: false,
    gpgkeys: [],
    priority: 99,
    cost: 1000,
    excludepkgs: [],
    includepkgs: [],
    skipIfUnavailable: false,
    metadataExpire: DEFAULT_METADATA_EXPIRE,
    type: 'rpm-md',
    extra: {},
    file: '',
    line: 0,
  };
}

interface RawSection {
  name: string;
  line: number;
  options: Array<{ key: string; value: string; line: number }>;
}

function syntaxError(file: string, line: number, message: string): AtollError {
  return new AtollError('RPMMD_REPO_FILE_SYNTAX', `${file}:${line}: ${message}`, { data: { file, line } });
}

/** libdnf's INI grammar (§7.1): comments in column 0, continuation lines, quoted values. */
export function parseIni(text: string, file: string): RawSection[] {
  const sections: RawSection[] = [];
  let current: RawSection | null = null;
  let last: { value: string } | null = null;
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.replace(/\r$/, '');
    if (line === '' || line.startsWith('#') || line.startsWith(';')) {
      last = null;
      return;
    }
    if (/^[ \t]/.test(line)) {
      if (last === null) {
        if (line.trim() === '') return;
        throw syntaxError(file, lineNo, 'continuation line without a preceding option');
      }
      last.value += `\n${line.trim()}`;
      return;
    }
    if (line.startsWith('[')) {
      const close = line.indexOf(']');
      if (close < 0) throw syntaxError(file, lineNo, 'section header without closing bracket');
      const rest = line.slice(close + 1).trim();
      if (rest !== '' && !rest.startsWith('#') && !rest.startsWith(';')) throw syntaxError(file, lineNo, `unexpected text after section header: '${rest}'`);
      const name = line.slice(1, close).trim();
      if (name === '') throw syntaxError(file, lineNo, 'empty section name');
      current = { name, line: lineNo, options: [] };
      sections.push(current);
      last = null;
      return;
    }
    const eq = line.indexOf('=');
    if (eq < 0) throw syntaxError(file, lineNo, `expected 'key=value', got '${line.trim()}'`);
    if (eq === 0) throw syntaxError(file, lineNo, 'option without a name');
    if (current === null) throw syntaxError(file, lineNo, 'option before any [section]');
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).replace(/^[ \t]+/, '').replace(/[ \t]+$/, '');
    const option = { key, value, line: lineNo };
    (current as RawSection).options.push(option);
    last = option;
  });
  for (const section of sections) {
    for (const option of section.options) {
      const v = option.value.replace(/[ \t\n]+$/, '');
      option.value = v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0] ? v.slice(1, -1) : v;
    }
  }
  return sections;
}

export function parseBool(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (['1', 'yes', 'true', 'on'].includes(v)) return true;
  if (['0', 'no', 'false', 'off'].includes(v)) return false;
  return undefined;
}

/** Split a list value on commas, spaces and newlines; empty and `None` mean empty. */
export function parseList(value: string): string[] {
  if (value.trim() === '' || value.trim() === 'None') return [];
  return value.split(/[\s,]+/).filter((s) => s !== '');
}

/** Seconds: `N`, `Ns|m|h|d`, `-1`/`never`. */
export function parseSeconds(value: string): number | undefined {
  const v = value.trim().toLowerCase();
  if (v === '-1' || v === 'never') return -1;
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(v);
  if (!m) return undefined;
  const mult = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Math.floor(Number(m[1]) * mult);
}

const REPO_ID = /^[A-Za-z0-9\-_.:]+$/;

/**
 * Parse one `.repo` file into repository configs, substituting variables in section names and
 * values. Syntax errors throw RPMMD_REPO_FILE_SYNTAX naming file and line. As dnf does, an
 * invalid value is reported and left at its default, an invalid repo id skips that repo,
 * `[main]` is skipped, unknown options are kept in `extra` with a debug message.
 */
export function parseRepoFile(text: string, file: string, vars: RepoVars, reporter: Reporter = nullReporter): RepoConfig[] {
  const out: RepoConfig[] = [];
  for (const section of parseIni(text, file)) {
    const id = substituteVars(section.name, vars);
    if (id === 'main') continue;
    if (!REPO_ID.test(id)) {
      warn(reporter, `${file}:${section.line}: bad repository id '${id}', skipping it`, 'RPMMD_REPO_ID_INVALID');
      continue;
    }
    const repo = defaultRepoConfig(id);
    repo.file = file;
    repo.line = section.line;
    let nameSet = false;
    for (const option of section.options) {
      const value = substituteVars(option.value, vars);
      const bad = (): void => warn(reporter, `${file}:${option.line}: invalid configuration value: ${option.key}=${value} in repository '${id}'`);
      const bool = (set: (b: boolean) => void): void => {
        const b = parseBool(value);
        if (b === undefined) bad();
        else set(b);
      };
      const integer = (set: (n: number) => void): void => {
        const n = Number(value.trim());
        if (value.trim() === '' || !Number.isInteger(n)) bad();
        else set(n);
      };
      const url = (): string | null => (value.trim() === '' || value.trim() === 'None' ? null : value.trim());
      switch (option.key) {
        case 'name':
          repo.name = value;
          nameSet = true;
          break;
        case 'baseurl':
          repo.baseurls = parseList(value).map(normalizeBaseUrl);
          break;
        case 'mirrorlist':
          repo.mirrorlist = url();
          break;
        case 'metalink':
          repo.metalink = url();
          break;
        case 'enabled':
          bool((b) => (repo.enabled = b));
          break;
        case 'gpgcheck':
          bool((b) => (repo.gpgcheck = b));
          break;
        case 'repo_gpgcheck':
          bool((b) => (repo.repoGpgcheck = b));
          break;
        case 'skip_if_unavailable':
          bool((b) => (repo.skipIfUnavailable = b));
          break;
        case 'gpgkey':
          repo.gpgkeys = parseList(value);
          break;
        case 'priority':
          integer((n) => (repo.priority = n));
          break;
        case 'cost':
          integer((n) => (repo.cost = n));
          break;
        case 'exclude':
        case 'excludepkgs':
          repo.excludepkgs = parseList(value);
          break;
        case 'includepkgs':
          repo.includepkgs = parseList(value);
          break;
        case 'metadata_expire': {
          const s = parseSeconds(value);
          if (s === undefined) bad();
          else repo.metadataExpire = s;
          break;
        }
        case 'type':
          if (['rpm-md', 'rpm', 'repomd', 'rpmmd', 'yum', 'YUM'].includes(value.trim())) repo.type = 'rpm-md';
          else bad();
          break;
        default:
          repo.extra[option.key] = value;
          debug(reporter, `${file}:${option.line}: option '${option.key}' of repository '${id}' is not used by atoll`);
      }
    }
    if (!nameSet) repo.name = id;
    if (out.some((r) => r.id === id)) {
      warn(reporter, `repository ${id} is listed more than once in the configuration`, 'RPMMD_REPO_DUPLICATE');
      continue;
    }
    out.push(repo);
  }
  return out;
}

/** Hide packages as excludepkgs/includepkgs say (globs on name, or on the NEVRA forms dnf accepts). */
export function packageFilter(repo: Pick<RepoConfig, 'excludepkgs' | 'includepkgs'>): (p: { name: string; nevras: string[] }) => boolean {
  const toRegex = (glob: string): RegExp =>
    new RegExp(`^${glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.').replace(/\[!/g, '[^')}$`);
  const excludes = repo.excludepkgs.map(toRegex);
  const includes = repo.includepkgs.map(toRegex);
  return (p) => {
    const candidates = [p.name, ...p.nevras];
    const matches = (res: RegExp[]): boolean => res.some((re) => candidates.some((c) => re.test(c)));
    if (excludes.length > 0 && matches(excludes)) return false;
    if (includes.length > 0 && !matches(includes)) return false;
    return true;
  };
}
