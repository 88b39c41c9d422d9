import { AtollError, addContext } from '../../errors/index.js';
import { decodeGVariant, encodeGVariant, type GVariantValue, type VarDict, type Variant } from '../../gvariant/index.js';
import { checksumFromBytes, assertChecksum } from './checksum.js';
import { varDictFromGVariant, varDictToGVariant } from './vardict.js';

/** Detached commit metadata (`.commitmeta`, signatures etc.) is a plain `a{sv}`. */
export const COMMITMETA_GVARIANT_TYPE = 'a{sv}';

export function encodeCommitMeta(metadata: ReadonlyMap<string, Variant>): Uint8Array {
  return encodeGVariant(COMMITMETA_GVARIANT_TYPE, varDictToGVariant(metadata, 'detached commit metadata'));
}

export function decodeCommitMeta(bytes: Uint8Array): VarDict {
  let value: GVariantValue;
  try {
    value = decodeGVariant(COMMITMETA_GVARIANT_TYPE, bytes);
  } catch (error) {
    throw addContext('invalid detached commit metadata', error);
  }
  return varDictFromGVariant(value, 'detached commit metadata');
}

/**
 * A `.tombstone-commit` object: `{"commit": <ay>}` holding the deleted commit's checksum as hex
 * text with a trailing NUL (as ostree writes it).
 */
export function encodeTombstone(commitChecksum: string): Uint8Array {
  assertChecksum(commitChecksum, 'tombstone commit checksum');
  return encodeGVariant('a{sv}', [['commit', { type: 'ay', value: new TextEncoder().encode(`${commitChecksum}\0`) }]]);
}

export function decodeTombstone(bytes: Uint8Array): string {
  const dict = decodeCommitMeta(bytes);
  const entry = dict.get('commit');
  if (entry?.type === 'ay') {
    const raw = entry.value as Uint8Array;
    const text = new TextDecoder().decode(raw[raw.length - 1] === 0 ? raw.subarray(0, -1) : raw);
    if (/^[0-9a-f]{64}$/.test(text)) return text;
    if (raw.length === 32) return checksumFromBytes(raw);
  }
  throw new AtollError('OSTREE_OBJECT_BAD_METADATA', 'invalid commit tombstone: no commit checksum under key \'commit\'', {});
}
