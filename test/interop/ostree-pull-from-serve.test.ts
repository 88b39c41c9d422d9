import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool, tempDir } from '../helpers/env.js';
import { runAsync, runOk } from '../helpers/run.js';
import { startAtollServe, startNginx } from '../helpers/servers.js';


function makeSourceRepo(dir: string): string {
  const tree = join(dir, 'tree');
  mkdirSync(join(tree, 'usr', 'bin'), { recursive: true });
  mkdirSync(join(tree, 'empty'));
  writeFileSync(join(tree, 'hello'), 'hello\n');
  writeFileSync(join(tree, 'usr', 'bin', 'tool'), Buffer.alloc(300_000, 7), { mode: 0o755 });
  symlinkSync('hello', join(tree, 'link'));
  const repo = join(dir, 'src');
  runOk('ostree', [`--repo=${repo}`, 'init', '--mode=archive']);
  runOk('ostree', [`--repo=${repo}`, 'commit', '-b', 'os/main', '--owner-uid=0', '--owner-gid=0', '-s', 'one', tree]);
  runOk('ostree', [`--repo=${repo}`, 'summary', '-u']);
  return repo;
}

for (const [name, start] of [
  ['atoll repo serve', startAtollServe],
  ['nginx', startNginx],
] as const) {
  test(`real ostree pull from ${name} succeeds and fsck is clean`, async (t) => {
    if (!requireTool(t, 'ostree')) return;
    if (name === 'nginx' && !requireTool(t, '/usr/sbin/nginx')) return;
    const dir = tempDir(t);
    const src = makeSourceRepo(dir);
    const server = await start(t, src);
    for (const mode of ['archive', 'bare-user']) {
      const dst = join(dir, `dst-${mode}`);
      runOk('ostree', [`--repo=${dst}`, 'init', `--mode=${mode}`]);
      runOk('ostree', [`--repo=${dst}`, 'remote', 'add', '--no-gpg-verify', 'origin', server.url]);
      const pulled = await runAsync('ostree', [`--repo=${dst}`, 'pull', 'origin', 'os/main']);
      assert.equal(pulled.status, 0, pulled.out);
      const fsck = await runAsync('ostree', [`--repo=${dst}`, 'fsck']);
      assert.equal(fsck.status, 0, fsck.out);
      assert.equal(
        runOk('ostree', [`--repo=${dst}`, 'rev-parse', 'origin:os/main']),
        runOk('ostree', [`--repo=${src}`, 'rev-parse', 'os/main']),
      );
    }
    const mirror = join(dir, 'mirror');
    runOk('ostree', [`--repo=${mirror}`, 'init', '--mode=archive']);
    runOk('ostree', [`--repo=${mirror}`, 'remote', 'add', '--no-gpg-verify', 'origin', server.url]);
    const mirrored = await runAsync('ostree', [`--repo=${mirror}`, 'pull', '--mirror', 'origin']);
    assert.equal(mirrored.status, 0, mirrored.out);
    assert.equal((await runAsync('ostree', [`--repo=${mirror}`, 'fsck'])).status, 0);
    if (name === 'atoll repo serve') assert.ok(server.log().some((l) => /^GET \/objects\/.*\.filez 200 \d+$/.test(l)), server.log().join('\n'));
  });
}
