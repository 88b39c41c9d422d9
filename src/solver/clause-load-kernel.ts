/**
 * CdclSolver.addClausesFrom's loop as a WebAssembly kernel: lay out clauses given in an order
 * (literals back to back, start, length, head, the first two literals watched) and thread the
 * watch lists through them, as the JS loop does. Why: callers load tens of thousands of rules
 * at once in a cold process, where V8's baseline code pays for every typed-array access (see
 * docs/ARCHITECTURE.md, depsolve); Liftoff code runs the same loop in a fraction of that.
 *
 * Watch lists whose tail is an older clause (one added before this call) cannot be linked
 * here (its literals are not in the kernel's memory): those links come back as fix-ups
 * (tail, literal, new clause) for the caller.
 */

import { assembleModule, instantiate, wasm, wasmCode } from '../util/index.js';

const { block, loop, when, br, brIf, c, get, set, add, sub, eq, ge, gt, lt, ld, st, assemble, SELECT } = wasmCode;
type Node = wasmCode.Node;

// parameters of load(...) (byte addresses of i32 arrays)
const COUNT = 0, FIRST = 1, LITTOP = 2, SRC = 3, START = 4, LEN = 5, ORDER = 6, OUT = 7;
const CS = 8, CL = 9, CH = 10, W1 = 11, W2 = 12, N1 = 13, N2 = 14, HEAD = 15, TAIL = 16, FIX = 17, TOTALCAP = 18;
let next = 19;
const K = next++, R = next++, FROM = next++, N = next++, ID = next++, TOP = next++, I = next++, W = next++;
const LIT = next++, KK = next++, T = next++, J = next++, NFIX = next++;
const LOCALS = next - 19;

const LOAD: Node[] = [
  // the literals in all: more than the output has room for (srcTop: the order names a rule
  // twice) is left to the caller (-1); else written at address 0
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
  ...st(c(0), c(0), get(TOP)),
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
          st(get(OUT), add(get(TOP), get(I)), ld(get(SRC), add(get(FROM), get(I)))),
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

// compiled when the engine's code loads (program start-up), like the rest of its code
const compiled = new wasm.Module(
  assembleModule([{ name: 'load', params: 19, result: true, locals: LOCALS, body: [...assemble(LOAD), 0x0b] }]),
);

export interface ClauseLayout {
  lits: Int32Array;
  start: Int32Array;
  len: Int32Array;
  head: Int32Array;
  w1: Int32Array;
  w2: Int32Array;
  next1: Int32Array;
  next2: Int32Array;
  watchHead: Int32Array;
  watchTail: Int32Array;
  /** (older tail clause, literal, new clause) triples */
  fix: Int32Array;
}

/**
 * Lay out `count` clauses: clause k is src[start[order[k]] .. + len[order[k]]), its id
 * first + k, its literals at litTop + (the lengths before it). watchHead/watchTail: the engine's
 * lists before (null: all empty); the returned ones replace them.
 */
export function layOutClauses(
  src: Int32Array, srcTop: number, start: Int32Array, len: Int32Array, nrules: number, order: Int32Array, count: number,
  first: number, litTop: number, watchHead: Int32Array | null, watchTail: Int32Array | null, watchSize: number,
): ClauseLayout | null {
  // the output: room for every literal of the source (each rule once: the usual case)
  const total = srcTop;
  let top = 8;
  const at = (words: number): number => {
    const a = top;
    top += 4 * words;
    return a;
  };
  const pSrc = at(srcTop), pStart = at(nrules), pLen = at(nrules), pOrder = at(count), pOut = at(total);
  const pCs = at(count), pCl = at(count), pCh = at(count), pW1 = at(count), pW2 = at(count), pN1 = at(count), pN2 = at(count);
  const pHead = at(watchSize), pTail = at(watchSize), pFix = at(6 * count);
  const { buffer, exports } = instantiate(compiled, top);
  const view = (p: number, n: number): Int32Array => new Int32Array(buffer, p, n);
  view(pSrc, srcTop).set(src.subarray(0, srcTop));
  view(pStart, nrules).set(start.subarray(0, nrules));
  view(pLen, nrules).set(len.subarray(0, nrules));
  view(pOrder, count).set(order.subarray(0, count));
  if (watchHead) view(pHead, watchSize).set(watchHead.subarray(0, watchSize));
  if (watchTail) view(pTail, watchSize).set(watchTail.subarray(0, watchSize));
  const out = (exports['load'] as (...a: number[]) => number)(
    count, first, litTop, pSrc, pStart, pLen, pOrder, pOut, pCs, pCl, pCh, pW1, pW2, pN1, pN2, pHead, pTail, pFix, total,
  );
  if (out < 0) return null;
  return {
    lits: view(pOut, view(0, 1)[0]!),
    start: view(pCs, count),
    len: view(pCl, count),
    head: view(pCh, count),
    w1: view(pW1, count),
    w2: view(pW2, count),
    next1: view(pN1, count),
    next2: view(pN2, count),
    watchHead: view(pHead, watchSize),
    watchTail: view(pTail, watchSize),
    fix: view(pFix, out),
  };
}
