// Client-side package layering end to end on a tmpfs sysroot: a base composed with atoll's
// compose from a generated rpm-md repository, deployed, then `atoll install` of a package whose
// dependency the base lacks, `upgrade` to a new base (layers re-applied), `uninstall`,
// `override remove`/`reset`, `rollback`, and an unsatisfiable request. Real `rpm -qa` reads
// each deployment's rpmdb; real `ostree admin status` lists the deployments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { atoll, runOk } from '../helpers/run.js';
import { buildPackages } from '../helpers/rpm-fixtures.js';
import { atollOk as ok, canRunLayering, layeringBasePackages, layeringServer } from '../helpers/layering.js';
import { tmpfsDir } from '../helpers/sysroot.js';
import { adminStatusRows } from '../helpers/host.js';
import type { PackageDescription } from '../../src/rpm/index.js';

const PACKAGES: PackageDescription[] = [
  ...layeringBasePackages(),
  { name: 'extra-base', version: '1', release: '1', files: [{ path: '/usr/share/extra-base/data', content: 'base extra\n', mode: 0o644 }] },
  { name: 'libhello', version: '1.0', release: '1', arch: 'x86_64', provides: ['libhello.so.1()(64bit)'], files: [{ path: '/usr/lib64/libhello.so.1', content: 'lib\n', mode: 0o755 }] },
  {
    name: 'hello',
    version: '2.0',
    release: '1',
    arch: 'x86_64',
    requires: ['libhello.so.1()(64bit)', 'bbshell'],
    scripts: { post: 'echo "hello post $1" > /usr/share/hello-post-ran\n' },
    files: [
      { path: '/usr/bin/hello', content: '#!/bin/sh\necho hello\n', mode: 0o755 },
      { path: '/etc/hello.conf', content: 'greeting=hi\n', config: true, noreplace: true, mode: 0o644 },
    ],
  },
  { name: 'broken', version: '1', release: '1', requires: ['does-not-exist >= 3'], files: [{ path: '/usr/share/broken', content: 'x\n' }] },
];

function rpmQa(deployDir: string): string[] {
  return runOk('rpm', ['--dbpath', join(deployDir, 'usr/share/rpm'), '-qa', '--qf', '%{NAME}\\n']).split('\n').filter((l) => l !== '').sort();
}

interface StatusJson {
  deployments: Array<{ checksum: string; serial: number; origin: string; 'requested-packages': string[]; packages: string[]; 'base-removals': string[] }>;
}

test('install a package with a dependency missing from the base, upgrade keeps it, uninstall, override remove/reset, rollback, unsatisfiable request', async (t) => {
  if (!canRunLayering(t)) return;
  const work = tmpfsDir(t);
  const { rpmDir, srv, composeBase } = await layeringServer(t, work, PACKAGES);
  const { paths: localPaths } = await buildPackages(t, [{ name: 'extra-base', version: '2', release: '1', files: [{ path: '/usr/share/extra-base/data', content: 'replaced\n', mode: 0o644 }] }]);
  const extraBase2 = localPaths[0]!;
  const base1 = await composeBase(['filesystem', 'bbshell', 'setup', 'system-release', 'kernel', 'extra-base'], '1');

  const sr = join(work, 'sr');
  mkdirSync(sr);
  const S = ['--sysroot', sr];
  ok(['admin', 'init-fs', sr]);
  runOk('ostree', [`--repo=${join(sr, 'ostree/repo')}`, 'remote', 'add', '--no-gpg-verify', 'origin', `file://${srv}`]);
  ok(['rebase', ...S, '--os', 'testos', 'origin:test/os']);
  const deployDir = (csum: string, serial: number): string => join(sr, 'ostree/deploy/testos/deploy', `${csum}.${serial}`);
  const status = (): StatusJson => JSON.parse(ok(['status', ...S, '--json'])) as StatusJson;
  const repoArg = ['--repofrompath', `layer,file://${rpmDir}`];
  assert.deepEqual(rpmQa(deployDir(base1, 0)), ['bbshell', 'extra-base', 'filesystem', 'kernel', 'setup', 'system-release']);

  // A request nothing can satisfy: the solver's explanation, no new deployment.
  const bad = atoll(['install', ...S, ...repoArg, 'broken']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /does-not-exist/);
  assert.equal(adminStatusRows(sr).length, 1, 'no deployment from a failed layering');

  // Install: hello pulls in libhello (missing from the base), reuses bbshell (in the base).
  const dry = ok(['install', ...S, ...repoArg, '--dry-run', 'hello']);
  assert.match(dry, /libhello-1\.0-1\.x86_64/);
  assert.equal(adminStatusRows(sr).length, 1, '--dry-run deploys nothing');
  ok(['install', ...S, ...repoArg, 'hello']);
  let st = status();
  const layered1 = st.deployments[0]!;
  assert.equal(st.deployments.length, 2);
  assert.equal(st.deployments[1]!.checksum, base1, 'the previous deployment is untouched');
  assert.deepEqual(layered1['requested-packages'], ['hello']);
  assert.deepEqual(layered1.packages, ['hello']);
  const d1 = deployDir(layered1.checksum, layered1.serial);
  assert.deepEqual(rpmQa(d1), ['bbshell', 'extra-base', 'filesystem', 'hello', 'kernel', 'libhello', 'setup', 'system-release']);
  assert.equal(readFileSync(join(d1, 'usr/bin/hello'), 'utf8'), '#!/bin/sh\necho hello\n');
  assert.equal(readFileSync(join(d1, 'etc/hello.conf'), 'utf8'), 'greeting=hi\n');
  assert.equal(readFileSync(join(d1, 'usr/share/hello-post-ran'), 'utf8'), 'hello post 1\n', '%post ran in bubblewrap');
  const origin1 = readFileSync(`${d1}.origin`, 'utf8');
  assert.match(origin1, /^baserefspec=origin:test\/os$/m);
  assert.doesNotMatch(origin1, /^refspec=/m);
  assert.match(origin1, /^requested=hello;?$/m);
  const show = runOk('ostree', [`--repo=${join(sr, 'ostree/repo')}`, 'show', '--print-metadata-key=rpmostree.clientlayer', layered1.checksum]);
  assert.equal(show.trim(), 'true');
  assert.match(runOk('ostree', [`--repo=${join(sr, 'ostree/repo')}`, 'rev-parse', `${layered1.checksum}^`]), new RegExp(base1));
  assert.match(runOk('ostree', [`--repo=${join(sr, 'ostree/repo')}`, 'refs']), /rpmostree\/base\/0/);
  assert.match(ok(['status', ...S]), /LayeredPackages: hello/);
  // db diff (default: rollback → default) shows the layered packages as added.
  const dbdiff = ok(['db', 'diff', ...S]);
  assert.match(dbdiff, /Added:\n( {2}.*\n)* {2}hello-2\.0-1\.x86_64/);
  assert.match(dbdiff, / {2}libhello-1\.0-1\.x86_64/);
  // Installing it again is refused, unless --idempotent.
  assert.notEqual(atoll(['install', ...S, ...repoArg, 'hello']).status, 0);
  assert.match(ok(['install', ...S, ...repoArg, '--idempotent', 'hello']), /No change/);

  // Upgrade to a new base: the layering is applied again, from the repos in the merge deployment's /etc.
  mkdirSync(join(d1, 'etc/yum.repos.d'), { recursive: true });
  writeFileSync(join(d1, 'etc/yum.repos.d/layer.repo'), `[layer]\nbaseurl=file://${rpmDir}\ngpgcheck=0\n`);
  const base2 = await composeBase(['filesystem', 'bbshell', 'setup', 'system-release', 'kernel', 'extra-base'].concat([]), '2');
  assert.notEqual(base2, base1);
  ok(['upgrade', ...S]);
  st = status();
  const layered2 = st.deployments[0]!;
  assert.notEqual(layered2.checksum, layered1.checksum);
  assert.deepEqual(layered2['requested-packages'], ['hello']);
  assert.match(runOk('ostree', [`--repo=${join(sr, 'ostree/repo')}`, 'rev-parse', `${layered2.checksum}^`]), new RegExp(base2));
  const d2 = deployDir(layered2.checksum, layered2.serial);
  assert.ok(rpmQa(d2).includes('hello') && rpmQa(d2).includes('libhello'));
  runOk('ostree', ['fsck', `--repo=${join(sr, 'ostree/repo')}`]);

  // Override remove of a base package, then reset.
  ok(['override', 'remove', ...S, 'extra-base']);
  st = status();
  const removedDep = st.deployments[0]!;
  assert.deepEqual(removedDep['base-removals'], ['extra-base']);
  const d3 = deployDir(removedDep.checksum, removedDep.serial);
  assert.ok(!rpmQa(d3).includes('extra-base'));
  assert.ok(!existsSync(join(d3, 'usr/share/extra-base/data')));
  assert.ok(rpmQa(d3).includes('hello'));
  assert.match(ok(['status', ...S]), /RemovedBasePackages: extra-base/);
  // Override replace of a base package with a local .rpm (in the repo dir: extra-base 2).
  ok(['override', 'replace', ...S, extraBase2]);
  const replacedRow = status().deployments[0]!;
  const d3b = deployDir(replacedRow.checksum, replacedRow.serial);
  assert.equal(runOk('rpm', ['--dbpath', join(d3b, 'usr/share/rpm'), '-q', 'extra-base']).trim(), 'extra-base-2-1.noarch');
  assert.equal(readFileSync(join(d3b, 'usr/share/extra-base/data'), 'utf8'), 'replaced\n');
  assert.match(ok(['status', ...S]), /ReplacedBasePackages: extra-base-2-1\.noarch/);
  ok(['override', 'reset', ...S, '--all']);
  const d4row = status().deployments[0]!;
  assert.ok(rpmQa(deployDir(d4row.checksum, d4row.serial)).includes('extra-base'));

  // Uninstall: back to the plain base, origin follows refspec= again.
  ok(['uninstall', ...S, 'hello']);
  st = status();
  assert.equal(st.deployments[0]!.checksum, base2);
  assert.deepEqual(st.deployments[0]!['requested-packages'], []);
  const d5 = deployDir(base2, st.deployments[0]!.serial);
  assert.deepEqual(rpmQa(d5), ['bbshell', 'extra-base', 'filesystem', 'kernel', 'setup', 'system-release']);
  assert.match(readFileSync(`${d5}.origin`, 'utf8'), /^refspec=origin:test\/os$/m);

  // Rollback returns to the layered deployment.
  ok(['rollback', ...S]);
  assert.equal(status().deployments[0]!.checksum, d4row.checksum);
  runOk('ostree', ['fsck', `--repo=${join(sr, 'ostree/repo')}`]);
});
