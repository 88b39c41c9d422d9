// Overrides and layered packages across base upgrades, on a tmpfs sysroot (issue 11's "Done
// when"): install of a package whose dependency the base lacks, override remove and replace of
// base packages, an upgrade to a new base that keeps all of it, `override reset` restoring the
// base packages, `uninstall`, and `rollback` after every step. Real `rpm -qa` reads each
// deployment's rpmdb; real `ostree` lists refs, prunes and fscks the system repo and the
// package cache: a %post that appends to a shipped file and to a base file must leave every
// repository object intact (the trees are hardlink checkouts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { atoll, run, runOk } from '../helpers/run.js';
import { buildPackages } from '../helpers/rpm-fixtures.js';
import { atollOk as ok, canRunLayering, layeringBasePackages, layeringServer } from '../helpers/layering.js';
import { tmpfsDir } from '../helpers/sysroot.js';
import type { PackageDescription } from '../../src/rpm/index.js';

const BASEFILE = 'base data\n';
const PACKAGES: PackageDescription[] = [
  ...layeringBasePackages(),
  { name: 'basefile', version: '1', release: '1', files: [{ path: '/usr/share/basefile/data', content: BASEFILE, mode: 0o644 }] },
  { name: 'removable', version: '1', release: '1', files: [{ path: '/usr/share/removable/data', content: 'removable\n', mode: 0o644 }] },
  { name: 'replaceable', version: '1', release: '1', files: [{ path: '/usr/share/replaceable/data', content: 'version 1\n', mode: 0o644 }] },
  { name: 'libtool-dep', version: '1.0', release: '1', arch: 'x86_64', provides: ['libdep.so.1()(64bit)'], files: [{ path: '/usr/lib64/libdep.so.1', content: 'lib\n', mode: 0o755 }] },
  {
    name: 'tool',
    version: '1.0',
    release: '1',
    arch: 'x86_64',
    requires: ['libdep.so.1()(64bit)', 'bbshell'],
    // Appends to its own shipped file (a package cache object) and to a base file (a system
    // repo object): both must change only in the new tree.
    scripts: { post: 'echo "post $1" >> /usr/share/tool/data\necho appended >> /usr/share/basefile/data\n' },
    files: [{ path: '/usr/share/tool/data', content: 'tool data\n', mode: 0o644 }],
  },
];

const BASE = ['filesystem', 'bbshell', 'setup', 'system-release', 'kernel', 'basefile', 'removable', 'replaceable'];

interface StatusRow {
  checksum: string;
  serial: number;
  'base-checksum'?: string;
  'requested-packages': string[];
  packages: string[];
  'base-removals': unknown[];
  'requested-base-removals': string[];
  'base-local-replacements': unknown[];
  'requested-base-local-replacements': unknown[];
}

test('layered packages and overrides survive a base upgrade; reset and uninstall restore the base; rollback after each step; repo objects stay intact', async (t) => {
  if (!canRunLayering(t)) return;
  const work = tmpfsDir(t);
  const { rpmDir, srv, composeBase } = await layeringServer(t, work, PACKAGES);
  const { paths: localPaths } = await buildPackages(t, [{ name: 'replaceable', version: '2', release: '1', files: [{ path: '/usr/share/replaceable/data', content: 'version 2\n', mode: 0o644 }] }]);
  const base1 = await composeBase(BASE, '1');

  const sr = join(work, 'sr');
  mkdirSync(sr);
  const S = ['--sysroot', sr];
  const repoPath = join(sr, 'ostree/repo');
  const ostree = (...args: string[]): string => runOk('ostree', [`--repo=${repoPath}`, ...args]);
  ok(['admin', 'init-fs', sr]);
  ostree('remote', 'add', '--no-gpg-verify', 'origin', `file://${srv}`);
  ok(['rebase', ...S, '--os', 'testos', 'origin:test/os']);
  const deployDir = (row: { checksum: string; serial: number }): string => join(sr, 'ostree/deploy/testos/deploy', `${row.checksum}.${row.serial}`);
  const rows = (): StatusRow[] => (JSON.parse(ok(['status', ...S, '--json'])) as { deployments: StatusRow[] }).deployments;
  const rpmQa = (row: StatusRow): string[] =>
    runOk('rpm', ['--dbpath', join(deployDir(row), 'usr/share/rpm'), '-qa', '--qf', '%{NAME}-%{VERSION}\\n']).split('\n').filter((l) => l !== '').sort();
  const localRefs = (): Map<string, string> =>
    new Map(ostree('refs', '--list').split('\n').filter((l) => l !== '' && !l.includes(':')).map((ref) => [ref, ostree('rev-parse', ref).trim()]));
  const parentOf = (csum: string): string => ostree('rev-parse', `${csum}^`).trim();
  /** Rollback twice: the previous deployment becomes the default, then this one again. */
  const rollbackRoundTrip = (current: StatusRow, previous: string): void => {
    ok(['rollback', ...S]);
    assert.equal(rows()[0]!.checksum, previous, 'rollback makes the previous deployment the default');
    ok(['rollback', ...S]);
    assert.equal(rows()[0]!.checksum, current.checksum, 'a second rollback returns');
  };
  /** The system repo and the package cache pass real ostree's fsck (every object re-hashed). */
  const fsckAll = (): void => {
    const sys = run('ostree', ['fsck', `--repo=${repoPath}`]);
    assert.equal(sys.status, 0, sys.stdout + sys.stderr);
    const cache = run('ostree', ['fsck', `--repo=${join(sr, 'var/cache/atoll/pkgcache-repo')}`]);
    assert.equal(cache.status, 0, cache.stdout + cache.stderr);
  };
  const repoArg = ['--repofrompath', `layer,file://${rpmDir}`];
  const baseRow = rows()[0]!;
  const basePkgs = ['basefile-1', 'bbshell-1.36', 'filesystem-3.18', 'kernel-6.1.0', 'removable-1', 'replaceable-1', 'setup-2.14', 'system-release-42'];
  assert.deepEqual(rpmQa(baseRow), basePkgs);

  // 1. Install: tool pulls in libtool-dep (missing from the base). Its %post appends to a file
  //    it ships and to a base file, on a tree hardlinked from both repositories.
  ok(['install', ...S, ...repoArg, 'tool']);
  const a = rows()[0]!;
  assert.deepEqual(a['requested-packages'], ['tool']);
  assert.deepEqual(a.packages, ['tool']);
  assert.ok(rpmQa(a).includes('tool-1.0') && rpmQa(a).includes('libtool-dep-1.0'), rpmQa(a).join(' '));
  assert.equal(parentOf(a.checksum), base1);
  assert.equal(readFileSync(join(deployDir(a), 'usr/share/tool/data'), 'utf8'), 'tool data\npost 1\n');
  assert.equal(readFileSync(join(deployDir(a), 'usr/share/basefile/data'), 'utf8'), `${BASEFILE}appended\n`);
  assert.equal(readFileSync(join(deployDir(baseRow), 'usr/share/basefile/data'), 'utf8'), BASEFILE, 'the base deployment (same object) is unchanged');
  assert.equal(ostree('cat', base1, '/usr/share/basefile/data'), BASEFILE);
  const toolCommit = runOk('ostree', [`--repo=${join(sr, 'var/cache/atoll/pkgcache-repo')}`, 'refs']).split('\n').find((r) => r.startsWith('rpmostree/pkg/tool/'))!;
  assert.equal(runOk('ostree', [`--repo=${join(sr, 'var/cache/atoll/pkgcache-repo')}`, 'cat', toolCommit, '/usr/share/tool/data']), 'tool data\n', 'the package cache object is unchanged');
  fsckAll();
  // Refs: the base held by rpmostree/base/0, the derived commit by its deployment ref, no pending ref left.
  let refs = localRefs();
  assert.equal(refs.get('rpmostree/base/0'), base1);
  assert.ok(!refs.has('rpmostree/client-layer/pending'), [...refs.keys()].join(' '));
  assert.ok([...refs].some(([ref, csum]) => /^ostree\/[01]\/[01]\/\d+$/.test(ref) && csum === a.checksum), 'a deployment ref holds the derived commit');
  rollbackRoundTrip(a, base1);
  // From here on the repos come from the merge deployment's /etc (carried along by the /etc merge).
  mkdirSync(join(deployDir(a), 'etc/yum.repos.d'), { recursive: true });
  writeFileSync(join(deployDir(a), 'etc/yum.repos.d/layer.repo'), `[layer]\nbaseurl=file://${rpmDir}\ngpgcheck=0\n`);

  // 2. Override remove and replace (local .rpm) of base packages.
  ok(['override', 'remove', ...S, 'removable']);
  const b0 = rows()[0]!;
  ok(['override', 'replace', ...S, localPaths[0]!]);
  const b = rows()[0]!;
  assert.deepEqual(b['requested-base-removals'], ['removable']);
  assert.equal(b['base-removals'].length, 1);
  assert.equal(b['base-local-replacements'].length, 1);
  assert.deepEqual(b['requested-packages'], ['tool']);
  assert.ok(!rpmQa(b).includes('removable-1') && rpmQa(b).includes('replaceable-2') && rpmQa(b).includes('tool-1.0'), rpmQa(b).join(' '));
  assert.ok(!existsSync(join(deployDir(b), 'usr/share/removable/data')));
  assert.equal(readFileSync(join(deployDir(b), 'usr/share/replaceable/data'), 'utf8'), 'version 2\n');
  assert.equal(parentOf(b.checksum), base1);
  rollbackRoundTrip(b, b0.checksum);

  // 3. A new base: upgrade keeps the layered package, the removal and the replacement.
  const base2 = await composeBase(BASE, '2');
  assert.notEqual(base2, base1);
  ok(['upgrade', ...S]);
  const c = rows()[0]!;
  assert.notEqual(c.checksum, b.checksum);
  assert.equal(parentOf(c.checksum), base2, 'derived from the new base');
  assert.deepEqual(c['requested-packages'], ['tool']);
  assert.deepEqual(c['requested-base-removals'], ['removable']);
  assert.equal(c['base-local-replacements'].length, 1);
  assert.deepEqual(rpmQa(c), basePkgs.filter((p) => p !== 'removable-1' && p !== 'replaceable-1').concat(['libtool-dep-1.0', 'replaceable-2', 'tool-1.0']).sort());
  assert.ok(!existsSync(join(deployDir(c), 'usr/share/removable/data')));
  assert.equal(readFileSync(join(deployDir(c), 'usr/share/replaceable/data'), 'utf8'), 'version 2\n');
  assert.match(ok(['status', ...S]), /RemovedBasePackages: removable/);
  assert.match(ok(['status', ...S]), /ReplacedBasePackages: replaceable-2-1\.noarch/);
  refs = localRefs();
  const baseRefs = [...refs].filter(([ref]) => ref.startsWith('rpmostree/base/')).map(([, csum]) => csum).sort();
  assert.deepEqual(baseRefs, [base1, base2].sort(), 'both bases of the layered deployments have a ref');
  // Real ostree prune keeps every ref'd commit: the derived ones (deployment refs) and their bases.
  ostree('prune', '--refs-only');
  for (const csum of [base1, base2, b.checksum, c.checksum]) assert.match(ostree('show', csum), /^commit /);
  fsckAll();
  rollbackRoundTrip(c, b.checksum);

  // 4. override reset restores the base packages of the new base; tool stays layered.
  ok(['override', 'reset', ...S, 'removable']);
  const d0 = rows()[0]!;
  assert.ok(rpmQa(d0).includes('removable-1') && rpmQa(d0).includes('replaceable-2'), rpmQa(d0).join(' '));
  ok(['override', 'reset', ...S, 'replaceable']);
  const d = rows()[0]!;
  assert.deepEqual(d['requested-base-removals'], []);
  assert.deepEqual(d['base-local-replacements'], []);
  assert.deepEqual(rpmQa(d), basePkgs.concat(['libtool-dep-1.0', 'tool-1.0']).sort());
  assert.equal(readFileSync(join(deployDir(d), 'usr/share/removable/data'), 'utf8'), 'removable\n');
  assert.equal(readFileSync(join(deployDir(d), 'usr/share/replaceable/data'), 'utf8'), 'version 1\n');
  assert.equal(parentOf(d.checksum), base2);
  rollbackRoundTrip(d, d0.checksum);

  // 5. Uninstall: the plain new base is deployed again.
  ok(['uninstall', ...S, 'tool']);
  const e = rows()[0]!;
  assert.equal(e.checksum, base2);
  assert.deepEqual(rpmQa(e), basePkgs);
  assert.equal(readFileSync(join(deployDir(e), 'usr/share/basefile/data'), 'utf8'), BASEFILE);
  rollbackRoundTrip(e, d.checksum);

  // 6. A package with no scriptlets and root-owned files takes the delta path (no checkout of
  //    the base); the full path (forced) must give the same tree apart from the rpmdb's times.
  ok(['install', ...S, 'libtool-dep']);
  const fast = rows()[0]!;
  assert.ok(rpmQa(fast).includes('libtool-dep-1.0'));
  assert.equal(readFileSync(join(deployDir(fast), 'usr/lib64/libdep.so.1'), 'utf8'), 'lib\n');
  // mode, owner, size and content checksum of every entry; directories without their tree checksum.
  const listing = (csum: string): string[] =>
    ostree('ls', '-R', '-C', csum)
      .split('\n')
      .filter((l) => l !== '' && !l.endsWith('/usr/share/rpm/rpmdb.sqlite'))
      .map((l) => (l.startsWith('d') ? l.replace(/ [0-9a-f]{64}/g, '') : l));
  const fastListing = listing(fast.checksum);
  ok(['uninstall', ...S, 'libtool-dep']);
  const full = atoll(['--progress=plain', 'install', ...S, 'libtool-dep'], { env: { ...process.env, ATOLL_LAYERING_FULL_TREE: '1' } });
  assert.equal(full.status, 0, full.stderr);
  // The full path really ran (its base checkout phase is on stderr); its commit may even equal
  // the fast one, since the rpmdb's times come from one time source.
  assert.match(full.stderr, /^checkout base/m, full.stderr);
  const slow = rows()[0]!;
  assert.deepEqual(listing(slow.checksum), fastListing);
  ok(['uninstall', ...S, 'libtool-dep']);

  // cleanup: dropping the rollback (d) leaves no layered deployment of base2... but the older
  // ones still use base1/base2; refs follow the deployments that remain.
  ok(['cleanup', ...S, '-r']);
  const remaining = rows();
  refs = localRefs();
  const stillLayered = new Set<string>();
  for (const row of remaining) if (row.checksum !== base1 && row.checksum !== base2) stillLayered.add(parentOf(row.checksum));
  assert.deepEqual([...refs].filter(([ref]) => ref.startsWith('rpmostree/base/')).map(([, csum]) => csum).sort(), [...stillLayered].sort(), 'base refs exactly for the layered deployments left');
  assert.ok(!refs.has('rpmostree/client-layer/pending'));
  fsckAll();
});
