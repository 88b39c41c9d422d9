import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffPackages, formatDiffBlock, formatDiffLines, formatDiffSummary, diffJson } from './package-diff.js';
import type { Package } from './package-list.js';
import { combineRefspec, parseRevision } from './upgrade.js';

const p = (name: string, epoch: number | null, version: string, release: string, arch = 'x86_64'): Package => ({ name, epoch, version, release, arch });

test('diffPackages orders EVRs with rpm vercmp (epoch first, tilde, numeric segments)', () => {
  const from = [p('a', null, '1.10', '1'), p('b', 1, '1.0', '1'), p('c', null, '2.0~rc1', '1'), p('gone', null, '1', '1', 'noarch')];
  const to = [p('a', null, '1.9', '1'), p('b', null, '9.9', '1'), p('c', null, '2.0', '1'), p('new', 2, '0.1', '1')];
  const d = diffPackages(from, to);
  assert.deepEqual(d.upgraded.map(([o]) => o.name), ['c']);
  assert.deepEqual(d.downgraded.map(([o]) => o.name), ['a', 'b']);
  assert.deepEqual(formatDiffBlock(d), ['Upgraded:', '  c 2.0~rc1-1 -> 2.0-1', 'Downgraded:', '  a 1.10-1 -> 1.9-1', '  b 1:1.0-1 -> 9.9-1', 'Removed:', '  gone-1-1.noarch', 'Added:', '  new-2:0.1-1.x86_64']);
  assert.equal(formatDiffSummary(d), '1 upgraded, 2 downgraded, 1 removed, 1 added');
  assert.deepEqual(formatDiffLines(d).slice(0, 2), ['!a-1.10-1.x86_64', '=a-1.9-1.x86_64']);
  assert.deepEqual(diffJson(d).map(([n, k]) => `${n}${k}`), ['a3', 'b3', 'c2', 'gone1', 'new0']);
});

test('multilib packages pair by arch; an unchanged list gives an empty diff', () => {
  const from = [p('glibc', null, '2.35', '1', 'i686'), p('glibc', null, '2.35', '1', 'x86_64')];
  const to = [p('glibc', null, '2.36', '1', 'x86_64')];
  const d = diffPackages(from, to);
  assert.deepEqual(d.upgraded.map(([o, n]) => `${o.arch}->${n.version}`), ['x86_64->2.36']);
  assert.deepEqual(d.removed.map((x) => x.arch), ['i686']);
  assert.deepEqual(formatDiffBlock(diffPackages(to, to)), []);
});

test('revisions and partial refspecs as rpm-ostree reads them', () => {
  const c = 'a'.repeat(64);
  assert.deepEqual(parseRevision(c), { checksum: c });
  assert.deepEqual(parseRevision(`revision=${c}`), { checksum: c });
  assert.deepEqual(parseRevision('35.20240101.0'), { version: '35.20240101.0' });
  assert.deepEqual(parseRevision('version=abc'), { version: 'abc' });
  assert.equal(combineRefspec('fedora/x86_64/next', 'origin:fedora/x86_64/stable'), 'origin:fedora/x86_64/next');
  assert.equal(combineRefspec('other:', 'origin:os/stable'), 'other:os/stable');
  assert.equal(combineRefspec(':local/ref', 'origin:os/stable'), 'local/ref');
  assert.equal(combineRefspec('r:x', undefined), 'r:x');
  assert.equal(combineRefspec('x', undefined), 'x');
  assert.throws(() => combineRefspec('other:', undefined), /no current ref/);
});
