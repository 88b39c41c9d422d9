import { variant, type Variant } from '../../gvariant/index.js';
import { compareEvr, type Nevra } from '../../rpm/index.js';

/**
 * `rpmostree.rpmdb.pkglist` (rpmdb.md §8): `a(sssss)` of (name, epoch as decimal string with
 * "0" when unset, version, release, arch), sorted as libdnf's dnf_package_cmp: name bytewise,
 * then EVR, then arch.
 */

export type PkglistEntry = Nevra;

function bytewise(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function comparePkglistEntries(a: PkglistEntry, b: PkglistEntry): number {
  return bytewise(a.name, b.name) || compareEvr(a, b) || bytewise(a.arch, b.arch);
}

export function sortPkglist(entries: readonly PkglistEntry[]): PkglistEntry[] {
  return [...entries].sort(comparePkglistEntries);
}

export function pkglistVariant(entries: readonly PkglistEntry[]): Variant {
  return variant(
    'a(sssss)',
    sortPkglist(entries).map((p) => [p.name, String(p.epoch ?? 0), p.version, p.release, p.arch]),
  );
}

export function parsePkglist(value: unknown): PkglistEntry[] {
  if (!Array.isArray(value)) return [];
  return value.map((t) => {
    const [name, epoch, version, release, arch] = t as string[];
    return { name: name!, epoch: epoch === '0' || epoch === '' ? null : Number(epoch), version: version!, release: release!, arch: arch! };
  });
}
