// Deploy details OSTree's own admin tests check, refereed by `ostree admin` 2022.7 on twin
// sysroots (tmpfs, as root): dtb/ device tree directories (bootcsum, /boot copy, `fdtdir`,
// OSTREE_SYSROOT_DEBUG=no-dtb), overlayfs whiteouts, /etc/.updated and /var/.updated,
// `deploy --no-merge`, `--print-current-dir` on a sysroot that is not booted; the pull
// side of `admin upgrade`: REF@COMMIT refspecs and the downgrade refusal made by the pull;
// U-Boot's uEnv.txt and the OSTREE_SYSROOT_DEBUG=test-fifreeze fault injection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, requireTool } from '../helpers/env.js';
import { runOk, run, atoll } from '../helpers/run.js';
import { requireRoot, tmpfsDir, twinSysroots, makeFakeOsTree, ostreeCommit, ostreeAdmin } from '../helpers/sysroot.js';

function atollOk(args: string[], env?: NodeJS.ProcessEnv): string {
  const r = atoll(args, env ? { env } : {});
  if (r.status !== 0) throw new Error(`atoll ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

function entries(root: string): Record<string, string> {
  const dir = join(root, 'boot/loader/entries');
  return Object.fromEntries(readdirSync(dir).sort().map((n) => [n, readFileSync(join(dir, n), 'utf8')]));
}

/** Every path under boot/ostree (the installed kernels, initramfs, device trees). */
function bootFiles(root: string): string[] {
  return runOk('find', [join(root, 'boot/ostree'), '-printf', '%P %y\\n']).split('\n').filter(Boolean).sort();
}

test('dtb/, whiteouts, .updated stamps, --no-merge and --print-current-dir match ostree admin', async (t) => {
  if (!requireTool(t, 'ostree', 'chattr', 'mknod') || !requireRoot(t)) return;
  const work = tmpfsDir(t);
  const { ref, ours } = twinSysroots(work, { os: 'os' });
  const tree = makeFakeOsTree(join(work, 't1'), { kver: '3.6.0' });
  mkdirSync(join(tree, 'usr/lib/modules/3.6.0/dtb/overlays'), { recursive: true });
  writeFileSync(join(tree, 'usr/lib/modules/3.6.0/dtb/asoc-board.dtb'), 'a device tree');
  writeFileSync(join(tree, 'usr/lib/modules/3.6.0/dtb/overlays/overlay.dtbo'), 'an overlay');
  mkdirSync(join(tree, 'usr/container/layers/abcd'), { recursive: true });
  writeFileSync(join(tree, 'usr/container/layers/abcd/.ostree-wh.gone'), '');
  chmodSync(join(tree, 'usr/container/layers/abcd/.ostree-wh.gone'), 0o400);
  const c1 = ostreeCommit(join(ref, 'ostree/repo'), 'os/stable', tree, '1');
  runOk('ostree', [`--repo=${join(ours, 'ostree/repo')}`, 'pull-local', join(ref, 'ostree/repo'), 'os/stable']);

  // First deploy as an ostree without dtb/ support would (no-dtb): no fdtdir, no dtb copied.
  const noDtb = { ...process.env, OSTREE_SYSROOT_DEBUG: 'mutable-deployments,no-dtb' };
  runOk('ostree', ['admin', `--sysroot=${ref}`, 'deploy', '--os=os', '--karg=root=LABEL=foo', '--karg=testkarg=1', 'os/stable'], { env: noDtb });
  atollOk(['admin', 'deploy', '--sysroot', ours, '--os=os', '--karg=root=LABEL=foo', '--karg=testkarg=1', 'os/stable'], noDtb);
  assert.deepEqual(entries(ours), entries(ref));
  assert.deepEqual(bootFiles(ours), bootFiles(ref));
  assert.ok(!bootFiles(ours).some((f) => f.includes('dtb')));

  // The whiteout marker becomes a character device 0:0 with the marker's mode.
  for (const root of [ref, ours]) {
    const dir = join(root, 'ostree/deploy/os/deploy', `${c1}.0`, 'usr/container/layers/abcd');
    const st = lstatSync(join(dir, 'gone'));
    assert.ok(st.isCharacterDevice() && st.rdev === 0, `${root}: whiteout device`);
    assert.equal(st.mode & 0o7777, 0o400);
    assert.equal(existsSync(join(dir, '.ostree-wh.gone')), false);
  }

  // --print-current-dir: the first deployment, booted or not.
  assert.equal(atollOk(['admin', '--sysroot', ours, '--print-current-dir']).replace(ours, 'ROOT'), ostreeAdmin(ref, '--print-current-dir').replace(ref, 'ROOT'));

  // systemd's update stamps: gone from the new /etc and from the stateroot's /var.
  for (const root of [ref, ours]) {
    writeFileSync(join(root, 'ostree/deploy/os/deploy', `${c1}.0`, 'etc/.updated'), '');
    writeFileSync(join(root, 'ostree/deploy/os/var/.updated'), '');
  }
  // A second deploy, now with dtb/ support: both entries gain fdtdir, both boot dirs a dtb/.
  ostreeAdmin(ref, 'deploy', '--os=os', 'os/stable');
  atollOk(['admin', 'deploy', '--sysroot', ours, '--os=os', 'os/stable']);
  assert.deepEqual(entries(ours), entries(ref));
  assert.match(Object.values(entries(ours)).join(''), /^fdtdir \/ostree\/os-[0-9a-f]{64}\/dtb$/m);
  assert.deepEqual(bootFiles(ours), bootFiles(ref));
  for (const root of [ref, ours]) {
    assert.equal(existsSync(join(root, 'ostree/deploy/os/var/.updated')), false, `${root}: /var/.updated removed`);
    assert.equal(existsSync(join(root, 'ostree/deploy/os/deploy', `${c1}.1`, 'etc/.updated')), false);
    assert.equal(existsSync(join(root, 'ostree/deploy/os/deploy', `${c1}.0`, 'etc/.updated')), true, `${root}: the old /etc keeps it`);
  }

  // --no-merge: no kernel arguments and no /etc from the merge deployment, which is dropped.
  for (const root of [ref, ours]) writeFileSync(join(root, 'ostree/deploy/os/deploy', `${c1}.1`, 'etc/local-change'), 'x');
  ostreeAdmin(ref, 'deploy', '--os=os', '--no-merge', '--karg=root=LABEL=bar', 'os/stable');
  atollOk(['admin', 'deploy', '--sysroot', ours, '--os=os', '--no-merge', '--karg=root=LABEL=bar', 'os/stable']);
  assert.deepEqual(entries(ours), entries(ref));
  assert.deepEqual(Object.keys(entries(ours)), ['ostree-1-os.conf'], 'the merge deployment is not kept');
  for (const root of [ref, ours]) assert.equal(existsSync(join(root, 'ostree/deploy/os/deploy', `${c1}.2`, 'etc/local-change')), false);
  assert.equal(ostreeAdmin(ours, 'status'), ostreeAdmin(ref, 'status'));
});

test('pull REF@COMMIT, and admin upgrade refusing an older commit in the pull (no content, no ref move), as ostree', async (t) => {
  if (!requireTool(t, 'ostree', 'chattr') || !requireRoot(t)) return;
  const work = tmpfsDir(t);
  const src = join(work, 'src');
  runOk('ostree', [`--repo=${src}`, 'init', '--mode=archive']);
  const c1 = ostreeCommit(src, 'os/stable', makeFakeOsTree(join(work, 't1')), '1');
  const c2 = ostreeCommit(src, 'os/stable', makeFakeOsTree(join(work, 't2'), { kernel: 'K2' }), '2');
  const { ref, ours } = twinSysroots(work, { os: 'os', source: src, remote: 'origin' });

  // REF@COMMIT: that commit is fetched and the ref points at it.
  runOk('ostree', [`--repo=${join(ref, 'ostree/repo')}`, 'pull', 'origin', `os/stable@${c1}`]);
  atollOk(['repo', 'pull', '--repo', join(ours, 'ostree/repo'), 'origin', `os/stable@${c1}`]);
  for (const root of [ref, ours]) assert.equal(runOk('ostree', [`--repo=${join(root, 'ostree/repo')}`, 'rev-parse', 'origin:os/stable']).trim(), c1);
  const bad = atoll(['repo', 'pull', '--repo', join(ours, 'ostree/repo'), 'origin', 'os/stable@nothex']);
  assert.equal(bad.status, 1);

  ostreeAdmin(ref, 'deploy', '--os=os', 'origin:os/stable');
  atollOk(['admin', 'deploy', '--sysroot', ours, '--os=os', 'origin:os/stable']);
  ostreeAdmin(ref, 'upgrade', '--os=os');
  atollOk(['admin', 'upgrade', '--sysroot', ours, '--os=os']);
  assert.deepEqual(entries(ours), entries(ref));

  // An older commit with new content: the upgrade fails in the pull, with ostree's words.
  const older = makeFakeOsTree(join(work, 't3'), { kernel: 'K3' });
  writeFileSync(join(older, 'usr/share-new-file'), 'new content for pull timestamp checking');
  const c3 = runOk('ostree', [`--repo=${src}`, 'commit', '-b', 'os/stable', '--owner-uid=0', '--owner-gid=0', '--timestamp=1985-10-25T00:00:00Z', older]).trim();
  const newFile = runOk('ostree', [`--repo=${src}`, 'ls', '-C', c3, '/usr/share-new-file']).trim().split(/\s+/)[4] as string;
  const theirs = run('ostree', ['admin', `--sysroot=${ref}`, 'upgrade', '--os=os']);
  const mine = atoll(['admin', 'upgrade', '--sysroot', ours, '--os=os']);
  assert.equal(theirs.status, 1);
  assert.equal(mine.status, 1);
  assert.match(theirs.stderr, /chronologically older/);
  assert.equal(mine.stderr.split('\n')[0]?.replace(/^atoll: /, ''), theirs.stderr.split('\n')[0]);
  for (const root of [ref, ours]) {
    assert.equal(runOk('ostree', [`--repo=${join(root, 'ostree/repo')}`, 'rev-parse', 'origin:os/stable']).trim(), c2, `${root}: ref not moved`);
    assert.equal(existsSync(join(root, 'ostree/repo/objects', newFile.slice(0, 2), `${newFile.slice(2)}.file`)), false, `${root}: no content fetched`);
  }
  ostreeAdmin(ref, 'upgrade', '--os=os', '--allow-downgrade');
  atollOk(['admin', 'upgrade', '--sysroot', ours, '--os=os', '--allow-downgrade']);
  assert.deepEqual(entries(ours), entries(ref));
});

test("U-Boot's uEnv.txt and the test-fifreeze fault injection match ostree admin", async (t) => {
  if (!requireTool(t, 'ostree') || !requireRoot(t)) return;
  const work = tmpfsDir(t);
  const { ref, ours } = twinSysroots(work, { os: 'os' });
  for (const root of [ref, ours]) {
    // libtest's setup_os_boot_uboot: an empty uEnv.txt behind the boot/uEnv.txt symlink.
    mkdirSync(join(root, 'boot/loader.0'));
    runOk('ln', ['-s', 'loader.0', join(root, 'boot/loader')]);
    writeFileSync(join(root, 'boot/loader/uEnv.txt'), '');
    runOk('ln', ['-s', 'loader/uEnv.txt', join(root, 'boot/uEnv.txt')]);
  }
  const tree = makeFakeOsTree(join(work, 't1'), { kver: '3.6.0' });
  mkdirSync(join(tree, 'usr/lib/ostree-boot'), { recursive: true });
  writeFileSync(join(tree, 'usr/lib/ostree-boot/uEnv.txt'), 'loadfdt=load mmc ${bootpart} ${fdtaddr}\n\nmmcboot=run loadramdisk\n');
  mkdirSync(join(tree, 'usr/lib/modules/3.6.0/dtb'), { recursive: true });
  writeFileSync(join(tree, 'usr/lib/modules/3.6.0/dtb/board.dtb'), 'a device tree');
  ostreeCommit(join(ref, 'ostree/repo'), 'os/stable', tree, '1');
  runOk('ostree', [`--repo=${join(ours, 'ostree/repo')}`, 'pull-local', join(ref, 'ostree/repo'), 'os/stable']);
  const uenv = (root: string): string => readFileSync(join(root, 'boot/uEnv.txt'), 'utf8');
  for (const kargs of [['--karg=root=LABEL=foo'], ['--karg=root=LABEL=bar', '--karg=quiet']]) {
    runOk('ostree', ['admin', `--sysroot=${ref}`, 'deploy', '--os=os', ...kargs, 'os/stable']);
    atollOk(['admin', 'deploy', '--sysroot', ours, '--os=os', ...kargs, 'os/stable']);
    assert.equal(uenv(ours), uenv(ref));
    assert.match(uenv(ours), /^fdtdir=/m);
  }
  assert.match(uenv(ours), /^kernel_image2=/m);
  // The fault injection: the watchdog runs, the deploy fails with libostree's message, nothing swaps.
  const env = { ...process.env, OSTREE_SYSROOT_DEBUG: 'test-fifreeze' };
  const o = run('ostree', ['admin', `--sysroot=${ref}`, 'deploy', '--os=os', 'os/stable'], { env });
  const a = atoll(['admin', 'deploy', '--sysroot', ours, '--os=os', 'os/stable'], { env });
  assert.notEqual(o.status, 0);
  assert.notEqual(a.status, 0);
  for (const r of [o, a]) {
    assert.match(r.stderr, /fifreeze watchdog was run/);
    assert.match(r.stderr, /Full sync: During fsfreeze-thaw: aborting due to test-fifreeze/);
  }
  assert.equal(uenv(ours), uenv(ref));
  assert.deepEqual(entries(ours), entries(ref));
});

test("`ostree admin deploy`'s stdout (relabel, /etc merge, swap or not, freed objects) matches ostree admin", async (t) => {
  if (!requireTool(t, 'ostree') || !requireRoot(t)) return;
  const work = tmpfsDir(t);
  const { ref, ours } = twinSysroots(work, { os: 'os' });
  const tree = makeFakeOsTree(join(work, 't1'), { kver: '3.6.0' });
  const front = join(repoRoot, 'bin', 'atoll-ostree');
  for (const n of [1, 2, 3, 4]) {
    writeFileSync(join(tree, 'usr/bin', `file${n}`), `${n}\n`);
    ostreeCommit(join(ref, 'ostree/repo'), 'os/stable', tree, String(n));
    runOk('ostree', [`--repo=${join(ours, 'ostree/repo')}`, 'pull-local', join(ref, 'ostree/repo'), 'os/stable']);
    const o = runOk('ostree', ['admin', `--sysroot=${ref}`, 'deploy', '--os=os', 'os/stable']);
    const a = runOk(process.execPath, [front, 'admin', `--sysroot=${ours}`, 'deploy', '--os=os', 'os/stable']);
    assert.equal(a, o, `deploy ${n}`);
  }
});
