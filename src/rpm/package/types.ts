/**
 * The package model shared by everything that talks about RPM packages: the header reader
 * (rpm/header), the repository metadata reader (rpmmd), the depsolver adapter (depsolve), the
 * rpmdb writer and the package diff. A package read from a file and the same package read
 * from primary.xml must produce equal values for the fields both carry.
 *
 * Vocabulary is rpm's: NEVRA, EVR, sense flags.
 */

/** Epoch-version-release. `epoch` is null when the package or dependency states none. */
export interface Evr {
  epoch: number | null;
  version: string;
  /** Empty string when absent (a dependency like `foo >= 1.0` has no release). */
  release: string;
}

export interface Nevra extends Evr {
  name: string;
  arch: string;
}

/**
 * Dependency sense flags (`RPMSENSE_*`, rpm-format.md §7.3). Only the comparison bits
 * (`flags & RPMSENSE.SENSEMASK`) matter for matching; the rest say when a requirement applies.
 */
export const RPMSENSE = {
  ANY: 0,
  LESS: 0x2,
  GREATER: 0x4,
  EQUAL: 0x8,
  SENSEMASK: 0xe,
  POSTTRANS: 0x20,
  PREREQ: 0x40,
  PRETRANS: 0x80,
  INTERP: 0x100,
  SCRIPT_PRE: 0x200,
  SCRIPT_POST: 0x400,
  SCRIPT_PREUN: 0x800,
  SCRIPT_POSTUN: 0x1000,
  SCRIPT_VERIFY: 0x2000,
  FIND_REQUIRES: 0x4000,
  FIND_PROVIDES: 0x8000,
  TRIGGERIN: 0x10000,
  TRIGGERUN: 0x20000,
  TRIGGERPOSTUN: 0x40000,
  MISSINGOK: 0x80000,
  PREUNTRANS: 0x100000,
  POSTUNTRANS: 0x200000,
  RPMLIB: 0x1000000,
  TRIGGERPREIN: 0x2000000,
  KEYRING: 0x4000000,
  STRONG: 0x8000000,
  CONFIG: 0x10000000,
  META: 0x20000000,
} as const;

/**
 * One dependency as the header stores it: name (may be a rich dependency such as
 * `(foo if bar)`), sense flags, and the EVR string exactly as written (`""` when unversioned).
 */
export interface Dependency {
  name: string;
  flags: number;
  evr: string;
}

/** The eight dependency kinds, in rpm's tag order. */
export const DEPENDENCY_KINDS = [
  'provides',
  'requires',
  'conflicts',
  'obsoletes',
  'recommends',
  'suggests',
  'supplements',
  'enhances',
] as const;
export type DependencyKind = (typeof DEPENDENCY_KINDS)[number];

export type Dependencies = Record<DependencyKind, Dependency[]>;

/** Eight empty dependency lists, for building a package value field by field. */
export function emptyDependencies(): Dependencies {
  return { provides: [], requires: [], conflicts: [], obsoletes: [], recommends: [], suggests: [], supplements: [], enhances: [] };
}

/**
 * What every package source knows about a package: identity, description and dependencies.
 * Header-derived packages extend this with files, scripts and digests (rpm/header); repository
 * packages extend it with location and checksum (rpmmd).
 */
export interface PackageInfo extends Nevra, Dependencies {
  summary: string;
  description: string;
  license: string;
  url: string;
  vendor: string;
  packager: string;
  group: string;
  buildtime: number;
  buildhost: string;
  /** Installed size in bytes (SIZE/LONGSIZE). */
  installedSize: number;
  /** Source RPM file name; null for a source package. */
  sourcerpm: string | null;
}

/** `name-[epoch:]version-release.arch`, as rpm and dnf print it (epoch only when set and non-zero). */
export function formatNevra(p: Nevra): string {
  return `${p.name}-${formatEvr(p)}.${p.arch}`;
}

/** `[epoch:]version[-release]`. */
export function formatEvr(evr: Evr): string {
  const epoch = evr.epoch !== null && evr.epoch !== 0 ? `${evr.epoch}:` : '';
  return `${epoch}${evr.version}${evr.release === '' ? '' : `-${evr.release}`}`;
}

/**
 * A dependency as `rpm -q --qf '%{REQUIRENEVRS}'` prints it (rpmdsNewDNEVR): the name, then the
 * operator when sense bits are set, then the EVR when non-empty, separated by spaces.
 */
export function formatDependency(dep: Dependency): string {
  const sense = dep.flags & RPMSENSE.SENSEMASK;
  let out = dep.name;
  if (sense !== 0) {
    const op = (sense & RPMSENSE.LESS ? '<' : '') + (sense & RPMSENSE.GREATER ? '>' : '') + (sense & RPMSENSE.EQUAL ? '=' : '');
    out += out === '' ? op : ` ${op}`;
  }
  if (dep.evr !== '') out += out === '' ? dep.evr : ` ${dep.evr}`;
  return out;
}
