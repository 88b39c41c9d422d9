// OSTree's own installed tests against atoll's `ostree` front end: every program listed in
// PASSING must still pass with the `ok` count Debian's ostree gets (the baseline in programs.ts).
// A regression fails CI; programs not yet passing are tracked in docs/ostree-suite.md.
// Skips locally when ostree-tests / gnome-desktop-testing are missing (fails in CI).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inCI } from '../helpers/env.js';
import { findTestDir, makeShimDir, missingPrerequisite, passed, runProgram } from './runner.js';
import { PROGRAMS } from './programs.js';
import { rmSync } from 'node:fs';

/** Programs that pass against atoll today; keep in step with docs/ostree-suite.md. */
export const PASSING = [
  'test-help.sh',
  'test-cli-extensions.sh',
  'test-init-collections.sh',
  'test-commit-timestamp.sh',
  'test-concurrency.py',
  'test-reset-nonlinear.sh',
  'test-config.sh',
  'test-local-pull-depth.sh',
  'test-auto-summary.sh',
  'test-pull-untrusted.sh',
  'test-fsck-delete.sh',
  'test-corruption.sh',
  'test-refs.sh',
  'test-refs-collections.sh',
  'test-fsck-collections.sh',
  'test-prune-collections.sh',
  'test-summary-collections.sh',
  'test-archivez.sh',
  'test-remote-add.sh',
  'test-basic-root.sh',
  'test-basic-user.sh',
  'test-basic-user-only.sh',
  // stage 2
  'test-pull-commit-only.sh',
  'test-pull-depth.sh',
  'test-pull-basicauth.sh',
  'test-pull-override-url.sh',
  'test-remote-cookies.sh',
  'test-remote-headers.sh',
  'test-pull-subpath.sh',
  'test-oldstyle-partial.sh',
  'test-pull-corruption.sh',
  'test-pull-localcache.sh',
  'test-pull-resume.sh',
  'test-pull-metalink.sh',
  'test-pull-mirrorlist.sh',
  'test-pull-sizes.sh',
  'test-pull-large-metadata.sh',
  // stage 3
  'test-admin-deploy-clean.sh',
  'test-admin-kargs.sh',
  'test-admin-pull-deploy-commit.sh',
  'test-admin-upgrade-unconfigured.sh',
  'test-admin-deploy-2.sh',
  'test-admin-deploy-switch.sh',
  'test-admin-deploy-karg.sh',
  'test-admin-instutil-set-kargs.sh',
  'test-admin-upgrade-endoflife.sh',
  'test-no-initramfs.sh',
  'test-admin-upgrade-systemd-update.sh',
  'test-admin-deploy-etcmerge-cornercases.sh',
  'test-admin-deploy-nomerge.sh',
  'test-admin-deploy-whiteouts.sh',
  'test-admin-deploy-bootid-gc.sh',
  'test-admin-pull-deploy-split.sh',
  'test-admin-upgrade-not-backwards.sh',
  'test-osupdate-dtb.sh',
  'test-admin-locking.sh',
  // stage 4: static deltas (generate, apply-offline, show, signed deltas, pulls through deltas)
  'test-delta.sh',
  'test-delta-sign.sh',
  'test-delta-ed25519.sh',
  'test-pull-bare.sh',
  'test-pull-bareuser.sh',
  'test-pull-bareuseronly.sh',
  'test-pull2-bareuseronly.sh',
  'test-demo-buildsystem.sh',
  // libostree (C/gjs) reading repos and sysroots atoll's `ostree` wrote
  'test-basic-c',
  'test-pull-c',
  'test-repo-finder-config',
  'test-repo-finder-mount',
  'test-sysroot.js',
  'test-sysroot-c',
  'test-libarchive-import',
  // stage 4: signing (ed25519, dummy, GPG), keyrings, summary signatures and caching
  'test-signed-commit.sh',
  'test-signed-pull.sh',
  'test-pre-signed-pull.sh',
  'test-remote-gpg-list-keys.sh',
  'test-remote-gpg-import.sh',
  'test-gpg-signed-commit.sh',
  'test-commit-sign.sh',
  'test-local-pull.sh',
  'test-admin-gpg.sh',
  'test-parent.sh',
  'test-summary-view.sh',
  'test-summary-update.sh',
  'test-pull-mirror-summary.sh',
  'test-pull-contenturl.sh',
  'test-pull-summary-caching.sh',
  'test-remote-add-collections.sh',
  // stage 4: prune (tombstones, --delete-commit, date/branch roots, --commit-only)
  'test-prune.sh',
  // stage 4: `remote summary` (GPG report), a cached summary failing its signature is fetched again
  'test-signed-pull-summary.sh',
  'test-pull-summary-sigs.sh',
  // stage 4: checkout -H onto another filesystem refused as ostree does (rofiles-fuse needs /dev/fuse)
  'test-rofiles-fuse.sh',
  // the admin-test.sh matrix: the fifreeze fault injection, U-Boot's uEnv.txt, deploy's stdout
  'test-admin-deploy-none.sh',
  'test-admin-deploy-syslinux.sh',
  'test-admin-deploy-uboot.sh',
  'test-admin-deploy-grub2.sh',
];

/**
 * Programs whose ed25519 checks Debian skips (its ostree has no libsodium: no `sign-ed25519`)
 * and atoll runs: the `ok` count expected instead of Debian's.
 */
const ATOLL_OK: Record<string, number> = {
  'test-signed-commit.sh': 11,
  'test-signed-pull.sh': 20,
  'test-pre-signed-pull.sh': 1,
  'test-delta-ed25519.sh': 12,
  'test-signed-pull-summary.sh': 14,
};

/** Programs that skip themselves (`1..0`) on a host without a feature the suite probes for. */
const HOST_DEPENDENT: Record<string, string> = {
  'test-rofiles-fuse.sh': 'no usable FUSE (/dev/fuse, fusermount, CAP_SYS_ADMIN)',
};

// The programs spend most of their time starting processes: three at a time keep the guard
// within a few minutes on CI's 2 cores (each program has its own temp dir and server ports).
test('OSTree installed tests pass against atoll (regression guard)', { concurrency: 3 }, async (t) => {
  const missing = missingPrerequisite();
  if (missing) {
    if (inCI) assert.fail(missing);
    t.skip(missing);
    return;
  }
  const testDir = findTestDir()!;
  const shimDir = makeShimDir();
  t.after(() => rmSync(shimDir, { recursive: true, force: true }));
  const runs: Array<Promise<void>> = [];
  for (const name of PASSING) {
    const program = PROGRAMS.find((p) => p.name === name);
    assert.ok(program, `${name} is listed in programs.ts`);
    runs.push(t.test(name, async (tt) => {
      // The basic-test.sh matrix makes ~500 `ostree` calls (one node start each): minutes on a
      // loaded 2-core machine; so does the pull-test.sh matrix (1-3 minutes each under load,
      // mostly bsdiff and a 21 MB fallback object); every other program finishes within 240 s.
      const result = await runProgram(testDir, name, shimDir, name.startsWith('test-basic-user') || name.startsWith('test-pull-bare') ? 900 : 240, false);
      if (result.plan === 0 && HOST_DEPENDENT[name] !== undefined) {
        tt.skip(`${name} skipped itself: ${HOST_DEPENDENT[name]}`);
        return;
      }
      assert.ok(passed(result), `${name}: exit ${result.exitCode}${result.timedOut ? ' (timeout)' : ''}: ${result.firstFailure}`);
      assert.equal(result.ok - result.skip, ATOLL_OK[name] ?? program.debianOk - program.debianSkip, `${name}: passing assertions vs Debian's baseline`);
    }));
  }
  await Promise.all(runs);
});
