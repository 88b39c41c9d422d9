/**
 * The JS shape of GVariant values, chosen so ostree code reads naturally:
 *
 * | type | JS value |
 * |---|---|
 * | `b` | boolean |
 * | `y n q i u h d` | number |
 * | `x t` | bigint (encode also accepts a safe-integer number) |
 * | `s o g` | string |
 * | `v` | {@link Variant} `{ type: 's', value: 'x' }` |
 * | `mT` | `null` for Nothing, otherwise the T value (`mmT` cannot tell Just Nothing apart; ostree never uses it) |
 * | `ay` | Uint8Array |
 * | `aT` | array of T values |
 * | `(...)` | array of member values |
 * | `{KV}` | `[key, value]` |
 * | `a{KV}` | array of `[key, value]` (order kept, duplicates kept); encode also accepts a Map |
 *
 * Integers are in GLib's host order, i.e. little-endian. ostree stores several fields
 * big-endian; its codecs byte-swap (see byte-order.ts), this layer never does.
 */
export type GVariantValue =
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Variant
  | null
  | readonly GVariantValue[]
  | ReadonlyMap<GVariantValue, GVariantValue>;

/** A value tagged with its own type: the JS form of `v`. */
export interface Variant {
  readonly type: string;
  readonly value: GVariantValue;
}

/** Shorthand constructor: `variant('s', 'hello')`. */
export function variant(type: string, value: GVariantValue): Variant {
  return { type, value };
}

/** `a{sv}` as ostree uses it for metadata: key → variant, insertion order kept. */
export type VarDict = Map<string, Variant>;
