import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeInputHash, canonicalJson } from './input-hash.js';
import { mutateOsRelease, effectiveBool } from './treefile-postprocess.js';
import { installOrder } from './install-order.js';
import { parseIdTable } from './check-passwd.js';
import type { ResolvedPackage } from './resolve-packages.js';
import { emptyRepoPackage } from '../rpmmd/index.js';
import { RPMSENSE } from '../rpm/index.js';

test('input hash: key order does not matter, packages and externals do', () => {
  const base = { config: { b: 1, a: [1, 2] }, externals: [['/x', new Uint8Array([1])]] as Array<[string, Uint8Array]>, packages: [{ nevra: 'a-1-1.x86_64', checksum: 'sha256:00' }] };
  const h = computeInputHash(base);
  assert.equal(computeInputHash({ ...base, config: { a: [1, 2], b: 1 } }), h);
  assert.notEqual(computeInputHash({ ...base, config: { a: [2, 1], b: 1 } }), h);
  assert.notEqual(computeInputHash({ ...base, externals: [['/x', new Uint8Array([2])]] }), h);
  assert.notEqual(computeInputHash({ ...base, packages: [{ nevra: 'a-1-1.x86_64', checksum: 'sha256:01' }] }), h);
  assert.equal(canonicalJson({ z: { y: 1, x: null } }), '{"z":{"x":null,"y":1}}');
});

test('mutate-os-release rewrites VERSION and PRETTY_NAME and adds OSTREE_VERSION', () => {
  const out = mutateOsRelease('NAME=Fedora\nVERSION="42 (CoreOS)"\nVERSION_ID=42\nPRETTY_NAME="Fedora 42"\n', '42', '42.20261127.0');
  assert.equal(out, "NAME=Fedora\nVERSION=\"42.20261127.0 (CoreOS)\"\nVERSION_ID=42\nPRETTY_NAME=\"Fedora 42.20261127.0\"\nOSTREE_VERSION='42.20261127.0'\n");
});

test('edition and container defaults', () => {
  assert.equal(effectiveBool({}, 'tmp-is-dir'), false);
  assert.equal(effectiveBool({ edition: '2024' }, 'tmp-is-dir'), true);
  assert.equal(effectiveBool({ container: true }, 'selinux'), false);
  assert.equal(effectiveBool({ 'tmp-is-dir': false, edition: '2024' }, 'tmp-is-dir'), false);
});

function pkg(name: string, requires: Array<[string, number]> = [], provides: string[] = []): ResolvedPackage {
  const p = { ...emptyRepoPackage(), name, version: '1', release: '1', arch: 'x86_64' };
  p.requires = requires.map(([n, flags]) => ({ name: n, flags, evr: '' }));
  p.provides = provides.map((n) => ({ name: n, flags: 0, evr: '' }));
  return { nevra: `${name}-1-1.x86_64`, pkg: p, repo: undefined as never };
}

test('install order: providers first, prereq edges win in loops, ties alphabetical', () => {
  const order = (ps: ResolvedPackage[]) => installOrder(ps).map((p) => p.pkg.name);
  assert.deepEqual(order([pkg('app', [['/bin/sh', 0]]), pkg('shell', [], ['/bin/sh']), pkg('base')]), ['base', 'shell', 'app']);
  // a loop: a requires(pre) b, b requires a → b first
  assert.deepEqual(order([pkg('a', [['b', RPMSENSE.SCRIPT_PRE]]), pkg('b', [['a', 0]])]), ['b', 'a']);
  assert.deepEqual(order([pkg('b', [['a', RPMSENSE.SCRIPT_PRE]]), pkg('a', [['b', 0]])]), ['a', 'b']);
});

test('passwd tables', () => {
  assert.deepEqual([...parseIdTable('root:x:0:0::/root:/bin/sh\nbad line\nu:x:5:5::/:/bin/false\n')], [['root', 0], ['u', 5]]);
});
