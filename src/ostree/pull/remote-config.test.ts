import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addRemote, deleteRemote, listRemotes, getRemote, parseSignVerify } from './remote-config.js';
import { isAtollError } from '../../errors/index.js';

function repo(t: import('node:test').TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'atoll-remote-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'config'), '[core]\nrepo_version=1\nmode=archive-z2\n');
  return dir;
}

test('add writes OSTree keys in OSTree order; get reads them back', async (t) => {
  const r = repo(t);
  await addRemote(r, { name: 'origin', url: 'https://example.com/repo', branches: ['os/a', 'os/b'], set: [['tls-permissive', 'true']], signVerify: 'ed25519=inline:45yzbkuEok0lLabxzdAHWUDSMZgYfxU40sN+LMfYHVA=', noGpgVerify: true });
  assert.equal(
    readFileSync(join(r, 'config'), 'utf8'),
    '[core]\nrepo_version=1\nmode=archive-z2\n\n[remote "origin"]\nurl=https://example.com/repo\nbranches=os/a;os/b;\ntls-permissive=true\ngpg-verify=false\nverification-ed25519-key=45yzbkuEok0lLabxzdAHWUDSMZgYfxU40sN+LMfYHVA=\nsign-verify=true\n',
  );
  const remote = await getRemote(r, 'origin');
  assert.deepEqual(remote.branches, ['os/a', 'os/b']);
  assert.equal(remote.gpgVerify, false);
  assert.equal(remote.signVerify, true);
  assert.deepEqual(remote.ed25519Keys, ['45yzbkuEok0lLabxzdAHWUDSMZgYfxU40sN+LMfYHVA=']);
  assert.equal(remote.options['tls-permissive'], 'true');
});

test('defaults, existence flags and errors', async (t) => {
  const r = repo(t);
  await addRemote(r, { name: 'b', url: 'file:///srv/repo' });
  assert.equal((await getRemote(r, 'b')).gpgVerify, true, 'gpg-verify defaults to true, as in OSTree');
  await assert.rejects(addRemote(r, { name: 'b', url: 'x' }), (e) => isAtollError(e, 'PULL_REMOTE_EXISTS'));
  assert.equal(await addRemote(r, { name: 'b', url: 'x', ifNotExists: true }), false);
  await addRemote(r, { name: 'b', url: 'http://new/', force: true });
  assert.equal((await getRemote(r, 'b')).url, 'http://new/');
  await addRemote(r, { name: 'a', url: 'http://a/' });
  assert.deepEqual((await listRemotes(r)).map((x) => x.name), ['a', 'b']);
  await assert.rejects(addRemote(r, { name: '../x', url: 'x' }), (e) => isAtollError(e, 'PULL_BAD_REMOTE_NAME'));
  await assert.rejects(deleteRemote(r, 'zz'), (e) => isAtollError(e, 'PULL_NO_REMOTE'));
  assert.equal(await deleteRemote(r, 'zz', { ifExists: true }), false);
  assert.equal(await deleteRemote(r, 'a'), true);
  await assert.rejects(getRemote(r, 'a'), (e) => isAtollError(e, 'PULL_NO_REMOTE'));
  await assert.rejects(getRemote(join(r, 'nope'), 'a'), (e) => isAtollError(e, 'PULL_NO_REPO'));
  assert.deepEqual(parseSignVerify('ed25519=file:/etc/keys'), ['verification-ed25519-file', '/etc/keys']);
  assert.throws(() => parseSignVerify('ed25519'), (e) => isAtollError(e, 'PULL_BAD_SIGN_SPEC'));
  assert.throws(() => parseSignVerify('spki=inline:x'), (e) => isAtollError(e, 'PULL_SIGN_TYPE_UNSUPPORTED'));
});

test('configDir: the remote goes to NAME.conf there (as ostree writes it for a deployment root), unless core.add-remotes-config-dir=false', async (t) => {
  const r = repo(t);
  const dir = join(r, 'etc/ostree/remotes.d');
  assert.equal(await addRemote(r, { name: 'nonphys', url: 'file:///x', set: [['gpg-verify', 'false']], configDir: dir }), true);
  assert.equal(readFileSync(join(dir, 'nonphys.conf'), 'utf8'), '[remote "nonphys"]\nurl=file:///x\ngpg-verify=false\n');
  assert.doesNotMatch(readFileSync(join(r, 'config'), 'utf8'), /nonphys/);
  assert.equal(await addRemote(r, { name: 'nonphys', url: 'file:///y', configDir: dir, ifNotExists: true }), false);
  writeFileSync(join(r, 'config'), '[core]\nrepo_version=1\nmode=bare\nadd-remotes-config-dir=false\n');
  await addRemote(r, { name: 'inconfig', url: 'file:///z', configDir: dir });
  assert.match(readFileSync(join(r, 'config'), 'utf8'), /\[remote "inconfig"\]\nurl=file:\/\/\/z\n/);
});
