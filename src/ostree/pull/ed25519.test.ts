import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { ed25519PublicKey, ed25519SecretKey, ed25519Sign, ed25519Verify, publicKeyBase64, parsePublicKeyList } from './ed25519.js';
import { isAtollError } from '../../errors/index.js';

// OSTree's tests/pre-signed-pull-data key.b64 (a base64-wrapped PKCS#8 PEM) and its public key.
const OSTREE_TEST_SECRET =
  'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1DNENBUUF3QlFZREsyVndCQ0lFSU1lUEVNbzZj' +
  'dmdjQzcxWVJ2OEtqZHdpeTY2c2ZPckppemhOUkJEdmtyM0UKLS0tLS1FTkQgUFJJVkFURSBLRVkt' +
  'LS0tLQo=';
const OSTREE_TEST_PUBLIC = '45yzbkuEok0lLabxzdAHWUDSMZgYfxU40sN+LMfYHVA=';

test('secret keys in every form OSTree users have give the same public key', () => {
  assert.equal(publicKeyBase64(ed25519SecretKey(OSTREE_TEST_SECRET)), OSTREE_TEST_PUBLIC);
  const pem = Buffer.from(OSTREE_TEST_SECRET, 'base64').toString('latin1');
  assert.equal(publicKeyBase64(ed25519SecretKey(pem)), OSTREE_TEST_PUBLIC);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(16);
  const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
  const libsodium = Buffer.concat([seed, pub]).toString('base64');
  assert.equal(publicKeyBase64(ed25519SecretKey(libsodium)), pub.toString('base64'));
  assert.equal(publicKeyBase64(ed25519SecretKey(seed.toString('base64'))), pub.toString('base64'));
  // A libsodium key whose public half does not belong to its seed is refused.
  const mismatched = Buffer.concat([seed, Buffer.alloc(32, 1)]).toString('base64');
  assert.throws(() => ed25519SecretKey(mismatched), (e) => isAtollError(e, 'PULL_BAD_KEY'));
  assert.throws(() => ed25519SecretKey(Buffer.alloc(40).toString('base64')), (e) => isAtollError(e, 'PULL_BAD_KEY'));
});

test('signatures verify with the right key only, and only over the signed bytes', () => {
  const key = ed25519SecretKey(OSTREE_TEST_SECRET);
  const data = new TextEncoder().encode('commit bytes');
  const sig = ed25519Sign(data, key);
  assert.equal(sig.length, 64);
  assert.ok(ed25519Verify(data, sig, ed25519PublicKey(OSTREE_TEST_PUBLIC)));
  assert.ok(!ed25519Verify(new TextEncoder().encode('commit bytez'), sig, ed25519PublicKey(OSTREE_TEST_PUBLIC)));
  const other = generateKeyPairSync('ed25519').publicKey;
  assert.ok(!ed25519Verify(data, sig, other));
  assert.ok(!ed25519Verify(data, sig.subarray(0, 63), ed25519PublicKey(OSTREE_TEST_PUBLIC)));
  assert.throws(() => ed25519PublicKey('AAAA'), (e) => isAtollError(e, 'PULL_BAD_KEY'));
  assert.equal(parsePublicKeyList(`# keys\n${OSTREE_TEST_PUBLIC}\n\n${OSTREE_TEST_PUBLIC}\n`).length, 2);
});
