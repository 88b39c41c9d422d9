/**
 * The provides index's counting sort (libsolv's createwhatprovides) as a small WebAssembly
 * function, assembled here from its instructions (no binary in the repository, no toolchain).
 *
 * Why: `atoll testsolv` runs the solve phase in V8's baseline code (see docs/ARCHITECTURE.md,
 * depsolve), where a loop over the pool's ~10^5 provides costs ~40 ns an element in typed-array
 * access stubs: ~10 ms for the index of the 60,000-package bench. WebAssembly is compiled
 * before its first call (Liftoff) and runs the same loops in well under a millisecond.
 */

// instruction bytes (the WebAssembly core spec's binary format)
const BLOCK = 0x02;
const LOOP = 0x03;
const IF = 0x04;
const VOID = 0x40;
const END = 0x0b;
const BR = 0x0c;
const BR_IF = 0x0d;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const LOCAL_TEE = 0x22;
const I32_LOAD = 0x28;
const I32_STORE = 0x36;
const I32_CONST = 0x41;
const I32_GE_S = 0x4e;
const I32_GE_U = 0x4f;
const I32_ADD = 0x6a;
const I32_SHL = 0x74;
const I32 = 0x7f;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Buffer.from(s, 'latin1')];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

// parameters and locals of `sort(n, names, pn, po, ps, pf, pi)` (byte addresses in memory)
const N = 0;
const NAMES = 1;
const PN = 2; // provide name ids, n of them (-1: a rich provide, not indexed)
const PO = 3; // provide owners, n of them
const PS = 4; // out: start, names + 1 (zeroed on entry)
const PF = 5; // scratch: fill positions, names
const PI = 6; // out: ids, up to n
const I = 7;
const K = 8;
const T = 9;

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

const BODY: number[] = [
  // counts: start[k + 1]++ for each indexed provide of name k
  ...forI(N, [
    ...elem(PN, I), ...load(0), LOCAL_TEE, K, I32_CONST, 0, I32_GE_S, IF, VOID,
    ...elem(PS, K), LOCAL_TEE, T, LOCAL_GET, T, ...load(4), I32_CONST, 1, I32_ADD, ...store(4),
    END,
  ]),
  // offsets: start[k + 1] += start[k]; fill[k] = start[k]
  ...forI(NAMES, [
    ...elem(PS, I), LOCAL_TEE, T, LOCAL_GET, T, ...load(4), LOCAL_GET, T, ...load(0), I32_ADD, ...store(4),
    ...elem(PF, I), LOCAL_GET, T, ...load(0), ...store(0),
  ]),
  // fill in store order (= package order, so every name's list is ascending)
  ...forI(N, [
    ...elem(PN, I), ...load(0), LOCAL_TEE, K, I32_CONST, 0, I32_GE_S, IF, VOID,
    ...elem(PF, K), LOCAL_TEE, T, ...load(0), LOCAL_SET, K, // K: the slot
    LOCAL_GET, T, LOCAL_GET, K, I32_CONST, 1, I32_ADD, ...store(0),
    ...elem(PI, K), ...elem(PO, I), ...load(0), ...store(0),
    END,
  ]),
  END,
];

function assemble(): Uint8Array {
  const func = [...uleb(1), 3, I32, ...BODY]; // one run of 3 i32 locals
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 7, I32, I32, I32, I32, I32, I32, I32, 0]), // type: (i32 x 7) -> ()
    ...section(2, [1, ...name('env'), ...name('mem'), 0x02, 0x00, 0x00]), // import memory, min 0 pages
    ...section(3, [1, 0]), // function 0 has type 0
    ...section(7, [1, ...name('sort'), 0x00, 0]), // export it
    ...section(10, [1, ...uleb(func.length), ...func]),
  ];
  return Uint8Array.from(bytes);
}

// the few WebAssembly JS API members used here (the project's type libraries have no DOM/wasm types)
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer };
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

// compiled when the solver's code loads (program start-up), like the rest of its code; Liftoff
// compiles this in well under a millisecond
const compiled = new wasm.Module(assemble());

/**
 * Counting sort of the flat provides store by name id: `start` (names + 1 offsets) and `ids`
 * (each name's owners in store order), skipping rich provides (name id -1). The same result
 * as the JS loops in Pool.buildIndex for the case where every package is indexed.
 */
export function sortProvidesByName(provName: Int32Array, provOwner: Int32Array, n: number, names: number): { start: Int32Array; ids: Int32Array } {
  const pn = 0;
  const po = pn + n * 4;
  const ps = po + n * 4;
  const pf = ps + (names + 1) * 4;
  const pi = pf + names * 4;
  const bytes = pi + n * 4;
  const mem = new wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
  const buf = mem.buffer;
  new Int32Array(buf, pn, n).set(provName.subarray(0, n));
  new Int32Array(buf, po, n).set(provOwner.subarray(0, n));
  const inst = new wasm.Instance(compiled, { env: { mem } });
  (inst.exports['sort'] as (...a: number[]) => void)(n, names, pn, po, ps, pf, pi);
  const start = new Int32Array(buf, ps, names + 1);
  return { start, ids: new Int32Array(buf, pi, start[names]!) };
}
