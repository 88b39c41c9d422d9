// The suite runner's cleanup: a failing program's daemons (ostree-trivial-httpd --daemonize
// leaves its process group) must not outlive it, also when its directory is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/env.js';
import { runProgram } from './runner.js';

function processesIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`).startsWith(dir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

for (const keep of [true, false]) {
  test(`a failing program's setsid daemon is killed (${keep ? '--keep' : 'no --keep'})`, async (t) => {
    const testDir = tempDir(t);
    // Like libtest.sh's `ostree-trivial-httpd --daemonize`: a new session, stdio detached;
    // then the program fails.
    const program = join(testDir, 'test-daemon.sh');
    writeFileSync(program, '#!/bin/sh\nsetsid sleep 300 </dev/null >/dev/null 2>&1 &\nsleep 0.2\necho 1..1\necho "not ok 1 daemon started"\nexit 1\n');
    chmodSync(program, 0o755);
    const result = await runProgram(testDir, 'test-daemon.sh', null, 60, keep);
    t.after(() => {
      rmSync(result.cwd, { recursive: true, force: true });
      rmSync(`${result.cwd}.log`, { force: true });
    });
    assert.equal(result.notOk, 1);
    assert.deepEqual(processesIn(result.cwd), []);
    assert.equal(existsSync(result.cwd), keep, 'the directory is kept only with --keep');
  });
}
