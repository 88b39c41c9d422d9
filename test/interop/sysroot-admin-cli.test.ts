// `atoll admin ...` as a user runs it, refereed by `ostree admin` 2022.7 on twin sysroots
// (tmpfs, as root): init-fs on a populated root, two stateroots side by side, status both
// ways, config-diff, kargs edit-in-place, pin, undeploy, cleanup, and the sysroot lock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool } from '../helpers/env.js';
import { runOk, run, atoll, atollBin, type Ran } from '../helpers/run.js';
import { spawn } from 'node:child_process';
import { requireRoot, tmpfsDir, makeFakeOsTree, ostreeCommit, ostreeAdmin, describeTree } from '../helpers/sysroot.js';

function atollOk(args: string[]): string {
  const r: Ran = atoll(args);
  if (r.status !== 0) throw new Error(`atoll ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

function entries(sysroot: string): Record<string, string> {
  const dir = join(sysroot, 'boot/loader/entries');
  return Object.fromEntries(readdirSync(dir).sort().map((n) => [n, readFileSync(join(dir, n), 'utf8')]));
}

test('atoll admin on a populated root: host files untouched, two stateroots, ostree agrees at every step', async (t) => {
  if (!requireTool(t, 'ostree', 'chattr') || !requireRoot(t)) return;
  const work = tmpfsDir(t);
  const src = join(work, 'src');
  runOk('ostree', [`--repo=${src}`, 'init', '--mode=archive']);
  const c1 = ostreeCommit(src, 'os/a', makeFakeOsTree(join(work, 't1'), { prettyName: 'Alpha' }), '1.0');
  const c2 = ostreeCommit(src, 'os/b', makeFakeOsTree(join(work, 't2'), { prettyName: 'Beta', kernel: 'K2' }), '2.0');

  // A "host" root with its own files, including /boot content and a loader entry of its own.
  const host = join(work, 'host');
  mkdirSync(join(host, 'boot/grub'), { recursive: true });
  mkdirSync(join(host, 'etc'), { recursive: true });
  mkdirSync(join(host, 'tmp'), { mode: 0o755 });
  writeFileSync(join(host, 'boot/vmlinuz-host'), 'HOSTKERNEL');
  writeFileSync(join(host, 'boot/grub/grub.cfg.bak'), 'x');
  writeFileSync(join(host, 'etc/fstab'), '/dev/sda1 / ext4\n');
  const before = describeTree(host);
  const ref = join(work, 'ref');
  mkdirSync(ref);
  ostreeAdmin(ref, 'init-fs', ref);

  atollOk(['admin', 'init-fs', host]);
  const after = describeTree(host);
  for (const [path, meta] of Object.entries(before)) assert.equal(after[path], meta, `host path ${path} untouched`);
  assert.equal(after.tmp, 'd 755 0:0', 'an existing /tmp keeps its mode');
  assert.ok(after['ostree/repo/config'] && after.root, 'layout added');

  for (const root of [host, ref]) runOk('ostree', [`--repo=${join(root, 'ostree/repo')}`, 'pull-local', src, 'os/a', 'os/b']);
  for (const os of ['a', 'b']) {
    atollOk(['admin', 'os-init', '--sysroot', host, os]);
    ostreeAdmin(ref, 'os-init', os);
  }
  atollOk(['admin', 'deploy', '--sysroot', host, '--os', 'a', '--karg=root=/dev/sda1', 'os/a']);
  ostreeAdmin(ref, 'deploy', '--os=a', '--karg=root=/dev/sda1', 'os/a');
  atollOk(['admin', '--sysroot', host, 'deploy', '--os=b', '--karg=root=/dev/sda2', '--karg-append=quiet', 'os/b']);
  ostreeAdmin(ref, 'deploy', '--os=b', '--karg=root=/dev/sda2', '--karg-append=quiet', 'os/b');
  atollOk(['admin', 'deploy', '--sysroot', host, '--os', 'a', 'os/a']);
  ostreeAdmin(ref, 'deploy', '--os=a', 'os/a');
  assert.deepEqual(entries(host), entries(ref));
  assert.match(Object.values(entries(host)).join(''), /\(ostree:b:1\)/, 'titles carry the stateroot');
  assert.equal(readFileSync(join(host, 'boot/vmlinuz-host'), 'utf8'), 'HOSTKERNEL');
  // status: ostree on atoll's sysroot, atoll on ostree's, atoll on its own
  const refStatus = ostreeAdmin(ref, 'status');
  assert.equal(ostreeAdmin(host, 'status'), refStatus);
  assert.equal(atollOk(['admin', 'status', '--sysroot', ref]), refStatus);
  assert.equal(atollOk(['admin', 'status', '--sysroot', host]), refStatus);
  const json = JSON.parse(atollOk(['admin', 'status', '--sysroot', host, '--json'])) as { deployments: Array<{ osname: string; checksum: string }> };
  assert.deepEqual(json.deployments.map((d) => `${d.osname}:${d.checksum}`), [`a:${c1}`, `b:${c2}`, `a:${c1}`]);

  // config-diff
  for (const root of [host, ref]) {
    const etc = join(root, 'ostree/deploy/a/deploy', `${c1}.1`, 'etc');
    writeFileSync(join(etc, 'hostname'), 'mine\n');
    writeFileSync(join(etc, 'extra'), 'e\n');
    rmSync(join(etc, 'os-release'));
  }
  assert.equal(atollOk(['admin', 'config-diff', '--sysroot', host, '--os', 'a']), ostreeAdmin(ref, 'config-diff', '--os=a'));

  // kargs edit-in-place rewrites the current entries in place
  atollOk(['admin', 'kargs', 'edit-in-place', '--sysroot', host, '--append-if-missing=console=ttyS0']);
  ostreeAdmin(ref, 'kargs', 'edit-in-place', '--append-if-missing=console=ttyS0');
  assert.deepEqual(entries(host), entries(ref));

  // pin, undeploy, cleanup
  assert.equal(atollOk(['admin', 'pin', '--sysroot', host, '2']).trim(), ostreeAdmin(ref, 'pin', '2').trim());
  atollOk(['admin', 'undeploy', '--sysroot', host, '0']);
  ostreeAdmin(ref, 'undeploy', '0');
  atollOk(['admin', 'cleanup', '--sysroot', host]);
  ostreeAdmin(ref, 'cleanup');
  assert.deepEqual(entries(host), entries(ref));
  assert.equal(ostreeAdmin(host, 'status'), ostreeAdmin(ref, 'status'));
  assert.equal(atollOk(['admin', 'unpin', '--sysroot', host, '1']).trim(), ostreeAdmin(ref, 'pin', '--unpin', '1').trim());
  assert.equal(ostreeAdmin(host, 'status'), ostreeAdmin(ref, 'status'));
  const origins = (root: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const os of ['a', 'b']) {
      const dir = join(root, 'ostree/deploy', os, 'deploy');
      for (const n of readdirSync(dir).filter((x) => x.endsWith('.origin'))) out[`${os}/${n}`] = readFileSync(join(dir, n), 'utf8');
    }
    return out;
  };
  assert.deepEqual(origins(host), origins(ref), 'origin files byte for byte after pin and unpin');
  runOk('ostree', [`--repo=${join(host, 'ostree/repo')}`, 'fsck']);

  // the lock: with a live holder a second admin writer waits, as ostree admin does, saying so
  // once, and goes on when the holder releases it
  writeFileSync(join(host, 'ostree/lock'), `pid=${process.pid}\ncommand=test holder\n`);
  const waiting = spawn(process.execPath, [atollBin, '--progress=none', 'admin', 'pin', '--sysroot', host, '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let waitErr = '';
  await new Promise<void>((resolve) => waiting.stderr.on('data', (chunk: Buffer) => {
    waitErr += chunk.toString();
    if (waitErr.includes('Waiting for sysroot lock...')) resolve();
  }));
  rmSync(join(host, 'ostree/lock'));
  const waitedCode = await new Promise<number | null>((resolve) => waiting.on('close', resolve));
  assert.equal(waitedCode, 0, waitErr);
  atollOk(['admin', 'pin', '--sysroot', host, '--unpin', '0']);
  // a dead holder's lock is taken over
  writeFileSync(join(host, 'ostree/lock'), 'pid=999999999\ncommand=dead\n');
  atollOk(['admin', 'pin', '--sysroot', host, '0']);
});

test('a host /boot/loader directory (systemd-boot) is refused, as ostree refuses it, and left alone', async (t) => {
  if (!requireTool(t, 'ostree', 'chattr') || !requireRoot(t)) return;
  const work = tmpfsDir(t);
  const host = join(work, 'host');
  mkdirSync(join(host, 'boot/loader/entries'), { recursive: true });
  writeFileSync(join(host, 'boot/loader/loader.conf'), 'timeout 3\n');
  atollOk(['admin', 'init-fs', host]);
  atollOk(['admin', 'os-init', '--sysroot', host, 'x']);
  const r = atoll(['admin', 'status', '--sysroot', host]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /not a symbolic link/);
  const o = run('ostree', ['admin', `--sysroot=${host}`, 'status']);
  assert.notEqual(o.status, 0, 'ostree refuses it too');
  assert.equal(readFileSync(join(host, 'boot/loader/loader.conf'), 'utf8'), 'timeout 3\n');
});
