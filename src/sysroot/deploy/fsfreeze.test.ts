import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fsfreezeThawCycle } from './fsfreeze.js';

// A stand-in `fsfreeze` on PATH that logs what it is asked: its freeze is slow and only a
// completed freeze can be thawed (as FITHAW on a filesystem not frozen fails with EINVAL).
const FAKE_FSFREEZE = `#!/bin/bash
log="$FAKE_FSFREEZE_LOG"
case "$1" in
  --freeze) echo freezing >> "$log"; sleep "\${FAKE_FREEZE_SECONDS:-0}"; echo frozen >> "$log" ;;
  --unfreeze)
    if ! grep -qx frozen "$log"; then echo "fsfreeze: $2: unfreeze failed: Invalid argument" >&2; exit 1; fi
    echo thawed >> "$log" ;;
esac
`;

function fakeEnv(t: { after: (fn: () => void) => void }, seconds: number): { env: NodeJS.ProcessEnv; log: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'atoll-fsfreeze-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'fsfreeze'), FAKE_FSFREEZE);
  chmodSync(join(dir, 'bin', 'fsfreeze'), 0o755);
  const log = join(dir, 'log');
  writeFileSync(log, '');
  return { env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`, FAKE_FSFREEZE_LOG: log, FAKE_FREEZE_SECONDS: String(seconds) }, log, dir };
}

async function until(what: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (what()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return what();
}

test('a deployer killed with SIGKILL while the freeze runs still gets the filesystem thawed', async (t) => {
  const { env, log, dir } = fakeEnv(t, 1);
  const module = fileURLToPath(new URL('./fsfreeze.js', import.meta.url));
  const deployer = spawn(process.execPath, ['--input-type=module', '-e', `import { fsfreezeThawCycle } from ${JSON.stringify(module)}; await fsfreezeThawCycle(${JSON.stringify(dir)});`], { env, stdio: 'ignore' });
  const exited = new Promise((resolve) => deployer.once('exit', resolve));
  assert.ok(await until(() => readFileSync(log, 'utf8').includes('freezing'), 10_000), 'the freeze started');
  deployer.kill('SIGKILL');
  await exited;
  assert.ok(await until(() => readFileSync(log, 'utf8').includes('thawed'), 10_000), `thawed after the deployer died: ${readFileSync(log, 'utf8')}`);
  assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), ['freezing', 'frozen', 'thawed']);
});

test('a cycle freezes then thaws; the fault injection freezes nothing', async (t) => {
  const { env, log, dir } = fakeEnv(t, 0);
  const saved = process.env.PATH;
  process.env.PATH = env.PATH;
  process.env.FAKE_FSFREEZE_LOG = log;
  t.after(() => {
    process.env.PATH = saved;
    delete process.env.FAKE_FSFREEZE_LOG;
  });
  await fsfreezeThawCycle(dir);
  assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), ['freezing', 'frozen', 'thawed']);
  // The fault injection freezes nothing.
  writeFileSync(log, '');
  await assert.rejects(fsfreezeThawCycle(dir, { testFifreeze: true }), (error: { code?: string }) => error.code === 'SYSROOT_FSFREEZE');
  assert.equal(readFileSync(log, 'utf8'), '');
  assert.ok(existsSync(dir));
});
