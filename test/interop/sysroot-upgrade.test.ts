// `atoll admin upgrade` / `switch` (deploy-only: the commits are already in the system repo)
// against `ostree admin upgrade --deploy-only` / `switch` 2022.7 on twin sysroots: entries,
// origin bytes (unknown groups kept, pinning not inherited) and status must agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool } from '../helpers/env.js';
import { runOk, atoll } from '../helpers/run.js';
import { requireRoot, tmpfsDir, twinSysroots, makeFakeOsTree, ostreeCommit, ostreeAdmin } from '../helpers/sysroot.js';

function atollOk(args: string[]): string {
  const r = atoll(args);
  if (r.status !== 0) throw new Error(`atoll ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = join(root, 'boot/loader/entries');
  for (const n of readdirSync(entries)) out[`entry ${n}`] = readFileSync(join(entries, n), 'utf8');
  const deploy = join(root, 'ostree/deploy/os/deploy');
  for (const n of readdirSync(deploy).filter((x) => x.endsWith('.origin'))) out[`origin ${n}`] = readFileSync(join(deploy, n), 'utf8');
  return out;
}

test('admin upgrade and switch (deploy-only) match ostree: entries, origins, status, no-op message', async (t) => {
  if (!requireTool(t, 'ostree', 'chattr') || !requireRoot(t)) return;
  const work = tmpfsDir(t);
  const { ref, ours } = twinSysroots(work, { os: 'os' });
  const commitBoth = (branch: string, tree: string, version: string): string => {
    const c = ostreeCommit(join(ref, 'ostree/repo'), branch, tree, version);
    runOk('ostree', [`--repo=${join(ours, 'ostree/repo')}`, 'pull-local', join(ref, 'ostree/repo'), branch]);
    return c;
  };
  const c1 = commitBoth('os/stable', makeFakeOsTree(join(work, 't1')), '1');
  ostreeAdmin(ref, 'deploy', '--os=os', '--karg=root=/dev/vda', 'os/stable');
  atollOk(['admin', 'deploy', '--sysroot', ours, '--os=os', '--karg=root=/dev/vda', 'os/stable']);
  // rpm-ostree-style groups in the origin, and the deployment pinned
  for (const root of [ref, ours]) {
    writeFileSync(join(root, 'ostree/deploy/os/deploy', `${c1}.0.origin`), '[origin]\nrefspec=os/stable\n\n[packages]\nrequested=vim;htop;\n');
  }
  ostreeAdmin(ref, 'pin', '0');
  atollOk(['admin', 'pin', '--sysroot', ours, '0']);
  assert.deepEqual(snapshot(ours), snapshot(ref));

  // nothing new yet
  assert.match(ostreeAdmin(ref, 'upgrade', '--os=os', '--deploy-only'), /No update available\./);
  assert.match(atollOk(['admin', 'upgrade', '--sysroot', ours, '--os=os', '--deploy-only']), /No update available\./);

  commitBoth('os/stable', makeFakeOsTree(join(work, 't2'), { kernel: 'K2' }), '2');
  ostreeAdmin(ref, 'upgrade', '--os=os', '--deploy-only');
  atollOk(['admin', 'upgrade', '--sysroot', ours, '--os=os', '--deploy-only']);
  assert.deepEqual(snapshot(ours), snapshot(ref));
  assert.equal(ostreeAdmin(ours, 'status'), ostreeAdmin(ref, 'status'));

  commitBoth('os/next', makeFakeOsTree(join(work, 't3'), { kernel: 'K3' }), '3');
  ostreeAdmin(ref, 'switch', '--os=os', 'os/next');
  atollOk(['admin', 'switch', '--sysroot', ours, '--os=os', '--deploy-only', 'os/next']);
  assert.deepEqual(snapshot(ours), snapshot(ref));
  assert.equal(ostreeAdmin(ours, 'status'), ostreeAdmin(ref, 'status'));
  assert.equal(atollOk(['admin', 'status', '--sysroot', ref]), ostreeAdmin(ref, 'status'));
});
