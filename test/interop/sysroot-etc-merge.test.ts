// The /etc three-way merge against `ostree admin deploy` 2022.7: twin sysroots get the same
// local edits, then a commit with changed defaults is deployed by each tool; the new
// deployments' /etc must be identical (types, modes, owners, content, symlink targets).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, rmSync, chmodSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool } from '../helpers/env.js';
import { runOk, run } from '../helpers/run.js';
import { requireRoot, tmpfsDir, makeFakeOsTree, ostreeCommit, ostreeAdmin, describeTree } from '../helpers/sysroot.js';
import { systemRepoProvider, SysrootLayout, initFs, osInit, adminDeploy, loadSysroot, configDiff } from '../../src/sysroot/index.js';
import { RecordingReporter, nullReporter } from '../../src/report/index.js';

const ETC1 = {
  hostname: 'default-host\n',
  'os-release': 'ID=testos\n',
  'conf.d/a.conf': 'a1\n',
  'keep.conf': 'v1\n',
  'mode.conf': 'm\n',
  'dir2/x': 'x\n',
  typechange: 'file\n',
  'dirmode/y': 'y\n',
};
const ETC2 = { ...ETC1, 'conf.d/a.conf': 'a2\n', 'keep.conf': 'v2\n', 'new.conf': 'new\n', hostname: 'default-host-2\n' };

function localEdits(etc: string): void {
  writeFileSync(join(etc, 'hostname'), 'my-host\n');
  rmSync(join(etc, 'conf.d'), { recursive: true });
  writeFileSync(join(etc, 'added.conf'), 'added\n');
  mkdirSync(join(etc, 'newdir/sub'), { recursive: true });
  writeFileSync(join(etc, 'newdir/sub/f'), 'f\n');
  chmodSync(join(etc, 'newdir'), 0o750);
  chmodSync(join(etc, 'mode.conf'), 0o600);
  symlinkSync('keep.conf', join(etc, 'link'));
  unlinkSync(join(etc, 'typechange'));
  mkdirSync(join(etc, 'typechange'));
  writeFileSync(join(etc, 'typechange/inner'), 'inner\n');
  chmodSync(join(etc, 'dirmode'), 0o700);
  writeFileSync(join(etc, 'dir2/x'), 'x-local\n');
}


async function etcOf(sysroot: string, index: number): Promise<string> {
  const layout = new SysrootLayout(sysroot);
  const d = (await loadSysroot(layout)).deployments[index];
  assert.ok(d);
  return join(layout.deploymentDir(d.osname, d.csum, d.deployserial), 'etc');
}

test('/etc merge: local edits, deletions, additions, modes, symlinks and type changes as ostree merges them', async (t) => {
  if (!requireTool(t, 'ostree', 'chattr') || !requireRoot(t)) return;
  const work = tmpfsDir(t);
  const src = join(work, 'src');
  runOk('ostree', [`--repo=${src}`, 'init', '--mode=archive']);
  const c1 = ostreeCommit(src, 'testos/stable', makeFakeOsTree(join(work, 't1'), { etc: ETC1 }), '1');
  const c2 = ostreeCommit(src, 'testos/stable', makeFakeOsTree(join(work, 't2'), { etc: ETC2 }), '2');
  const ref = join(work, 'ref');
  const ours = join(work, 'ours');
  mkdirSync(ref);
  mkdirSync(ours);
  ostreeAdmin(ref, 'init-fs', ref);
  ostreeAdmin(ref, 'os-init', 'testos');
  await initFs(ours, systemRepoProvider());
  const layout = new SysrootLayout(ours);
  await osInit(layout, 'testos');
  for (const root of [ref, ours]) runOk('ostree', [`--repo=${join(root, 'ostree/repo')}`, 'pull-local', '--depth=-1', src, 'testos/stable']);
  const repo = await systemRepoProvider().open(layout.repoDir);

  ostreeAdmin(ref, 'deploy', '--os=testos', c1);
  await adminDeploy(layout, repo, { refspec: c1, osname: 'testos' }, nullReporter);
  assert.deepEqual(describeTree(await etcOf(ours, 0)), describeTree(await etcOf(ref, 0)), 'fresh /etc copies usr/etc');
  localEdits(await etcOf(ref, 0));
  localEdits(await etcOf(ours, 0));

  // config-diff sees the local changes (as M/A/D)
  const diff = await configDiff(layout, 'testos');
  assert.deepEqual(diff.removed, ['conf.d']);
  assert.ok(diff.added.includes('newdir/sub/f') && diff.modified.includes('typechange'));

  const refOut = ostreeAdmin(ref, 'deploy', '--os=testos', c2);
  const reporter = new RecordingReporter();
  await adminDeploy(layout, repo, { refspec: c2, osname: 'testos' }, reporter);
  const counts = /Copying \/etc changes: .*/.exec(refOut)?.[0];
  assert.ok(reporter.messages().includes(counts ?? '<none>'), `ostree said '${counts}', atoll said ${JSON.stringify(reporter.messages())}`);
  const merged = describeTree(await etcOf(ours, 0));
  assert.deepEqual(merged, describeTree(await etcOf(ref, 0)));
  // and the expectations the spec states, so the twin comparison cannot pass vacuously
  assert.equal(merged['conf.d'], undefined, 'local deletion wins over changed defaults');
  assert.ok(merged['new.conf'], 'new default arrives');
  assert.ok(merged['typechange/inner'], 'file became a directory locally');
});

test('/etc merge: a locally modified file whose default became a directory fails, as in ostree', async (t) => {
  if (!requireTool(t, 'ostree', 'chattr') || !requireRoot(t)) return;
  const work = tmpfsDir(t);
  const src = join(work, 'src');
  runOk('ostree', [`--repo=${src}`, 'init', '--mode=archive']);
  const c1 = ostreeCommit(src, 'os/a', makeFakeOsTree(join(work, 't1'), { etc: { 'os-release': 'ID=x\n', thing: 'file\n' } }), '1');
  const c2 = ostreeCommit(src, 'os/a', makeFakeOsTree(join(work, 't2'), { etc: { 'os-release': 'ID=x\n', 'thing/inside': 'dir\n' } }), '2');
  const ref = join(work, 'ref');
  const ours = join(work, 'ours');
  mkdirSync(ref);
  mkdirSync(ours);
  ostreeAdmin(ref, 'init-fs', ref);
  ostreeAdmin(ref, 'os-init', 'testos');
  await initFs(ours, systemRepoProvider());
  const layout = new SysrootLayout(ours);
  await osInit(layout, 'testos');
  for (const root of [ref, ours]) runOk('ostree', [`--repo=${join(root, 'ostree/repo')}`, 'pull-local', '--depth=-1', src, 'os/a']);
  const repo = await systemRepoProvider().open(layout.repoDir);
  ostreeAdmin(ref, 'deploy', '--os=testos', c1);
  await adminDeploy(layout, repo, { refspec: c1, osname: 'testos' }, nullReporter);
  writeFileSync(join(await etcOf(ref, 0), 'thing'), 'local\n');
  writeFileSync(join(await etcOf(ours, 0), 'thing'), 'local\n');
  const r = run('ostree', ['admin', `--sysroot=${ref}`, 'deploy', '--os=testos', c2]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /newly defaults to directory/);
  await assert.rejects(adminDeploy(layout, repo, { refspec: c2, osname: 'testos' }, nullReporter), { code: 'SYSROOT_ETC_MERGE_CONFLICT' });
  // the boot list is untouched: still one deployment, ostree reads it
  assert.equal((await loadSysroot(layout)).deployments.length, 1);
  assert.match(ostreeAdmin(ours, 'status'), new RegExp(c1));
});
