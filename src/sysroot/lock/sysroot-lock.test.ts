import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync, unlinkSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockSysroot, withSysrootLock } from './sysroot-lock.js';

test('one writer: a second fails fast naming the holder; release frees; a dead holder is taken over', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'atoll-lock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'lock');
  const first = await lockSysroot(path, 'admin deploy');
  // the same pid counts as a live holder too: a second lock in one process is a bug to report
  writeFileSync(path, `pid=${process.ppid}\ncommand=admin deploy\n`);
  await assert.rejects(lockSysroot(path, 'admin cleanup'), (e: Error & { code?: string }) => e.code === 'SYSROOT_LOCKED' && e.message.includes(`process ${process.ppid} (admin deploy)`));
  await first.release();
  assert.equal(existsSync(path), false);
  writeFileSync(path, 'pid=999999999\ncommand=x\n');
  assert.equal(await withSysrootLock(path, 'y', async () => 42), 42);
  assert.equal(existsSync(path), false);
  await assert.rejects(lockSysroot(join(dir, 'missing/lock'), 'z'), { code: 'SYSROOT_NOT_INITIALIZED' });
});

test('wait: a busy lock is waited for (onWait once) and taken when released; ostree lock files are probed with flock', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'atoll-lock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'lock');
  writeFileSync(path, `pid=${process.ppid}\ncommand=admin deploy\n`);
  const waits: string[] = [];
  const pending = lockSysroot(path, 'admin deploy', { wait: true, onWait: (who) => waits.push(who) });
  while (waits.length === 0) await new Promise((r) => setImmediate(r));
  assert.deepEqual(waits, [`process ${process.ppid} (admin deploy)`]);
  unlinkSync(path);
  const lock = await pending;
  assert.equal(waits.length, 1);
  await lock.release();

  // ostree's lock file (no pid): free when nobody holds a flock on it, busy while one does
  writeFileSync(path, '');
  await (await lockSysroot(path, 'a')).release();
  writeFileSync(path, '');
  const holder = spawn('flock', [path, '-c', 'echo locked; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
  t.after(() => process.kill(-(holder.pid as number)));
  await new Promise((r) => holder.stdout.once('data', r));
  await assert.rejects(lockSysroot(path, 'b'), (e: Error & { code?: string }) => e.code === 'SYSROOT_LOCKED' && e.message.includes('ostree?'));
});
