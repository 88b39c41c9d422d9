import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, requirePythonModule, requireTool, systemPython, tempDir } from '../helpers/env.js';
import { atoll, run, runOk } from '../helpers/run.js';
import { isAtollError } from '../../src/errors/index.js';
import { pull, signCommit, verifyCommitSignatures } from '../../src/ostree/pull/index.js';

/**
 * Signing against Debian's ostree and independent tools: ed25519 signatures equal openssl's
 * (ed25519 is deterministic) inside detached metadata GLib serializes byte for byte; the dummy
 * sign type (ostree's test engine) gives the same `.commitmeta` bytes from both tools and each
 * pulls what the other signed; GPG signatures made by atoll pass ostree's verification and
 * ostree's pass atoll's, with the same `show` report and key listings. Tampering gives coded
 * errors.
 */
const GPGHOME_SRC = '/usr/libexec/installed-tests/libostree/gpghome';
const KEYID_1 = '7FCA23D8472CDAFA';
const KEYID_2 = 'D8228CFECA950D41';
const atollOstree = join(repoRoot, 'bin', 'atoll-ostree');
const env = { ...process.env, TZ: 'UTC', OSTREE_DUMMY_SIGN_ENABLED: '1' };

function ostreeFront(args: string[]): { status: number; stdout: string; stderr: string } {
  return run(process.execPath, [atollOstree, ...args], { env });
}

/** An archive repo with one commit made by real ostree; returns [repo, commit]. */
function ostreeRepo(dir: string, name: string, commitArgs: string[] = []): [string, string] {
  const repo = join(dir, name);
  runOk('ostree', [`--repo=${repo}`, 'init', '--mode=archive']);
  const tree = join(dir, `${name}-tree`);
  mkdirSync(join(tree, 'sub'), { recursive: true });
  writeFileSync(join(tree, 'a'), 'alpha\n');
  writeFileSync(join(tree, 'sub', 'b'), 'beta\n');
  const commit = runOk('ostree', [`--repo=${repo}`, 'commit', '-b', 'main', '--timestamp=@1700000000', '-s', 'signed', ...commitArgs, tree], { env }).trim();
  return [repo, commit];
}

function objectFile(repo: string, checksum: string, ext: string): string {
  return join(repo, 'objects', checksum.slice(0, 2), `${checksum.slice(2)}.${ext}`);
}

test('ed25519: atoll signs as openssl does, in detached metadata GLib serializes the same; ostree reads it', (t) => {
  if (!requireTool(t, 'ostree', 'openssl') || !requirePythonModule(t, 'gi')) return;
  const dir = tempDir(t, 'atoll-sign-ed25519-');
  const [repo, commit] = ostreeRepo(dir, 'repo');
  const pem = join(dir, 'key.pem');
  runOk('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', pem]);
  const der = (args: string[]): Buffer => spawnSync('openssl', ['pkey', '-in', pem, '-outform', 'DER', ...args]).stdout;
  const publicKey = der(['-pubout']).subarray(-32);
  // libtest's ED25519SECRET: base64 of seed ‖ public key.
  const secret = Buffer.concat([der([]).subarray(-32), publicKey]).toString('base64');
  const signed = atoll(['repo', 'sign', '--repo', repo, commit, secret]);
  assert.equal(signed.status, 0, signed.stderr);

  const sigFile = join(dir, 'sig');
  runOk('openssl', ['pkeyutl', '-sign', '-rawin', '-inkey', pem, '-in', objectFile(repo, commit, 'commit'), '-out', sigFile]);
  const opensslSig = readFileSync(sigFile);
  const commitmeta = readFileSync(objectFile(repo, commit, 'commitmeta'));
  const glib = runOk(systemPython, ['-c', `
import sys
from gi.repository import GLib
sig = open(sys.argv[1], 'rb').read()
v = GLib.Variant('a{sv}', {'ostree.sign.ed25519': GLib.Variant('aay', [sig])})
sys.stdout.write(v.get_data_as_bytes().get_data().hex())`, sigFile]);
  assert.equal(commitmeta.toString('hex'), glib.trim(), 'detached metadata bytes differ from GLib serialization of openssl signature');

  // libostree reads the detached metadata atoll wrote.
  const shown = runOk('ostree', [`--repo=${repo}`, 'show', `--print-detached-metadata-key=ostree.sign.ed25519`, commit]);
  assert.match(shown, /^\[\[byte 0x/);
  assert.equal(opensslSig.length, 64);

  const ok = ostreeFront([`--repo=${repo}`, 'sign', '--verify', '--sign-type=ed25519', commit, publicKey.toString('base64')]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^ed25519: Signature verified successfully with key '[0-9a-f]{64}'/);
  const wrongKey = Buffer.alloc(32, 7).toString('base64');
  const bad = ostreeFront([`--repo=${repo}`, 'sign', '--verify', '--sign-type=ed25519', commit, wrongKey]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /error: No valid signatures found/);
});

test('ed25519: a tampered signature is refused with a coded error', async (t) => {
  if (!requireTool(t, 'ostree', 'openssl')) return;
  const dir = tempDir(t, 'atoll-sign-tamper-');
  const [repo, commit] = ostreeRepo(dir, 'repo');
  const { generateKeyPairSync } = await import('node:crypto');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  await signCommit(repo, commit, { ed25519Keys: [privateKey] });
  await verifyCommitSignatures(repo, commit, { ed25519: [publicKey] });
  const path = objectFile(repo, commit, 'commitmeta');
  const bytes = readFileSync(path);
  // Flip one byte of the signature (it starts right after the key and padding).
  const at = bytes.indexOf(Buffer.from('ostree.sign.ed25519\0')) + 24;
  bytes[at] = (bytes[at] as number) ^ 0xff;
  writeFileSync(path, bytes);
  await assert.rejects(verifyCommitSignatures(repo, commit, { ed25519: [publicKey] }), (error) => isAtollError(error, 'PULL_SIGNATURE_INVALID'));
});

test('dummy sign type: same detached metadata bytes as ostree; each tool pulls what the other signed', async (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t, 'atoll-sign-dummy-');
  const [a, commit] = ostreeRepo(dir, 'a');
  const b = join(dir, 'b');
  cpSync(a, b, { recursive: true });
  for (const key of ['k1', 'k2']) {
    runOk('ostree', [`--repo=${a}`, 'sign', '--sign-type=dummy', commit, key], { env });
    const r = ostreeFront([`--repo=${b}`, 'sign', '--sign-type=dummy', commit, key]);
    assert.equal(r.status, 0, r.stderr);
  }
  assert.deepEqual(readFileSync(objectFile(b, commit, 'commitmeta')), readFileSync(objectFile(a, commit, 'commitmeta')));
  // ostree's own verification of atoll's signature.
  assert.match(runOk('ostree', [`--repo=${b}`, 'sign', '--sign-type=dummy', '--verify', commit, 'k2'], { env }), /dummy: Signature verified/);

  // ostree pulls from the repo atoll signed, with sign-verify; atoll from the one ostree signed.
  const ostreeClient = join(dir, 'oc');
  runOk('ostree', [`--repo=${ostreeClient}`, 'init', '--mode=archive']);
  runOk('ostree', [`--repo=${ostreeClient}`, 'remote', 'add', '--set=gpg-verify=false', '--sign-verify=dummy=inline:k1', 'origin', `file://${b}`], { env });
  runOk('ostree', [`--repo=${ostreeClient}`, 'pull', 'origin', 'main'], { env });
  const atollClient = join(dir, 'ac');
  runOk('ostree', [`--repo=${atollClient}`, 'init', '--mode=archive']);
  runOk('ostree', [`--repo=${atollClient}`, 'remote', 'add', '--set=gpg-verify=false', '--sign-verify=dummy=inline:k2', 'origin', `file://${a}`], { env });
  process.env.OSTREE_DUMMY_SIGN_ENABLED = '1';
  t.after(() => delete process.env.OSTREE_DUMMY_SIGN_ENABLED);
  await pull({ repo: atollClient, remote: 'origin', refs: ['main'] });

  // A key neither signature was made with: both tools refuse.
  const wrong = join(dir, 'wrong');
  runOk('ostree', [`--repo=${wrong}`, 'init', '--mode=archive']);
  runOk('ostree', [`--repo=${wrong}`, 'remote', 'add', '--set=gpg-verify=false', '--sign-verify=dummy=inline:nope', 'origin', `file://${a}`], { env });
  assert.notEqual(run('ostree', [`--repo=${wrong}`, 'pull', 'origin', 'main'], { env }).status, 0);
  await assert.rejects(pull({ repo: wrong, remote: 'origin', refs: ['main'] }), (error) => isAtollError(error, 'PULL_SIGNATURE_INVALID'));
});

test('GPG: ostree verifies what atoll signs and the reverse; show and key listings read alike', async (t) => {
  if (!requireTool(t, 'ostree', 'gpg')) return;
  const dir = tempDir(t, 'atoll-sign-gpg-');
  const home = join(dir, 'gpghome');
  cpSync(GPGHOME_SRC, home, { recursive: true });
  t.after(() => run('gpgconf', ['--homedir', home, '--kill', 'all']));
  const key1 = join(home, 'key1.asc');

  // atoll signs (commit --gpg-sign), ostree pulls with gpg-verify from the key's keyring.
  const [a] = ostreeRepo(dir, 'a');
  const tree = join(dir, 'a-tree');
  writeFileSync(join(tree, 'c'), 'gamma\n');
  const signedByAtoll = ostreeFront([`--repo=${a}`, 'commit', '-b', 'main', '-s', 'atoll', `--gpg-sign=${KEYID_1}`, `--gpg-homedir=${home}`, tree]);
  assert.equal(signedByAtoll.status, 0, signedByAtoll.stderr);
  const oc = join(dir, 'oc');
  runOk('ostree', [`--repo=${oc}`, 'init', '--mode=archive']);
  runOk('ostree', [`--repo=${oc}`, 'remote', 'add', `--gpg-import=${key1}`, 'origin', `file://${a}`]);
  runOk('ostree', [`--repo=${oc}`, 'pull', 'origin', 'main']);

  // ostree signs, atoll pulls with the keyring atoll imported.
  const [b, commitB] = ostreeRepo(dir, 'b', [`--gpg-sign=${KEYID_1}`, `--gpg-homedir=${home}`]);
  const ac = join(dir, 'ac');
  runOk('ostree', [`--repo=${ac}`, 'init', '--mode=archive']);
  const added = ostreeFront([`--repo=${ac}`, 'remote', 'add', `--gpg-import=${key1}`, 'origin', `file://${b}`]);
  assert.equal(added.status, 0, added.stderr);
  assert.match(added.stdout, /Imported 1 GPG key to remote "origin"/);
  await pull({ repo: ac, remote: 'origin', refs: ['main'] });
  assert.equal(ostreeFront([`--repo=${ac}`, 'remote', 'gpg-list-keys', 'origin']).stdout, runOk('ostree', [`--repo=${ac}`, 'remote', 'gpg-list-keys', 'origin'], { env }));

  // show reports the signature as ostree does (trusted through --gpg-homedir).
  const section = (text: string): string => text.slice(text.indexOf('Found '));
  const ours = ostreeFront([`--repo=${b}`, 'show', `--gpg-homedir=${home}`, commitB]);
  assert.equal(ours.status, 0, ours.stderr);
  assert.equal(section(ours.stdout), section(runOk('ostree', [`--repo=${b}`, 'show', `--gpg-homedir=${home}`, commitB], { env })));

  // Signed with a key the remote does not trust: ostree and atoll refuse it.
  const [c] = ostreeRepo(dir, 'c', [`--gpg-sign=${KEYID_2}`, `--gpg-homedir=${home}`]);
  const fresh = join(dir, 'fresh');
  runOk('ostree', [`--repo=${fresh}`, 'init', '--mode=archive']);
  runOk('ostree', [`--repo=${fresh}`, 'remote', 'add', `--gpg-import=${key1}`, 'origin', `file://${c}`]);
  assert.notEqual(run('ostree', [`--repo=${fresh}`, 'pull', 'origin', 'main']).status, 0);
  await assert.rejects(pull({ repo: fresh, remote: 'origin', refs: ['main'] }), (error) => isAtollError(error, 'PULL_SIGNATURE_INVALID') && /public key not found/.test((error as Error).message));
});

test('summary --raw prints what ostree prints', (t) => {
  if (!requireTool(t, 'ostree')) return;
  const dir = tempDir(t, 'atoll-summary-raw-');
  const [repo] = ostreeRepo(dir, 'repo');
  runOk('ostree', [`--repo=${repo}`, 'summary', '-u']);
  const ours = ostreeFront([`--repo=${repo}`, 'summary', '--raw']);
  assert.equal(ours.status, 0, ours.stderr);
  assert.equal(ours.stdout, runOk('ostree', [`--repo=${repo}`, 'summary', '--raw']));
});
