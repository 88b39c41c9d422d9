// The OSTree installed-test programs atoll is measured against, by stage, with the Debian
// baseline from shared/docs/ostree-testsuite.md (ostree 2022.7, TAP `ok` lines and `# SKIP`s).
// Stage 1: local repository; 2: HTTP pull and remotes; 3: admin on a fake sysroot;
// 4: signing, deltas, GPG, collections (reported only); interop: programs that use libostree
// itself on fixtures the `ostree` CLI made (so real libostree reads what atoll wrote).

export interface SuiteProgram {
  name: string;
  stage: '1' | '2' | '3' | '4' | 'interop';
  /** Debian baseline: `ok` lines (including `ok ... # SKIP`) and how many of them are skips. */
  debianOk: number;
  debianSkip: number;
}

function p(stage: SuiteProgram['stage'], name: string, debianOk: number, debianSkip = 0): SuiteProgram {
  return { name, stage, debianOk, debianSkip };
}

export const PROGRAMS: SuiteProgram[] = [
  p('1', 'test-help.sh', 1),
  p('1', 'test-cli-extensions.sh', 2),
  p('1', 'test-init-collections.sh', 1),
  p('1', 'test-commit-timestamp.sh', 2),
  p('1', 'test-concurrency.py', 2),
  p('1', 'test-reset-nonlinear.sh', 1),
  p('1', 'test-config.sh', 3),
  p('1', 'test-fsck-delete.sh', 6),
  p('1', 'test-basic-root.sh', 1),
  p('1', 'test-local-pull-depth.sh', 3),
  p('1', 'test-auto-summary.sh', 4),
  p('1', 'test-corruption.sh', 9),
  p('1', 'test-remote-add.sh', 16),
  p('1', 'test-pull-untrusted.sh', 1),
  p('1', 'test-prune-collections.sh', 2),
  p('1', 'test-fsck-collections.sh', 11),
  p('1', 'test-refs.sh', 7),
  p('1', 'test-refs-collections.sh', 2),
  p('1', 'test-summary-collections.sh', 1),
  p('1', 'test-archivez.sh', 13),
  p('1', 'test-basic-user.sh', 96, 4),
  p('1', 'test-basic-user-only.sh', 97, 5),

  p('2', 'test-pull-basicauth.sh', 3),
  p('2', 'test-pull-commit-only.sh', 1),
  p('2', 'test-pull-depth.sh', 3),
  p('2', 'test-pull-large-metadata.sh', 1),
  p('2', 'test-pull-localcache.sh', 2),
  p('2', 'test-pull-metalink.sh', 9),
  p('2', 'test-pull-mirrorlist.sh', 3),
  p('2', 'test-pull-override-url.sh', 1),
  p('2', 'test-pull-resume.sh', 1),
  p('2', 'test-pull-sizes.sh', 3),
  p('2', 'test-pull-subpath.sh', 4),
  p('2', 'test-oldstyle-partial.sh', 1),
  p('2', 'test-remote-cookies.sh', 4),
  p('2', 'test-remote-headers.sh', 2),
  p('2', 'test-pull-corruption.sh', 3),

  p('3', 'test-admin-deploy-2.sh', 8),
  p('3', 'test-admin-deploy-bootid-gc.sh', 1),
  p('3', 'test-admin-deploy-clean.sh', 1),
  p('3', 'test-admin-deploy-etcmerge-cornercases.sh', 2),
  p('3', 'test-admin-deploy-karg.sh', 4),
  p('3', 'test-admin-deploy-nomerge.sh', 1),
  p('3', 'test-admin-deploy-switch.sh', 4),
  p('3', 'test-admin-deploy-whiteouts.sh', 3),
  p('3', 'test-admin-instutil-set-kargs.sh', 5),
  p('3', 'test-admin-kargs.sh', 2),
  p('3', 'test-admin-pull-deploy-commit.sh', 1),
  p('3', 'test-admin-pull-deploy-split.sh', 1),
  p('3', 'test-admin-upgrade-endoflife.sh', 3),
  p('3', 'test-admin-upgrade-not-backwards.sh', 2),
  p('3', 'test-admin-upgrade-systemd-update.sh', 2),
  p('3', 'test-admin-upgrade-unconfigured.sh', 2),
  p('3', 'test-no-initramfs.sh', 10),
  p('3', 'test-osupdate-dtb.sh', 1),
  p('3', 'test-admin-deploy-none.sh', 29),
  // The doc's Debian run had no GNU parallel (the program skips itself: 0); with parallel,
  // which scripts/setup-peers.sh installs, Debian's ostree passes 1/1 on this host.
  p('3', 'test-admin-locking.sh', 1),

  // Stage 4 (and the optional / bootloader programs): reported, not required.
  p('4', 'test-export.sh', 5),
  p('4', 'test-libarchive.sh', 0),
  p('4', 'test-admin-deploy-syslinux.sh', 31),
  p('4', 'test-admin-deploy-uboot.sh', 30),
  p('4', 'test-admin-deploy-grub2.sh', 28),
  p('4', 'test-rofiles-fuse.sh', 12),
  p('4', 'test-demo-buildsystem.sh', 1),
  p('4', 'test-pull2-bareuseronly.sh', 1),
  p('4', 'test-pre-signed-pull.sh', 1, 1),
  p('4', 'test-signed-commit.sh', 11, 7),
  p('4', 'test-delta.sh', 13),
  p('4', 'test-signed-pull-summary.sh', 14, 8),
  p('4', 'test-prune.sh', 17),
  p('4', 'test-signed-pull.sh', 20, 8),
  p('4', 'test-delta-sign.sh', 7),
  p('4', 'test-delta-ed25519.sh', 0),
  p('4', 'test-pull-summary-caching.sh', 1),
  p('4', 'test-pull-summary-sigs.sh', 10),
  p('4', 'test-admin-gpg.sh', 2),
  p('4', 'test-parent.sh', 2),
  p('4', 'test-pull-contenturl.sh', 2),
  p('4', 'test-summary-update.sh', 2),
  p('4', 'test-summary-view.sh', 2),
  p('4', 'test-pull-bare.sh', 38),
  p('4', 'test-pull-bareuser.sh', 38),
  p('4', 'test-pull-bareuseronly.sh', 38),
  p('4', 'test-pull-mirror-summary.sh', 5),
  p('4', 'test-remote-gpg-import.sh', 6),
  p('4', 'test-remote-gpg-list-keys.sh', 7),
  p('4', 'test-commit-sign.sh', 7, 1),
  p('4', 'test-local-pull.sh', 8),
  p('4', 'test-gpg-signed-commit.sh', 9),
  p('4', 'test-pull-repeated.sh', 0),
  p('4', 'test-find-remotes.sh', 1),
  p('4', 'test-remote-add-collections.sh', 1),
  p('4', 'test-create-usb.sh', 5),
  p('4', 'test-pull-collections.sh', 7),

  // libostree (C / gjs) reading fixtures built by the `ostree` on PATH.
  p('interop', 'test-basic-c', 8, 1),
  p('interop', 'test-pull-c', 2),
  p('interop', 'test-repo-finder-config', 4),
  p('interop', 'test-repo-finder-mount', 4),
  p('interop', 'test-sysroot-c', 1),
  p('interop', 'test-sysroot.js', 1),
  p('interop', 'test-libarchive-import', 11, 1),
];
