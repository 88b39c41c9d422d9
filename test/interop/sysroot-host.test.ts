// `atoll status` and `atoll rollback` (rpm-ostree's verbs) on a sysroot, with real
// `ostree admin status` as the referee of the boot order after each swap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool } from '../helpers/env.js';
import { runOk, atoll } from '../helpers/run.js';
import { requireRoot, tmpfsDir, makeFakeOsTree, ostreeCommit, ostreeAdmin } from '../helpers/sysroot.js';

function atollOk(args: string[]): string {
  const r = atoll(args);
  if (r.status !== 0) throw new Error(`atoll ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

/** Commits in boot order as ostree sees them. */
function ostreeOrder(sysroot: string): string[] {
  return [...ostreeAdmin(sysroot, 'status').matchAll(/^. \S+ ([0-9a-f]{64})\.\d+/gm)].map((m) => m[1] as string);
}

test('atoll status --json and atoll rollback: swaps default and rollback, ostree agrees, twice swaps back', async (t) => {
  if (!requireTool(t, 'ostree', 'chattr') || !requireRoot(t)) return;
  const work = tmpfsDir(t);
  const src = join(work, 'src');
  runOk('ostree', [`--repo=${src}`, 'init', '--mode=archive']);
  const c1 = ostreeCommit(src, 'os/x', makeFakeOsTree(join(work, 't1')), '1.0');
  const c2 = ostreeCommit(src, 'os/x', makeFakeOsTree(join(work, 't2'), { kernel: 'K2' }), '2.0');
  const sr = join(work, 'sr');
  mkdirSync(sr);
  ostreeAdmin(sr, 'init-fs', sr);
  ostreeAdmin(sr, 'os-init', 'x');
  runOk('ostree', [`--repo=${join(sr, 'ostree/repo')}`, 'pull-local', '--depth=-1', src, 'os/x']);
  ostreeAdmin(sr, 'deploy', '--os=x', '--karg=quiet', c1);
  ostreeAdmin(sr, 'deploy', '--os=x', 'os/x');

  const status = JSON.parse(atollOk(['status', '--sysroot', sr, '--json'])) as { deployments: Array<{ checksum: string; version: string; role: string; origin: string; booted: boolean }>; transaction: null };
  assert.deepEqual(status.deployments.map((d) => [d.checksum, d.version, d.role]), [[c2, '2.0', 'default'], [c1, '1.0', 'rollback']]);
  assert.equal(status.transaction, null);
  assert.match(atollOk(['status', '--sysroot', sr]), new RegExp(`Commit: ${c2}[\\s\\S]*Commit: ${c1}`));

  atollOk(['rollback', '--sysroot', sr]);
  assert.deepEqual(ostreeOrder(sr), [c1, c2]);
  const entries = readdirSync(join(sr, 'boot/loader/entries')).map((n) => readFileSync(join(sr, 'boot/loader/entries', n), 'utf8'));
  assert.ok(entries.some((e) => e.startsWith('title Test OS 1 1.0 (ostree:0)\nversion 2\n')), 'the old commit is the default entry now');
  // ostree deploys on top, merging from the new default
  ostreeAdmin(sr, 'deploy', '--os=x', 'os/x');
  assert.deepEqual(ostreeOrder(sr), [c2, c1]);
  atollOk(['rollback', '--sysroot', sr]);
  atollOk(['rollback', '--sysroot', sr]);
  assert.deepEqual(ostreeOrder(sr), [c2, c1]);
  // a single deployment has nothing to roll back to
  ostreeAdmin(sr, 'undeploy', '1');
  const r = atoll(['rollback', '--sysroot', sr]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no rollback deployment/);
});

test('atoll kargs makes a new deployment of the same commit; atoll cleanup -r drops the rollback; ostree agrees', async (t) => {
  if (!requireTool(t, 'ostree', 'chattr') || !requireRoot(t)) return;
  const work = tmpfsDir(t);
  const src = join(work, 'src');
  runOk('ostree', [`--repo=${src}`, 'init', '--mode=archive']);
  const c1 = ostreeCommit(src, 'os/x', makeFakeOsTree(join(work, 't1')), '1.0');
  const sr = join(work, 'sr');
  mkdirSync(sr);
  ostreeAdmin(sr, 'init-fs', sr);
  ostreeAdmin(sr, 'os-init', 'x');
  runOk('ostree', [`--repo=${join(sr, 'ostree/repo')}`, 'pull-local', src, 'os/x']);
  ostreeAdmin(sr, 'deploy', '--os=x', '--karg=root=/dev/vda', '--karg=quiet', 'os/x');
  assert.match(atollOk(['kargs', '--sysroot', sr]), /^root=\/dev\/vda quiet ostree=\/ostree\/boot\.1\/x\//);
  atollOk(['kargs', '--sysroot', sr, '--append=console=ttyS0', '--delete=quiet', '--replace=root=/dev/vdb']);
  assert.deepEqual(ostreeOrder(sr), [c1, c1]);
  const entries = readdirSync(join(sr, 'boot/loader/entries')).sort().map((n) => readFileSync(join(sr, 'boot/loader/entries', n), 'utf8'));
  assert.match(entries[1] ?? '', /^options root=\/dev\/vdb ostree=\S+ console=ttyS0$/m, 'the new default has the edited arguments');
  assert.match(entries[0] ?? '', /^options root=\/dev\/vda quiet ostree=/m, 'the previous deployment is untouched');
  const r = atoll(['kargs', '--sysroot', sr, '--delete=nosuch']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no kernel argument 'nosuch'/);
  assert.match(atollOk(['cleanup', '--sysroot', sr, '-r']), /removed/);
  assert.deepEqual(ostreeOrder(sr), [c1]);
  assert.match(ostreeAdmin(sr, 'status'), new RegExp(`${c1}\\.1`));
});
