import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { AtollError, isAtollError } from '../errors/index.js';
import { loadCommit, loadContent, resolvePath, type Repo } from '../ostree/repo/index.js';
import type { TreefileConfig } from './treefile/index.js';

export type IdTable = Map<string, number>;

/** name → uid (passwd) or gid (group) from passwd/group text. */
export function parseIdTable(text: string): IdTable {
  const out: IdTable = new Map();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && /^\d+$/.test(f[2]!)) out.set(f[0]!, Number(f[2]));
  }
  return out;
}

/** The tree's users or groups: usr/etc plus usr/lib (nss-altfiles split). */
export function treeIdTable(root: string, kind: 'passwd' | 'group'): IdTable {
  const out: IdTable = new Map();
  for (const rel of [`usr/etc/${kind}`, `usr/lib/${kind}`]) {
    const p = join(root, rel);
    if (existsSync(p)) for (const [k, v] of parseIdTable(readFileSync(p, 'utf8'))) if (!out.has(k)) out.set(k, v);
  }
  return out;
}

async function commitIdTable(repo: Repo, commitChecksum: string, kind: 'passwd' | 'group'): Promise<IdTable> {
  const commit = await loadCommit(repo, commitChecksum);
  const out: IdTable = new Map();
  for (const path of [`/usr/etc/${kind}`, `/usr/lib/${kind}`]) {
    let entry;
    try {
      entry = await resolvePath(repo, commit, path);
    } catch (error) {
      if (isAtollError(error)) continue;
      throw error;
    }
    if (entry.kind !== 'file') continue;
    const data = await (await loadContent(repo, entry.checksum)).readData();
    for (const [k, v] of parseIdTable(data.toString('utf8'))) if (!out.has(k)) out.set(k, v);
  }
  return out;
}

export interface CheckPasswdOptions {
  config: TreefileConfig;
  treefileDir: string;
  root: string;
  repo: Repo | null;
  previous: string | null;
}

/** The reference a check compares against, or null for `none` / nothing to compare with. */
async function reference(options: CheckPasswdOptions, kind: 'passwd' | 'group'): Promise<IdTable | null> {
  const key = kind === 'passwd' ? 'check-passwd' : 'check-groups';
  // container trees skip the checks (treefile.md); otherwise the default compares with the previous commit.
  const fallback = options.config.container === true ? 'none' : 'previous';
  const spec = (options.config[key] ?? { type: fallback }) as Record<string, unknown>;
  switch (spec.type) {
    case 'none':
      return null;
    case 'previous':
      return options.repo && options.previous ? commitIdTable(options.repo, options.previous, kind) : null;
    case 'file': {
      if (typeof spec.filename !== 'string') throw new AtollError('COMPOSE_BAD_TREEFILE', `${key}: type 'file' needs 'filename'`);
      const path = isAbsolute(spec.filename) ? spec.filename : resolve(options.treefileDir, spec.filename);
      try {
        return parseIdTable(readFileSync(path, 'utf8'));
      } catch (error) {
        throw new AtollError('COMPOSE_EXTERNAL_MISSING', `${key}: cannot read ${path}`, { cause: error });
      }
    }
    case 'data': {
      const out: IdTable = new Map();
      for (const [name, v] of Object.entries((spec.entries ?? {}) as Record<string, unknown>)) {
        const id = Array.isArray(v) ? v[0] : v;
        if (typeof id === 'number') out.set(name, id);
      }
      return out;
    }
    default:
      throw new AtollError('COMPOSE_BAD_TREEFILE', `${key}: unknown type '${String(spec.type)}' (none, previous, file, data)`);
  }
}

/**
 * check-passwd / check-groups (compose.md step 15): an entry of the reference must keep its id,
 * and may only disappear when `ignore-removed-users` / `-groups` lists it (or `*`).
 */
export async function checkPasswdGroups(options: CheckPasswdOptions): Promise<void> {
  for (const kind of ['passwd', 'group'] as const) {
    const ref = await reference(options, kind);
    if (ref === null) continue;
    const current = treeIdTable(options.root, kind);
    const ignoreKey = kind === 'passwd' ? 'ignore-removed-users' : 'ignore-removed-groups';
    const ignore = new Set(Array.isArray(options.config[ignoreKey]) ? (options.config[ignoreKey] as string[]) : []);
    for (const [name, id] of ref) {
      const now = current.get(name);
      if (now === undefined) {
        if (ignore.has(name) || ignore.has('*')) continue;
        throw new AtollError('COMPOSE_PASSWD_REMOVED', `${kind} entry '${name}' (id ${id}) was removed`, {
          hint: `list it in '${ignoreKey}' if that is intended`,
          data: { kind, name, id },
        });
      }
      if (now !== id) {
        throw new AtollError('COMPOSE_PASSWD_CHANGED', `${kind} entry '${name}' changed id from ${id} to ${now}`, {
          hint: 'files owned by the old id would change owner on upgrade; keep ids stable',
          data: { kind, name, old: id, new: now },
        });
      }
    }
  }
}
