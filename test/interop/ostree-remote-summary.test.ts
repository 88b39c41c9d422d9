// `remote summary [--raw]` and tombstones over HTTP, each done by atoll's `ostree` front end and
// by Debian's ostree against one server repository made by ostree: same output, exit status,
// summary cache and objects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, requireTool, tempDir } from '../helpers/env.js';
import { run, runOk, type Ran } from '../helpers/run.js';
import { startPythonHttp } from '../helpers/servers.js';

const atollOstree = join(repoRoot, 'bin', 'atoll-ostree');
const GPGHOME_SRC = '/usr/libexec/installed-tests/libostree/gpghome';
const KEYID_1 = '7FCA23D8472CDAFA';

function tool(which: 'atoll' | 'ostree', args: string[], env: NodeJS.ProcessEnv): Ran {
  return which === 'atoll' ? run(process.execPath, [atollOstree, ...args], { env }) : run('ostree', args, { env });
}

function errorOf(r: Ran): string {
  return r.stderr.split('\n').filter((l) => l.startsWith('error: ')).join('\n');
}

function objects(repo: string): string[] {
  const out: string[] = [];
  const root = join(repo, 'objects');
  for (const prefix of readdirSync(root)) for (const name of readdirSync(join(root, prefix))) out.push(`${prefix}/${name}`);
  return out.sort();
}

test('remote summary [--raw] with a GPG-signed summary as ostree', async (t) => {
  if (!requireTool(t, 'ostree')) return;
  if (!existsSync(GPGHOME_SRC)) {
    t.skip('ostree-tests (its gpghome) is not installed');
    return;
  }
  const dir = tempDir(t);
  const gpghome = join(dir, 'gpghome');
  cpSync(GPGHOME_SRC, gpghome, { recursive: true });
  chmodSync(gpghome, 0o700);
  const env = { ...process.env, TZ: 'UTC', OSTREE_GPG_HOME: join(gpghome, 'trusted') };
  const srv = join(dir, 'srv', 'repo');
  mkdirSync(join(dir, 'srv'));
  const tree = join(dir, 'tree');
  mkdirSync(tree, { recursive: true });
  writeFileSync(join(tree, 'a'), 'a\n');
  runOk('ostree', [`--repo=${srv}`, 'init', '--mode=archive'], { env });
  const sign = [`--gpg-homedir=${gpghome}`, `--gpg-sign=${KEYID_1}`];
  runOk('ostree', [`--repo=${srv}`, 'commit', ...sign, '-b', 'main', '-s', 'one', '--add-metadata-string=version=1.0', tree], { env });
  runOk('ostree', [`--repo=${srv}`, 'commit', ...sign, '-b', 'other', '-s', 'two', tree], { env });
  runOk('ostree', [`--repo=${srv}`, 'static-delta', 'generate', '--empty', 'main'], { env });
  runOk('ostree', [`--repo=${srv}`, 'summary', '-u', ...sign], { env });
  const server = await startPythonHttp(t, join(dir, 'srv'));

  const clients = { atoll: join(dir, 'mine'), ostree: join(dir, 'theirs') };
  const same = (label: string, args: string[], exact = true): void => {
    const a = tool('atoll', [`--repo=${clients.atoll}`, ...args], env);
    const o = tool('ostree', [`--repo=${clients.ostree}`, ...args], env);
    assert.equal(a.status, o.status, `${label}: atoll ${a.status} ${a.stderr} / ostree ${o.status} ${o.stderr}`);
    if (o.status !== 0) assert.equal(errorOf(a), errorOf(o), label);
    else if (exact) assert.equal(a.stdout, o.stdout, label);
  };
  for (const [name, config] of [['verified', ['--set=gpg-verify-summary=true']], ['unverified', ['--set=gpg-verify=false']]] as const) {
    for (const repo of Object.values(clients)) {
      rmSync(repo, { recursive: true, force: true });
      runOk('ostree', [`--repo=${repo}`, 'init', '--mode=archive'], { env });
      runOk('ostree', [`--repo=${repo}`, 'remote', 'add', ...config, 'origin', `${server.url}repo`], { env });
    }
    same(`${name}: remote summary`, ['remote', 'summary', 'origin']);
    same(`${name}: remote summary --raw`, ['remote', 'summary', '--raw', 'origin']);
    for (const file of ['origin', 'origin.sig']) {
      const mine = join(clients.atoll, 'tmp', 'cache', 'summaries', file);
      const theirs = join(clients.ostree, 'tmp', 'cache', 'summaries', file);
      assert.equal(existsSync(mine), existsSync(theirs), `${name}: cache ${file}`);
      if (existsSync(theirs)) assert.deepEqual(readFileSync(mine), readFileSync(theirs), `${name}: cache ${file}`);
    }
  }
  // A signature that is not one: refused when verifying (the cache is dropped first).
  for (const repo of Object.values(clients)) rmSync(join(repo, 'tmp', 'cache'), { recursive: true, force: true });
  renameSync(join(srv, 'summary.sig'), join(srv, 'summary.sig.good'));
  writeFileSync(join(srv, 'summary.sig'), 'invalid\n');
  for (const repo of Object.values(clients)) runOk('ostree', [`--repo=${repo}`, 'remote', 'add', '--set=gpg-verify-summary=true', 'signed', `${server.url}repo`], { env });
  const a = tool('atoll', [`--repo=${clients.atoll}`, 'remote', 'summary', 'signed'], env);
  const o = tool('ostree', [`--repo=${clients.ostree}`, 'remote', 'summary', 'signed'], env);
  assert.equal(a.status, o.status, `bad signature: ${a.stderr} / ${o.stderr}`);
  assert.notEqual(o.status, 0);
  renameSync(join(srv, 'summary.sig.good'), join(srv, 'summary.sig'));
  // No summary on the server.
  renameSync(join(srv, 'summary'), join(srv, 'summary.away'));
  rmSync(join(srv, 'summary.sig'));
  same('no summary', ['remote', 'summary', 'origin']);
});

test('pull over HTTP asks for a deleted parent\'s tombstone and drops the tombstones of the commits it fetches, as ostree', async (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t);
  const env = { ...process.env, TZ: 'UTC' };
  const srv = join(dir, 'srv', 'repo');
  mkdirSync(join(dir, 'srv'));
  const tree = join(dir, 'tree');
  mkdirSync(tree, { recursive: true });
  runOk('ostree', [`--repo=${srv}`, 'init', '--mode=archive'], { env });
  for (const n of [1, 2, 3, 4]) {
    writeFileSync(join(tree, 'a'), `${n}\n`);
    runOk('ostree', [`--repo=${srv}`, 'commit', '-b', 'main', '-s', `c${n}`, tree], { env });
  }
  const log = runOk('ostree', [`--repo=${srv}`, 'log', 'main'], { env });
  const commits = [...log.matchAll(/^commit ([0-9a-f]{64})$/gm)].map((m) => m[1]!);
  // The server deletes the second-oldest commit on purpose (and keeps tombstones from then on).
  runOk('ostree', [`--repo=${srv}`, 'prune', `--delete-commit=${commits[2]!}`], { env });
  runOk('ostree', [`--repo=${srv}`, 'summary', '-u'], { env });
  const server = await startPythonHttp(t, join(dir, 'srv'));
  const clients = { atoll: join(dir, 'mine'), ostree: join(dir, 'theirs') };
  const counts: string[] = [];
  for (const [which, repo] of Object.entries(clients) as Array<['atoll' | 'ostree', string]>) {
    runOk('ostree', [`--repo=${repo}`, 'init', '--mode=archive'], { env });
    runOk('ostree', [`--repo=${repo}`, 'remote', 'add', '--set=gpg-verify=false', 'origin', `${server.url}repo`], { env });
    const first = tool(which, [`--repo=${repo}`, 'pull', '--depth=-1', 'origin', 'main'], env);
    assert.equal(first.status, 0, `${which}: ${first.stderr}`);
    // The statistics line counts the missing parent's commitmeta and commit requests and its tombstone.
    counts.push(first.stdout.split(';')[0]!);
    // Locally: tombstones on, the tip's parent deleted, then pulled again: its tombstone goes.
    runOk('ostree', [`--repo=${repo}`, 'prune', `--delete-commit=${commits[1]!}`], { env });
    const again = tool(which, [`--repo=${repo}`, 'pull', '--depth=-1', 'origin', 'main'], env);
    assert.equal(again.status, 0, `${which}: ${again.stderr}`);
  }
  assert.equal(counts[0], counts[1]);
  assert.deepEqual(objects(clients.atoll), objects(clients.ostree));
  // Neither keeps the local tombstone of the commit pulled again; neither stores the server's.
  assert.ok(!objects(clients.ostree).some((n) => n.endsWith('.tombstone-commit')));
});
