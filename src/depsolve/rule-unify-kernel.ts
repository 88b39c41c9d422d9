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
  PAGE, assembleModule, i32, wasm, wasmCode,
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

// unify(n, off, pL, pst, pln, pk1, pk2, ps, top, po, pso) -> number of rules kept (in sorted),
// or -1 when a rule's first literal + off is not in 0..top (ps: top + 2 slots)
const N = 0, OFF = 1, PL = 2, PST = 3, PLN = 4, PK1 = 5, PK2 = 6, PS = 7, TOPIN = 8, PO = 9, PSO = 10;
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
  ...get(TOPIN), ...set(TOP),
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

// range(n, pL, pst, pln, out): out[0], out[1] = the least and the greatest first literal of
// the rules, out[2] = 1 when a rule has no literal (the counting sort's table then covers only
// that range: the rules' first literals are the packages with rules, fewer than the pool's)
const RANGE: wasmCode.Node[] = (() => {
  const { block, loop, when, br, brIf, c, get: g, set: st, add, lt, gt, ld, st: store, not } = wasmCode;
  const RN = 0, RL = 1, RS = 2, RLN = 3, ROUT = 4, RI = 5, RF = 6, LO = 7, HI = 8;
  return [
    ...st(LO, c(0x7fffffff)),
    ...st(HI, c(-0x80000000)),
    ...store(g(ROUT), c(2), c(0)),
    ...st(RI, c(0)),
    block('done',
      [loop('rules',
        brIf(not(lt(g(RI), g(RN))), 'done'),
        when(not(ld(g(RLN), g(RI))), [store(g(ROUT), c(2), c(1))], [
          st(RF, ld(g(RL), ld(g(RS), g(RI)))),
          when(lt(g(RF), g(LO)), [st(LO, g(RF))]),
          when(gt(g(RF), g(HI)), [st(HI, g(RF))]),
        ]),
        st(RI, add(g(RI), c(1))),
        br('rules'),
      )],
    ),
    ...store(g(ROUT), c(0), g(LO)),
    ...store(g(ROUT), c(1), g(HI)),
    ...c(0),
  ];
})();

// validated when the solver's code loads (program start-up); Node 20 compiles each wasm
// function lazily, at its first call
const compiled = new wasm.Module(
  assembleModule([
    { name: 'cmp', params: 5, result: true, locals: 5, body: CMP },
    { name: 'unify', params: 11, result: true, locals: 13, body: UNIFY },
    { name: 'range', params: 5, result: true, locals: 4, body: [...wasmCode.assemble(RANGE), END] },
  ]),
);

/** The scratch of unify(...) for n rules with keys 0..top, from byte address `at`. */
function scratch(at: number, n: number, top: number): { pk1: number; pk2: number; ps: number; po: number; pso: number; end: number } {
  const pk1 = at;
  const pk2 = pk1 + n * 4;
  const ps = pk2 + n * 4;
  const po = ps + (top + 2) * 4;
  const pso = po + n * 4;
  return { pk1, pk2, ps, po, pso, end: pso + (n + 1) * 4 };
}

type UnifyExports = { unify: (...a: number[]) => number; range: (...a: number[]) => number };

/**
 * The order on a memory holding the rules: the range of their first literals first (the
 * table covers it only: package literals in -off..off, but only the packages with rules
 * start one), then the sort in scratch the memory grows by (fresh, zeroed pages).
 */
function unifyIn(memory: { buffer: ArrayBuffer; grow(pages: number): number }, e: UnifyExports, pL: number, pst: number, pln: number, n: number, off: number): { at: number; count: number } {
  let at = memory.buffer.byteLength;
  memory.grow(1);
  e.range(n, pL, pst, pln, at);
  const r = new Int32Array(memory.buffer, at, 3);
  const lo = n ? r[0]! : 0;
  const hi = n ? r[1]! : 0;
  if (r[2] !== 0 || lo < -off || hi > off) throw new TypeError('unifyOrder: a package rule without a package literal');
  at += 16;
  const p = scratch(at, n, hi - lo);
  memory.grow(Math.ceil((p.end - memory.buffer.byteLength) / PAGE));
  // the counts (fresh memory, zero) written before the kernel reads them: a fresh page read
  // first maps the zero page and faults again, copied, on its first write
  new Int32Array(memory.buffer, p.ps, hi - lo + 2).fill(0);
  const m = e.unify(n, -lo, pL, pst, pln, p.pk1, p.pk2, p.ps, hi - lo, p.po, p.pso);
  if (m < 0) throw new TypeError('unifyOrder: a package rule without a package literal');
  return { at: p.pso, count: m };
}

function exportsOn(memory: object): UnifyExports {
  const x = new wasm.Instance(compiled, { env: { mem: memory } }).exports;
  return { unify: x['unify'] as UnifyExports['unify'], range: x['range'] as UnifyExports['range'] };
}

/**
 * The unify order computed in another kernel's memory (the engine's, see
 * CdclSolver.addClausesSorted) on rules already there, the module instantiated on it.
 */
export function unifySorter(off: number): ClauseSorter {
  return (memory, pL, pst, pln, n) => unifyIn(memory, exportsOn(memory), pL, pst, pln, n, off);
}

/**
 * The unify order of `n` rules whose literals are `lits[start[i] .. start[i] + len[i])`, with
 * package literals in -off..off: the indexes of the rules kept, in order.
 */
export function unifyOrder(lits: Int32Array, litCount: number, start: Int32Array, len: Int32Array, n: number, off: number): Int32Array {
  const pL = 0;
  const pst = pL + (litCount + 1) * 4;
  const pln = pst + n * 4;
  const memory = new wasm.Memory({ initial: Math.max(1, Math.ceil((pln + n * 4) / PAGE)) });
  new Int32Array(memory.buffer, pL, litCount).set(lits.subarray(0, litCount));
  new Int32Array(memory.buffer, pst, n).set(start.subarray(0, n));
  new Int32Array(memory.buffer, pln, n).set(len.subarray(0, n));
  const r = unifyIn(memory, exportsOn(memory), pL, pst, pln, n, off);
  return new Int32Array(memory.buffer, r.at, r.count);
}
