import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatOverride, applyCommitFilter, modifierFilters } from './commit-directory.js';
import { isAtollError } from '../../errors/index.js';

test('statoverride: decimal modes, =MODE sets, MODE and +MODE add, unmatched adds reported', () => {
  const so = StatOverride.parse('+1048 /a/nested/2\n2048 /a/nested/3\n=384 /a/readable-only\n\n');
  assert.equal(so.apply('/a/nested/2', 0o100644), 0o100644 | 0o2030);
  assert.equal(so.apply('/a/readable-only', 0o100664), 0o100600);
  assert.equal(so.apply('/other', 0o100644), 0o100644);
  assert.deepEqual(so.unmatched(), ['/a/nested/3']);
  assert.throws(() => StatOverride.parse('1048/no/space\n'), (e: unknown) => isAtollError(e) && e.code === 'OSTREE_COMMIT_BAD_STATOVERRIDE');
});

test('commit filter: owner, --mode-ro-executables, statoverride, skip-list, then canonical permissions', () => {
  const info = { uid: 1000, gid: 1000, mode: 0o100775 };
  assert.deepEqual(applyCommitFilter({ modeRoExecutables: true }, '/f', info), { uid: 1000, gid: 1000, mode: 0o100555 });
  assert.deepEqual(applyCommitFilter({ modeRoExecutables: true }, '/f', { ...info, mode: 0o100644 }), { uid: 1000, gid: 1000, mode: 0o100644 });
  assert.deepEqual(applyCommitFilter({ ownerUid: 0 }, '/f', info), { uid: 0, gid: 1000, mode: 0o100775 });
  assert.equal(applyCommitFilter({ skipList: new Set(['/f']) }, '/f', info), undefined);
  // Canonical permissions come last: a setuid bit added by statoverride is masked away.
  const so = StatOverride.parse('2048 /f\n');
  assert.deepEqual(applyCommitFilter({ statOverride: so, canonicalPermissions: true }, '/f', { ...info, mode: 0o100644 }), { uid: 0, gid: 0, mode: 0o100644 });
  assert.equal(modifierFilters({}), false);
  assert.equal(modifierFilters({ modeRoExecutables: true }), true);
});
