import { test } from 'node:test';
import assert from 'node:assert/strict';
import { switchTarget } from './upgrade.js';

test('switch keeps the current remote for a bare ref, REMOTE: keeps the ref, the same refspec is refused', () => {
  assert.equal(switchTarget('testos:os/runtime', 'os/devel'), 'testos:os/devel');
  assert.equal(switchTarget('testos:os/devel', 'other:os/devel'), 'other:os/devel');
  assert.equal(switchTarget('other:os/devel', 'testos:'), 'testos:os/devel');
  assert.equal(switchTarget('os/runtime', 'os/devel'), 'os/devel');
  assert.throws(() => switchTarget('testos:os/runtime', 'os/runtime'), /Old and new refs are equal: testos:os\/runtime/);
  assert.throws(() => switchTarget('testos:os/runtime', 'testos:'), (e: Error & { code?: string }) => e.code === 'SYSROOT_SWITCH_SAME_REFSPEC');
});
