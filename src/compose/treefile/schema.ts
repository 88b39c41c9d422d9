/**
 * Every treefile key atoll knows, with its value kind and how includes merge it, as rpm-ostree's
 * `TreeComposeConfig` defines them (rust/src/treefile.rs; ../shared/docs/treefile.md).
 *
 * Merge rules (rpm-ostree's `treefile_merge`): a scalar set in the including file wins over an
 * included one (and an earlier include wins over a later one); lists concatenate, included
 * first; maps merge key by key, the including file winning.
 */
export type ValueKind =
  | 'string' // releasever may also be written as an integer; it is kept as a string
  | 'bool'
  | 'int'
  | 'string-list'
  | 'list' // a list of structured items (add-files pairs, repo-packages objects...)
  | 'map'
  | 'object';

export interface KeySpec {
  kind: ValueKind;
  merge: 'scalar' | 'list' | 'map';
}

const scalar = (kind: ValueKind): KeySpec => ({ kind, merge: 'scalar' });
const list = (kind: ValueKind = 'string-list'): KeySpec => ({ kind, merge: 'list' });
const map: KeySpec = { kind: 'map', merge: 'map' };

export const TREEFILE_KEYS: Readonly<Record<string, KeySpec>> = {
  ref: scalar('string'),
  basearch: scalar('string'),
  edition: scalar('string'),
  releasever: scalar('string'),
  variables: map,
  repovars: map,
  repos: list(),
  'lockfile-repos': list(),
  packages: list(),
  'repo-packages': list('list'),
  'exclude-packages': list(),
  recommends: scalar('bool'),
  documentation: scalar('bool'),
  'install-langs': list(),
  selinux: scalar('bool'),
  'selinux-label-version': scalar('int'),
  'ignore-devices': scalar('bool'),
  ima: scalar('bool'),
  'gpg-key': scalar('string'),
  'boot-location': scalar('string'),
  'tmp-is-dir': scalar('bool'),
  'opt-usrlocal': scalar('string'),
  'machineid-compat': scalar('bool'),
  units: list(),
  'default-target': scalar('string'),
  'initramfs-args': list(),
  'no-initramfs': scalar('bool'),
  container: scalar('bool'),
  'container-cmd': list(),
  'readonly-executables': scalar('bool'),
  'etc-group-members': list(),
  'preserve-passwd': scalar('bool'),
  'check-passwd': scalar('object'),
  'check-groups': scalar('object'),
  'ignore-removed-users': list(),
  'ignore-removed-groups': list(),
  sysusers: scalar('string'),
  'postprocess-script': scalar('string'),
  postprocess: list(),
  'add-files': list('list'),
  'remove-files': list(),
  'remove-from-packages': list('list'),
  'ostree-layers': list(),
  'ostree-override-layers': list(),
  'automatic-version-prefix': scalar('string'),
  'automatic-version-suffix': scalar('string'),
  'mutate-os-release': scalar('string'),
  'add-commit-metadata': map,
  metadata: map,
  'repo-metadata': scalar('string'),
  'advisories-metadata': scalar('string'),
  rpmdb: scalar('string'),
  'rpmdb-normalize': scalar('bool'),
  cliwrap: scalar('bool'),
  'cliwrap-binaries': list(),
  'platform-module': scalar('string'),
};

/** Keys that steer parsing and are gone from the flattened treefile. */
export const STRUCTURAL_KEYS = new Set(['include', 'arch-include', 'conditional-include']);

/**
 * Older spellings rpm-ostree still accepts (serde aliases), mapped to today's key.
 * `bootstrap_packages` is deprecated and merged into `packages`.
 */
export const KEY_ALIASES: Readonly<Record<string, string>> = {
  automatic_version_prefix: 'automatic-version-prefix',
  automatic_version_suffix: 'automatic-version-suffix',
  default_target: 'default-target',
  gpg_key: 'gpg-key',
  boot_location: 'boot-location',
  bootstrap_packages: 'packages',
};

/**
 * Keys that old treefiles carry but rpm-ostree no longer honours: accepted with a warning and
 * dropped, so those treefiles still load. `rojig` (the dead jigdo mode), and the 2014 demo's
 * `kargs`, `description`, `osname`, `architecture`, `release`.
 */
export const IGNORED_KEYS: Readonly<Record<string, string>> = {
  rojig: 'rojig (jigdo) mode was removed from rpm-ostree',
  kargs: 'kernel arguments are set at deploy time (atoll kargs), not in the treefile',
  description: 'free-form description of the 2014 treefile format',
  osname: 'the stateroot is chosen at deploy time (--os)',
  architecture: 'the architecture is basearch, set automatically',
  release: 'use releasever',
};
