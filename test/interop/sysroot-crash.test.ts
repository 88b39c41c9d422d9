// Crash safety: `atoll admin deploy`, `undeploy` and `cleanup` are SIGKILLed at every named
// hook point (ATOLL_TEST_CRASH_AT); after each kill the sysroot must still be one that real
// `ostree admin status` reads and whose every BLS entry leads to a complete deployment, and
// `atoll admin cleanup` must bring it back to a tidy state (no orphan deployments or boot dirs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool } from '../helpers/env.js';
import { runOk, run, atoll } from '../helpers/run.js';
import { requireRoot, tmpfsDir, makeFakeOsTree, ostreeCommit } from '../helpers/sysroot.js';

const POINTS = [
  'deploy-checked-out', 'deploy-kernel-found', 'deploy-etc-copied', 'deploy-etc-merged', 'deploy-origin-written', 'deploy-sealed',
  'kernel-installed', 'entry-written', 'entries-written', 'bootlinks-built', 'bootlinks-swapped', 'loader-tmp-created',
  'before-loader-swap', 'after-loader-swap', 'cleanup-bootversions', 'cleanup-unsealed', 'cleanup-deployment-dir',
  'cleanup-origin-removed', 'cleanup-bootdirs', 'cleanup-refs',
];

/** Every entry's ostree= resolves to a deployment with usr/, etc/ and an origin; ostree reads the sysroot. */
function assertBootable(sysroot: string, context: string): number {
  const st = run('ostree', ['admin', `--sysroot=${sysroot}`, 'status']);
  assert.equal(st.status, 0, `${context}: ostree admin status failed: ${st.stderr}`);
  const dir = join(sysroot, 'boot/loader/entries');
  const names = readdirSync(dir);
  for (const name of names) {
    const options = /^options (.*)$/m.exec(readFileSync(join(dir, name), 'utf8'))?.[1] ?? '';
    const arg = /(?:^| )ostree=(\S+)/.exec(options)?.[1];
    assert.ok(arg, `${context}: ${name} has ostree=`);
    const deploy = join(sysroot, arg);
    assert.ok(statSync(join(deploy, 'usr/bin/sh')).isFile() && statSync(join(deploy, 'etc/hostname')).isFile(), `${context}: ${name} leads to a complete deployment`);
    const target = readlinkSync(deploy);
    assert.ok(existsSync(join(sysroot, 'ostree/deploy/testos/deploy', `${target.split('/').pop()}.origin`)), `${context}: origin present`);
  }
  return names.length;
}

/** After cleanup: nothing unreferenced is left. */
function assertTidy(sysroot: string, context: string): void {
  const n = assertBootable(sysroot, context);
  const dirs = readdirSync(join(sysroot, 'ostree/deploy/testos/deploy'));
  assert.equal(dirs.filter((d) => !d.endsWith('.origin')).length, n, `${context}: deployment dirs = entries (${dirs.join(' ')})`);
  assert.equal(dirs.filter((d) => d.endsWith('.origin')).length, n, `${context}: origins = entries`);
  assert.deepEqual(readdirSync(join(sysroot, 'boot')).filter((x) => x.startsWith('loader.')).length, 1, `${context}: one loader dir`);
  const refs = runOk('ostree', [`--repo=${join(sysroot, 'ostree/repo')}`, 'refs']).split('\n').filter((r) => r.startsWith('ostree/'));
  assert.equal(refs.length, n, `${context}: one ostree/B/S/I ref per deployment`);
}

function atollAt(point: string | undefined, args: string[]): number | null {
  const env = { ...process.env, ...(point ? { ATOLL_TEST_CRASH_AT: point } : {}) };
  const r = atoll(args, { env });
  if (point === undefined && r.status !== 0) throw new Error(`atoll ${args.join(' ')}: ${r.stderr}`);
  return r.status;
}

test('SIGKILL at every hook point of deploy, undeploy and cleanup leaves a bootable sysroot; cleanup completes it', async (t) => {
  if (!requireTool(t, 'ostree', 'chattr') || !requireRoot(t)) return;
  const work = tmpfsDir(t);
  const sr = join(work, 'sr');
  mkdirSync(sr);
  const src = join(work, 'src');
  runOk('ostree', [`--repo=${src}`, 'init', '--mode=archive']);
  ostreeCommit(src, 'os/a', makeFakeOsTree(join(work, 't1')), '1');
  ostreeCommit(src, 'os/b', makeFakeOsTree(join(work, 't2'), { kernel: 'KERNEL-B' }), '2');
  const A = ['--sysroot', sr];
  atollAt(undefined, ['admin', 'init-fs', sr]);
  atollAt(undefined, ['admin', 'os-init', ...A, 'testos']);
  runOk('ostree', [`--repo=${join(sr, 'ostree/repo')}`, 'pull-local', src, 'os/a', 'os/b']);
  atollAt(undefined, ['admin', 'deploy', ...A, '--os=testos', 'os/a']);
  atollAt(undefined, ['admin', 'deploy', ...A, '--os=testos', 'os/b']);
  let killed = 0;
  let flip = false;
  for (const point of POINTS) {
    flip = !flip;
    // deploy (alternating kernels, so boot directories come and go)
    const deployStatus = atollAt(point, ['admin', 'deploy', ...A, '--os=testos', flip ? 'os/a' : 'os/b']);
    if (deployStatus !== 0) killed++;
    assertBootable(sr, `deploy killed at ${point}`);
    atollAt(undefined, ['admin', 'cleanup', ...A]);
    assertTidy(sr, `cleanup after deploy killed at ${point}`);
    if (point.startsWith('deploy-') || point === 'kernel-installed') continue; // undeploy and cleanup never get there
    // undeploy of the rollback
    const undeployStatus = atollAt(point, ['admin', 'undeploy', ...A, '1']);
    if (undeployStatus !== 0) killed++;
    assertBootable(sr, `undeploy killed at ${point}`);
    atollAt(undefined, ['admin', 'cleanup', ...A]);
    assertTidy(sr, `cleanup after undeploy killed at ${point}`);
    // back to two deployments; then a cleanup that is itself killed
    const count = readdirSync(join(sr, 'boot/loader/entries')).length;
    if (count < 2) atollAt(undefined, ['admin', 'deploy', ...A, '--os=testos', flip ? 'os/b' : 'os/a']);
    if (!point.startsWith('cleanup-')) continue; // a bare cleanup only passes the cleanup points
    if (atollAt(point, ['admin', 'cleanup', ...A]) !== 0) killed++;
    assertBootable(sr, `cleanup killed at ${point}`);
    atollAt(undefined, ['admin', 'cleanup', ...A]);
    assertTidy(sr, `cleanup after cleanup killed at ${point}`);
  }
  assert.ok(killed >= 30, `at least 30 kills happened (got ${killed})`);
  runOk('ostree', [`--repo=${join(sr, 'ostree/repo')}`, 'fsck']);
});
