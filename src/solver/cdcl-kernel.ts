/**
 * The CDCL engine's two innermost loops as WebAssembly, assembled here from their instructions
 * (no binary in the repository, no toolchain): unit propagation over the watch lists
 * (`propagate`) and the search for the next open clause (`scan`, libsolv's "deciding
 * unresolved rules" pass). Both work on the engine's own arrays, which live in one
 * WebAssembly memory once the engine has adopted them (CdclSolver.adopt): the JS code and the
 * kernels read and write the same data, nothing is copied per call.
 *
 * Why: `atoll testsolv` runs the solve in V8's baseline code (see docs/ARCHITECTURE.md,
 * depsolve), where every typed-array access is a call into an access stub (~20-40 ns); these
 * loops touch a few hundred thousand elements per solve. Liftoff compiles this module before
 * its first call and runs the same loops at native load/store cost.
 *
 * The loops are line-by-line the JS reference versions in cdcl.ts (`propagateJs`,
 * `nextOpenClauseJs`); the unit tests run both on random clause sets and compare every
 * assignment, watch list and scan result.
 */

import { PAGE, assembleModule, sleb, uleb, wasm, type AsmFunction, type WasmMemory } from '../util/index.js';

// ------------------------------------------------------------------ instruction helpers

/** Instructions as nested arrays (flattened once when the module is assembled: no copying). */
type Code = Array<number | Code>;

const c = (v: number): Code => [0x41, sleb(v)];
const get = (l: number): Code => [0x20, l];
const set = (l: number, e: Code): Code => [e, 0x21, l];
const bin = (op: number) => (a: Code, b: Code): Code => [a, b, op];
const add = bin(0x6a);
const sub = bin(0x6b);
const and = bin(0x71);
const or = bin(0x72);
const shl = bin(0x74);
const shrU = bin(0x76);
const eq = bin(0x46);
const ne = bin(0x47);
const ltS = bin(0x48);
const gtS = bin(0x4a);
const leS = bin(0x4c);
const geS = bin(0x4e);
const eqz = (a: Code): Code => [a, 0x45];
const neg = (a: Code): Code => sub(c(0), a);
/** select(a, b, cond): a when cond is non-zero, else b */
const sel = (a: Code, b: Code, cond: Code): Code => [a, b, cond, 0x1b];
const abs = (l: number): Code => sel(neg(get(l)), get(l), ltS(get(l), c(0)));
/** i32 element idx of the array at byte address (local base) */
const addr = (base: number, idx: Code): Code => add(get(base), shl(idx, c(2)));
const ld = (base: number, idx: Code): Code => [addr(base, idx), 0x28, 2, 0];
const st = (base: number, idx: Code, v: Code): Code => [addr(base, idx), v, 0x36, 2, 0];
const ld8 = (base: number, idx: Code): Code => [add(get(base), idx), 0x2d, 0, 0];
/** header word w (byte address 4w) */
const hget = (w: number): Code => [c(0), 0x28, 2, uleb(4 * w)];
const hset = (w: number, v: Code): Code => [c(0), v, 0x36, 2, uleb(4 * w)];
const if_ = (cond: Code, then: Code, otherwise?: Code): Code => [cond, 0x04, 0x40, then, (otherwise ? [0x05, otherwise] : []), 0x0b];
const block = (...body: Code[]): Code => [0x02, 0x40, body, 0x0b];
const loop = (...body: Code[]): Code => [0x03, 0x40, body, 0x0b];
const br = (depth: number): Code => [0x0c, depth];
const brIf = (cond: Code, depth: number): Code => [cond, 0x0d, depth];
const ret = (v: Code): Code => [v, 0x0f];
const incr = (l: number): Code => set(l, add(get(l), c(1)));

// ------------------------------------------------------------------ the memory layout

/**
 * Header words at the start of the memory: the engine's scalars (copied in before and out
 * after each call) and the byte addresses of its arrays (written when the engine adopts them).
 */
export const H = {
  TRAIL_LEN: 0,
  PROP_INDEX: 1,
  LEVEL: 2,
  DM: 3, // decisionMap
  TRAIL_POS: 4,
  WATCH_HEAD: 5,
  WATCH_TAIL: 6,
  TRAIL: 7,
  TRAIL_WHY: 8,
  START: 9, // clauseStart
  LEN: 10, // clauseLen
  HEAD: 11, // clauseHead
  OFF: 12, // clauseOff (bytes)
  W1: 13,
  W2: 14,
  NEXT1: 15,
  NEXT2: 16,
  ARENA: 17, // litArena
  RUN_END: 18,
  RUN_END_LEN: 19,
  DQ: 20, // scan: the open clause's undecided positive literals
  DQ_LEN: 21,
  SCAN_I: 22,
  SCAN_N: 23,
  STEPS: 24, // decideSteps: the table of steps (4 words a step)
  STEP_CANDS: 25, // and their candidates (a literal and its rank each)
  STEP_K: 26, // where decideSteps stopped (step index, steps looked at)
  STEP_N: 27,
  STEP_WHICH: 28, // the decision that met a conflict: 0 the pick, 1 the step's own variable
  STEP_DECISIONS: 29, // the decisions decideSteps made
} as const;
export const HEADER_BYTES = 128;

// ------------------------------------------------------------------ propagate

function propagateBody(): Code {
  // locals (no parameters)
  let n = 0;
  const DM = n++, TP = n++, WH = n++, WT = n++, TR = n++, TW = n++, ST = n++, LN = n++, OFF = n++;
  const W1 = n++, W2 = n++, N1 = n++, N2 = n++, AR = n++;
  const LEVEL = n++, PI = n++, TL = n++, FL = n++, K = n++, PREV = n++, PF = n++, ID = n++;
  const S = n++, FIRST = n++, NEXT = n++, OP = n++, OL = n++, OD = n++, OV = n++, FP = n++;
  const N = n++, Q = n++, FOUND = n++, L = n++, D = n++, NL = n++, KK = n++, T = n++, V = n++;
  const locals = n;
  const body: Code = [
    set(DM, hget(H.DM)), set(TP, hget(H.TRAIL_POS)), set(WH, hget(H.WATCH_HEAD)),
    set(WT, hget(H.WATCH_TAIL)), set(TR, hget(H.TRAIL)), set(TW, hget(H.TRAIL_WHY)),
    set(ST, hget(H.START)), set(LN, hget(H.LEN)), set(OFF, hget(H.OFF)),
    set(W1, hget(H.W1)), set(W2, hget(H.W2)), set(N1, hget(H.NEXT1)), set(N2, hget(H.NEXT2)),
    set(AR, hget(H.ARENA)),
    set(LEVEL, hget(H.LEVEL)), set(PI, hget(H.PROP_INDEX)), set(TL, hget(H.TRAIL_LEN)),
    block(
      loop(
        // while (propagateIndex < trail length)
        brIf(geS(get(PI), get(TL)), 1),
        set(FL, neg(ld(TR, get(PI)))),
        incr(PI),
        set(K, sel(shl(get(FL), c(1)), add(shl(neg(get(FL)), c(1)), c(1)), gtS(get(FL), c(0)))),
        set(PREV, c(0)),
        set(PF, c(0)),
        set(ID, ld(WH, get(K))),
        block(
          loop(
            brIf(eqz(get(ID)), 1),
            set(S, ld(ST, get(ID))),
            set(FIRST, eq(ld(AR, add(get(S), ld(W1, get(ID)))), get(FL))),
            set(NEXT, sel(ld(N1, get(ID)), ld(N2, get(ID)), get(FIRST))),
            // block $adv: branching out of it keeps the clause in this list (prev = id)
            block(
              brIf(eq(ld8(OFF, get(ID)), c(1)), 0),
              set(OP, sel(ld(W2, get(ID)), ld(W1, get(ID)), get(FIRST))),
              set(OL, ld(AR, add(get(S), get(OP)))),
              set(OD, ld(DM, abs(OL))),
              set(OV, sel(sel(c(1), c(-1), eq(gtS(get(OD), c(0)), gtS(get(OL), c(0)))), c(0), get(OD))),
              brIf(gtS(get(OV), c(0)), 0),
              set(FP, sel(ld(W1, get(ID)), ld(W2, get(ID)), get(FIRST))),
              set(N, ld(LN, get(ID))),
              set(FOUND, c(-1)),
              set(Q, c(0)),
              block(
                loop(
                  brIf(geS(get(Q), get(N)), 1),
                  if_(and(ne(get(Q), get(FP)), ne(get(Q), get(OP))), [
                    set(L, ld(AR, add(get(S), get(Q)))),
                    set(D, ld(DM, abs(L))),
                    if_(or(eqz(get(D)), eq(gtS(get(D), c(0)), gtS(get(L), c(0)))), [
                      set(FOUND, get(Q)),
                      br(3), // if, if, loop, block -> out of the search
                    ]),
                  ]),
                  incr(Q),
                  br(0),
                ),
              ),
              if_(geS(get(FOUND), c(0)), [
                // unlink from this list
                if_(eqz(get(PREV)), st(WH, get(K), get(NEXT)), if_(get(PF), st(N1, get(PREV), get(NEXT)), st(N2, get(PREV), get(NEXT)))),
                if_(eq(ld(WT, get(K)), get(ID)), st(WT, get(K), get(PREV))),
                if_(get(FIRST), st(W1, get(ID), get(FOUND)), st(W2, get(ID), get(FOUND))),
                // watch(arena[s + found], id, first): append to the new literal's list
                set(NL, ld(AR, add(get(S), get(FOUND)))),
                set(KK, sel(shl(get(NL), c(1)), add(shl(neg(get(NL)), c(1)), c(1)), gtS(get(NL), c(0)))),
                if_(get(FIRST), st(N1, get(ID), c(0)), st(N2, get(ID), c(0))),
                set(T, ld(WT, get(KK))),
                if_(
                  eqz(get(T)),
                  st(WH, get(KK), get(ID)),
                  // setNext(t, kk, id): the link of t that belongs to kk's literal (= nl)
                  if_(
                    and(geS(ld(W1, get(T)), c(0)), eq(ld(AR, add(ld(ST, get(T)), ld(W1, get(T)))), get(NL))),
                    st(N1, get(T), get(ID)),
                    st(N2, get(T), get(ID)),
                  ),
                ),
                st(WT, get(KK), get(ID)),
                set(ID, get(NEXT)),
                br(2), // if, block $adv, loop -> next clause
              ]),
              // conflict: the list stays as it is
              if_(ltS(get(OV), c(0)), [hset(H.PROP_INDEX, get(PI)), hset(H.TRAIL_LEN, get(TL)), ret(get(ID))]),
              // assign(otherLit, id)
              set(V, abs(OL)),
              st(DM, get(V), sel(get(LEVEL), neg(get(LEVEL)), gtS(get(OL), c(0)))),
              st(TP, get(V), get(TL)),
              st(TR, get(TL), get(OL)),
              st(TW, get(TL), get(ID)),
              incr(TL),
            ),
            set(PREV, get(ID)),
            set(PF, get(FIRST)),
            set(ID, get(NEXT)),
            br(0),
          ),
        ),
        br(0),
      ),
    ),
    hset(H.PROP_INDEX, get(PI)),
    hset(H.TRAIL_LEN, get(TL)),
    c(0),
    0x0b,
  ];
  return [locals, body];
}

// ------------------------------------------------------------------ scan

function scanBody(): Code {
  // parameters i, n, nrules
  const I = 0, NN = 1, NR = 2;
  let n = 3;
  const DM = n++, ST = n++, LN = n++, HD = n++, OFF = n++, AR = n++, RE = n++, REL = n++, DQ = n++;
  const P0 = n++, LEN = n++, LS = n++, P1 = n++, DQL = n++, K = n++, E = n++, L = n++, D = n++;
  const locals = n - 3;
  const found: Code = [hset(H.SCAN_I, get(I)), hset(H.SCAN_N, get(NN)), hset(H.DQ_LEN, get(DQL)), ret(get(I))];
  const body: Code = [
    set(DM, hget(H.DM)), set(ST, hget(H.START)), set(LN, hget(H.LEN)), set(HD, hget(H.HEAD)),
    set(OFF, hget(H.OFF)), set(AR, hget(H.ARENA)), set(RE, hget(H.RUN_END)), set(REL, hget(H.RUN_END_LEN)),
    set(DQ, hget(H.DQ)),
    loop(
      if_(geS(get(NN), get(NR)), [hset(H.SCAN_I, get(I)), hset(H.SCAN_N, get(NN)), ret(c(0))]),
      if_(geS(get(I), get(NR)), set(I, c(1))),
      // block $next: branching out of it goes on with the next clause
      block(
        set(P0, ld(HD, get(I))),
        if_(ltS(get(P0), c(0)), [
          if_(leS(ld(DM, neg(get(P0))), c(0)), [
            // the clauses of a literal that cannot fire are skipped as a run
            if_(ltS(get(I), get(REL)), [
              set(D, sub(sub(ld(RE, get(I)), get(I)), c(1))),
              set(I, add(get(I), get(D))),
              set(NN, add(get(NN), get(D))),
            ]),
            br(2), // if, if, block -> next
          ]),
        ]),
        brIf(eq(ld8(OFF, get(I)), c(1)), 0),
        set(LEN, ld(LN, get(I))),
        brIf(eqz(get(LEN)), 0),
        brIf(and(ltS(get(P0), c(0)), leS(get(LEN), c(2))), 0),
        set(LS, ld(ST, get(I))),
        set(DQL, c(0)),
        if_(
          leS(get(LEN), c(2)),
          [
            brIf(ltS(get(LEN), c(2)), 1),
            set(P1, ld(AR, add(get(LS), c(1)))),
            brIf(or(ltS(get(P0), c(0)), leS(get(P1), c(0))), 1),
            brIf(ne(ld(DM, get(P0)), c(0)), 1),
            brIf(ne(ld(DM, get(P1)), c(0)), 1),
            st(DQ, c(0), get(P0)),
            st(DQ, c(1), get(P1)),
            set(DQL, c(2)),
          ],
          [
            set(K, get(LS)),
            set(E, add(get(LS), get(LEN))),
            block(
              loop(
                brIf(geS(get(K), get(E)), 1),
                set(L, ld(AR, get(K))),
                if_(
                  ltS(get(L), c(0)),
                  brIf(leS(ld(DM, neg(get(L))), c(0)), 4), // if, loop, block, if, block $next
                  [
                    set(D, ld(DM, get(L))),
                    brIf(gtS(get(D), c(0)), 4),
                    if_(eqz(get(D)), [st(DQ, get(DQL), get(L)), incr(DQL)]),
                  ],
                ),
                incr(K),
                br(0),
              ),
            ),
          ],
        ),
        brIf(ltS(get(DQL), c(2)), 0),
        found,
      ),
      incr(I),
      incr(NN),
      br(0),
    ),
    c(0),
    0x0b,
  ];
  return [locals, body];
}

// ------------------------------------------------------------------ steps

/**
 * decideSteps (CdclSolver.decideStepsJs is the reference, line by line): from step k (n steps
 * looked at so far), with wraparound, until n reaches count. A step is 4 words at STEPS + 16k:
 * variable v, clause r, flags, the offset of its candidates (pairs at STEP_CANDS: literal, rank).
 * Flags: bit 0 the step is visited in pass 0, bits 1-2 when the candidates count (0 never,
 * 1 when v is false, 2 always), bit 3 the ranks are valid when every candidate is open, bits
 * 8- the number of candidates. Returns 0 (done), 1 (stopped for the caller at STEP_K/STEP_N:
 * r is disabled, or two or more candidates are open and the ranks do not apply: not valid, or
 * not every candidate open) or a conflict's clause id negated.
 */
function stepsBody(): Code {
  const K = 0, NN = 1, CNT = 2, PASS = 3;
  let n = 4;
  const DM = n++, TB = n++, CA = n++, ST = n++, LN = n++, OFF = n++, AR = n++, TP = n++, TR = n++, TW = n++;
  const E = n++, V = n++, FL = n++, RU = n++, S = n++, LEN = n++, J = n++, JE = n++, P = n++, BEST = n++;
  const BR = n++, M = n++, DEC = n++, LV = n++, TL = n++, R = n++, MET = n++, RK = n++, MODE = n++;
  const locals = n - 4;
  const out = (which: number): Code => [hset(H.STEP_K, get(K)), hset(H.STEP_N, get(NN)), hset(H.STEP_WHICH, c(which)), hset(H.STEP_DECISIONS, get(DEC))];
  // decide the positive literal in local x at a new level and propagate; a conflict returns
  const decide = (x: number, which: number): Code => [
    set(LV, add(hget(H.LEVEL), c(1))),
    hset(H.LEVEL, get(LV)),
    set(TL, hget(H.TRAIL_LEN)),
    st(DM, get(x), get(LV)),
    st(TP, get(x), get(TL)),
    st(TR, get(TL), get(x)),
    st(TW, get(TL), c(0)),
    hset(H.TRAIL_LEN, add(get(TL), c(1))),
    incr(DEC),
    set(R, [0x10, 0]),
    if_(get(R), [out(which), ret(neg(get(R)))]),
  ];
  const body: Code = [
    set(DM, hget(H.DM)), set(TB, hget(H.STEPS)), set(CA, hget(H.STEP_CANDS)), set(ST, hget(H.START)),
    set(LN, hget(H.LEN)), set(OFF, hget(H.OFF)), set(AR, hget(H.ARENA)), set(TP, hget(H.TRAIL_POS)),
    set(TR, hget(H.TRAIL)), set(TW, hget(H.TRAIL_WHY)),
    block(
      loop(
        brIf(geS(get(NN), get(CNT)), 1),
        if_(geS(get(K), get(CNT)), set(K, c(0))),
        // block $next
        block(
          set(E, add(get(TB), shl(get(K), c(4)))),
          set(V, [get(E), 0x28, 2, 0]),
          brIf(gtS(ld(DM, get(V)), c(0)), 0),
          set(FL, [get(E), 0x28, 2, 8]),
          brIf(and(eqz(get(PASS)), eqz(and(get(FL), c(1)))), 0),
          set(RU, [get(E), 0x28, 2, 4]),
          if_(eq(ld8(OFF, get(RU)), c(1)), [out(0), ret(c(1))]),
          set(S, ld(ST, get(RU))),
          set(LEN, ld(LN, get(RU))),
          // is the clause met by a true positive literal?
          set(MET, c(0)),
          set(J, c(0)),
          block(
            loop(
              brIf(geS(get(J), get(LEN)), 1),
              set(P, ld(AR, add(get(S), get(J)))),
              // (nested: an i32.and would load dm at a negative literal too)
              if_(gtS(get(P), c(0)), if_(gtS(ld(DM, get(P)), c(0)), [set(MET, c(1)), br(3)])), // if, if, loop, block
              incr(J),
              br(0),
            ),
          ),
          set(M, c(0)),
          set(MODE, and(shrU(get(FL), c(1)), c(3))),
          if_(and(eqz(get(MET)), or(eq(get(MODE), c(2)), and(eq(get(MODE), c(1)), ltS(ld(DM, get(V)), c(0))))), [
            // the open candidates: the best ranked one (the first of equal ranks)
            set(J, [get(E), 0x28, 2, 12]),
            set(JE, add(get(J), shrU(get(FL), c(8)))),
            block(
              loop(
                brIf(geS(get(J), get(JE)), 1),
                set(P, ld(CA, shl(get(J), c(1)))),
                if_(eqz(ld(DM, get(P))), [
                  set(RK, ld(CA, add(shl(get(J), c(1)), c(1)))),
                  if_(or(eqz(get(M)), ltS(get(RK), get(BR))), [set(BEST, get(P)), set(BR, get(RK))]),
                  incr(M),
                ]),
                incr(J),
                br(0),
              ),
            ),
          ]),
          if_(and(geS(get(M), c(2)), or(eqz(and(get(FL), c(8))), ne(get(M), shrU(get(FL), c(8))))), [out(0), ret(c(1))]),
          if_(get(M), decide(BEST, 0)),
          if_(eqz(ld(DM, get(V))), decide(V, 1)),
        ),
        incr(K),
        incr(NN),
        br(0),
      ),
    ),
    out(0),
    c(0),
    0x0b,
  ];
  return [locals, body];
}

// ------------------------------------------------------------------ the module

/** A function's code as [locals, ...body] (see propagateBody) for util's assembleModule. */
function asmFunction(name: string, params: number, code: Code): AsmFunction {
  const flat = code.flat(Infinity as 1) as number[];
  return { name, params, result: true, locals: flat[0]!, body: flat.slice(1) };
}

// assembled and validated when the solver's code loads (program start-up), as the depsolve
// kernels are; Node 20 compiles each wasm function lazily, at its first call
// One export for both loops: V8 (11.x) calls exports through a generic JS-to-wasm wrapper and,
// after ~1000 calls of an export, compiles a specific wrapper for it on the main thread
// (~0.3-1.3 ms each); the solve calls the loops ~1500 times each, so one export means one
// such compile instead of two.
// run(op, a, b, c, d): op 0 propagate; op 1 scan(a, b, c); op 2 assign literal a as a decision
// at the header's level (as CdclSolver.assign) and propagate; op 3 as op 2, then, when the
// propagation found no conflict, scan(b, c, d) (a decision and the search for the next open
// clause in one call: the requires pass makes one crossing per decision instead of two); op 4
// the root level's unit clauses (assertRoot); op 5 decideSteps(a, b, c, d)
const stAt = (base: Code, idx: Code, v: Code): Code => [add(base, shl(idx, c(2))), v, 0x36, 2, 0];
const RUN: Code = (() => {
  const OP = 0, A = 1, B = 2, C = 3, D = 4, V = 5, TL = 6, LV = 7, R = 8, ID = 9, EMPTY = 10, L = 11;
  return [
    7,
    if_(eqz(get(OP)), ret([0x10, 0])),
    if_(eq(get(OP), c(5)), ret([get(A), get(B), get(C), get(D), 0x10, 2])),
    // op 4: the root level's units (CdclSolver.assertRoot's pass) over clauses 1 .. a - 1
    if_(eq(get(OP), c(4)), [
      set(TL, hget(H.TRAIL_LEN)),
      set(LV, hget(H.LEVEL)),
      set(ID, c(1)),
      block(
        loop(
          brIf(geS(get(ID), get(A)), 1),
          // block $next
          block(
            brIf(eq([add(hget(H.OFF), get(ID)), 0x2d, 0, 0], c(1)), 0),
            set(R, [add(hget(H.LEN), shl(get(ID), c(2))), 0x28, 2, 0]),
            if_(ne(get(R), c(1)), [if_(and(eqz(get(R)), eqz(get(EMPTY))), set(EMPTY, get(ID))), br(1)]),
            set(L, [add(hget(H.HEAD), shl(get(ID), c(2))), 0x28, 2, 0]),
            set(V, abs(L)),
            set(D, [add(hget(H.DM), shl(get(V), c(2))), 0x28, 2, 0]),
            if_(get(D), [
              // assigned: true goes on, false is the root conflict (its id comes back negated)
              brIf(eq(gtS(get(D), c(0)), gtS(get(L), c(0))), 1),
              hset(H.TRAIL_LEN, get(TL)),
              ret(neg(get(ID))),
            ]),
            stAt(hget(H.DM), get(V), sel(get(LV), neg(get(LV)), gtS(get(L), c(0)))),
            stAt(hget(H.TRAIL_POS), get(V), get(TL)),
            stAt(hget(H.TRAIL), get(TL), get(L)),
            stAt(hget(H.TRAIL_WHY), get(TL), get(ID)),
            incr(TL),
          ),
          incr(ID),
          br(0),
        ),
      ),
      hset(H.TRAIL_LEN, get(TL)),
      ret(get(EMPTY)),
    ]),
    if_(geS(get(OP), c(2)), [
      set(TL, hget(H.TRAIL_LEN)),
      set(LV, hget(H.LEVEL)),
      set(V, abs(A)),
      stAt(hget(H.DM), get(V), sel(get(LV), neg(get(LV)), gtS(get(A), c(0)))),
      stAt(hget(H.TRAIL_POS), get(V), get(TL)),
      stAt(hget(H.TRAIL), get(TL), get(A)),
      stAt(hget(H.TRAIL_WHY), get(TL), c(0)),
      hset(H.TRAIL_LEN, add(get(TL), c(1))),
      if_(eq(get(OP), c(2)), ret([0x10, 0])),
      // op 3: a conflict comes back negated (clause ids are positive), else the scan's result
      set(R, [0x10, 0]),
      if_(get(R), ret(neg(get(R)))),
      ret([get(B), get(C), get(D), 0x10, 1]),
    ]),
    get(A), get(B), get(C), 0x10, 1, 0x0b,
  ];
})();
const compiled = new wasm.Module(
  assembleModule([
    asmFunction('', 0, propagateBody()), asmFunction('', 3, scanBody()), asmFunction('', 4, stepsBody()), asmFunction('run', 5, RUN),
  ]),
);

export interface CdclKernel {
  /** The memory (grown as needed: its buffer changes then, views must be made again). */
  memory: WasmMemory;
  /**
   * run(0, 0, 0, 0): propagate from the header's propagate index; the violated clause id or 0.
   * run(1, i, n, nrules): from (i, n), the next open clause with two or more candidates, or 0
   * when n reached nrules.
   * run(2, lit, 0, 0): assign lit at the header's level (a decision: no reason), then propagate.
   * run(3, lit, i, n, nrules): as run(2, lit), then, without a conflict, run(1, i, n, nrules);
   * a conflict's clause id comes back negated.
   * run(4, nclauses, 0, 0, 0): assign every enabled unit clause's literal (reason: the clause)
   * at the header's level, in clause order; the first empty clause's id (0: none), or the
   * negated id of a unit clause whose literal is false.
   * run(5, k, n, count, pass): decideSteps (see stepsBody): 0 done, 1 stopped for the caller,
   * or a conflict's clause id negated; where it stopped and what it decided in the header.
   */
  run: (op: number, a: number, b: number, c: number, d?: number) => number;
}

export { PAGE, type WasmMemory };

/** A fresh zeroed memory of at least `bytes` with the kernels instantiated on it. */
export function instantiateKernel(bytes: number): CdclKernel {
  const memory = new wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
  const inst = new wasm.Instance(compiled, { env: { mem: memory } });
  return { memory, run: inst.exports['run'] as CdclKernel['run'] };
}
