/**
 * The package rules' unify order (libsolv's unifyrules: sorted by unifyrules_sortcmp, then
 * duplicates dropped) as a WebAssembly kernel, assembled in TypeScript like the provides sort
 * (see provides-sort-kernel.ts for why: tens of thousands of rules walked in baseline-compiled JS
 * cost ~40 ns an element access).
 *
 * The order: a stable counting sort on the first literal, then an insertion sort inside each
 * group by the second literal and, on a tie, unifyrules_sortcmp's remaining steps (rules of two
 * literals or fewer first, then the literals in turn); then rules equal to their predecessor
 * are dropped.
 */

import {
  BLOCK, BR, BR_IF, CALL, END, I32_ADD, I32_EQ, I32_EQZ, I32_GE_S, I32_GE_U, I32_GT_S, I32_LE_S, I32_LOAD,
  I32_LT_S, I32_NE, I32_SHL, I32_STORE, I32_SUB, IF, LOCAL_GET, LOCAL_SET, LOCAL_TEE, LOOP, RETURN, VOID,
  assembleModule, i32, instantiate, wasm,
} from '../util/index.js';
import type { ClauseSorter } from '../solver/index.js';

const I32_OR = 0x72;
const SELECT = 0x1b;

const get = (l: number): number[] => [LOCAL_GET, l];
const set = (l: number): number[] => [LOCAL_SET, l];
/** address of element (idx) of the i32 array at (base) */
const elem = (base: number, idx: number): number[] => [LOCAL_GET, base, LOCAL_GET, idx, ...i32(2), I32_SHL, I32_ADD];
const load = (offset = 0): number[] => [I32_LOAD, 2, offset];
const store = (offset = 0): number[] => [I32_STORE, 2, offset];
const incr = (l: number): number[] => [LOCAL_GET, l, ...i32(1), I32_ADD, LOCAL_SET, l];

// cmp(q, r, pL, pst, pln): unifyrules_sortcmp for two rules with the same first literal and
// the same second one (0 for a one-literal rule)
const CQ = 0, CR = 1, CPL = 2, CPST = 3, CPLN = 4, CNQ = 5, CNR = 6, CSQ = 7, CSR = 8, CI = 9;
const CMP: number[] = [
  ...elem(CPLN, CQ), ...load(), ...set(CNQ),
  ...elem(CPLN, CR), ...load(), ...set(CNR),
  // a rule of one or two literals sorts before a longer one; two such rules are equal
  ...get(CNQ), ...i32(2), I32_LE_S, IF, VOID,
  ...i32(0), ...i32(-1), ...get(CNR), ...i32(2), I32_LE_S, SELECT, RETURN,
  END,
  ...get(CNR), ...i32(2), I32_LE_S, IF, VOID, ...i32(1), RETURN, END,
  ...elem(CPST, CQ), ...load(), ...set(CSQ),
  ...elem(CPST, CR), ...load(), ...set(CSR),
  ...i32(1), ...set(CI),
  BLOCK, VOID, LOOP, VOID,
  ...get(CI), ...get(CNQ), I32_GE_S, BR_IF, 1,
  ...get(CI), ...get(CNR), I32_GE_S, BR_IF, 1,
  LOCAL_GET, CPL, LOCAL_GET, CSQ, LOCAL_GET, CI, I32_ADD, ...i32(2), I32_SHL, I32_ADD, ...load(),
  LOCAL_GET, CPL, LOCAL_GET, CSR, LOCAL_GET, CI, I32_ADD, ...i32(2), I32_SHL, I32_ADD, ...load(),
  I32_NE, BR_IF, 1,
  ...incr(CI), BR, 0,
  END, END,
  // the first differing literal (0 past a rule's end) decides
  LOCAL_GET, CPL, LOCAL_GET, CSQ, LOCAL_GET, CI, I32_ADD, ...i32(2), I32_SHL, I32_ADD, ...load(),
  ...i32(0), ...get(CI), ...get(CNQ), I32_LT_S, SELECT,
  LOCAL_GET, CPL, LOCAL_GET, CSR, LOCAL_GET, CI, I32_ADD, ...i32(2), I32_SHL, I32_ADD, ...load(),
  ...i32(0), ...get(CI), ...get(CNR), I32_LT_S, SELECT,
  I32_SUB,
  END,
];

// unify(n, off, pL, pst, pln, pk1, pk2, ps, pf, po, pso) -> number of rules kept (in sorted),
// or -1 when a rule has no first literal in -off..off
// (parameter 8, pf, is no longer used: the fill positions are ps's)
const N = 0, OFF = 1, PL = 2, PST = 3, PLN = 4, PK1 = 5, PK2 = 6, PS = 7, PO = 9, PSO = 10;
const I = 11, K = 12, T = 13, G = 14, PREV = 15, R = 16, R2 = 17, M = 18, Q = 19, S = 20, TOP = 21, NQ = 22, NM = 23;
const forI = (limit: number, body: number[]): number[] => [
  ...i32(0), ...set(I),
  BLOCK, VOID, LOOP, VOID,
  ...get(I), ...get(limit), I32_GE_U, BR_IF, 1,
  ...body,
  ...incr(I), BR, 0,
  END, END,
];
const UNIFY: number[] = [
  ...get(OFF), ...i32(1), I32_SHL, ...set(TOP),
  ...get(TOP), ...i32(1), I32_ADD, ...set(NM),
  // keys: first literal + off, second literal (0 for one literal); counts per first literal
  ...forI(N, [
    ...elem(PST, I), ...load(), ...set(S),
    ...elem(PLN, I), ...load(), I32_EQZ, IF, VOID, ...i32(-1), RETURN, END,
    LOCAL_GET, PL, LOCAL_GET, S, ...i32(2), I32_SHL, I32_ADD, ...load(), ...get(OFF), I32_ADD, LOCAL_TEE, K,
    ...i32(0), I32_LT_S, IF, VOID, ...i32(-1), RETURN, END,
    ...get(K), ...get(TOP), I32_GT_S, IF, VOID, ...i32(-1), RETURN, END,
    ...elem(PK1, I), ...get(K), ...store(),
    ...elem(PK2, I),
    LOCAL_GET, PL, LOCAL_GET, S, ...i32(2), I32_SHL, I32_ADD, ...load(4),
    ...i32(0),
    ...elem(PLN, I), ...load(), ...i32(1), I32_GT_S, SELECT,
    ...store(),
    ...elem(PS, K), LOCAL_TEE, T, ...get(T), ...load(4), ...i32(1), I32_ADD, ...store(4),
  ]),
  // offsets (ps[k]: where group k starts; the fill moves it to where k + 1 starts)
  ...forI(NM, [
    ...elem(PS, I), LOCAL_TEE, T, ...get(T), ...load(4), ...get(T), ...load(), I32_ADD, ...store(4),
  ]),
  // order: rule indexes by first literal, stable
  ...forI(N, [
    ...elem(PK1, I), ...load(), ...set(K),
    ...elem(PS, K), LOCAL_TEE, T, ...load(), ...set(R),
    ...get(T), ...get(R), ...i32(1), I32_ADD, ...store(),
    ...elem(PO, R), ...get(I), ...store(),
  ]),
  // insertion sort inside each group of one first literal
  ...forI(N, [
    ...elem(PO, I), ...load(), ...set(R),
    ...elem(PK1, R), ...load(), ...set(K),
    ...get(I), I32_EQZ, ...get(K), ...get(PREV), I32_NE, I32_OR, IF, VOID, ...get(I), ...set(G), END,
    ...get(K), ...set(PREV),
    ...elem(PK2, R), ...load(), ...set(R2),
    ...get(I), ...i32(1), I32_SUB, ...set(M),
    BLOCK, VOID, LOOP, VOID,
    ...get(M), ...get(G), I32_LT_S, BR_IF, 1,
    ...elem(PSO, M), ...load(), ...set(Q),
    ...elem(PK2, Q), ...load(), ...get(R2), I32_SUB, LOCAL_TEE, T,
    ...i32(0), I32_LT_S, BR_IF, 1,
    ...get(T), I32_EQZ, IF, VOID,
    ...get(Q), ...get(R), ...get(PL), ...get(PST), ...get(PLN), CALL, 0,
    ...i32(0), I32_LE_S, BR_IF, 2,
    END,
    ...elem(PSO, M), ...get(Q), ...store(4),
    ...get(M), ...i32(1), I32_SUB, ...set(M),
    BR, 0,
    END, END,
    ...elem(PSO, M), ...get(R), ...store(4),
  ]),
  // drop a rule equal to the one kept before it
  ...i32(0), ...set(M),
  ...forI(N, [
    ...elem(PSO, I), ...load(), ...set(R),
    ...i32(0), ...set(R2),
    ...get(M), ...i32(0), I32_GT_S, IF, VOID,
    LOCAL_GET, PSO, LOCAL_GET, M, ...i32(2), I32_SHL, I32_ADD, ...i32(4), I32_SUB, ...load(), ...set(Q),
    ...elem(PLN, Q), ...load(), LOCAL_TEE, NQ,
    ...elem(PLN, R), ...load(), I32_EQ, IF, VOID,
    ...i32(1), ...set(R2),
    ...i32(0), ...set(T),
    ...elem(PST, Q), ...load(), ...set(S),
    ...elem(PST, R), ...load(), ...set(K),
    BLOCK, VOID, LOOP, VOID,
    ...get(T), ...get(NQ), I32_GE_S, BR_IF, 1,
    LOCAL_GET, PL, LOCAL_GET, S, LOCAL_GET, T, I32_ADD, ...i32(2), I32_SHL, I32_ADD, ...load(),
    LOCAL_GET, PL, LOCAL_GET, K, LOCAL_GET, T, I32_ADD, ...i32(2), I32_SHL, I32_ADD, ...load(),
    I32_NE, IF, VOID, ...i32(0), ...set(R2), BR, 2, END,
    ...incr(T), BR, 0,
    END, END,
    END,
    END,
    ...get(R2), I32_EQZ, IF, VOID,
    ...elem(PSO, M), ...get(R), ...store(),
    ...incr(M),
    END,
  ]),
  ...get(M),
  END,
];

// compiled when the solver's code loads (program start-up), like the rest of its code
const compiled = new wasm.Module(
  assembleModule([
    { name: 'cmp', params: 5, result: true, locals: 5, body: CMP },
    { name: 'unify', params: 11, result: true, locals: 13, body: UNIFY },
  ]),
);

const PAGE = 65536;

/** The scratch of unify(...) for n rules with package literals in -off..off, from byte address `at`. */
function scratch(at: number, n: number, off: number): { pk1: number; pk2: number; ps: number; pf: number; po: number; pso: number; end: number } {
  const names = 2 * off + 1;
  const pk1 = at;
  const pk2 = pk1 + n * 4;
  const ps = pk2 + n * 4;
  const pf = ps; // (unused: the fill positions are ps's)
  const po = ps + (names + 1) * 4;
  const pso = po + n * 4;
  return { pk1, pk2, ps, pf, po, pso, end: pso + (n + 1) * 4 };
}

/**
 * The unify order computed in another kernel's memory (the engine's, see
 * CdclSolver.addClausesSorted) on rules already there: the memory grows by the scratch (fresh,
 * zeroed pages) and the module is instantiated on it.
 */
export function unifySorter(off: number): ClauseSorter {
  return (memory, pL, pst, pln, n) => {
    const at = memory.buffer.byteLength;
    const p = scratch(at, n, off);
    memory.grow(Math.ceil((p.end - at) / PAGE));
    const unify = new wasm.Instance(compiled, { env: { mem: memory } }).exports['unify'] as (...a: number[]) => number;
    const m = unify(n, off, pL, pst, pln, p.pk1, p.pk2, p.ps, p.pf, p.po, p.pso);
    if (m < 0) throw new TypeError('unifyOrder: a package rule without a package literal');
    return { at: p.pso, count: m };
  };
}

/**
 * The unify order of `n` rules whose literals are `lits[start[i] .. start[i] + len[i])`, with
 * package literals in -off..off: the indexes of the rules kept, in order.
 */
export function unifyOrder(lits: Int32Array, litCount: number, start: Int32Array, len: Int32Array, n: number, off: number): Int32Array {
  const pL = 0;
  const pst = pL + (litCount + 1) * 4;
  const pln = pst + n * 4;
  const p = scratch(pln + n * 4, n, off);
  const { buffer, exports } = instantiate(compiled, p.end);
  new Int32Array(buffer, pL, litCount).set(lits.subarray(0, litCount));
  new Int32Array(buffer, pst, n).set(start.subarray(0, n));
  new Int32Array(buffer, pln, n).set(len.subarray(0, n));
  const m = (exports['unify'] as (...a: number[]) => number)(n, off, pL, pst, pln, p.pk1, p.pk2, p.ps, p.pf, p.po, p.pso);
  if (m < 0) throw new TypeError('unifyOrder: a package rule without a package literal');
  return new Int32Array(buffer, p.pso, m);
}
