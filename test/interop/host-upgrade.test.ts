// rpm-ostree's client verbs end to end on a tmpfs sysroot, served over loopback by
// `atoll repo serve`: rebase (install case) → upgrade (package diff printed) → rollback →
// upgrade, with real `ostree admin status`, `ostree fsck` and `ostree commit` as referees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { requireTool } from '../helpers/env.js';
import { atoll, runOk } from '../helpers/run.js';
import { requireRoot, tmpfsDir, makeFakeOsTree, ostreeAdmin } from '../helpers/sysroot.js';
import { startAtollServe } from '../helpers/servers.js';
import { adminStatusRows, commitWithPackages, pkg } from '../helpers/host.js';

const P1 = ['bash-5.1-1.fc36.x86_64', 'coreutils-9.0-1.fc36.x86_64', 'kernel-6.1.0-1.fc36.x86_64', 'oldtool-1.0-1.fc36.noarch', 'tzdata-2024a-1.fc36.noarch', 'zlib-1:1.2.11-1.fc36.x86_64'].map(pkg);
const P2 = ['bash-5.2-1.fc36.x86_64', 'coreutils-9.0-1.fc36.x86_64', 'kernel-6.1.0-1.fc36.x86_64', 'newtool-2.0-3.fc36.noarch', 'tzdata-2023c-1.fc36.noarch', 'zlib-1:1.2.13-1.fc36.x86_64'].map(pkg);
const P3 = ['bash-5.2-2.fc36.x86_64', 'coreutils-9.0-1.fc36.x86_64', 'kernel-6.2.0-1.fc36.x86_64', 'newtool-2.0-3.fc36.noarch', 'tzdata-2023c-1.fc36.noarch', 'zlib-1:1.2.13-1.fc36.x86_64'].map(pkg);

/** The diff block rpm-ostree prints for P1 → P2, written out by hand from the lists above. */
const DIFF_1_2 = ['Upgraded:', '  bash 5.1-1.fc36 -> 5.2-1.fc36', '  zlib 1:1.2.11-1.fc36 -> 1:1.2.13-1.fc36', 'Downgraded:', '  tzdata 2024a-1.fc36 -> 2023c-1.fc36', 'Removed:', '  oldtool-1.0-1.fc36.noarch', 'Added:', '  newtool-2.0-3.fc36.noarch'];

function ok(args: string[]): string {
  const r = atoll(args);
  assert.equal(r.status, 0, `atoll ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

function deployDir(sr: string, csum: string, serial: number): string {
  return join(sr, 'ostree/deploy/testos/deploy', `${csum}.${serial}`);
}

test('rebase installs, upgrade prints the package diff, rollback and upgrade keep /etc and /var, two deployments plus pinned, fsck clean', async (t) => {
  if (!requireTool(t, 'ostree', 'chattr') || !requireRoot(t)) return;
  const work = tmpfsDir(t);
  const srv = join(work, 'srv');
  runOk('ostree', [`--repo=${srv}`, 'init', '--mode=archive']);
  const etc1 = { hostname: 'default-host\n', 'keep.conf': 'v1\n', 'edit.conf': 'default\n', 'gone.conf': 'please delete\n' };
  const c1 = commitWithPackages(srv, 'os/stable', makeFakeOsTree(join(work, 't1'), { etc: etc1 }), '1', P1, 1);
  const server = await startAtollServe(t, srv);

  const sr = join(work, 'sr');
  mkdirSync(sr);
  const S = ['--sysroot', sr];
  ok(['admin', 'init-fs', sr]);
  runOk('ostree', [`--repo=${join(sr, 'ostree/repo')}`, 'remote', 'add', '--no-gpg-verify', 'origin', server.url]);

  // Install case: the stateroot does not exist yet.
  const installed = ok(['rebase', ...S, '--os', 'testos', 'origin:os/stable']);
  assert.match(installed, /Run "systemctl reboot"/);
  let rows = adminStatusRows(sr);
  assert.deepEqual(rows.map((r) => r.csum), [c1]);
  assert.match(rows[0]?.text ?? '', /origin refspec: origin:os\/stable/);
  assert.match(rows[0]?.text ?? '', /Version: 1/);

  // Local state: /etc edit, deletion and addition; /var content.
  const d1 = deployDir(sr, c1, 0);
  writeFileSync(join(d1, 'etc/edit.conf'), 'LOCAL\n');
  rmSync(join(d1, 'etc/gone.conf'));
  writeFileSync(join(d1, 'etc/added.conf'), 'mine\n');
  writeFileSync(join(sr, 'ostree/deploy/testos/var/lib/state'), 'keep me\n');

  assert.equal(atoll(['upgrade', ...S, '--check']).status, 77, 'nothing new yet: --check exits 77');
  assert.match(ok(['upgrade', ...S]), /^No upgrade available\.$/m);

  const etc2 = { ...etc1, 'keep.conf': 'v2\n', 'edit.conf': 'default v2\n', 'new.conf': 'new default\n' };
  const c2 = commitWithPackages(srv, 'os/stable', makeFakeOsTree(join(work, 't2'), { etc: etc2, kernel: 'KERNEL-2' }), '2', P2, 2);

  const check = ok(['upgrade', ...S, '--check']);
  assert.match(check, new RegExp(`Commit: ${c2}`));
  assert.match(check, /Diff: 2 upgraded, 1 downgraded, 1 removed, 1 added/);
  assert.deepEqual(adminStatusRows(sr).map((r) => r.csum), [c1], '--check deploys nothing');
  const cached = (JSON.parse(ok(['status', ...S, '--json'])) as { 'cached-update': { checksum: string; version: string } | null })['cached-update'];
  assert.deepEqual([cached?.checksum, cached?.version], [c2, '2'], 'status --json shows the fetched update');
  const preview = ok(['upgrade', ...S, '--preview']);
  assert.ok(preview.includes(DIFF_1_2.map((l) => `  ${l}`).join('\n')), preview);

  const up = ok(['upgrade', ...S]);
  assert.ok(up.startsWith(`${DIFF_1_2.join('\n')}\n`), `diff block as rpm-ostree prints it:\n${up}`);
  assert.match(up, /\/etc changes made after this are not carried over/);
  rows = adminStatusRows(sr);
  assert.deepEqual(rows.map((r) => r.csum), [c2, c1], 'ostree admin status: new default, then the previous one');
  const d2 = deployDir(sr, c2, 0);
  assert.equal(readFileSync(join(d2, 'etc/edit.conf'), 'utf8'), 'LOCAL\n', 'local edit kept');
  assert.equal(existsSync(join(d2, 'etc/gone.conf')), false, 'local deletion kept');
  assert.equal(readFileSync(join(d2, 'etc/added.conf'), 'utf8'), 'mine\n', 'local addition carried');
  assert.equal(readFileSync(join(d2, 'etc/keep.conf'), 'utf8'), 'v2\n', 'untouched default follows the new commit');
  assert.equal(readFileSync(join(d2, 'etc/new.conf'), 'utf8'), 'new default\n');

  // db diff: default pair on a non-booted sysroot is rollback → default; explicit pair too.
  const dbd = ok(['db', 'diff', ...S]);
  assert.ok(dbd.includes(`ostree diff commit from: rollback deployment (${c1})\nostree diff commit to:   default deployment (${c2})\n${DIFF_1_2.join('\n')}\n`), dbd);
  const json = JSON.parse(ok(['db', 'diff', ...S, c1, c2, '--format=json'])) as { pkgdiff: Array<[string, number, unknown]> };
  assert.deepEqual(json.pkgdiff.map(([n, k]) => `${n}:${k}`), ['bash:2', 'newtool:0', 'oldtool:1', 'tzdata:3', 'zlib:2']);
  const list = ok(['db', 'list', ...S, c2, 'new', 'zli']);
  assert.equal(list, `ostree commit: ${c2} (${c2})\n newtool-2.0-3.fc36.noarch\n zlib-1:1.2.13-1.fc36.x86_64\n`);

  // Rollback, then upgrade again: the merge deployment is now c1 (with the local /etc).
  ok(['rollback', ...S]);
  assert.deepEqual(adminStatusRows(sr).map((r) => r.csum), [c1, c2]);
  const c3 = commitWithPackages(srv, 'os/stable', makeFakeOsTree(join(work, 't3'), { etc: { ...etc2, 'keep.conf': 'v3\n' }, kernel: 'KERNEL-3', kver: '6.2.0' }), '3', P3, 3);
  const up3 = ok(['upgrade', ...S]);
  assert.ok(up3.startsWith(['Upgraded:', '  bash 5.1-1.fc36 -> 5.2-2.fc36', '  kernel 6.1.0-1.fc36 -> 6.2.0-1.fc36', '  zlib 1:1.2.11-1.fc36 -> 1:1.2.13-1.fc36', 'Downgraded:', '  tzdata 2024a-1.fc36 -> 2023c-1.fc36', 'Removed:', '  oldtool-1.0-1.fc36.noarch', 'Added:', '  newtool-2.0-3.fc36.noarch', ''].join('\n')), up3);
  assert.deepEqual(adminStatusRows(sr).map((r) => r.csum), [c3, c1], 'exactly the new default and the previous one');
  const d3 = deployDir(sr, c3, 0);
  assert.equal(readFileSync(join(d3, 'etc/edit.conf'), 'utf8'), 'LOCAL\n');
  assert.equal(existsSync(join(d3, 'etc/gone.conf')), false);
  assert.equal(readFileSync(join(d3, 'etc/keep.conf'), 'utf8'), 'v3\n');
  assert.equal(readFileSync(join(sr, 'ostree/deploy/testos/var/lib/state'), 'utf8'), 'keep me\n', '/var kept');
  assert.equal(readdirSync(join(sr, 'ostree/deploy/testos/deploy')).filter((n) => !n.endsWith('.origin')).length, 2);

  // deploy VERSION pins an older commit of the ref's history (override-commit in the origin).
  const dep = ok(['deploy', ...S, 'version=2']);
  assert.match(dep, /Deployed testos /);
  rows = adminStatusRows(sr);
  assert.deepEqual(rows.map((r) => r.csum), [c2, c3]);
  assert.match(readFileSync(join(sr, 'ostree/deploy/testos/deploy', `${c2}.0.origin`), 'utf8'), new RegExp(`override-commit=${c2}`));

  // A checksum must be in the tracked ref's history (rpm-ostree's branch check).
  const other = commitWithPackages(srv, 'os/other', makeFakeOsTree(join(work, 'tx')), 'x', P1, 3);
  const refused = atoll(['deploy', ...S, other]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, new RegExp(`checksum ${other} does not exist in the history of origin:os/stable`));
  const previewC3 = ok(['deploy', ...S, '--preview', c3]);
  assert.match(previewC3, new RegExp(`Commit: ${c3}`));
  assert.ok(previewC3.includes('  Upgraded:\n    bash 5.2-1.fc36 -> 5.2-2.fc36\n    kernel 6.1.0-1.fc36 -> 6.2.0-1.fc36\n'), previewC3);
  assert.deepEqual(adminStatusRows(sr).map((r) => r.csum), [c2, c3], '--preview deploys nothing');

  // Pinned deployments survive retention.
  ostreeAdmin(sr, 'pin', '1');
  const c4 = commitWithPackages(srv, 'os/stable', makeFakeOsTree(join(work, 't4'), { etc: etc2, kernel: 'KERNEL-4' }), '4', P3, 4);
  ok(['upgrade', ...S]);
  rows = adminStatusRows(sr);
  assert.deepEqual(rows.map((r) => r.csum), [c4, c2, c3], 'new default, previous, pinned');
  assert.doesNotMatch(readFileSync(join(sr, 'ostree/deploy/testos/deploy', `${c4}.0.origin`), 'utf8'), /override-commit/, 'upgrade follows the ref again');
  ostreeAdmin(sr, 'pin', '--unpin', '2');
  const c5 = commitWithPackages(srv, 'os/stable', makeFakeOsTree(join(work, 't5'), { etc: etc2, kernel: 'KERNEL-5' }), '5', P3, 5);
  ok(['upgrade', ...S]);
  assert.deepEqual(adminStatusRows(sr).map((r) => r.csum), [c5, c4]);

  // The repo holds only what deployments and the remote ref reach, and is consistent.
  const repo = join(sr, 'ostree/repo');
  ok(['repo', 'fsck', '--repo', repo]);
  runOk('ostree', [`--repo=${repo}`, 'fsck']);
  const commits = runOk('find', [join(repo, 'objects'), '-name', '*.commit']).trim().split('\n').filter(Boolean);
  assert.equal(commits.length, 2, `only the two deployed commits remain (${commits.length})`);
  assert.ok(ok(['status', ...S]).includes(`Commit: ${c5}`));
});

test('a second upgrade while the sysroot lock is held fails fast naming the holder', async (t) => {
  if (!requireTool(t, 'ostree', 'chattr') || !requireRoot(t)) return;
  const work = tmpfsDir(t);
  const srv = join(work, 'srv');
  runOk('ostree', [`--repo=${srv}`, 'init', '--mode=archive']);
  commitWithPackages(srv, 'os/stable', makeFakeOsTree(join(work, 't1')), '1', P1, 1);
  const server = await startAtollServe(t, srv);
  const sr = join(work, 'sr');
  mkdirSync(sr);
  ok(['admin', 'init-fs', sr]);
  runOk('ostree', [`--repo=${join(sr, 'ostree/repo')}`, 'remote', 'add', '--no-gpg-verify', 'origin', server.url]);
  ok(['rebase', '--sysroot', sr, '--os', 'testos', 'origin:os/stable']);
  // A live holder: the lock names a running process (as a concurrent atoll upgrade writes it).
  const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.after(() => holder.kill('SIGKILL'));
  writeFileSync(join(sr, 'ostree/lock'), `pid=${holder.pid}\ncommand=upgrade\n`);
  const r = atoll(['upgrade', '--sysroot', sr]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, new RegExp(`locked by process ${holder.pid} \\(upgrade\\)`));
  holder.kill('SIGKILL');
  await new Promise((resolve) => holder.once('exit', resolve));
  // The holder died without releasing: the lock is stale and taken over.
  assert.match(ok(['upgrade', '--sysroot', sr]), /No upgrade available\./);
  assert.equal(existsSync(join(sr, 'ostree/lock')), false);
});

test('atoll rebase + atoll upgrade and ostree admin deploy + ostree admin upgrade from the same server give the same entries and status', async (t) => {
  if (!requireTool(t, 'ostree', 'chattr') || !requireRoot(t)) return;
  const work = tmpfsDir(t);
  const srv = join(work, 'srv');
  runOk('ostree', [`--repo=${srv}`, 'init', '--mode=archive']);
  commitWithPackages(srv, 'os/stable', makeFakeOsTree(join(work, 't1')), '1', P1, 1);
  const server = await startAtollServe(t, srv);
  const ours = join(work, 'ours');
  const ref = join(work, 'ref');
  for (const sr of [ours, ref]) {
    mkdirSync(sr);
    runOk('ostree', ['admin', 'init-fs', sr]);
    runOk('ostree', [`--repo=${join(sr, 'ostree/repo')}`, 'remote', 'add', '--no-gpg-verify', 'origin', server.url]);
  }
  ostreeAdmin(ref, 'os-init', 'testos');
  runOk('ostree', [`--repo=${join(ref, 'ostree/repo')}`, 'pull', 'origin', 'os/stable']);
  ostreeAdmin(ref, 'deploy', '--os=testos', 'origin:os/stable');
  ok(['rebase', '--sysroot', ours, '--os', 'testos', 'origin:os/stable']);
  const c2 = commitWithPackages(srv, 'os/stable', makeFakeOsTree(join(work, 't2'), { kernel: 'KERNEL-2' }), '2', P2, 2);
  ostreeAdmin(ref, 'upgrade', '--os=testos');
  // `atoll admin upgrade` pulls too; then `atoll upgrade` finds nothing more to do.
  ok(['admin', 'upgrade', '--sysroot', ours, '--os=testos']);
  assert.match(ok(['upgrade', '--sysroot', ours]), /No upgrade available\./);
  const entries = (sr: string): Record<string, string> =>
    Object.fromEntries(readdirSync(join(sr, 'boot/loader/entries')).map((n) => [n, readFileSync(join(sr, 'boot/loader/entries', n), 'utf8')]));
  assert.deepEqual(entries(ours), entries(ref), 'BLS entries byte-identical');
  assert.deepEqual(adminStatusRows(ours).map((r) => [r.csum, r.serial, r.text]), adminStatusRows(ref).map((r) => [r.csum, r.serial, r.text]));
  assert.equal(adminStatusRows(ours)[0]?.csum, c2);
  assert.equal(
    readFileSync(join(ours, 'ostree/deploy/testos/deploy', `${c2}.0.origin`), 'utf8'),
    readFileSync(join(ref, 'ostree/deploy/testos/deploy', `${c2}.0.origin`), 'utf8'),
    'origins identical',
  );
  // Both system repos hold the same remote ref.
  assert.equal(runOk('ostree', [`--repo=${join(ours, 'ostree/repo')}`, 'rev-parse', 'origin:os/stable']), runOk('ostree', [`--repo=${join(ref, 'ostree/repo')}`, 'rev-parse', 'origin:os/stable']));
  // And the other way round: real ostree upgrades the sysroot atoll made; atoll then agrees.
  const c3 = commitWithPackages(srv, 'os/stable', makeFakeOsTree(join(work, 't3'), { kernel: 'KERNEL-3' }), '3', P3, 3);
  ostreeAdmin(ours, 'upgrade', '--os=testos');
  assert.deepEqual(adminStatusRows(ours).map((r) => r.csum), [c3, c2]);
  assert.match(ok(['upgrade', '--sysroot', ours]), /No upgrade available\./);
  const diff = ok(['db', 'diff', '--sysroot', ours]);
  assert.ok(diff.includes('Upgraded:\n  bash 5.2-1.fc36 -> 5.2-2.fc36\n  kernel 6.1.0-1.fc36 -> 6.2.0-1.fc36\n'), diff);
  ok(['rollback', '--sysroot', ours]);
  assert.deepEqual(adminStatusRows(ours).map((r) => r.csum), [c2, c3]);
  runOk('ostree', [`--repo=${join(ours, 'ostree/repo')}`, 'fsck']);
});
