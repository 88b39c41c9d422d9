import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve, extname } from 'node:path';
import { arch as hostArch } from 'node:os';
import { parseDocument } from 'yaml';
import { AtollError, isErrno } from '../../errors/index.js';
import { nullReporter, warn, debug, type Reporter } from '../../report/index.js';
import { TREEFILE_KEYS, STRUCTURAL_KEYS, KEY_ALIASES, IGNORED_KEYS, type KeySpec } from './schema.js';
import { evaluateCondition, substituteVariables, type VariableValue } from './conditions.js';

export type TreefileConfig = Record<string, unknown>;

export interface Treefile {
  /** The treefile given on the command line. */
  path: string;
  /** Flattened: includes merged, variables substituted, package strings split. */
  config: TreefileConfig;
  /** Every treefile read, in the order read (part of the compose input hash). */
  files: string[];
}

export interface LoadTreefileOptions {
  /** rpm's base architecture (`x86_64`...); defaults to the host's. */
  basearch?: string;
  reporter?: Reporter;
}

const MAX_INCLUDE_DEPTH = 50;

/** Node's arch names → rpm's basearch. */
export function hostBasearch(): string {
  const map: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ppc64: 'ppc64le', s390x: 's390x', ia32: 'i386' };
  return map[hostArch()] ?? hostArch();
}

/**
 * Read a treefile and everything it includes, and flatten it as rpm-ostree does:
 * `include` (recursive; relative to the including file), then `arch-include` for basearch,
 * then `conditional-include`; lists concatenate with included content first, scalars set by the
 * including file win; `packages-$basearch` joins `packages`; `${var}` substituted at the end.
 */
export async function loadTreefile(path: string, options: LoadTreefileOptions = {}): Promise<Treefile> {
  const basearch = options.basearch ?? hostBasearch();
  const reporter = options.reporter ?? nullReporter;
  const files: string[] = [];
  const seen = new Map<string, string>();
  const top = resolve(path);
  const config = await parseRecursive(top, undefined, new Map(), { basearch, reporter, files, seen }, 0);
  config.basearch ??= basearch;
  substituteAll(config, variablesOf(config, new Map(), basearch), top);
  return { path: top, config, files };
}

interface Walk {
  basearch: string;
  reporter: Reporter;
  files: string[];
  seen: Map<string, string>;
}

async function parseRecursive(
  file: string,
  includedFrom: string | undefined,
  inherited: ReadonlyMap<string, VariableValue>,
  walk: Walk,
  depth: number,
): Promise<TreefileConfig> {
  if (depth > MAX_INCLUDE_DEPTH) {
    throw new AtollError('TREEFILE_INCLUDE_CYCLE', `${file}: includes nest deeper than ${MAX_INCLUDE_DEPTH} levels`);
  }
  let identity: string;
  try {
    const info = await stat(file);
    identity = `${info.dev}:${info.ino}`;
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR', 'ELOOP')) {
      throw new AtollError(
        'TREEFILE_INCLUDE_MISSING',
        includedFrom ? `${includedFrom}: included file ${file} does not exist` : `treefile ${file} does not exist`,
        { data: { file, includedFrom } },
      );
    }
    throw error;
  }
  const earlier = walk.seen.get(identity);
  if (earlier !== undefined) {
    throw new AtollError('TREEFILE_INCLUDE_CYCLE', `${file} is included twice (first from ${earlier}); includes must form a tree`, {
      data: { file, includedFrom },
    });
  }
  walk.seen.set(identity, includedFrom ?? '(command line)');
  walk.files.push(file);

  const config = await parseTreefileFile(file, walk);
  const own = variablesOf(config, inherited, walk.basearch);

  const includes = [...stringOrList(config.include, 'include', file)];
  const archIncludes = config['arch-include'];
  if (archIncludes !== undefined) {
    if (!isPlainObject(archIncludes)) throw badValue(file, 'arch-include', 'a map of basearch to include files');
    const forArch = archIncludes[walk.basearch];
    if (forArch !== undefined) includes.push(...stringOrList(forArch, `arch-include.${walk.basearch}`, file));
  }
  for (const include of includes) {
    const child = await parseRecursive(resolve(dirname(file), include), file, own, walk, depth + 1);
    mergeTreefile(config, child);
  }

  const conditionals = config['conditional-include'];
  if (conditionals !== undefined) {
    if (!Array.isArray(conditionals)) throw badValue(file, 'conditional-include', 'a list of {if, include}');
    for (const entry of conditionals) {
      if (!isPlainObject(entry) || entry.if === undefined || entry.include === undefined) {
        throw badValue(file, 'conditional-include', 'entries with `if:` and `include:`');
      }
      const scope = variablesOf(config, inherited, walk.basearch);
      const conditions = stringOrList(entry.if, 'conditional-include.if', file);
      if (!conditions.every((condition) => evaluateCondition(condition, scope, file))) continue;
      if (isPlainObject(entry.include)) {
        // An inline treefile: validated like a file, but it may not pull in other files.
        const inline = normalizeKeys(entry.include, file, false, walk);
        for (const key of [...STRUCTURAL_KEYS, 'postprocess-script', 'add-files']) {
          if (key in inline) throw badValue(file, `conditional-include (inline ${key})`, 'no references to other files in inline treefiles');
        }
        mergeTreefile(config, inline);
      } else {
        for (const include of stringOrList(entry.include, 'conditional-include.include', file)) {
          const child = await parseRecursive(resolve(dirname(file), include), file, scope, walk, depth + 1);
          mergeTreefile(config, child);
        }
      }
    }
  }
  for (const key of STRUCTURAL_KEYS) delete config[key];
  return config;
}

/** Parse one file (YAML, or JSON by extension) into validated, normalized keys. */
async function parseTreefileFile(file: string, walk: Walk): Promise<TreefileConfig> {
  const text = await readFile(file, 'utf8');
  const isJson = extname(file) === '.json';
  let value: unknown;
  if (isJson) {
    try {
      value = text.trim() === '' ? {} : JSON.parse(text);
    } catch (error) {
      throw new AtollError('TREEFILE_PARSE', `${file}: invalid JSON: ${(error as Error).message}`, { cause: error });
    }
  } else {
    const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
    if (document.errors.length > 0) {
      const first = document.errors[0] as { message: string; linePos?: Array<{ line: number; col: number }> };
      const where = first.linePos?.[0] ? `:${first.linePos[0].line}:${first.linePos[0].col}` : '';
      throw new AtollError('TREEFILE_PARSE', `${file}${where}: invalid YAML: ${first.message.split('\n')[0]}`);
    }
    value = document.toJS() ?? {};
  }
  if (!isPlainObject(value)) {
    throw new AtollError('TREEFILE_PARSE', `${file}: a treefile must be a mapping of keys to values`);
  }
  return normalizeKeys(value, file, !isJson, walk);
}

/**
 * Map aliases, drop ignored and other-arch keys, fold `packages-$basearch` into `packages`,
 * type-check values. Unknown keys are errors in YAML and ignored in JSON, as in rpm-ostree.
 */
function normalizeKeys(raw: Record<string, unknown>, file: string, strict: boolean, walk: Walk): TreefileConfig {
  const config: TreefileConfig = {};
  for (const [rawKey, value] of Object.entries(raw)) {
    const archPackages = /^packages-(.+)$/.exec(rawKey);
    if (archPackages) {
      if (archPackages[1] === walk.basearch) appendList(config, 'packages', splitPackages(checkStringList(value, rawKey, file)));
      continue;
    }
    if (rawKey in IGNORED_KEYS) {
      warn(walk.reporter, `${file}: ignoring '${rawKey}': ${IGNORED_KEYS[rawKey]}`, 'TREEFILE_KEY_IGNORED');
      continue;
    }
    const key = KEY_ALIASES[rawKey] ?? rawKey;
    if (STRUCTURAL_KEYS.has(key)) {
      config[key] = value;
      continue;
    }
    const spec = TREEFILE_KEYS[key];
    if (spec === undefined) {
      if (strict) {
        throw new AtollError('TREEFILE_UNKNOWN_KEY', `${file}: unknown key '${rawKey}'`, {
          hint: 'see docs/composing.md for the keys atoll supports',
          data: { file, key: rawKey },
        });
      }
      debug(walk.reporter, `${file}: ignoring unknown key '${rawKey}' (JSON treefiles may carry extra keys)`);
      continue;
    }
    const checked = checkValue(value, spec, rawKey, file);
    if (spec.merge === 'list') appendList(config, key, key === 'packages' ? splitPackages(checked as string[]) : (checked as unknown[]));
    else config[key] = checked;
  }
  return config;
}

function checkValue(value: unknown, spec: KeySpec, key: string, file: string): unknown {
  switch (spec.kind) {
    case 'string':
      if (typeof value === 'string') return value;
      if (key === 'releasever' && typeof value === 'number' && Number.isInteger(value)) return value;
      throw badValue(file, key, 'a string');
    case 'bool':
      if (typeof value === 'boolean') return value;
      throw badValue(file, key, 'true or false');
    case 'int':
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      throw badValue(file, key, 'an integer');
    case 'string-list':
      return checkStringList(value, key, file);
    case 'list':
      if (Array.isArray(value)) return value;
      throw badValue(file, key, 'a list');
    case 'map':
      if (isPlainObject(value)) return value;
      throw badValue(file, key, 'a map');
    case 'object':
      if (isPlainObject(value)) return value;
      throw badValue(file, key, 'a map');
  }
}

function checkStringList(value: unknown, key: string, file: string): string[] {
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  throw badValue(file, key, 'a list of strings');
}

/**
 * `packages` entries are whitespace-separated lists (`grub2 efibootmgr shim`); quotes keep a
 * version query together (`'kernel >= 6.1'`).
 */
export function splitPackages(entries: readonly string[]): string[] {
  const out: string[] = [];
  for (const entry of entries) {
    for (const match of entry.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) out.push((match[1] ?? match[2] ?? match[3]) as string);
  }
  return out;
}

/** rpm-ostree's treefile_merge: `dest` is the including file, `src` the included one. */
export function mergeTreefile(dest: TreefileConfig, src: TreefileConfig): void {
  for (const [key, value] of Object.entries(src)) {
    if (STRUCTURAL_KEYS.has(key)) continue;
    const spec = TREEFILE_KEYS[key];
    if (spec?.merge === 'list') {
      dest[key] = [...(value as unknown[]), ...((dest[key] as unknown[] | undefined) ?? [])];
    } else if (spec?.merge === 'map') {
      dest[key] = { ...(value as object), ...((dest[key] as object | undefined) ?? {}) };
    } else if (dest[key] === undefined) {
      dest[key] = value;
    }
  }
}

function appendList(config: TreefileConfig, key: string, items: readonly unknown[]): void {
  config[key] = [...((config[key] as unknown[] | undefined) ?? []), ...items];
}

/** The variables visible in a file: builtins, its own `variables`, then those of the files above it (which win). */
function variablesOf(config: TreefileConfig, inherited: ReadonlyMap<string, VariableValue>, basearch: string): Map<string, VariableValue> {
  const scope = new Map<string, VariableValue>([['basearch', basearch]]);
  const releasever = config.releasever;
  if (typeof releasever === 'number' || typeof releasever === 'string') {
    scope.set('releasever', typeof releasever === 'string' && /^\d+$/.test(releasever) ? Number(releasever) : releasever);
  }
  for (const [name, value] of Object.entries((config.variables as Record<string, unknown> | undefined) ?? {})) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw badValue('treefile', `variables.${name}`, 'a string, integer or boolean');
    }
    scope.set(name, value);
  }
  for (const [name, value] of inherited) scope.set(name, value);
  return scope;
}

/** `${var}` is substituted in these keys only, as in rpm-ostree. */
function substituteAll(config: TreefileConfig, variables: ReadonlyMap<string, VariableValue>, file: string): void {
  for (const key of ['ref', 'mutate-os-release', 'automatic-version-prefix', 'platform-module']) {
    if (typeof config[key] === 'string') config[key] = substituteVariables(config[key] as string, variables, `${file}: ${key}`);
  }
  for (const key of ['metadata', 'add-commit-metadata']) {
    const map = config[key] as Record<string, unknown> | undefined;
    if (!map) continue;
    for (const [name, value] of Object.entries(map)) {
      if (typeof value === 'string') map[name] = substituteVariables(value, variables, `${file}: ${key}.${name}`);
    }
  }
}

function stringOrList(value: unknown, key: string, file: string): string[] {
  if (value === undefined) return [];
  if (typeof value === 'string') return [value];
  return checkStringList(value, key, file);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function badValue(file: string, key: string, expected: string): AtollError {
  return new AtollError('TREEFILE_BAD_VALUE', `${file}: '${key}' must be ${expected}`, { data: { file, key } });
}
