import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { breakHardlinks, copyUp } from './copy-up.js';
import { mergeOverlayUpper, moveTreeInto } from '../scripts/script-overlay.js';
import { writeXattrsSync } from '../../ostree/repo/index.js';

function scratch(t: import('node:test').TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'atoll-copyup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('copyUp gives a hardlink its own inode with the same bytes and mode; the other link is untouched by later writes', (t) => {
  const dir = scratch(t);
  const object = join(dir, 'object');
  writeFileSync(object, 'shipped\n', { mode: 0o640 });
  chmodSync(object, 0o640);
  const file = join(dir, 'file');
  linkSync(object, file);
  assert.equal(copyUp(file), true);
  assert.notEqual(lstatSync(file).ino, lstatSync(object).ino);
  assert.equal(lstatSync(file).mode & 0o7777, 0o640);
  appendFileSync(file, 'more\n');
  assert.equal(readFileSync(object, 'utf8'), 'shipped\n');
  assert.equal(copyUp(file), false, 'a file with one link is left alone');
  assert.equal(copyUp(join(dir, 'missing')), false);
});

test('breakHardlinks copies up every shared regular file below a root and nothing else', (t) => {
  const dir = scratch(t);
  mkdirSync(join(dir, 'objects'));
  mkdirSync(join(dir, 'root/a'), { recursive: true });
  writeFileSync(join(dir, 'objects/x'), 'x');
  linkSync(join(dir, 'objects/x'), join(dir, 'root/a/x'));
  writeFileSync(join(dir, 'root/own'), 'own');
  symlinkSync('a/x', join(dir, 'root/link'));
  const ownIno = lstatSync(join(dir, 'root/own')).ino;
  assert.equal(breakHardlinks(join(dir, 'root')), 1);
  assert.equal(lstatSync(join(dir, 'objects/x')).nlink, 1);
  assert.equal(lstatSync(join(dir, 'root/own')).ino, ownIno);
  assert.equal(lstatSync(join(dir, 'root/link')).isSymbolicLink(), true);
});

test('moveTreeInto renames files over hardlinks (the object keeps its bytes) and keeps existing directory modes when asked', (t) => {
  const dir = scratch(t);
  const root = join(dir, 'root');
  const src = join(dir, 'src');
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  chmodSync(join(root, 'usr/bin'), 0o755);
  writeFileSync(join(dir, 'object'), 'base\n');
  linkSync(join(dir, 'object'), join(root, 'usr/bin/tool'));
  mkdirSync(join(src, 'usr/bin'), { recursive: true });
  chmodSync(join(src, 'usr/bin'), 0o700);
  mkdirSync(join(src, 'usr/new'), { recursive: true });
  chmodSync(join(src, 'usr/new'), 0o750);
  writeFileSync(join(src, 'usr/bin/tool'), 'package\n');
  writeFileSync(join(src, 'usr/new/file'), 'new\n');
  moveTreeInto(src, root, { existingDirs: 'keep' });
  assert.equal(readFileSync(join(root, 'usr/bin/tool'), 'utf8'), 'package\n');
  assert.equal(readFileSync(join(dir, 'object'), 'utf8'), 'base\n');
  assert.equal(lstatSync(join(root, 'usr/bin')).mode & 0o7777, 0o755, 'existing directory keeps its mode');
  assert.equal(lstatSync(join(root, 'usr/new')).mode & 0o7777, 0o750, 'a new directory takes the source mode');
});

test('mergeOverlayUpper applies whiteouts and opaque directories as overlayfs defines them', (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('whiteouts (0/0 character devices) and trusted.* xattrs need root');
    return;
  }
  const dir = scratch(t);
  const root = join(dir, 'root');
  const upper = join(dir, 'upper');
  mkdirSync(join(root, 'etc/old.d'), { recursive: true });
  writeFileSync(join(root, 'etc/old.d/a'), 'a');
  writeFileSync(join(root, 'etc/gone'), 'gone');
  writeFileSync(join(root, 'etc/kept'), 'kept');
  mkdirSync(join(upper, 'etc/old.d'), { recursive: true });
  writeXattrsSync(join(upper, 'etc/old.d'), [{ name: 'trusted.overlay.opaque', value: new Uint8Array(Buffer.from('y')) }]);
  writeFileSync(join(upper, 'etc/old.d/b'), 'b');
  assert.equal(spawnSync('mknod', [join(upper, 'etc/gone'), 'c', '0', '0']).status, 0);
  writeFileSync(join(upper, 'etc/written'), 'written');
  mergeOverlayUpper(upper, root);
  assert.deepEqual(readdirSync(join(root, 'etc')).sort(), ['kept', 'old.d', 'written']);
  assert.deepEqual(readdirSync(join(root, 'etc/old.d')), ['b'], 'an opaque directory drops the lower entries');
});
