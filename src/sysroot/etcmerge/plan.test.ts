import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffEtc, type EtcNode } from './plan.js';

const f = (content: string, mode = 0o644): EtcNode => ({ type: 'file', uid: 0, gid: 0, mode, content });
const d = (mode = 0o755): EtcNode => ({ type: 'dir', uid: 0, gid: 0, mode, content: '' });
const l = (target: string): EtcNode => ({ type: 'symlink', uid: 0, gid: 0, mode: 0o777, content: target });

test('diffEtc: removed, modified (content, mode, type, symlink target), added with descendants', () => {
  const orig = new Map<string, EtcNode>([
    ['hostname', f('a')], ['conf.d', d()], ['conf.d/x', f('x')], ['mode', f('m')], ['link', l('a')], ['t', f('t')], ['same', f('s')],
  ]);
  const mod = new Map<string, EtcNode>([
    ['hostname', f('b')], ['mode', f('m', 0o600)], ['link', l('b')], ['t', d()], ['t/in', f('i')], ['same', f('s')],
    ['newdir', d()], ['newdir/sub', d()], ['newdir/sub/f', f('f')], ['added.conf', f('n')],
  ]);
  const diff = diffEtc(orig, mod);
  assert.deepEqual(diff.removed, ['conf.d']);
  assert.deepEqual(diff.modified.sort(), ['hostname', 'link', 'mode', 't']);
  assert.deepEqual(diff.added, ['added.conf', 'newdir', 'newdir/sub', 'newdir/sub/f']);
});

test('diffEtc: a directory whose mode changed is modified and still descended into', () => {
  const orig = new Map<string, EtcNode>([['d', d()], ['d/a', f('1')]]);
  const mod = new Map<string, EtcNode>([['d', d(0o700)], ['d/a', f('2')], ['d/b', f('3')]]);
  assert.deepEqual(diffEtc(orig, mod), { removed: [], modified: ['d', 'd/a'], added: ['d/b'] });
});
