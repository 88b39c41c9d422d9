import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
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
