import { readFile } from 'node:fs/promises';
import { AtollError } from '../errors/index.js';
import type { Lockfile, ResolvedPackage } from './resolve-packages.js';

/**
 * rpm-ostree's experimental lockfiles (`--ex-lockfile`, JSON): `{"packages": {NAME: {"evra" |
 * "evr": "...", "digest": "sha256:..."}}}`. Several files merge, later ones winning.
 */
export async function readLockfiles(paths: readonly string[]): Promise<Lockfile> {
  const out: Lockfile = new Map();
  for (const path of paths) {
    let doc: unknown;
    try {
      doc = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      throw new AtollError('COMPOSE_LOCKFILE', `cannot read lockfile ${path}: ${(error as Error).message}`, { cause: error, data: { path } });
    }
    const packages = (doc as { packages?: unknown }).packages;
    if (packages === null || typeof packages !== 'object' || Array.isArray(packages)) {
      throw new AtollError('COMPOSE_LOCKFILE', `lockfile ${path} has no 'packages' object`, { data: { path } });
    }
    for (const [name, raw] of Object.entries(packages as Record<string, unknown>)) {
      const e = (raw ?? {}) as Record<string, unknown>;
      const entry: { evra?: string; evr?: string; digest?: string } = {};
      if (typeof e.evra === 'string') entry.evra = e.evra;
      else if (typeof e.evr === 'string') entry.evr = e.evr;
      else throw new AtollError('COMPOSE_LOCKFILE', `lockfile ${path}: '${name}' has neither 'evra' nor 'evr'`, { data: { path, name } });
      if (typeof e.digest === 'string') entry.digest = e.digest;
      out.set(name, entry);
    }
  }
  return out;
}

/** The lockfile `--ex-write-lockfile-to` writes for a resolved set. */
export function lockfileFor(resolved: readonly ResolvedPackage[], generated: Date): string {
  const packages: Record<string, { evra: string; digest: string }> = {};
  for (const r of [...resolved].sort((a, b) => (a.pkg.name < b.pkg.name ? -1 : 1))) {
    const p = r.pkg;
    packages[p.name] = { evra: `${p.epoch ? `${p.epoch}:` : ''}${p.version}-${p.release}.${p.arch}`, digest: `${p.checksumType}:${p.pkgid}` };
  }
  return `${JSON.stringify({ packages, metadata: { generated: generated.toISOString() } }, null, 2)}\n`;
}
