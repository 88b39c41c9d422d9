import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { requireTool, tempDir, isRoot } from '../helpers/env.js';
import { atoll, atollBin, runOk } from '../helpers/run.js';
import { makeTree } from '../helpers/trees.js';

/**
 * `atoll repo pull-local` between repositories of every mode that ostree wrote, checked with
 * `ostree fsck` and against the checkout ostree makes of the source.
 */
test('pull-local from archive and bare-user sources into archive, bare-user and bare repos', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const tree = makeTree(dir, 25, 1);
  const sources: Record<string, string> = {};
  for (const mode of ['archive', 'bare-user']) {
    const src = join(dir, `src-${mode}`);
    runOk('ostree', [`--repo=${src}`, 'init', `--mode=${mode}`]);
    runOk('ostree', [`--repo=${src}`, 'commit', '-b', 'os/main', '--owner-uid=0', '--owner-gid=0', '--timestamp=2024-01-01T00:00:00Z', '-s', 'one', tree]);
    sources[mode] = src;
  }
  const expected = runOk('ostree', [`--repo=${sources.archive as string}`, 'rev-parse', 'os/main']).trim();
  const targets = isRoot() ? ['archive', 'bare-user', 'bare'] : ['archive', 'bare-user'];
  for (const [srcMode, src] of Object.entries(sources)) {
    for (const mode of targets) {
      const dst = join(dir, `dst-${srcMode}-${mode}`);
      runOk('ostree', [`--repo=${dst}`, 'init', `--mode=${mode}`]);
      const r = atoll(['repo', 'pull-local', `--repo=${dst}`, src, 'os/main']);
      assert.equal(r.status, 0, `${srcMode} → ${mode}: ${r.stderr}`);
      assert.equal(runOk('ostree', [`--repo=${dst}`, 'rev-parse', 'os/main']).trim(), expected);
      runOk('ostree', [`--repo=${dst}`, 'fsck']);
      assert.deepEqual(readdirSync(join(dst, 'state')), []);
      // A second pull-local has nothing to copy.
      const again = atoll(['repo', 'pull-local', `--repo=${dst}`, '--json', src, 'os/main']);
      const result = JSON.parse(again.stdout) as { metadataFetched: number; contentFetched: number };
      assert.equal(result.metadataFetched + result.contentFetched, 0);
    }
  }
  runOk('ostree', [`--repo=${sources['bare-user'] as string}`, 'checkout', '-U', 'os/main', join(dir, 'co-src')]);
  runOk('ostree', [`--repo=${join(dir, 'dst-bare-user-bare-user')}`, 'checkout', '-U', 'os/main', join(dir, 'co-dst')]);
  runOk('diff', ['-r', '--no-dereference', join(dir, 'co-src'), join(dir, 'co-dst')]);
});

test('pulling into a bare repository as non-root is a coded error naming the reason', (t) => {
  if (!requireTool(t, 'ostree', 'setpriv')) return;
  if (!isRoot()) {
    t.skip('needs root to drop privileges to nobody');
    return;
  }
  const dir = tempDir(t);
  const repo = join(dir, 'bare');
  runOk('ostree', [`--repo=${repo}`, 'init', '--mode=bare']);
  runOk('ostree', [`--repo=${repo}`, 'remote', 'add', '--no-gpg-verify', 'origin', 'http://127.0.0.1:9/']);
  runOk('chmod', ['-R', 'a+rX', dir]);
  const r = runOk('sh', ['-c', `setpriv --reuid=65534 --regid=65534 --clear-groups "$0" "$1" --progress=none repo pull --repo "$2" origin os/main 2>&1; echo "exit=$?"`, process.execPath, atollBin, repo]);
  assert.match(r, /needs root/);
  assert.match(r, /exit=1/);
});

test('pull from a file:// remote whose repository is bare-user (OSTree local pull semantics)', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const src = join(dir, 'src');
  runOk('ostree', [`--repo=${src}`, 'init', '--mode=bare-user']);
  runOk('ostree', [`--repo=${src}`, 'commit', '-b', 'os/main', '--owner-uid=0', '--owner-gid=0', makeTree(dir, 5, 1)]);
  const dst = join(dir, 'dst');
  runOk('ostree', [`--repo=${dst}`, 'init', '--mode=archive']);
  assert.equal(atoll(['repo', 'remote', 'add', `--repo=${dst}`, '--no-gpg-verify', 'origin', `file://${src}`]).status, 0);
  const r = atoll(['repo', 'pull', `--repo=${dst}`, 'origin', 'os/main']);
  assert.equal(r.status, 0, r.stderr);
  runOk('ostree', [`--repo=${dst}`, 'fsck']);
  assert.equal(runOk('ostree', [`--repo=${dst}`, 'rev-parse', 'origin:os/main']), runOk('ostree', [`--repo=${src}`, 'rev-parse', 'os/main']));
});
