/**
 * The provides index's counting sort (libsolv's createwhatprovides) as a small WebAssembly
 * function, assembled here from its instructions (no binary in the repository, no toolchain).
 *
 * Why: `atoll testsolv` runs the solve phase in V8's baseline code (see docs/ARCHITECTURE.md,
 * depsolve), where a loop over the pool's ~10^5 provides costs ~40 ns an element in typed-array
 * access stubs: ~10 ms for the index of the 60,000-package bench. WebAssembly is compiled
 * before its first call (Liftoff) and runs the same loops in well under a millisecond.
 */

import {
  BLOCK, BR, BR_IF, END, I32_ADD, I32_CONST, I32_EQZ, I32_GE_S, I32_GE_U, I32_LOAD, I32_SHL, I32_STORE, I32_SUB, IF,
  LOCAL_GET, LOCAL_SET, LOCAL_TEE, LOOP, VOID, PAGE, assembleModule, wasm,
} from '../util/index.js';

// parameters and locals of `sort(n, names, pn, po, ps, pi)` (byte addresses in memory)
const N = 0;
const NAMES = 1;
const PN = 2; // provide name ids, n of them (-1: a rich provide, not indexed)
const PO = 3; // provide owners, n of them
const PS = 4; // out: start, names + 1 (zeroed on entry)
const PI = 5; // out: ids, up to n
const I = 6;
const K = 7;
const T = 8;
const ACC = 9;

/** address of element (local idx) of the i32 array at (local base), left on the stack */
const elem = (base: number, idx: number): number[] => [LOCAL_GET, base, LOCAL_GET, idx, I32_CONST, 2, I32_SHL, I32_ADD];
const load = (offset: number): number[] => [I32_LOAD, 2, offset];
const store = (offset: number): number[] => [I32_STORE, 2, offset];
const incr = (local: number): number[] => [LOCAL_GET, local, I32_CONST, 1, I32_ADD, LOCAL_SET, local];
/** for (i = 0; i < limit; i++) body */
const forI = (limit: number, body: number[]): number[] => [
  I32_CONST, 0, LOCAL_SET, I,
  BLOCK, VOID, LOOP, VOID,
  LOCAL_GET, I, LOCAL_GET, limit, I32_GE_U, BR_IF, 1,
  ...body,
  ...incr(I), BR, 0,
  END, END,
];
/** for (i = limit - 1; i >= 0; i--) body */
const forIDown = (limit: number, body: number[]): number[] => [
  LOCAL_GET, limit, LOCAL_SET, I,
  BLOCK, VOID, LOOP, VOID,
  LOCAL_GET, I, I32_EQZ, BR_IF, 1,
  LOCAL_GET, I, I32_CONST, 1, I32_SUB, LOCAL_SET, I,
  ...body,
  BR, 0,
  END, END,
];

// One counting sort without a separate fill array (its pages were fresh memory): the counts
// become each name's end offset, and the fill runs backwards through the store, each owner
// going to --start[k]; so each name's list is still in store order (ascending) and start[k]
// ends up at the list's first slot.
const BODY: number[] = [
  // counts: start[k]++ for each indexed provide of name k
  ...forI(N, [
    ...elem(PN, I), ...load(0), LOCAL_TEE, K, I32_CONST, 0, I32_GE_S, IF, VOID,
    ...elem(PS, K), LOCAL_TEE, T, LOCAL_GET, T, ...load(0), I32_CONST, 1, I32_ADD, ...store(0),
    END,
  ]),
  // ends: start[k] = counts of names 0..k; start[names] = the total
  I32_CONST, 0, LOCAL_SET, ACC,
  ...forI(NAMES, [
    ...elem(PS, I), LOCAL_TEE, T, LOCAL_GET, T, ...load(0), LOCAL_GET, ACC, I32_ADD, LOCAL_TEE, ACC, ...store(0),
  ]),
  ...elem(PS, NAMES), LOCAL_GET, ACC, ...store(0),
  // fill backwards in store order (= package order): ids[--start[k]] = owner
  ...forIDown(N, [
    ...elem(PN, I), ...load(0), LOCAL_TEE, K, I32_CONST, 0, I32_GE_S, IF, VOID,
    ...elem(PS, K), LOCAL_TEE, T, LOCAL_GET, T, ...load(0), I32_CONST, 1, I32_SUB, LOCAL_TEE, K, ...store(0), // K: the slot
    ...elem(PI, K), ...elem(PO, I), ...load(0), ...store(0),
    END,
  ]),
  END,
];

// validated when the solver's code loads (program start-up); Node 20 compiles each wasm
// function lazily, at its first call (Liftoff: well under a millisecond for this one)
const compiled = new wasm.Module(
  assembleModule([{ name: 'sort', params: 6, result: false, locals: 4, body: BODY }]),
);

/** Where sortProvidesInMemory finds its arrays (byte offsets in the memory). */
export interface SortPlaces {
  /** provides, and name ids (the counts' length is names + 1) */
  n: number;
  names: number;
  provName: number;
  provOwner: number;
  /** out: names + 1 offsets (zeroed here first) */
  start: number;
  /** out: the owners, up to n */
  ids: number;
}

/**
 * Counting sort of the flat provides store by name id, in a memory that holds the store
 * already (the pool's columns): `start` gets names + 1 offsets and `ids` each name's owners in
 * store order, rich provides (name id -1) skipped. The same result as the JS loops in
 * Pool.buildIndex for the case where every package is indexed.
 */
export function sortProvidesInMemory(mem: { mem: object; buffer: ArrayBuffer }, at: SortPlaces): void {
  new Int32Array(mem.buffer, at.start, at.names + 1).fill(0);
  const inst = new wasm.Instance(compiled, { env: { mem: mem.mem } });
  (inst.exports['sort'] as (...a: number[]) => void)(at.n, at.names, at.provName, at.provOwner, at.start, at.ids);
}

/** sortProvidesInMemory on copies of the arrays in a fresh memory (tests, and callers without one). */
export function sortProvidesByName(provName: Int32Array, provOwner: Int32Array, n: number, names: number): { start: Int32Array; ids: Int32Array } {
  const pn = 0;
  const po = pn + n * 4;
  const ps = po + n * 4;
  const pi = ps + (names + 1) * 4;
  const bytes = pi + n * 4;
  const mem = new wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
  const buf = mem.buffer;
  new Int32Array(buf, pn, n).set(provName.subarray(0, n));
  new Int32Array(buf, po, n).set(provOwner.subarray(0, n));
  sortProvidesInMemory({ mem, buffer: buf }, { n, names, provName: pn, provOwner: po, start: ps, ids: pi });
  const start = new Int32Array(buf, ps, names + 1);
  return { start, ids: new Int32Array(buf, pi, start[names]!) };
}
