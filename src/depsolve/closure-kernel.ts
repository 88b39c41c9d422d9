/**
 * The package-rule closure walk (libsolv's solver_addpkgrulesforsolvable) as a WebAssembly
 * kernel over the pool's typed dependency store (Pool.typedDeps), assembled here from its
 * instructions like the provides sort (see provides-sort-kernel.ts for why: the solve runs in
 * V8's baseline code, where each property load, call and typed-array access counts; Liftoff code
 * runs these loops many times faster).
 *
 * The kernel does the common path of RpmSolver's per-package rule code exactly as the JS does,
 * in the same order (the rule order decides which duplicate survives libsolv's unify, and so the
 * origins problems name): requires (unversioned plain names straight from the provides index,
 * other simple dependencies from lists the JS computes on demand), conflicts, same-name pairs
 * (with multilib colors), multilib lock-step partners, recommends and suggests made reachable.
 * A package the kernel cannot do (rich dependencies, obsoletes, a file or namespace name) is
 * handed back to the JS code, which writes into the same arena and queue. The caller falls back
 * to the JS walk for solver setups the kernel does not know (multiversion, fix jobs, strong
 * recommends) and when an arena is full (KernelFull).
 */

import { END, I32_CONST, I32_LOAD, I32_SHL, I32_STORE, RETURN, assembleModule, uleb, wasm, wasmCode } from '../util/index.js';
import { DEP_BYNAME, DEP_RPMLIB, type TypedDeps } from './pool.js';
import type { Dep } from './dep.js';

const { block, loop, when, br, brIf, c, get, set, add, sub, eq, ne, lt, ge, gt, and, or, not, addr, ld, st, ld8, st8, loadAt, assemble, SELECT } = wasmCode;
type Node = wasmCode.Node;

/** Rule reason codes the kernel writes (RpmSolver's R_* codes). */
export const KR_NOT_INSTALLABLE = 0;
export const KR_NOTHING_PROVIDES = 1;
export const KR_REQUIRES = 2;
export const KR_CONFLICTS = 3;
export const KR_SAME_NAME = 7;
export const KR_SELF_CONFLICT = 8;

// header words (i32 at byte 4k): state first, then region bases and parameters
const QHEAD = 0, QTAIL = 1, LITTOP = 2, RCOUNT = 3, ACOUNT = 4, OUT = 5, FAIL = 6, WPTOP = 7;
const B_NAMEOF = 8, B_ARCHOF = 9, B_EVROF = 10, B_INST = 11, B_INSTABLE = 12, B_JS = 13, B_ADDED = 14;
const B_PKGDEP = 15, B_DEPLIST = 16, B_DEPNID = 17, B_DEPFLAGS = 18, B_DEPWP = 19, B_DEPWPLEN = 20, B_WPDATA = 21;
const B_IDXSTART = 22, B_IDXIDS = 23, B_COLOR = 24, B_SCORE = 25, B_QUEUE = 26, QCAP = 27, B_LITS = 28, LITCAP = 29;
const B_RSTART = 30, B_RLEN = 31, B_RREASON = 32, B_RP = 33, B_ROTHER = 34, B_RDEP = 35, RCAP = 36, B_ALIST = 37;
const P_COLORS = 38, P_FORBID = 39, P_POLICY = 40, P_NOARCH = 41, WPCAP = 42, B_NAMESTATE = 43, SPOS = 44, SEND = 45, B_STARTS = 46;
const HEADER_WORDS = 48;

/** header word k */
const hd = (k: number): Node[] => [I32_CONST, 0, I32_LOAD, 2, ...uleb(4 * k)];
const setHd = (k: number, v: Node[]): Node[] => [I32_CONST, 0, ...v, I32_STORE, 2, ...uleb(4 * k)];

// ---------------------------------------------------------------- walk()

let nextLocal = 0;
const local = (): number => nextLocal++;
const bNameOf = local(), bArchOf = local(), bEvrOf = local(), bInst = local(), bInstable = local(), bJs = local(), bAdded = local();
const bPkgDep = local(), bDepList = local(), bDepNid = local(), bDepFlags = local(), bDepWp = local(), bDepWpLen = local(), bWpData = local();
const bIdxStart = local(), bIdxIds = local(), bColor = local(), bScore = local(), bQueue = local(), bLits = local();
const bRS = local(), bRL = local(), bRR = local(), bRP = local(), bRO = local(), bRD = local(), bAL = local();
const colors = local(), forbid = local(), policy = local(), noarch = local();
const n = local(), qh = local(), instn = local(), i = local(), e = local(), d = local(), pa = local(), pb = local(), p = local();
const last = local(), m = local(), hasN = local(), anyI = local(), t = local(), r = local(), nk = local(), an = local(), sameLen = local();
const a = local(), b = local(), i0 = local(), k = local(), fc = local(), mixed = local(), bNameState = local();
const LOCALS = nextLocal;

/** queue push of the value in local v (FAIL when the queue is full) */
const push = (v: number): Node[] =>
  when(ge(hd(QTAIL), hd(QCAP)), [setHd(FAIL, c(1))], [st(get(bQueue), hd(QTAIL), get(v)), setHd(QTAIL, add(hd(QTAIL), c(1)))]);

/** close a rule of `len` literals written at LITTOP (FAIL when the rule columns are full) */
const rule = (len: Node[], reason: number, rp: Node[], other: Node[], dep: Node[]): Node[] => [
  ...set(r, hd(RCOUNT)),
  ...when(
    ge(get(r), hd(RCAP)),
    [setHd(FAIL, c(1))],
    [
      st(get(bRS), get(r), hd(LITTOP)),
      st(get(bRL), get(r), len),
      st(get(bRR), get(r), c(reason)),
      st(get(bRP), get(r), rp),
      st(get(bRO), get(r), other),
      st(get(bRD), get(r), dep),
      setHd(RCOUNT, add(get(r), c(1))),
      setHd(LITTOP, add(hd(LITTOP), len)),
    ],
  ),
];

/** a one-literal rule */
const unit = (lit: Node[], reason: number, rp: Node[], other: Node[], dep: Node[]): Node[] =>
  when(gt(add(hd(LITTOP), c(1)), hd(LITCAP)), [setHd(FAIL, c(1))], [st(get(bLits), hd(LITTOP), lit), rule(c(1), reason, rp, other, dep)]);

/** a two-literal rule of the negative literals -x, -y (locals), kept sorted */
const pair = (x: number, y: number, reason: number, rp: Node[], other: Node[], dep: Node[]): Node[] => [
  ...set(a, sub(c(0), get(x))),
  ...set(b, sub(c(0), get(y))),
  ...when(
    gt(add(hd(LITTOP), c(2)), hd(LITCAP)),
    [setHd(FAIL, c(1))],
    [
      st(get(bLits), hd(LITTOP), [...get(a), ...get(b), ...lt(get(a), get(b)), SELECT]),
      st(get(bLits), add(hd(LITTOP), c(1)), [...get(b), ...get(a), ...lt(get(a), get(b)), SELECT]),
      rule(c(2), reason, rp, other, dep),
    ],
  ),
];

/** pa/pb: byte range of dependency d's providers (the index's list of its name, or the list the JS wrote) */
const range: Node[] = when(
  and(ld(get(bDepFlags), get(d)), c(DEP_BYNAME)),
  [
    set(t, ld(get(bDepNid), get(d))),
    set(pa, addr(get(bIdxIds), ld(get(bIdxStart), get(t)))),
    set(pb, addr(get(bIdxIds), ld(get(bIdxStart), add(get(t), c(1))))),
  ],
  [set(pa, addr(get(bWpData), ld(get(bDepWp), get(d)))), set(pb, addr(get(pa), ld(get(bDepWpLen), get(d))))],
);

/**
 * for each distinct provider p in [pa, pb) (ascending lists: a repeat follows its first):
 * body; `next` continues with the next provider
 */
const eachProvider = (name: string, body: Node[][]): Node[] => [
  ...set(last, c(-1)),
  block(`${name}-end`,
    [loop(`${name}-loop`,
      brIf(ge(get(pa), get(pb)), `${name}-end`),
      set(p, loadAt(get(pa))),
      set(pa, add(get(pa), c(4))),
      brIf(eq(get(p), get(last)), `${name}-loop`),
      set(last, get(p)),
      [block(`${name}-next`, ...body)],
      br(`${name}-loop`),
    )],
  ),
];

/** for (i = from; i < to; i++) body, `${name}-next` continues */
const forI = (name: string, from: Node[], to: Node[], body: Node[][]): Node[] => [
  ...set(i, from),
  ...set(e, to),
  block(`${name}-end`,
    [loop(`${name}-loop`,
      brIf(ge(get(i), get(e)), `${name}-end`),
      set(d, ld(get(bDepList), get(i))),
      [block(`${name}-next`, ...body)],
      set(i, add(get(i), c(1))),
      br(`${name}-loop`),
    )],
  ),
];

const pkgDep = (slot: number): Node[] => ld(get(bPkgDep), add([...get(n), ...c(2), I32_SHL], c(slot)));

const WALK: Node[] = [
  // region bases and parameters into locals
  ...[
    [bNameOf, B_NAMEOF], [bArchOf, B_ARCHOF], [bEvrOf, B_EVROF], [bInst, B_INST], [bInstable, B_INSTABLE], [bJs, B_JS],
    [bAdded, B_ADDED], [bPkgDep, B_PKGDEP], [bDepList, B_DEPLIST], [bDepNid, B_DEPNID], [bDepFlags, B_DEPFLAGS],
    [bDepWp, B_DEPWP], [bDepWpLen, B_DEPWPLEN], [bWpData, B_WPDATA], [bIdxStart, B_IDXSTART], [bIdxIds, B_IDXIDS],
    [bColor, B_COLOR], [bScore, B_SCORE], [bQueue, B_QUEUE], [bLits, B_LITS], [bRS, B_RSTART], [bRL, B_RLEN],
    [bRR, B_RREASON], [bRP, B_RP], [bRO, B_ROTHER], [bRD, B_RDEP], [bAL, B_ALIST], [colors, P_COLORS],
    [forbid, P_FORBID], [policy, P_POLICY], [noarch, P_NOARCH], [bNameState, B_NAMESTATE],
  ].flatMap(([l, h]) => set(l!, hd(h!))),
  loop('main',
    // an arena full: the caller starts over in JS
    when(hd(FAIL), [c(3), [RETURN]]),
    set(qh, hd(QHEAD)),
    // the queue empty: the walk from the next start (each start's walk as a call of its own would do)
    when(ge(get(qh), hd(QTAIL)), [
      when(ge(hd(SPOS), hd(SEND)), [c(0), [RETURN]]),
      setHd(QHEAD, c(0)),
      setHd(QTAIL, c(1)),
      st(get(bQueue), c(0), ld(hd(B_STARTS), hd(SPOS))),
      setHd(SPOS, add(hd(SPOS), c(1))),
      br('main'),
    ]),
    set(n, ld(get(bQueue), get(qh))),
    setHd(QHEAD, add(get(qh), c(1))),
    brIf(or(eq(get(n), c(1)), ld8(get(bAdded), get(n))), 'main'),
    // a package for the JS code
    when(ld8(get(bJs), get(n)), [setHd(OUT, get(n)), c(1), [RETURN]]),
    // providers the JS has not listed yet: asked for, then this package again
    forI('pre', pkgDep(0), pkgDep(4), [
      when(
        and(not(and(ld(get(bDepFlags), get(d)), c(DEP_BYNAME))), eq(ld(get(bDepWp), get(d)), c(-1))),
        [setHd(QHEAD, get(qh)), setHd(OUT, get(n)), c(2), [RETURN]],
      ),
    ]),
    st8(get(bAdded), get(n), c(1)),
    st(get(bAL), hd(ACOUNT), get(n)),
    setHd(ACOUNT, add(hd(ACOUNT), c(1))),
    set(instn, ld8(get(bInst), get(n))),
    when(
      and(not(get(instn)), not(ld8(get(bInstable), get(n)))),
      [unit(sub(c(0), get(n)), KR_NOT_INSTALLABLE, get(n), c(0), c(-1)), br('main')],
    ),
    // requires (an installed package keeps a broken requirement: dontfix)
    set(i0, pkgDep(0)),
    forI('req', get(i0), pkgDep(1), [
      brIf(and(ld(get(bDepFlags), get(d)), c(DEP_RPMLIB)), 'req-next'),
      range,
      // room for -n and every provider
      when(gt(add(add(hd(LITTOP), c(1)), [...sub(get(pb), get(pa)), ...c(2), 0x75 /* i32.shr_s */]), hd(LITCAP)), [
        setHd(FAIL, c(1)),
        br('req-next'),
      ]),
      set(t, add(hd(LITTOP), c(1))),
      set(m, c(0)),
      set(hasN, c(0)),
      set(anyI, c(0)),
      eachProvider('rp', [
        when(eq(get(p), get(n)), [set(hasN, c(1))]),
        when(ld8(get(bInst), get(p)), [set(anyI, c(1))]),
        st(get(bLits), add(get(t), get(m)), get(p)),
        set(m, add(get(m), c(1))),
      ]),
      brIf(and(get(instn), not(get(anyI))), 'req-next'),
      brIf(get(hasN), 'req-next'),
      when(not(get(m)), [unit(sub(c(0), get(n)), KR_NOTHING_PROVIDES, get(n), c(0), sub(get(i), get(i0))), br('req-next')]),
      st(get(bLits), hd(LITTOP), sub(c(0), get(n))),
      rule(add(get(m), c(1)), KR_REQUIRES, get(n), c(0), sub(get(i), get(i0))),
      // the providers into the queue (k over the rule's literals just written)
      set(k, c(0)),
      [block('push-end',
        [loop('push-loop',
          brIf(ge(get(k), get(m)), 'push-end'),
          set(p, ld(get(bLits), add(get(t), get(k)))),
          when(not(ld8(get(bAdded), get(p))), [push(p)]),
          set(k, add(get(k), c(1))),
          br('push-loop'),
        )],
      )],
    ]),
    // conflicts
    set(i0, pkgDep(1)),
    forI('con', get(i0), pkgDep(2), [
      range,
      eachProvider('cp', [
        brIf(and(get(instn), ld8(get(bInst), get(p))), 'cp-next'),
        when(eq(get(p), get(n)), [
          brIf(not(get(forbid)), 'cp-next'),
          unit(sub(c(0), get(n)), KR_SELF_CONFLICT, get(n), get(p), sub(get(i), get(i0))),
          br('cp-next'),
        ]),
        pair(n, p, KR_CONFLICTS, get(n), get(p), sub(get(i), get(i0))),
      ]),
    ]),
    // same name: one of them (different colors may coexist)
    set(nk, ld(get(bNameOf), get(n))),
    set(an, ld(get(bArchOf), get(n))),
    set(pa, addr(get(bIdxIds), ld(get(bIdxStart), get(nk)))),
    set(pb, addr(get(bIdxIds), ld(get(bIdxStart), add(get(nk), c(1))))),
    set(i0, get(pa)),
    set(sameLen, c(0)),
    set(fc, c(-1)),
    set(mixed, c(0)),
    eachProvider('sn', [
      brIf(ne(ld(get(bNameOf), get(p)), get(nk)), 'sn-next'),
      set(sameLen, add(get(sameLen), c(1))),
      // the name's arch classes, for the infarch rules (RpmSolver reads nameState)
      set(t, ld(get(bScore), ld(get(bArchOf), get(p)))),
      when(ne(get(t), c(1)), [
        when(not(get(t)), [set(mixed, c(1))], [
          when(eq(get(fc), c(-1)), [set(fc, and(get(t), c(-65536)))], [
            when(ne(and(get(t), c(-65536)), get(fc)), [set(mixed, c(1))]),
          ]),
        ]),
      ]),
      brIf(eq(get(p), get(n)), 'sn-next'),
      brIf(and(get(instn), ld8(get(bInst), get(p))), 'sn-next'),
      set(t, ld(get(bArchOf), get(p))),
      when(and(get(colors), ne(get(t), get(an))), [
        set(a, ld(get(bColor), get(an))),
        set(b, ld(get(bColor), get(t))),
        brIf(not(or(or(not(get(a)), not(get(b))), and(get(a), get(b)))), 'sn-next'),
      ]),
      pair(n, p, KR_SAME_NAME, get(n), get(p), c(-1)),
    ]),
    st8(get(bNameState), get(nk), [...c(2), ...c(1), ...and(get(mixed), ne(get(fc), c(-1))), SELECT]),
    // multilib lock-step partners (same name and EVR, better arch) need their rules too
    when(and(and(get(colors), gt(get(sameLen), c(1))), and(ne(get(an), get(noarch)), get(policy))), [
      set(pa, get(i0)),
      set(k, c(-1)),
      eachProvider('mp', [
        brIf(ne(ld(get(bNameOf), get(p)), get(nk)), 'mp-next'),
        brIf(eq(get(p), get(n)), 'mp-next'),
        brIf(ld8(get(bAdded), get(p)), 'mp-next'),
        brIf(ne(ld(get(bEvrOf), get(p)), ld(get(bEvrOf), get(n))), 'mp-next'),
        when(lt(get(k), c(0)), [set(k, ld(get(bScore), get(an)))]),
        set(t, ld(get(bScore), ld(get(bArchOf), get(p)))),
        when(and(and(ne(get(t), c(0)), ne(get(t), c(1))), lt(get(t), get(k))), [push(p)]),
      ]),
    ]),
    // weak deps: their providers become reachable
    forI('weak', pkgDep(2), pkgDep(4), [
      range,
      eachProvider('wp', [when(not(ld8(get(bAdded), get(p))), [push(p)])]),
    ]),
    br('main'),
  ),
  ...c(0),
  END,
];

// ---------------------------------------------------------------- updates(ni)

// Every installed package's update candidates with allowAll (RpmSolver.updatePackages: the
// other packages of its name that are not installed, of a matching multilib color when
// implicit obsoletes use colors (Pool.colorMatch); the caller keeps packages of file or
// namespace names and obsoleters to the JS code). In: the installed packages at B_STARTS
// [0, ni). Out, in the queue's room: start offsets [0, ni] then the candidates, each
// package's in provides-index order; returns their count, or -1 when the room is short.
const U_NI = 0;
let uNext = 1;
const ul = (): number => uNext++;
const uBS = ul(), uBO = ul(), uIS = ul(), uII = ul(), uNO = ul(), uIN = ul(), uX = ul(), uP = ul(), uK = ul();
const uI = ul(), uE = ul(), uQ = ul(), uLast = ul(), uTop = ul(), uIds = ul(), uCap = ul();
const uCol = ul(), uAO = ul(), uBC = ul(), uA = ul(), uCA = ul(), uCB = ul();
const U_LOCALS = uNext - 1;

const UPDATES: Node[] = [
  ...set(uBS, hd(B_STARTS)),
  ...set(uBO, hd(B_QUEUE)),
  ...set(uIS, hd(B_IDXSTART)),
  ...set(uII, hd(B_IDXIDS)),
  ...set(uNO, hd(B_NAMEOF)),
  ...set(uIN, hd(B_INST)),
  ...set(uCol, hd(P_COLORS)),
  ...set(uAO, hd(B_ARCHOF)),
  ...set(uBC, hd(B_COLOR)),
  ...set(uIds, addr(get(uBO), add(get(U_NI), c(1)))),
  ...set(uCap, sub(hd(QCAP), add(get(U_NI), c(1)))),
  ...set(uTop, c(0)),
  ...set(uX, c(0)),
  block('u-end',
    [loop('u-loop',
      brIf(ge(get(uX), get(U_NI)), 'u-end'),
      st(get(uBO), get(uX), get(uTop)),
      set(uP, ld(get(uBS), get(uX))),
      set(uK, ld(get(uNO), get(uP))),
      set(uI, ld(get(uIS), get(uK))),
      set(uE, ld(get(uIS), add(get(uK), c(1)))),
      set(uLast, c(-1)),
      set(uA, ld(get(uAO), get(uP))),
      set(uCA, ld(get(uBC), get(uA))),
      [block('c-end',
        [loop('c-loop',
          brIf(ge(get(uI), get(uE)), 'c-end'),
          set(uQ, ld(get(uII), get(uI))),
          set(uI, add(get(uI), c(1))),
          // (the index repeats a package that provides its name more than once)
          brIf(eq(get(uQ), get(uLast)), 'c-loop'),
          set(uLast, get(uQ)),
          brIf(ne(ld(get(uNO), get(uQ)), get(uK)), 'c-loop'),
          brIf(ld8(get(uIN), get(uQ)), 'c-loop'),
          // colorMatch: the same arch, or either color 0, or a color in common
          when(and(get(uCol), ne(ld(get(uAO), get(uQ)), get(uA))), [
            set(uCB, ld(get(uBC), ld(get(uAO), get(uQ)))),
            brIf(and(and(ne(get(uCA), c(0)), ne(get(uCB), c(0))), eq(and(get(uCA), get(uCB)), c(0))), 'c-loop'),
          ]),
          when(ge(get(uTop), get(uCap)), [c(-1), [RETURN]]),
          st(get(uIds), get(uTop), get(uQ)),
          set(uTop, add(get(uTop), c(1))),
          br('c-loop'),
        )],
      )],
      set(uX, add(get(uX), c(1))),
      br('u-loop'),
    )],
  ),
  ...st(get(uBO), get(U_NI), get(uTop)),
  ...get(uTop),
  END,
];

// ---------------------------------------------------------------- ascending(n)

// The packages marked in the added map (the kernel's and the JS code's), ascending, into the
// starts' room (the walk is over); returns their number. Params: n = packages.
const A_N = 0, A_P = 1, A_M = 2, A_ADDED = 3, A_OUT = 4;
const ASCENDING: Node[] = [
  ...set(A_ADDED, hd(B_ADDED)),
  ...set(A_OUT, hd(B_STARTS)),
  ...set(A_P, c(0)),
  ...set(A_M, c(0)),
  block('a-end',
    [loop('a-loop',
      brIf(ge(get(A_P), get(A_N)), 'a-end'),
      when(ld8(get(A_ADDED), get(A_P)), [st(get(A_OUT), get(A_M), get(A_P)), set(A_M, add(get(A_M), c(1)))]),
      set(A_P, add(get(A_P), c(1))),
      br('a-loop'),
    )],
  ),
  ...get(A_M),
  END,
];

// validated when the solver's code loads (program start-up); Node 20 compiles each wasm
// function lazily, at its first call
const compiled = new wasm.Module(
  assembleModule([
    { name: 'walk', params: 0, result: true, locals: LOCALS, body: assemble(WALK) },
    { name: 'updates', params: 1, result: true, locals: U_LOCALS, body: assemble(UPDATES) },
    { name: 'ascending', params: 1, result: true, locals: 4, body: assemble(ASCENDING) },
  ]),
);

/** Thrown when the kernel's arena, queue or lists are full: the caller redoes the walk in JS. */
export class KernelFull extends Error {
  constructor() {
    super('closure kernel: arena full');
  }
}

export interface KernelParams {
  size: number;
  installed: Uint8Array;
  installable: Uint8Array;
  colors: boolean;
  forbidSelfConflicts: boolean;
  archPolicy: boolean;
  /** capacity multiplier (a retry after KernelFull may ask for more) */
  scale: number;
}

/**
 * Where a walk's rule origin columns are in the pool's scratch column: byte offsets from its
 * start (the column may move later; offsets relative to it stay valid).
 */
export interface OriginOffsets {
  reason: number;
  p: number;
  other: number;
  dep: number;
}

/**
 * One closure walk's memory: the pool's columns copied in, the queue, the rule arena (literals
 * and the origin columns RpmSolver's PkgRuleArena has), the added map and list.
 */
export class ClosureKernel {
  private readonly h: Int32Array;
  private readonly walk: () => number;
  private readonly updates: (ni: number) => number;
  private readonly ascending: (n: number) => number;
  /** The pool's memory and its version when the views were made (checked after each callback). */
  private readonly cols: TypedDeps['cols'];
  private readonly colsVersion: number;
  readonly lits: Int32Array<ArrayBuffer>;
  readonly start: Int32Array<ArrayBuffer>;
  readonly len: Int32Array<ArrayBuffer>;
  readonly reason: Int32Array<ArrayBuffer>;
  readonly p: Int32Array<ArrayBuffer>;
  readonly other: Int32Array<ArrayBuffer>;
  readonly dep: Int32Array<ArrayBuffer>;
  /** The origin columns (reason, p, other, dep) in the scratch column (RpmSolver leaves them there). */
  readonly originsAt: OriginOffsets;
  readonly added: Uint8Array<ArrayBuffer>;
  /**
   * Per name id of a package the kernel did: 1 when the infarch rules have nothing to do for the
   * name (one arch class among its packages, or none), 2 when they must look; 0 not known.
   */
  readonly nameState: Uint8Array<ArrayBuffer>;
  private readonly addedList: Int32Array;
  private readonly queue: Int32Array;
  private readonly starts: Int32Array;
  private readonly depWp: Int32Array;
  private readonly depWpLen: Int32Array;
  private readonly wpData: Int32Array;
  private readonly depList: Int32Array;
  private readonly depFlags: Int32Array;
  private readonly pkgDep: Int32Array;
  private readonly depObjs: readonly Dep[];

  /** Scales the walk's room (tests make it small to run the KernelFull paths). */
  static roomFactor = 1;

  constructor(td: TypedDeps, kp: KernelParams) {
    const N = kp.size;
    const D = td.depCount;
    const L = td.depTop;
    const idx = td.index!;
    const names = idx.names;
    const A = td.archColor.length;
    const s = kp.scale;
    // room for the walks seen (the 60k-package bench's distupgrade: ~80k literals, ~24k rules)
    // with a margin; a larger walk fills it and runs again with 8 times the room (KernelFull).
    // Not more: the memory the walk asks for counts as external memory, and a large grow
    // brings the garbage collector into the solve.
    const f = s * ClosureKernel.roomFactor;
    const litcap = 16 + Math.ceil(f * ((L >> 1) + N + 65536));
    const rcap = 16 + Math.ceil(f * ((L >> 2) + (N >> 1) + 16384));
    const qcap = litcap + Math.ceil(f * N);
    const wpcap = 16 + Math.ceil(f * ((N >> 1) + 65536));
    // the pool's columns are read in place; the walk's own arrays go into the pool's scratch
    // column (a column that only grows: its pages are reused by the next solve)
    let top = 0;
    const rel: number[] = [];
    const region = (slot: number, bytes: number): void => {
      rel[slot] = top;
      top += (bytes + 7) & ~7;
    };
    const words: Array<[number, number]> = [
      [B_DEPWP, D], [B_DEPWPLEN, D], [B_WPDATA, wpcap], [B_COLOR, A], [B_SCORE, A], [B_QUEUE, qcap], [B_LITS, litcap],
      [B_RSTART, rcap], [B_RLEN, rcap], [B_RREASON, rcap], [B_RP, rcap], [B_ROTHER, rcap], [B_RDEP, rcap], [B_ALIST, N], [B_STARTS, N],
    ];
    for (const [slot, count] of words) region(slot, 4 * count);
    for (const slot of [B_INST, B_INSTABLE, B_ADDED]) region(slot, N);
    region(B_NAMESTATE, names);
    const cols = td.cols;
    td.takeScratch();
    // (what the scratch held is dead now: a move copies nothing)
    cols.ensure(td.scratch, top, false);
    const base = cols.offset(td.scratch);
    const buffer = cols.buffer;
    const inst = new wasm.Instance(compiled, { env: { mem: cols.mem } });
    this.cols = cols;
    this.colsVersion = cols.version;
    this.walk = inst.exports['walk'] as () => number;
    this.updates = inst.exports['updates'] as (ni: number) => number;
    this.ascending = inst.exports['ascending'] as (n: number) => number;
    const h = new Int32Array(buffer, 0, HEADER_WORDS).fill(0);
    this.h = h;
    for (const [slot] of words) h[slot] = base + rel[slot]!;
    for (const slot of [B_INST, B_INSTABLE, B_ADDED, B_NAMESTATE]) h[slot] = base + rel[slot]!;
    h[B_NAMEOF] = td.nameOf;
    h[B_ARCHOF] = td.archOf;
    h[B_EVROF] = td.evrOf;
    h[B_JS] = td.jsOnly;
    h[B_PKGDEP] = td.pkgDep;
    h[B_DEPLIST] = td.depList;
    h[B_DEPNID] = td.depNid;
    h[B_DEPFLAGS] = td.depFlags;
    h[B_IDXSTART] = idx.start;
    h[B_IDXIDS] = idx.ids;
    h[QCAP] = qcap;
    h[LITCAP] = litcap;
    h[RCAP] = rcap;
    h[WPCAP] = wpcap;
    h[P_COLORS] = kp.colors ? 1 : 0;
    h[P_FORBID] = kp.forbidSelfConflicts ? 1 : 0;
    h[P_POLICY] = kp.archPolicy ? 1 : 0;
    h[P_NOARCH] = td.noarch;
    const i32 = (slot: number, count: number): Int32Array<ArrayBuffer> => new Int32Array(buffer, h[slot]!, count);
    const u8 = (slot: number, count = N): Uint8Array<ArrayBuffer> => new Uint8Array(buffer, h[slot]!, count);
    this.pkgDep = new Int32Array(buffer, td.pkgDep, 4 * N + 4);
    this.depList = new Int32Array(buffer, td.depList, L);
    this.depFlags = new Int32Array(buffer, td.depFlags, D);
    this.depWp = i32(B_DEPWP, D).fill(-1);
    this.depWpLen = i32(B_DEPWPLEN, D);
    this.wpData = i32(B_WPDATA, wpcap);
    i32(B_COLOR, A).set(td.archColor.subarray(0, A));
    i32(B_SCORE, A).set(td.archScore.subarray(0, A));
    u8(B_INST).set(kp.installed.subarray(0, N));
    u8(B_INSTABLE).set(kp.installable.subarray(0, N));
    // (scratch of an earlier solve: the maps that must start empty are cleared)
    this.added = u8(B_ADDED).fill(0);
    this.nameState = u8(B_NAMESTATE, names).fill(0);
    this.addedList = i32(B_ALIST, N);
    this.queue = i32(B_QUEUE, qcap);
    this.starts = i32(B_STARTS, N);
    this.lits = i32(B_LITS, litcap);
    this.start = i32(B_RSTART, rcap);
    this.len = i32(B_RLEN, rcap);
    this.reason = i32(B_RREASON, rcap);
    this.p = i32(B_RP, rcap);
    this.other = i32(B_ROTHER, rcap);
    this.dep = i32(B_RDEP, rcap);
    this.depObjs = td.depObjs;
    this.originsAt = { reason: rel[B_RREASON]!, p: rel[B_RP]!, other: rel[B_ROTHER]!, dep: rel[B_RDEP]! };
  }

  /** Literals written so far (the arena's top). */
  get litTop(): number {
    return this.h[LITTOP]!;
  }

  set litTop(v: number) {
    this.h[LITTOP] = v;
  }

  /** Rules written so far. */
  get ruleCount(): number {
    return this.h[RCOUNT]!;
  }

  set ruleCount(v: number) {
    this.h[RCOUNT] = v;
  }

  /** Queue a package (the JS code's pushes while it does a package for the kernel). */
  push(q: number): void {
    const h = this.h;
    const tl = h[QTAIL]!;
    if (tl >= h[QCAP]!) throw new KernelFull();
    this.queue[tl] = q;
    h[QTAIL] = tl + 1;
  }

  /** The packages the kernel added (the JS code's own are in its list). */
  addedByKernel(): Int32Array {
    return this.addedList.subarray(0, this.h[ACOUNT]!);
  }

  /** Every package marked added (the kernel's and the JS code's), ascending (a copy). Not during a walk. */
  addedAscending(): Int32Array {
    const m = this.ascending(this.added.length);
    return this.starts.slice(0, m);
  }

  /**
   * Walk from each start in turn until the queue is empty. `js(n)` does package n the JS way
   * (it marks it added, writes its rules at litTop/ruleCount and queues through push());
   * `providers(dep)` lists a simple dependency's providers (the pool's whatprovides).
   */
  walkFrom(starts: ArrayLike<number>, js: (n: number) => void, providers: (d: Dep) => readonly number[]): void {
    const h = this.h;
    const cap = this.starts.length;
    for (let from = 0; from < starts.length; from += cap) {
      const end = Math.min(starts.length, from + cap);
      for (let x = from; x < end; x++) this.starts[x - from] = starts[x]!;
      h[SPOS] = 0;
      h[SEND] = end - from;
      h[QHEAD] = 0;
      h[QTAIL] = 0;
      this.run(js, providers);
    }
  }

  /**
   * Update candidates with allowAll of each installed package (see UPDATES: same-name packages
   * not installed; the caller does file and namespace names and obsoleters): candidates of
   * installed[x] in ids[start[x]..start[x+1]). Null when the room is short. Not during a walk.
   */
  updateLists(installed: ArrayLike<number>): { start: Int32Array; ids: Int32Array } | null {
    const ni = installed.length;
    if (ni > this.starts.length) return null;
    for (let x = 0; x < ni; x++) this.starts[x] = installed[x]!;
    const top = this.updates(ni);
    if (top < 0) return null;
    return { start: this.queue.slice(0, ni + 1), ids: this.queue.slice(ni + 1, ni + 1 + top) };
  }

  private run(js: (n: number) => void, providers: (d: Dep) => readonly number[]): void {
    const h = this.h;
    for (;;) {
      const code = this.walk();
      if (code === 0) return;
      if (code === 3 || h[FAIL] !== 0) throw new KernelFull();
      const q = h[OUT]!;
      if (code === 1) js(q);
      else this.listProviders(q, providers);
      // This object's views (header, queue, arena...) are of the pool's memory as it was set
      // up: a callback that grew it would leave them detached (reads undefined, writes lost),
      // so that is a bug to stop at, not to walk on with.
      if (this.cols.version !== this.colsVersion) throw new TypeError('closure kernel: the pool memory changed during the walk');
    }
  }

  /** The providers of package q's dependencies that the kernel does not find in the index. */
  private listProviders(q: number, providers: (d: Dep) => readonly number[]): void {
    const h = this.h;
    const depList = this.depList;
    const flags = this.depFlags;
    const wp = this.depWp;
    for (let x = this.pkgDep[4 * q]!, end = this.pkgDep[4 * q + 4]!; x < end; x++) {
      const dd = depList[x]!;
      if ((flags[dd]! & DEP_BYNAME) !== 0 || wp[dd] !== -1) continue;
      const list = providers(this.depObjs[dd]!);
      const at = h[WPTOP]!;
      if (at + list.length > h[WPCAP]!) throw new KernelFull();
      for (let y = 0; y < list.length; y++) this.wpData[at + y] = list[y]!;
      wp[dd] = at;
      this.depWpLen[dd] = list.length;
      h[WPTOP] = at + list.length;
    }
  }
}
