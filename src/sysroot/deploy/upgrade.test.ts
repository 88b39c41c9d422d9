import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ctime, switchTarget } from './upgrade.js';

test('switch keeps the current remote for a bare ref, REMOTE: keeps the ref, the same refspec is refused', () => {
  assert.equal(switchTarget('testos:os/runtime', 'os/devel'), 'testos:os/devel');
  assert.equal(switchTarget('testos:os/devel', 'other:os/devel'), 'other:os/devel');
  assert.equal(switchTarget('other:os/devel', 'testos:'), 'testos:os/devel');
  assert.equal(switchTarget('os/runtime', 'os/devel'), 'os/devel');
  assert.throws(() => switchTarget('testos:os/runtime', 'os/runtime'), /Old and new refs are equal: testos:os\/runtime/);
  assert.throws(() => switchTarget('testos:os/runtime', 'testos:'), (e: Error & { code?: string }) => e.code === 'SYSROOT_SWITCH_SAME_REFSPEC');
});

test('ctime prints what GLib\'s %c prints in the C locale (checked with python3-gi)', () => {
  assert.equal(ctime(1796000000), 'Mon Nov 30 00:53:20 2026');
  assert.equal(ctime(1796000000 - 25 * 86400), 'Thu Nov \u20075 00:53:20 2026');
});
