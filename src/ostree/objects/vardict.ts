import { AtollError } from '../../errors/index.js';
import type { GVariantValue, VarDict, Variant } from '../../gvariant/index.js';

/**
 * `a{sv}` ↔ Map. Order is kept (it is part of the bytes, hence the checksum); keys must be
 * non-empty and unique (ostree never writes duplicates, and a Map cannot hold them).
 */
export function varDictFromGVariant(value: GVariantValue, where: string): VarDict {
  const map: VarDict = new Map();
  for (const [key, v] of value as Array<[string, Variant]>) {
    if (key.length === 0) throw new AtollError('OSTREE_OBJECT_BAD_METADATA', `empty metadata key in ${where}`, {});
    if (map.has(key)) throw new AtollError('OSTREE_OBJECT_BAD_METADATA', `duplicate metadata key '${key.slice(0, 80)}' in ${where}`, { data: { key } });
    map.set(key, v);
  }
  return map;
}

export function varDictToGVariant(map: ReadonlyMap<string, Variant>, where: string): Array<[string, Variant]> {
  const out: Array<[string, Variant]> = [];
  for (const [key, v] of map) {
    if (key.length === 0) throw new AtollError('OSTREE_OBJECT_BAD_METADATA', `empty metadata key in ${where}`, {});
    out.push([key, v]);
  }
  return out;
}

/** A copy of `map` with keys in byte order: a deterministic order for metadata we write. */
export function sortVarDict(map: ReadonlyMap<string, Variant>): VarDict {
  return new Map([...map].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
}
