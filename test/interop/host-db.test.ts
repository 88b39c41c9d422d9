// `atoll db list/diff` read the package list from the rpmdb inside the tree when a commit has no
// `rpmostree.rpmdb.pkglist`: an rpmdb written by the real rpm 4.18 (`rpm -i --justdb`), with
// `rpm -qa` on the same database as the oracle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireShared, requireTool, tempDir } from '../helpers/env.js';
import { atoll, runOk } from '../helpers/run.js';
import { commitWithPackages, pkg } from '../helpers/host.js';

const RPMS = ['Archer-3.4.5-6.x86_64.rpm', 'Rimmer-1.0.2-2.x86_64.rpm', 'fake_bash-1.1.1-1.x86_64.rpm', 'info-4.13a-10.fc14.i686.rpm'];

test('db list and db diff fall back to the rpmdb.sqlite in the tree (rpm -qa agrees)', (t) => {
  const dir = requireShared(t, 'corpus/rpms/rpm-software-management__createrepo_c');
  if (!dir || !requireTool(t, 'ostree', 'rpm')) return;
  const work = tempDir(t, 'atoll-host-db-');
  const tree = join(work, 'tree');
  const db = join(tree, 'usr/share/rpm');
  mkdirSync(db, { recursive: true });
  writeFileSync(join(tree, 'usr/README'), 'tree with an rpmdb\n');
  runOk('rpm', ['-i', '--justdb', '--nodeps', '--noscripts', '--ignorearch', '--ignoreos', '--dbpath', db, '--define', '_db_backend sqlite', ...RPMS.map((r) => join(dir, r))]);
  const expected = runOk('rpm', ['-qa', '--dbpath', db, '--qf', '%{NAME}-%|EPOCH?{%{EPOCH}:}|%{VERSION}-%{RELEASE}.%{ARCH}\\n'])
    .trim()
    .split('\n')
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  assert.equal(expected.length, 4);
  const repo = join(work, 'repo');
  runOk('ostree', [`--repo=${repo}`, 'init', '--mode=archive']);
  const c1 = commitWithPackages(repo, 'os', tree, '1', undefined, 1);
  const list = atoll(['db', 'list', '--repo', repo, 'os']);
  assert.equal(list.status, 0, list.stderr);
  assert.equal(list.stdout, `ostree commit: os (${c1})\n${expected.map((n) => ` ${n}`).join('\n')}\n`);
  // A second commit with a pkglist: Archer upgraded, Rimmer gone, a new package.
  const next = [pkg('Archer-2:3.5.0-1.x86_64'), pkg('fake_bash-1.1.1-1.x86_64'), pkg('info-4.13a-10.fc14.i686'), pkg('zsh-5.9-1.x86_64')];
  const c2 = commitWithPackages(repo, 'os', tree, '2', next, 2);
  const diff = atoll(['db', 'diff', '--repo', repo, c1, c2]);
  assert.equal(diff.status, 0, diff.stderr);
  assert.equal(
    diff.stdout,
    [`ostree diff commit from: ${c1} (${c1})`, `ostree diff commit to:   ${c2} (${c2})`, 'Upgraded:', '  Archer 2:3.4.5-6 -> 2:3.5.0-1', 'Removed:', '  Rimmer-1.0.2-2.x86_64', 'Added:', '  zsh-5.9-1.x86_64', ''].join('\n'),
  );
  // A commit with neither: a coded error.
  const bare = join(work, 'bare');
  mkdirSync(join(bare, 'usr'), { recursive: true });
  writeFileSync(join(bare, 'usr/x'), 'x');
  const c3 = commitWithPackages(repo, 'other', bare, '3', undefined, 3);
  const none = atoll(['db', 'list', '--repo', repo, c3]);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /no rpmostree\.rpmdb\.pkglist metadata and no rpmdb\.sqlite/);
});
