import { AtollError, addContext } from '../../errors/index.js';
import { decodeGVariant, encodeGVariant, type GVariantValue, type VarDict } from '../../gvariant/index.js';
import { checksumFromBytes, checksumToBytes } from './checksum.js';
import { varDictFromGVariant, varDictToGVariant } from './vardict.js';

/** GVariant type of a repository `summary` file. */
export const SUMMARY_GVARIANT_TYPE = '(a(s(taya{sv}))a{sv})';

/** One ref listed in a summary. */
export interface SummaryRef {
  readonly name: string;
  /**
   * Size in bytes of the commit object. Stored in HOST order (little-endian), unlike every other
   * ostree integer (§1.2): pull uses it as the maximum size it accepts for the commit.
   */
  readonly commitSize: bigint;
  readonly checksum: string;
  /** Per-ref metadata: `ostree.commit.timestamp` (t, big-endian), `ostree.commit.version` (s). */
  readonly metadata: VarDict;
}

export interface Summary {
  /** Sorted by name bytes in the file (pull binary-searches them); encodeSummary sorts. */
  readonly refs: readonly SummaryRef[];
  readonly metadata: VarDict;
}

/** Serialize a summary; refs are sorted by name bytes and must be unique. */
export function encodeSummary(summary: Summary): Uint8Array {
  const refs = [...summary.refs].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  for (let k = 1; k < refs.length; k++) {
    if ((refs[k - 1] as SummaryRef).name === (refs[k] as SummaryRef).name) {
      throw new AtollError('OSTREE_OBJECT_BAD_SUMMARY', `ref '${(refs[k] as SummaryRef).name}' listed twice in summary`, { data: { ref: (refs[k] as SummaryRef).name } });
    }
  }
  return encodeGVariant(SUMMARY_GVARIANT_TYPE, [
    refs.map((r) => [r.name, [BigInt(r.commitSize), checksumToBytes(r.checksum, `checksum of ref '${r.name}'`), varDictToGVariant(r.metadata, `summary ref '${r.name}'`)]]),
    varDictToGVariant(summary.metadata, 'summary metadata'),
  ]);
}

/** Parse a summary; refs must be sorted and unique (pull relies on binary search). */
export function decodeSummary(bytes: Uint8Array): Summary {
  let value: GVariantValue[];
  try {
    value = decodeGVariant(SUMMARY_GVARIANT_TYPE, bytes) as GVariantValue[];
  } catch (error) {
    throw addContext('invalid summary', error);
  }
  const refs: SummaryRef[] = [];
  let previous: Buffer | undefined;
  for (const [name, [size, csum, meta]] of value[0] as Array<[string, [bigint, Uint8Array, GVariantValue]]>) {
    const key = Buffer.from(name);
    if (previous && Buffer.compare(previous, key) >= 0) {
      throw new AtollError('OSTREE_OBJECT_BAD_SUMMARY', `summary refs are not sorted: '${name.slice(0, 80)}' is out of order or repeated`, { data: { ref: name } });
    }
    previous = key;
    refs.push({ name, commitSize: size, checksum: checksumFromBytes(csum, `checksum of ref '${name}'`), metadata: varDictFromGVariant(meta, `summary ref '${name}'`) });
  }
  return { refs, metadata: varDictFromGVariant(value[1] as GVariantValue, 'summary metadata') };
}

