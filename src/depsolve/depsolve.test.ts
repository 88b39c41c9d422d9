import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Dependency, PackageInfo } from '../rpm/index.js';
import { RPMSENSE } from '../rpm/index.js';
import { depsolve, type SolverPackage } from './depsolve.js';
import { Pool } from './pool.js';
import { RpmSolver, defaultSolverFlags } from './rpm-solver.js';
import { simpleDep, type Dep } from './dep.js';

function dep(text: string): Dependency {
  const m = /^(\S+)\s*(<=|>=|=|<|>)\s*(\S+)$/.exec(text);
  if (!m) return { name: text, flags: 0, evr: '' };
  const op = m[2]!;
  const flags = (op.includes('<') ? RPMSENSE.LESS : 0) | (op.includes('>') ? RPMSENSE.GREATER : 0) | (op.includes('=') ? RPMSENSE.EQUAL : 0);
  return { name: m[1]!, flags, evr: m[3]! };
}

function pkg(nevr: string, arch: string, deps: Partial<Record<keyof PackageInfo, string[]>> = {}, files: string[] = []): SolverPackage {
  const [name, version, release] = nevr.split(' ') as [string, string, string];
  const d = (k: keyof PackageInfo): Dependency[] => (deps[k] ?? []).map(dep);
  return {
    name,
    epoch: null,
    version,
    release,
    arch,
    summary: '',
    description: '',
    license: '',
    url: '',
    vendor: '',
    packager: '',
    group: '',
    buildtime: 0,
    buildhost: '',
    installedSize: 0,
    sourcerpm: null,
    provides: [dep(`${name} = ${version}-${release}`), ...d('provides')],
    requires: d('requires'),
    conflicts: d('conflicts'),
    obsoletes: d('obsoletes'),
    recommends: d('recommends'),
    suggests: d('suggests'),
    supplements: d('supplements'),
    enhances: d('enhances'),
    files,
  };
}

const repo = [
  pkg('app 1.0 1', 'x86_64', { requires: ['libfoo >= 2', '/usr/bin/helper', '(tool or othertool)'], recommends: ['extra'] }),
  pkg('libfoo 1.0 1', 'x86_64'),
  pkg('libfoo 2.0 1', 'x86_64'),
  pkg('libfoo 2.0 1', 'i686'),
  pkg('helper 1 1', 'noarch', {}, ['/usr/bin/helper']),
  pkg('tool 1 1', 'noarch'),
  pkg('othertool 1 1', 'noarch'),
  pkg('extra 1 1', 'noarch', { suggests: ['docs'] }),
  pkg('docs 1 1', 'noarch'),
  pkg('langpack 1 1', 'noarch', { supplements: ['(app and lang)'] }),
  pkg('bad 1 1', 'noarch', { conflicts: ['libfoo'] }),
  pkg('kernel 6.1 1', 'x86_64'),
  pkg('kernel 6.2 1', 'x86_64'),
];

test('compose-style install: versions, file deps, rich deps, weak deps, best arch', () => {
  const res = depsolve({ arch: 'x86_64', repos: [{ name: 'base', packages: repo }], install: ['app'] });
  assert.ok(res.ok, JSON.stringify(res.problems));
  assert.deepEqual(res.packages, [
    'app-1.0-1.x86_64',
    'extra-1-1.noarch',
    'helper-1-1.noarch',
    'libfoo-2.0-1.x86_64',
    'othertool-1-1.noarch',
  ]);
  assert.deepEqual(res.suggested, ['docs-1-1.noarch']);
  assert.ok(res.steps.every((s) => s.kind === 'install'));
  const noWeak = depsolve({ arch: 'x86_64', repos: [{ name: 'base', packages: repo }], install: ['app'], weakDeps: false });
  assert.ok(!noWeak.packages.includes('extra-1-1.noarch'));
});

test('an impossible request is a result with an explanation and solutions', () => {
  const res = depsolve({ arch: 'x86_64', repos: [{ name: 'base', packages: repo }], install: ['app', 'bad'] });
  assert.equal(res.ok, false);
  assert.equal(res.problems.length, 1);
  const p = res.problems[0]!;
  assert.match(p.message, /bad-1-1\.noarch conflicts with libfoo/);
  assert.ok(p.explanation.some((l) => l.includes('app-1.0-1.x86_64 requires libfoo >= 2')), p.explanation.join('\n'));
  assert.ok(p.solutions.some((s) => s === 'do not ask to install bad'));
});

test('installonly packages are installed side by side; repo priority wins over version', () => {
  const kernels = depsolve({
    arch: 'x86_64',
    repos: [{ name: 'base', packages: repo }],
    installed: [pkg('kernel 6.1 1', 'x86_64')],
    installonly: ['kernel'],
    update: 'all',
  });
  assert.ok(kernels.ok);
  assert.deepEqual(kernels.packages.filter((p) => p.startsWith('kernel')), ['kernel-6.1-1.x86_64', 'kernel-6.2-1.x86_64']);
  const prio = depsolve({
    arch: 'x86_64',
    repos: [
      { name: 'new', priority: 99, packages: [pkg('tool 9 1', 'noarch')] },
      { name: 'pinned', priority: 10, packages: [pkg('tool 1 1', 'noarch')] },
    ],
    install: ['tool'],
  });
  assert.deepEqual(prio.steps, [{ kind: 'install', nevra: 'tool-1-1.noarch', repo: 'pinned' }]);
});

test('upgrade of an installed system with an obsoleting rename', () => {
  const res = depsolve({
    arch: 'x86_64',
    installed: [pkg('oldname 1 1', 'noarch')],
    repos: [{ name: 'base', packages: [pkg('newname 2 1', 'noarch', { obsoletes: ['oldname < 2'], provides: ['oldname = 2'] })] }],
    update: 'all',
  });
  assert.ok(res.ok);
  assert.deepEqual(res.steps, [
    { kind: 'obsoleted', nevra: 'oldname-1-1.noarch', repo: '@System', replacedBy: 'newname-2-1.noarch' },
    { kind: 'install', nevra: 'newname-2-1.noarch', repo: 'base' },
  ]);
});

test('installonly limit: the oldest installed kernels go, the protected one stays', () => {
  const kernels = ['6.0', '6.1', '6.2'].map((v) => pkg(`kernel ${v} 1`, 'x86_64'));
  const res = depsolve({
    arch: 'x86_64',
    installed: kernels,
    repos: [{ name: 'base', packages: [pkg('kernel 6.3 1', 'x86_64')] }],
    installonly: ['kernel'],
    installonlyLimit: 2,
    protectedPackages: ['kernel-6.0-1.x86_64'],
    update: 'all',
  });
  assert.ok(res.ok);
  assert.deepEqual(res.packages, ['kernel-6.0-1.x86_64', 'kernel-6.3-1.x86_64']);
  assert.deepEqual(
    res.steps.map((s) => `${s.kind} ${s.nevra}`).sort(),
    ['erase kernel-6.1-1.x86_64', 'erase kernel-6.2-1.x86_64', 'install kernel-6.3-1.x86_64'],
  );
});

test('rpmlib() requirements are rpm features, never rules (also once whatprovides has seen them)', () => {
  const pkgs = [
    pkg('tool 1 1', 'x86_64', { requires: ['rpmlib(PayloadIsZstd) <= 5.4.18-1', 'rpmlib(CompressedFileNames)'] }),
    pkg('other 1 1', 'noarch', { requires: ['rpmlib(CompressedFileNames)'] }),
  ];
  const res = depsolve({ arch: 'x86_64', repos: [{ name: 'base', packages: pkgs }], install: ['tool', 'other'] });
  assert.ok(res.ok, JSON.stringify(res.problems));
  assert.deepEqual(res.packages, ['other-1-1.noarch', 'tool-1-1.x86_64']);
  // the same dependency object looked up by whatprovides before the rules are built (the
  // pool caches lists on dependency objects): still no rule
  const pool = new Pool();
  pool.setArch('x86_64');
  const repo = pool.addRepo('base');
  const rpmlib = simpleDep('rpmlib(CompressedFileNames)', RPMSENSE.LESS | RPMSENSE.EQUAL, '3.0.4-1');
  pool.internDep(rpmlib);
  const none: Dep[] = [];
  const p = pool.addSolvable(repo, {
    name: 'tool',
    evr: '1-1',
    arch: 'x86_64',
    vendor: '',
    provides: [simpleDep('tool', RPMSENSE.EQUAL, '1-1')],
    requires: [rpmlib],
    conflicts: none,
    obsoletes: none,
    recommends: none,
    suggests: none,
    supplements: none,
    enhances: none,
    files: [],
    buildtime: 0,
  }).id;
  assert.deepEqual(pool.whatprovidesSimple(rpmlib), []);
  const solver = new RpmSolver(pool, [{ verb: 'install', select: { kind: 'pkg', p }, flags: new Set() }], defaultSolverFlags());
  const out = solver.solve();
  assert.equal(out.problems.length, 0);
  assert.deepEqual([...out.installed], [p]);
});
