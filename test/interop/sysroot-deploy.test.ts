// atoll's deploy against `ostree admin deploy` 2022.7 on twin sysroots (tmpfs, as root): same
// commits, same commands, then the bytes of BLS entries, the boot and deploy layouts, refs and
// origins must agree, and each tool must read what the other wrote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool } from '../helpers/env.js';
import { runOk } from '../helpers/run.js';
import { requireRoot, tmpfsDir, twinSysroots, makeFakeOsTree, ostreeCommit, ostreeAdmin, describeTree } from '../helpers/sysroot.js';
import { systemRepoProvider, SysrootLayout, initFs, osInit, adminDeploy, undeploy, cleanup, loadSysroot, deploymentStatus, formatAdminStatus, setDeploymentPinned } from '../../src/sysroot/index.js';
import { nullReporter } from '../../src/report/index.js';

function entries(sysroot: string): Record<string, string> {
  const dir = join(sysroot, 'boot/loader/entries');
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) out[name] = readFileSync(join(dir, name), 'utf8');
  return out;
}

/** Layout minus the repo's object store and timestamps: what must be identical between the twins. */
function shape(sysroot: string): Record<string, string> {
  return describeTree(sysroot, (rel) => rel.startsWith('ostree/repo/objects') || rel.startsWith('ostree/repo/refs/heads/ostree') || rel.startsWith('ostree/repo/tmp') || rel === 'ostree/repo/.lock' || rel === 'ostree/repo/state' || rel === 'ostree/lock');
}

function refs(sysroot: string): string[] {
  return runOk('ostree', [`--repo=${join(sysroot, 'ostree/repo')}`, 'refs']).split('\n').filter(Boolean).sort();
}

test('atoll deploy matches ostree admin deploy byte for byte, and each reads the other', async (t) => {
  if (!requireTool(t, 'ostree', 'chattr') || !requireRoot(t)) return;
  const work = tmpfsDir(t);
  const src = join(work, 'src-repo');
  runOk('ostree', [`--repo=${src}`, 'init', '--mode=archive']);
  const tree1 = makeFakeOsTree(join(work, 'tree1'));
  const c1 = ostreeCommit(src, 'testos/stable', tree1, '1.0');
  const tree2 = makeFakeOsTree(join(work, 'tree2'), { etc: { hostname: 'default-host\n', 'os-release': 'ID=testos\n', 'new.conf': 'new\n' } });
  const c2 = ostreeCommit(src, 'testos/stable', tree2, '2.0');
  const tree3 = makeFakeOsTree(join(work, 'tree3'), { kernel: 'KERNEL3', kver: '6.1.0' });
  const c3 = ostreeCommit(src, 'testos/next', tree3, '3.0');

  const ref = join(work, 'ref');
  const ours = join(work, 'ours');
  mkdirSync(ref);
  mkdirSync(ours);
  ostreeAdmin(ref, 'init-fs', ref);
  ostreeAdmin(ref, 'os-init', 'testos');
  await initFs(ours, systemRepoProvider());
  const layout = new SysrootLayout(ours);
  await osInit(layout, 'testos');
  assert.deepEqual(shape(ours), shape(ref), 'init-fs + os-init layout');
  for (const root of [ref, ours]) runOk('ostree', [`--repo=${join(root, 'ostree/repo')}`, 'pull-local', '--depth=-1', src, 'testos/stable', 'testos/next']);
  const repo = await systemRepoProvider().open(layout.repoDir);

  // 1. first deploy with kargs
  ostreeAdmin(ref, 'deploy', '--os=testos', '--karg=root=LABEL=root', '--karg=quiet', c1);
  await adminDeploy(layout, repo, { refspec: c1, osname: 'testos', kargs: { replace: ['root=LABEL=root', 'quiet'] } }, nullReporter);
  assert.deepEqual(entries(ours), entries(ref));
  assert.deepEqual(shape(ours), shape(ref));
  assert.deepEqual(refs(ours), refs(ref));

  // 2. second deploy by ref, kargs inherited and appended
  ostreeAdmin(ref, 'deploy', '--os=testos', '--karg-append=foo=bar', 'testos/stable');
  await adminDeploy(layout, repo, { refspec: 'testos/stable', osname: 'testos', kargs: { append: ['foo=bar'] } }, nullReporter);
  assert.deepEqual(entries(ours), entries(ref));
  assert.deepEqual(shape(ours), shape(ref));
  assert.equal(readlinkSync(join(ours, 'boot/loader')), readlinkSync(join(ref, 'boot/loader')));

  // 3. the same commit again (deployserial 1), a new kernel, then a second stateroot
  for (const root of [ref]) ostreeAdmin(root, 'deploy', '--os=testos', c2);
  await adminDeploy(layout, repo, { refspec: c2, osname: 'testos' }, nullReporter);
  ostreeAdmin(ref, 'deploy', '--os=testos', 'testos/next');
  await adminDeploy(layout, repo, { refspec: 'testos/next', osname: 'testos' }, nullReporter);
  assert.deepEqual(entries(ours), entries(ref));
  ostreeAdmin(ref, 'os-init', 'other');
  await osInit(layout, 'other');
  ostreeAdmin(ref, 'deploy', '--os=other', '--karg=console=ttyS0', c2);
  await adminDeploy(layout, repo, { refspec: c2, osname: 'other', kargs: { replace: ['console=ttyS0'] } }, nullReporter);
  assert.deepEqual(entries(ours), entries(ref));
  assert.deepEqual(shape(ours), shape(ref));
  assert.deepEqual(refs(ours), refs(ref));

  // ostree reads atoll's sysroot exactly as its own; atoll reads ostree's exactly as ostree does
  assert.equal(ostreeAdmin(ours, 'status'), ostreeAdmin(ref, 'status'));
  const refState = await loadSysroot(new SysrootLayout(ref));
  assert.equal(formatAdminStatus(refState, await deploymentStatus(await systemRepoProvider().open(join(ref, 'ostree/repo')), refState)), ostreeAdmin(ref, 'status'));
  assert.deepEqual(refState.deployments.map((d) => d.csum), [c2, c3, c2].slice(0, refState.deployments.length));

  // 4. pin, undeploy (the other stateroot and a pinned one stays), cleanup
  ostreeAdmin(ref, 'pin', '1');
  await setDeploymentPinned(layout, 1, true);
  ostreeAdmin(ref, 'undeploy', '0');
  await undeploy(layout, repo, 0, nullReporter);
  assert.deepEqual(entries(ours), entries(ref));
  assert.deepEqual(shape(ours), shape(ref));
  ostreeAdmin(ref, 'cleanup');
  await cleanup(layout, repo, nullReporter);
  assert.deepEqual(shape(ours), shape(ref));
  assert.deepEqual(refs(ours), refs(ref));
  assert.equal(ostreeAdmin(ours, 'status'), ostreeAdmin(ref, 'status'));

  // 5. ostree keeps working on top of atoll's sysroot
  ostreeAdmin(ours, 'deploy', '--os=testos', 'testos/stable');
  ostreeAdmin(ours, 'undeploy', '1');
  writeFileSync(join(work, 'done'), '');
  assert.match(ostreeAdmin(ours, 'status'), /testos/);
  void c3;
});

test('kernel argument edits (--karg replaces by key, --karg-delete, --karg-append) as ostree applies them', async (t) => {
  if (!requireTool(t, 'ostree', 'chattr') || !requireRoot(t)) return;
  const work = tmpfsDir(t);
  const src = join(work, 'src-repo');
  runOk('ostree', [`--repo=${src}`, 'init', '--mode=archive']);
  ostreeCommit(src, 'os/k', makeFakeOsTree(join(work, 'tree')), '1');
  const { ref, ours } = twinSysroots(work, { os: 'k', source: src, refs: ['os/k'] });
  const layout = new SysrootLayout(ours);
  const repo = await systemRepoProvider().open(layout.repoDir);
  ostreeAdmin(ref, 'deploy', '--os=k', '--karg=root=/dev/sda', '--karg=quiet', '--karg=console=tty0', '--karg=console=ttyS0', 'os/k');
  await adminDeploy(layout, repo, { refspec: 'os/k', osname: 'k', kargs: { replace: ['root=/dev/sda', 'quiet', 'console=tty0', 'console=ttyS0'] } }, nullReporter);
  ostreeAdmin(ref, 'deploy', '--os=k', '--karg=console=hvc0', '--karg-delete=quiet', '--karg-append=x=1', 'os/k');
  await adminDeploy(layout, repo, { refspec: 'os/k', osname: 'k', kargs: { replace: ['console=hvc0'], delete: ['quiet'], append: ['x=1'] } }, nullReporter);
  assert.deepEqual(entries(ours), entries(ref));
  assert.match(Object.values(entries(ours)).join(''), /options root=\/dev\/sda console=hvc0 ostree=\S+ x=1\n/);
});

test('retention flags (--retain, --retain-pending, --retain-rollback, --not-as-default) keep what ostree keeps', async (t) => {
  if (!requireTool(t, 'ostree', 'chattr') || !requireRoot(t)) return;
  const work = tmpfsDir(t);
  const src = join(work, 'src-repo');
  runOk('ostree', [`--repo=${src}`, 'init', '--mode=archive']);
  for (let i = 1; i <= 6; i++) ostreeCommit(src, `os/v${i}`, makeFakeOsTree(join(work, `tree${i}`), { kernel: `K${i}` }), String(i));
  const { ref, ours } = twinSysroots(work, { os: 'r', source: src, refs: [1, 2, 3, 4, 5, 6].map((i) => `os/v${i}`) });
  const layout = new SysrootLayout(ours);
  const repo = await systemRepoProvider().open(layout.repoDir);
  const steps: Array<[string, string[], Record<string, boolean>]> = [
    ['os/v1', [], {}],
    ['os/v2', ['--retain'], { retain: true }],
    ['os/v3', ['--retain'], { retain: true }],
    ['os/v4', ['--retain-rollback'], { retainRollback: true }],
    ['os/v5', ['--retain-pending'], { retainPending: true }],
    ['os/v6', ['--not-as-default'], { notAsDefault: true }],
  ];
  for (const [refspec, flags, options] of steps) {
    ostreeAdmin(ref, 'deploy', '--os=r', ...flags, refspec);
    await adminDeploy(layout, repo, { refspec, osname: 'r', ...options }, nullReporter);
    assert.deepEqual(entries(ours), entries(ref), `after deploy ${flags.join(' ')} ${refspec}`);
    assert.equal(ostreeAdmin(ours, 'status'), ostreeAdmin(ref, 'status'));
  }
});

test('eleven deployments: entry versions 10 and 11 sort above 9 (strverscmp), both tools agree on the order', async (t) => {
  if (!requireTool(t, 'ostree', 'chattr') || !requireRoot(t)) return;
  const work = tmpfsDir(t);
  const sr = join(work, 'sr');
  mkdirSync(sr);
  ostreeAdmin(sr, 'init-fs', sr);
  ostreeAdmin(sr, 'os-init', 'n');
  const repoDir = join(sr, 'ostree/repo');
  const layout = new SysrootLayout(sr);
  const repo = await systemRepoProvider().open(repoDir);
  const commits: string[] = [];
  for (let i = 1; i <= 11; i++) {
    commits.push(ostreeCommit(repoDir, `os/v${i}`, makeFakeOsTree(join(work, `t${i}`), { etc: { 'os-release': 'ID=n\n', v: `${i}\n` } }), String(i)));
    // alternate the writer: each must read the other's list correctly to keep the order
    if (i % 2 === 0) ostreeAdmin(sr, 'deploy', '--os=n', '--retain', `os/v${i}`);
    else await adminDeploy(layout, repo, { refspec: `os/v${i}`, osname: 'n', retain: true }, nullReporter);
  }
  const expected = [...commits].reverse();
  assert.deepEqual((await loadSysroot(layout)).deployments.map((d) => d.csum), expected);
  assert.deepEqual([...ostreeAdmin(sr, 'status').matchAll(/^. n ([0-9a-f]{64})\./gm)].map((m) => m[1]), expected);
});

test('init-fs --modern creates the same layout as ostree admin init-fs --modern', async (t) => {
  if (!requireTool(t, 'ostree')) return;
  const work = tmpfsDir(t);
  const ref = join(work, 'ref');
  const ours = join(work, 'ours');
  mkdirSync(ref);
  mkdirSync(ours);
  runOk('ostree', ['admin', 'init-fs', '--modern', ref]);
  await initFs(ours, systemRepoProvider(), { modern: true });
  assert.deepEqual(readdirSync(ours).sort(), readdirSync(ref).sort());
});
