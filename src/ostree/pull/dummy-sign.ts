/**
 * libostree's `dummy` sign type (ostree-sign-dummy.c), used by OSTree's own tests: the
 * "signature" is the secret key text itself, stored under `ostree.sign.dummy` (`aay`), and
 * verification compares it with the public key text. It only works with
 * `OSTREE_DUMMY_SIGN_ENABLED=1`, as in libostree, so it can never protect a real pull.
 */
export const DUMMY_METADATA_KEY = 'ostree.sign.dummy';

export function dummySignEnabled(): boolean {
  return process.env.OSTREE_DUMMY_SIGN_ENABLED === '1';
}
