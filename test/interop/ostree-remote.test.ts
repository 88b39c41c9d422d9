import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool, tempDir } from '../helpers/env.js';
import { atoll, run, runOk } from '../helpers/run.js';

/** The same `remote add` command lines, run by ostree on one repo and by atoll on another. */
const ADDS: string[][] = [
  ['--no-gpg-verify', 'origin', 'http://127.0.0.1:8080/', 'os/main', 'os/devel'],
  ['--set=tls-permissive=true', '--set=gpg-verify-summary=false', 'mirror', 'https://ostree.example.com/repo/'],
  ['--no-sign-verify', 'local', 'file:///srv/repo'],
  ['--contenturl=https://cdn.example.com/', '--collection-id=org.example.Os', '--set=zz=1', '--no-gpg-verify', 'cdn', 'https://example.com/'],
  ['--if-not-exists', 'origin', 'http://changed/'],
];

test('remote add writes the bytes ostree writes; list and show-url read both ways', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const byOstree = join(dir, 'o');
  const byAtoll = join(dir, 'a');
  runOk('ostree', [`--repo=${byOstree}`, 'init', '--mode=archive']);
  runOk('ostree', [`--repo=${byAtoll}`, 'init', '--mode=archive']);
  for (const args of ADDS) {
    runOk('ostree', [`--repo=${byOstree}`, 'remote', 'add', ...args]);
    const r = atoll(['repo', 'remote', 'add', `--repo=${byAtoll}`, ...args]);
    assert.equal(r.status, 0, r.stderr);
  }
  assert.equal(readFileSync(join(byAtoll, 'config'), 'utf8'), readFileSync(join(byOstree, 'config'), 'utf8'));

  // Each tool lists what the other wrote, with the same output.
  for (const repo of [byOstree, byAtoll]) {
    assert.equal(atoll(['repo', 'remote', 'list', `--repo=${repo}`, '-u']).stdout, runOk('ostree', [`--repo=${repo}`, 'remote', 'list', '-u']));
    assert.equal(atoll(['repo', 'remote', 'list', `--repo=${repo}`]).stdout, runOk('ostree', [`--repo=${repo}`, 'remote', 'list']));
    assert.equal(atoll(['repo', 'remote', 'show-url', `--repo=${repo}`, 'cdn']).stdout, runOk('ostree', [`--repo=${repo}`, 'remote', 'show-url', 'cdn']));
  }

  // Errors where ostree errors; --if-exists where ostree has it.
  assert.notEqual(run('ostree', [`--repo=${byOstree}`, 'remote', 'add', 'origin', 'http://x/']).status, 0);
  const dup = atoll(['repo', 'remote', 'add', `--repo=${byAtoll}`, 'origin', 'http://x/']);
  assert.equal(dup.status, 1);
  assert.match(dup.stderr, /already exists/);
  assert.equal(atoll(['repo', 'remote', 'add', `--repo=${byAtoll}`, 'bad/name', 'http://x/']).status, 1);
  assert.equal(atoll(['repo', 'remote', 'delete', `--repo=${byAtoll}`, 'nope']).status, 1);
  assert.equal(atoll(['repo', 'remote', 'delete', `--repo=${byAtoll}`, '--if-exists', 'nope']).status, 0);
  runOk('ostree', [`--repo=${byOstree}`, 'remote', 'delete', 'mirror']);
  assert.equal(atoll(['repo', 'remote', 'delete', `--repo=${byAtoll}`, 'mirror']).status, 0);
  assert.equal(readFileSync(join(byAtoll, 'config'), 'utf8'), readFileSync(join(byOstree, 'config'), 'utf8'));
  // atoll deletes what ostree added and vice versa.
  assert.equal(atoll(['repo', 'remote', 'delete', `--repo=${byOstree}`, 'local']).status, 0);
  runOk('ostree', [`--repo=${byAtoll}`, 'remote', 'delete', 'local']);
  assert.equal(readFileSync(join(byAtoll, 'config'), 'utf8'), readFileSync(join(byOstree, 'config'), 'utf8'));
});
