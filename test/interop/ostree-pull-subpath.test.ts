// pull --subpath and --localcache-repo against ostree: from the same file:// remote, atoll and
// ostree fetch the same set of objects and leave the same commitpartial state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { requireTool, tempDir } from '../helpers/env.js';
import { atoll, runOk } from '../helpers/run.js';

function objects(repo: string): string[] {
  const out: string[] = [];
  for (const prefix of readdirSync(join(repo, 'objects'))) for (const name of readdirSync(join(repo, 'objects', prefix))) out.push(`${prefix}${name}`);
  return out.sort();
}

test('pull --subpath fetches what ostree fetches and leaves the commit partial', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const tree = join(dir, 'tree');
  mkdirSync(join(tree, 'baz', 'deeper'), { recursive: true });
  mkdirSync(join(tree, 'baz', 'another'), { recursive: true });
  writeFileSync(join(tree, 'firstfile'), 'first\n');
  writeFileSync(join(tree, 'baz', 'cow'), 'moo\n');
  writeFileSync(join(tree, 'baz', 'deeper', 'ohyeah'), 'yeah\n');
  writeFileSync(join(tree, 'baz', 'another', 'whee'), 'whee\n');
  const server = join(dir, 'server');
  runOk('ostree', [`--repo=${server}`, 'init', '--mode=archive']);
  const rev = runOk('ostree', [`--repo=${server}`, 'commit', '-b', 'main', '--timestamp=@0', '-s', 's', tree]).trim();
  const repos = { mine: join(dir, 'mine'), theirs: join(dir, 'theirs') };
  for (const repo of Object.values(repos)) {
    runOk('ostree', [`--repo=${repo}`, 'init', '--mode=archive']);
    runOk('ostree', [`--repo=${repo}`, 'remote', 'add', '--no-gpg-verify', 'origin', `file://${server}`]);
  }
  const pullBoth = (...args: string[]): void => {
    const a = atoll(['repo', 'pull', `--repo=${repos.mine}`, ...args]);
    assert.equal(a.status, 0, a.stderr);
    runOk('ostree', [`--repo=${repos.theirs}`, 'pull', ...args]);
    assert.deepEqual(objects(repos.mine), objects(repos.theirs), args.join(' '));
    assert.equal(existsSync(join(repos.mine, 'state', `${rev}.commitpartial`)), existsSync(join(repos.theirs, 'state', `${rev}.commitpartial`)), args.join(' '));
  };
  pullBoth('--subpath=/baz/deeper', 'origin', 'main');
  assert.ok(existsSync(join(repos.mine, 'state', `${rev}.commitpartial`)));
  pullBoth('--subpath=/firstfile', 'origin', 'main');
  pullBoth('origin', 'main');
  assert.ok(!existsSync(join(repos.mine, 'state', `${rev}.commitpartial`)));

  // --localcache-repo: a fresh repo pulls the same commit with every object coming from the cache.
  const fresh = join(dir, 'fresh');
  runOk('ostree', [`--repo=${fresh}`, 'init', '--mode=archive']);
  runOk('ostree', [`--repo=${fresh}`, 'remote', 'add', '--no-gpg-verify', 'origin', `file://${server}`]);
  const a = atoll(['repo', 'pull', `--repo=${fresh}`, '--print-stats', `--localcache-repo=${repos.theirs}`, 'origin', 'main']);
  assert.equal(a.status, 0, a.stderr);
  assert.match(a.stdout, /^0 metadata, 0 content objects fetched \(\d+ meta, 4 content local\)/m);
  assert.deepEqual(objects(fresh), objects(repos.theirs));
});
