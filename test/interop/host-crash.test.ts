// Crash safety of `atoll upgrade` (pull included) and `atoll cleanup -r`: SIGKILL at every
// named point (ATOLL_TEST_CRASH_AT, the sysroot layer's hook; pull progress events are points
// `pull-progress-N`) always leaves a sysroot that real `ostree admin status` reads and whose
// every BLS entry leads to a complete deployment; re-running the command completes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool } from '../helpers/env.js';
import { atoll, run, runOk } from '../helpers/run.js';
import { requireRoot, tmpfsDir, makeFakeOsTree } from '../helpers/sysroot.js';
import { startAtollServe } from '../helpers/servers.js';
import { adminStatusRows, commitWithPackages, pkg } from '../helpers/host.js';

const BOOT_POINTS = ['kernel-installed', 'entry-written', 'entries-written', 'bootlinks-built', 'bootlinks-swapped', 'loader-tmp-created', 'before-loader-swap', 'after-loader-swap'];
const CLEANUP_POINTS = ['cleanup-bootversions', 'cleanup-unsealed', 'cleanup-deployment-dir', 'cleanup-origin-removed', 'cleanup-bootdirs', 'cleanup-refs'];
const UPGRADE_POINTS = [
  'host-locked', 'pull-progress-1', 'pull-progress-3', 'pull-progress-6', 'host-pulled',
  'deploy-checked-out', 'deploy-kernel-found', 'deploy-etc-copied', 'deploy-etc-merged', 'deploy-origin-written', 'deploy-sealed', 'host-deployed-tree',
  ...BOOT_POINTS, ...CLEANUP_POINTS, 'host-deployments-written',
];

function assertBootable(sysroot: string, context: string): number {
  const st = run('ostree', ['admin', `--sysroot=${sysroot}`, 'status']);
  assert.equal(st.status, 0, `${context}: ostree admin status failed: ${st.stderr}`);
  const dir = join(sysroot, 'boot/loader/entries');
  const names = readdirSync(dir);
  assert.ok(names.length >= 1, `${context}: at least one entry`);
  for (const name of names) {
    const options = /^options (.*)$/m.exec(readFileSync(join(dir, name), 'utf8'))?.[1] ?? '';
    const arg = /(?:^| )ostree=(\S+)/.exec(options)?.[1];
    assert.ok(arg, `${context}: ${name} has ostree=`);
    const deploy = join(sysroot, arg);
    assert.ok(statSync(join(deploy, 'usr/bin/sh')).isFile() && statSync(join(deploy, 'etc/hostname')).isFile(), `${context}: ${name} leads to a complete deployment`);
    assert.equal(readFileSync(join(deploy, 'etc/local.conf'), 'utf8'), 'local\n', `${context}: local /etc file present in ${name}`);
    const target = readlinkSync(deploy);
    assert.ok(existsSync(join(sysroot, 'ostree/deploy/testos/deploy', `${target.split('/').pop()}.origin`)), `${context}: origin present`);
  }
  return names.length;
}

function assertTidy(sysroot: string, expected: number, context: string): void {
  const n = assertBootable(sysroot, context);
  assert.equal(n, expected, `${context}: ${expected} deployments`);
  const dirs = readdirSync(join(sysroot, 'ostree/deploy/testos/deploy'));
  assert.equal(dirs.filter((d) => !d.endsWith('.origin')).length, n, `${context}: deployment dirs = entries (${dirs.join(' ')})`);
  assert.equal(dirs.filter((d) => d.endsWith('.origin')).length, n, `${context}: origins = entries`);
  assert.equal(readdirSync(join(sysroot, 'boot')).filter((x) => x.startsWith('loader.')).length, 1, `${context}: one loader dir`);
  const refs = runOk('ostree', [`--repo=${join(sysroot, 'ostree/repo')}`, 'refs']).split('\n').filter((r) => r.startsWith('ostree/'));
  assert.equal(refs.length, n, `${context}: one ostree/B/S/I ref per deployment`);
}

function atollAt(point: string | undefined, args: string[]): number {
  const r = atoll(args, { env: { ...process.env, ...(point ? { ATOLL_TEST_CRASH_AT: point } : {}) } });
  if (point === undefined && r.status !== 0) throw new Error(`atoll ${args.join(' ')}: ${r.stderr}`);
  return r.status;
}

test('SIGKILL at every point of atoll upgrade and atoll cleanup -r leaves a bootable sysroot; re-running completes it', async (t) => {
  if (!requireTool(t, 'ostree', 'chattr') || !requireRoot(t)) return;
  const work = tmpfsDir(t);
  const srv = join(work, 'srv');
  runOk('ostree', [`--repo=${srv}`, 'init', '--mode=archive']);
  const tree = (i: number): string =>
    makeFakeOsTree(join(work, `t${i}`), { kernel: `KERNEL-${i}`, etc: { hostname: 'default-host\n', 'os-release': 'ID=testos\n', 'version.conf': `${i}\n` } });
  const pkgs = (i: number) => [pkg(`bash-5.${i}-1.x86_64`), pkg('zlib-1.2-1.x86_64')];
  commitWithPackages(srv, 'os/stable', tree(0), '0', pkgs(0), 0);
  const server = await startAtollServe(t, srv);
  const sr = join(work, 'sr');
  mkdirSync(sr);
  const S = ['--sysroot', sr];
  atollAt(undefined, ['admin', 'init-fs', sr]);
  runOk('ostree', [`--repo=${join(sr, 'ostree/repo')}`, 'remote', 'add', '--no-gpg-verify', 'origin', server.url]);
  atollAt(undefined, ['rebase', ...S, '--os', 'testos', 'origin:os/stable']);
  const first = adminStatusRows(sr)[0];
  runOk('sh', ['-c', `echo local > ${join(sr, 'ostree/deploy/testos/deploy', `${first?.csum}.${first?.serial}`, 'etc/local.conf')}`]);

  let killed = 0;
  let i = 0;
  for (const point of UPGRADE_POINTS) {
    i++;
    const csum = commitWithPackages(srv, 'os/stable', tree(i), String(i), pkgs(i), i);
    if (atollAt(point, ['upgrade', ...S]) !== 0) killed++;
    assertBootable(sr, `upgrade killed at ${point}`);
    atollAt(undefined, ['upgrade', ...S]);
    assertTidy(sr, 2, `upgrade re-run after a kill at ${point}`);
    assert.equal(adminStatusRows(sr)[0]?.csum, csum, `${point}: the new commit is the default`);
    if (!BOOT_POINTS.includes(point) && !CLEANUP_POINTS.includes(point)) continue;
    // cleanup -r goes through the same bootloader swap and cleanup
    if (atollAt(point, ['cleanup', ...S, '-r']) !== 0) killed++;
    assertBootable(sr, `cleanup -r killed at ${point}`);
    atollAt(undefined, ['cleanup', ...S, '-r']);
    assertTidy(sr, 1, `cleanup -r re-run after a kill at ${point}`);
  }
  assert.ok(killed >= 30, `at least 30 kills happened (got ${killed})`);
  const repo = join(sr, 'ostree/repo');
  runOk('ostree', [`--repo=${repo}`, 'fsck']);
  assert.equal(atoll(['repo', 'fsck', '--repo', repo]).status, 0);
});
