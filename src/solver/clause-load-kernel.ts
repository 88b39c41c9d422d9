/**
 * CdclSolver.addClausesFrom's loop as a WebAssembly kernel: lay out clauses given in an order
 * (literals back to back, start, length, head, the first two literals watched) and thread the
 * watch lists through them, as the JS loop does, straight into the engine's clause arrays in
 * its kernel memory (the module is instantiated on that memory). Why: callers load tens of thousands of rules
 * at once in a cold process, where V8's baseline code pays for every typed-array access (see
 * docs/ARCHITECTURE.md, depsolve); Liftoff code runs the same loop in a fraction of that.
 *
 * Watch lists whose tail is an older clause (one added before this call) are not linked here
 * (the kernel knows only the new clauses' arrays): those links come back as fix-ups (tail,
 * literal, new clause) for the caller.
 */

import { assembleModule, wasm, wasmCode } from '../util/index.js';

const { block, loop, when, br, brIf, c, get, set, add, sub, eq, ge, geU, gt, lt, ld, st, addr, assemble, SELECT } = wasmCode;
type Node = wasmCode.Node;

// parameters of load(...) (byte addresses of i32 arrays)
const COUNT = 0, FIRST = 1, LITTOP = 2, SRC = 3, START = 4, LEN = 5, ORDER = 6, OUT = 7;
const CS = 8, CL = 9, CH = 10, W1 = 11, W2 = 12, N1 = 13, N2 = 14, HEAD = 15, TAIL = 16, FIX = 17, TOTALCAP = 18, TOTALOUT = 19;
const NVARS = 20;
const PARAMS = 21;
let next = PARAMS;
const K = next++, R = next++, FROM = next++, N = next++, ID = next++, TOP = next++, I = next++, W = next++;
const LIT = next++, KK = next++, T = next++, J = next++, NFIX = next++;
const LOCALS = next - PARAMS;

const LOAD: Node[] = [
  // the first load (no clause before: every watch list is empty) writes the tails' zeros before
  // reading them: the array is fresh memory, and a page read first is mapped to the shared zero
  // page and faults again, copied, on the first write (with a TLB flush on every CPU the
  // process runs on); written first it faults once (memory.fill: 8 * (nvars + 1) bytes)
  ...when(eq(get(FIRST), c(1)), [[...get(TAIL), ...c(0), ...addr(c(8), add(get(NVARS), get(NVARS))), 0xfc, 0x0b, 0x00]]),
  // the literals in all: more than the output has room for (srcTop: the order names a rule
  // twice) is left to the caller (-1); else written at address TOTALOUT
  ...set(K, c(0)),
  ...set(TOP, c(0)),
  block('summed',
    [loop('sum',
      brIf(ge(get(K), get(COUNT)), 'summed'),
      set(TOP, add(get(TOP), ld(get(LEN), ld(get(ORDER), get(K))))),
      set(K, add(get(K), c(1))),
      br('sum'),
    )],
  ),
  ...when(gt(get(TOP), get(TOTALCAP)), [c(-1), [0x0f]]),
  ...st(get(TOTALOUT), c(0), get(TOP)),
  ...set(K, c(0)),
  ...set(TOP, c(0)),
  ...set(NFIX, c(0)),
  block('end',
    [loop('rules',
      brIf(ge(get(K), get(COUNT)), 'end'),
      set(R, ld(get(ORDER), get(K))),
      set(FROM, ld(get(START), get(R))),
      set(N, ld(get(LEN), get(R))),
      set(ID, add(get(FIRST), get(K))),
      // the literals
      set(I, c(0)),
      [block('copied',
        [loop('copy',
          brIf(ge(get(I), get(N)), 'copied'),
          set(LIT, ld(get(SRC), add(get(FROM), get(I)))),
          // a literal outside ±1..±nvars (or 0) would index the per-variable arrays out of
          // bounds later: refuse the load (-2; the clauses before it are written but not
          // counted, the caller throws)
          when(geU(add(get(LIT), get(NVARS)), add(add(get(NVARS), get(NVARS)), c(1))), [c(-2), [0x0f]]),
          when(eq(get(LIT), c(0)), [c(-2), [0x0f]]),
          st(get(OUT), add(get(TOP), get(I)), get(LIT)),
          set(I, add(get(I), c(1))),
          br('copy'),
        )],
      )],
      st(get(CS), get(K), add(get(LITTOP), get(TOP))),
      st(get(CL), get(K), get(N)),
      st(get(CH), get(K), [...ld(get(OUT), get(TOP)), ...c(0), ...gt(get(N), c(0)), SELECT]),
      when(lt(get(N), c(2)), [
        st(get(W1), get(K), c(-1)),
        st(get(W2), get(K), c(-1)),
      ], [
        st(get(W1), get(K), c(0)),
        st(get(W2), get(K), c(1)),
        st(get(N1), get(K), c(0)),
        st(get(N2), get(K), c(0)),
        // append to the watch lists of the first two literals
        set(W, c(0)),
        [block('watched',
          [loop('watch',
            brIf(ge(get(W), c(2)), 'watched'),
            set(LIT, ld(get(OUT), add(get(TOP), get(W)))),
            set(KK, [...add(get(LIT), get(LIT)), ...sub(c(1), add(get(LIT), get(LIT))), ...gt(get(LIT), c(0)), SELECT]),
            set(T, ld(get(TAIL), get(KK))),
            when(eq(get(T), c(0)), [st(get(HEAD), get(KK), get(ID))], [
              when(lt(get(T), get(FIRST)), [
                // an older clause: the caller links it
                st(get(FIX), get(NFIX), get(T)),
                st(get(FIX), add(get(NFIX), c(1)), get(LIT)),
                st(get(FIX), add(get(NFIX), c(2)), get(ID)),
                set(NFIX, add(get(NFIX), c(3))),
              ], [
                set(J, sub(get(T), get(FIRST))),
                // watched as the tail's first literal (w1 = 0) or its second
                when(eq(ld(get(OUT), sub(ld(get(CS), get(J)), get(LITTOP))), get(LIT)),
                  [st(get(N1), get(J), get(ID))],
                  [st(get(N2), get(J), get(ID))]),
              ]),
            ]),
            st(get(TAIL), get(KK), get(ID)),
            set(W, add(get(W), c(1))),
            br('watch'),
          )],
        )],
      ]),
      set(TOP, add(get(TOP), get(N))),
      set(K, add(get(K), c(1))),
      br('rules'),
    )],
  ),
  ...get(NFIX),
];

// runs(head, out, n, first): per clause k < n (id first + k, head[k] its first literal),
// out[k] = one past the last clause of the run of adjacent clauses with its first literal
const RH = 0, RO = 1, RN = 2, RF = 3, RK = 4, RV = 5;
const RUNS: Node[] = [
  ...set(RK, sub(get(RN), c(1))),
  block('done',
    [loop('runs',
      brIf(lt(get(RK), c(0)), 'done'),
      set(RV, add(add(get(RF), get(RK)), c(1))),
      when(lt(add(get(RK), c(1)), get(RN)), [
        when(eq(ld(get(RH), add(get(RK), c(1))), ld(get(RH), get(RK))), [set(RV, ld(get(RO), add(get(RK), c(1))))]),
      ]),
      st(get(RO), get(RK), get(RV)),
      set(RK, sub(get(RK), c(1))),
      br('runs'),
    )],
  ),
  ...c(0),
];

// validated when the engine's code loads (program start-up); Node 20 compiles each wasm
// function lazily, at its first call
const compiled = new wasm.Module(
  assembleModule([
    { name: 'load', params: PARAMS, result: true, locals: LOCALS, body: [...assemble(LOAD), 0x0b] },
    { name: 'runs', params: 4, result: true, locals: 2, body: [...assemble(RUNS), 0x0b] },
  ]),
);

/**
 * load(count, first, litTop, src, start, len, order, out, cs, cl, ch, w1, w2, n1, n2, head,
 * tail, fix, totalCap, totalOut, nvars) on a memory: lays out clause k (its id first + k) as
 * src[start[order[k]] .. + len[order[k]]) at out (its start: litTop + the lengths before it),
 * its start/length/head/watches at cs[k], cl[k], ... (arrays given at clause `first`), threads
 * the watch lists (head/tail per literal index); writes the number of literals at totalOut and
 * returns the number of fix-up words at fix ((older tail clause, literal, new clause) triples),
 * or -1 (nothing written) when the literals exceed totalCap, or -2 when a literal is 0 or
 * beyond ±nvars (the engine throws). Addresses are byte addresses.
 */
export interface ClauseLoader {
  load: (...args: number[]) => number;
  /** runs(head, out, n, first): the clause runs by first literal (CdclSolver.setClauseRunsByHead). */
  runs: (head: number, out: number, n: number, first: number) => number;
}

/** The kernels instantiated on `memory` (the engine's own, so they write in place). */
export function clauseLoader(memory: object): ClauseLoader {
  const e = new wasm.Instance(compiled, { env: { mem: memory } }).exports;
  return { load: e['load'] as ClauseLoader['load'], runs: e['runs'] as ClauseLoader['runs'] };
}
