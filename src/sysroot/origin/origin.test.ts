import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyFile } from '../../keyfile/index.js';
import { newOrigin, setPinned, setRefspec, originForNewDeployment } from './origin.js';

const RPM_OSTREE_ORIGIN = '[origin]\nbaserefspec=fedora:fedora/39/x86_64/silverblue\n# a comment\n\n[packages]\nrequested=vim;htop;\n\n[rpmostree]\nregenerate-initramfs=true\n';

test('a new origin has the exact bytes ostree writes', () => {
  assert.equal(newOrigin('testos/stable').serialize(), '[origin]\nrefspec=testos/stable\n');
});

test('pin and unpin as ostree admin pin writes them; unknown groups and comments survive', () => {
  const pinned = setPinned(KeyFile.parse('[origin]\nrefspec=testos/stable\n'), true);
  assert.equal(pinned.serialize(), '[origin]\nrefspec=testos/stable\n\n[libostree-transient]\npinned=true\n');
  assert.equal(setPinned(pinned, false).serialize(), '[origin]\nrefspec=testos/stable\n\n[libostree-transient]\n');
  const rpmOstree = setPinned(KeyFile.parse(RPM_OSTREE_ORIGIN), true);
  assert.ok(rpmOstree.serialize().startsWith(RPM_OSTREE_ORIGIN));
  assert.deepEqual(rpmOstree.getStringList('packages', 'requested'), ['vim', 'htop']);
});

test('set-origin drops override-commit; a new deployment does not inherit transient state', () => {
  const o = setRefspec(KeyFile.parse('[origin]\nrefspec=a:b\noverride-commit=abc\n[x]\ny=1\n'), 'c:d');
  assert.equal(o.getString('origin', 'refspec'), 'c:d');
  assert.equal(o.hasKey('origin', 'override-commit'), false);
  assert.equal(o.getString('x', 'y'), '1');
  const inherited = originForNewDeployment(setPinned(KeyFile.parse(RPM_OSTREE_ORIGIN), true), undefined);
  assert.equal(inherited?.hasGroup('libostree-transient'), false);
  assert.equal(inherited?.getString('rpmostree', 'regenerate-initramfs'), 'true');
});
