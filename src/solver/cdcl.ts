/**
 * A generic conflict-driven clause-learning SAT engine (MiniSat/libsolv style): two watched
 * literals, first-UIP learning, non-chronological backjumping, clause enabling/disabling and
 * proofs for conflicts at the root level. It knows nothing about packages.
 *
 * The search itself is driven from outside: a caller decides literals one at a time with
 * `decide()` (which propagates, learns and backjumps on conflicts) so that a higher layer can
 * impose its own decision order, as libsolv's `solver_run_sat` does. `solve()` gives a plain
 * default search for callers that do not care about the order.
 *
 * Variables are 1..nvars, literals are ±var. Level 1 is the root level ("assertions").
 *
 * One shape is assumed by two helpers for the layer above: `nextOpenClause` and
 * `setClauseRunsByHead` read a clause as "if the negated first literal holds, one of the
 * positive ones must" (a requires rule: -requirer, candidates...), which is how a package
 * solver's decision pass looks for unresolved requirements. The engine itself treats every
 * clause alike.
 */

import { grownI32 } from '../util/index.js';
import { H, HEADER_BYTES, PAGE, instantiateKernel, type CdclKernel, type WasmMemory } from './cdcl-kernel.js';
import { clauseLoader, type ClauseLoader } from './clause-load-kernel.js';

/** A clause as callers see it (a view; the engine keeps clauses in flat typed arrays). */
export interface Clause {
  /** Literals in the order the caller gave them (layers above read them in that order). */
  readonly lits: Int32Array;
  disabled: boolean;
}

export interface RootConflict {
  /** The clause that was violated at the root level. */
  conflict: number;
  /**
   * Every original (non-learnt) clause that takes part in the refutation, in the order libsolv's
   * `analyze_unsolvable` visits them: the conflict clause, then the reasons of the involved
   * decisions from the newest to the oldest, learnt clauses expanded to their sources.
   */
  proof: number[];
}

/**
 * Computes a clause order in the engine's kernel memory: given the byte addresses of the rules'
 * literals, starts and lengths (i32 arrays) and their number, it may grow the memory for its
 * own scratch and returns the byte address and length of the order (rule indexes).
 */
export type ClauseSorter = (memory: WasmMemory, lits: number, start: number, len: number, nrules: number) => { at: number; count: number };

/**
 * Clauses live in flat typed arrays, as libsolv's rules do: the literals of clause id are
 * `litArena[clauseStart[id] .. clauseStart[id] + clauseLen[id])`, and the watch lists are linked
 * lists threaded through the clauses (`next1`/`next2`: the next clause watching the same literal
 * as this clause's first/second watch, libsolv's n1/n2), appended at the tail so they are
 * visited in the order the clauses started watching. No object or array per clause: building
 * tens of thousands of rules allocates nothing the garbage collector has to trace.
 */
export class CdclSolver {
  /** Number of clause ids in use (id 0 is a disabled empty placeholder). */
  nclauses = 1;
  /** Literals of every clause, back to back. */
  litArena = new Int32Array(1 << 14);
  private litTop = 0;
  /** Per clause: offset of its literals in litArena. */
  clauseStart = new Int32Array(1024);
  /**
   * Compact per-clause first literal (0 when empty), length and disabled flag (1 = disabled):
   * callers that scan every clause (libsolv's rule passes) read these.
   */
  clauseHead = new Int32Array(1024);
  clauseLen = new Int32Array(1024);
  clauseOff = new Uint8Array(1024).fill(1, 0, 1);
  /** Watched literal positions (offsets into the clause), -1 for clauses under two literals. */
  private w1 = new Int32Array(1024);
  private w2 = new Int32Array(1024);
  private next1 = new Int32Array(1024);
  private next2 = new Int32Array(1024);
  /** For learnt clauses: the clause ids the learnt clause was derived from. */
  private whyOf = new Map<number, Int32Array>();
  /** Number of original clauses; clauses with a larger id are learnt. */
  private originalEnd = -1;
  /** decisionMap[v] = +level when v is true, -level when false, 0 when undecided. */
  decisionMap!: Int32Array;
  /**
   * The trail of assigned literals (`trailLits[0 .. trailLen)`) and the clause that forced each
   * one (`trailWhys`, 0 = free decision). Every variable is assigned at most once, so nvars + 1
   * slots always suffice.
   */
  trailLits!: Int32Array<ArrayBuffer>;
  trailWhys!: Int32Array<ArrayBuffer>;
  trailLen = 0;
  private propagateIndex = 0;
  private trailPos!: Int32Array;
  /** Watch list head and tail clause per literal index (0 = empty). */
  private watchHead!: Int32Array;
  private watchTail!: Int32Array;
  level = 0;
  /** Statistics. */
  conflicts = 0;
  decisions = 0;

  nvars: number;

  constructor(nvars: number) {
    this.nvars = nvars;
    // the per-variable arrays live in the kernel memory from the start (see adopt)
    const k = instantiateKernel(HEADER_BYTES + CdclSolver.varBytes(nvars));
    this.setVarViews(k.memory.buffer);
    this.kernel = k;
    this.kernelVars = nvars;
    this.w1[0] = this.w2[0] = -1;
  }

  /** Add variables (for callers that discover their universe lazily). Returns the first new id. */
  addVariables(count: number): number {
    const first = this.nvars + 1;
    const n = this.nvars + count;
    const dm = new Int32Array(n + 1);
    dm.set(this.decisionMap);
    const tp = new Int32Array(n + 1);
    tp.set(this.trailPos);
    this.decisionMap = dm;
    this.trailPos = tp;
    this.trailLits = grownI32(this.trailLits, n + 1);
    this.trailWhys = grownI32(this.trailWhys, n + 1);
    this.kernelVars = -1; // adopt lays the variables out again
    this.kernelClauses = false;
    const wh = new Int32Array(2 * n + 2);
    wh.set(this.watchHead);
    const wt = new Int32Array(2 * n + 2);
    wt.set(this.watchTail);
    this.watchHead = wh;
    this.watchTail = wt;
    this.nvars = n;
    return first;
  }

  /** The trail as an array view (a fresh view: valid until the next assignment). */
  get trail(): Int32Array {
    return this.trailLits.subarray(0, this.trailLen);
  }

  private wi(lit: number): number {
    return lit > 0 ? 2 * lit : -2 * lit + 1;
  }

  /** The literals of a clause (a view into the arena: valid until the next clause is added). */
  lits(id: number): Int32Array {
    const s = this.clauseStart[id]!;
    return this.litArena.subarray(s, s + this.clauseLen[id]!);
  }

  /** A clause as an object (for callers off the hot paths). */
  clause(id: number): Clause {
    return { lits: this.lits(id).slice(), disabled: this.clauseOff[id] === 1 };
  }

  isDisabled(id: number): boolean {
    return this.clauseOff[id] === 1;
  }

  /** The clause ids a learnt clause was derived from (null for original clauses). */
  why(id: number): Int32Array | null {
    return this.whyOf.get(id) ?? null;
  }

  private ensureClauses(id: number): void {
    if (id < this.clauseHead.length) return;
    const size = Math.max(this.clauseHead.length * 2, id + 1);
    this.clauseHead = grownI32(this.clauseHead, size);
    this.clauseLen = grownI32(this.clauseLen, size);
    this.clauseStart = grownI32(this.clauseStart, size);
    this.w1 = grownI32(this.w1, size);
    this.w2 = grownI32(this.w2, size);
    this.next1 = grownI32(this.next1, size);
    this.next2 = grownI32(this.next2, size);
    const off = new Uint8Array(size);
    off.set(this.clauseOff);
    this.clauseOff = off;
  }

  /** Add a clause (a disjunction of literals); returns its id. */
  addClause(lits: ArrayLike<number>, why: Int32Array | null = null): number {
    const n = lits.length;
    const base = this.begin(n);
    const arena = this.litArena;
    const nvars = this.nvars;
    let m = base;
    // each literal once (keeping the first occurrence; clauses are short: a scan is cheapest)
    outer: for (let i = 0; i < n; i++) {
      const l = lits[i]!;
      if (l === 0 || l > nvars || -l > nvars) throw new RangeError(`bad literal ${l}`);
      for (let k = base; k < m; k++) if (arena[k] === l) continue outer;
      arena[m++] = l;
    }
    return this.finish(base, m, why);
  }

  /**
   * Add clauses in bulk: for each k < count, the clause src[start[order[k]] .. + len[order[k]]),
   * under the same guarantees as addClauseRange (valid, distinct literals; nothing assigned).
   * Returns the id of the first one (the others follow in order). One call for a whole rule
   * class instead of one per rule.
   */
  addClausesFrom(
    src: Int32Array,
    start: Int32Array,
    len: Int32Array,
    order: Int32Array,
    count: number,
    /** the used part of src and of start/len (what the kernel copies) */
    srcTop = src.length,
    nrules = start.length,
  ): number {
    if (this.trail.length !== 0) throw new TypeError('addClausesFrom: assignments exist');
    const first = this.nclauses;
    if (count >= CdclSolver.kernelMin && this.addClausesKernel(src, srcTop, start, len, nrules, order, count, null) !== null) return first;
    this.addClausesJs(src, start, len, order, count);
    return first;
  }

  /**
   * addClausesFrom with the order computed by `sorter` in the kernel memory, where the rules
   * are copied once (the sorter reads them there and the clause layout is written from there
   * straight into the engine's arrays): the clauses are the sorter's order of the `nrules`
   * rules src[start[r] .. + len[r]), each at most once. Returns the first id and the order.
   */
  addClausesSorted(
    src: Int32Array, srcTop: number, start: Int32Array, len: Int32Array, nrules: number, sorter: ClauseSorter,
  ): { first: number; order: Int32Array } {
    if (this.trail.length !== 0) throw new TypeError('addClausesSorted: assignments exist');
    const first = this.nclauses;
    const order = this.addClausesKernel(src, srcTop, start, len, nrules, null, 0, sorter)!;
    return { first, order };
  }

  private addClausesJs(src: Int32Array, start: Int32Array, len: Int32Array, order: Int32Array, count: number): void {
    const first = this.nclauses;
    let total = 0;
    for (let k = 0; k < count; k++) total += len[order[k]!]!;
    if (this.litTop + total > this.litArena.length) this.litArena = grownI32(this.litArena, this.litTop + total);
    this.ensureClauses(first + count);
    const arena = this.litArena;
    const cs = this.clauseStart;
    const cl = this.clauseLen;
    const ch = this.clauseHead;
    const off = this.clauseOff;
    const w1 = this.w1;
    const w2 = this.w2;
    const next1 = this.next1;
    const next2 = this.next2;
    const head = this.watchHead;
    const tail = this.watchTail;
    let top = this.litTop;
    for (let k = 0; k < count; k++) {
      const r = order[k]!;
      const from = start[r]!;
      const n = len[r]!;
      const id = first + k;
      for (let i = 0; i < n; i++) arena[top + i] = src[from + i]!;
      cs[id] = top;
      cl[id] = n;
      ch[id] = n > 0 ? arena[top]! : 0;
      off[id] = 0;
      if (n < 2) {
        w1[id] = -1;
        w2[id] = -1;
      } else {
        w1[id] = 0;
        w2[id] = 1;
        next1[id] = 0;
        next2[id] = 0;
        // append to the watch lists of the first two literals
        for (let w = 0; w < 2; w++) {
          const lit = arena[top + w]!;
          const kk = lit > 0 ? 2 * lit : -2 * lit + 1;
          const t = tail[kk]!;
          if (t === 0) head[kk] = id;
          else if (arena[cs[t]! + w1[t]!] === lit) next1[t] = id;
          else next2[t] = id;
          tail[kk] = id;
        }
      }
      top += n;
    }
    this.litTop = top;
    this.nclauses = first + count;
  }

  /** From how many clauses addClausesFrom lays them out in the WebAssembly kernel (tests set 0 or Infinity). */
  static kernelMin = 512;

  /** The clause-load kernel on the engine's memory (made again when the memory is replaced). */
  private loader: ClauseLoader | null = null;
  private loaderMemory: object | null = null;

  private loaderOf(mem: object): ClauseLoader {
    if (this.loaderMemory !== mem) {
      this.loader = clauseLoader(mem);
      this.loaderMemory = mem;
    }
    return this.loader!;
  }

  /**
   * addClausesFrom's loop in the kernel (clause-load-kernel.ts), writing straight into the
   * engine's clause arrays in the kernel memory (adopted first, with room for every source
   * rule); the source is copied once, to the memory's end (a sorter computes the order there).
   * Returns the order, or null when not done (more literals than the arena has room for: a
   * given order naming rules many times).
   */
  private addClausesKernel(
    src: Int32Array, srcTop: number, start: Int32Array, len: Int32Array, nrules: number,
    order: Int32Array | null, count: number, sorter: ClauseSorter | null,
  ): Int32Array | null {
    const first = this.nclauses;
    const rules = order ? count : nrules;
    if (!this.kernelReady() || first + rules > this.clauseHead.length || this.litTop + srcTop > this.litArena.length) this.adopt(rules, srcTop);
    const mem = this.kernel!.memory;
    const at0 = mem.buffer.byteLength;
    let at = at0;
    const take = (words: number): number => {
      const a = at;
      at += words * 4;
      return a;
    };
    const pSrc = take(srcTop), pStart = take(nrules), pLen = take(nrules), pOrder = order ? take(count) : 0;
    const pFix = take(6 * rules), pTotal = take(1);
    mem.grow(Math.ceil((at - at0) / PAGE));
    this.refreshViews();
    let buf = mem.buffer;
    new Int32Array(buf, pSrc, srcTop).set(src.subarray(0, srcTop));
    new Int32Array(buf, pStart, nrules).set(start.subarray(0, nrules));
    new Int32Array(buf, pLen, nrules).set(len.subarray(0, nrules));
    let ordAt = pOrder;
    let n = count;
    let ord: Int32Array;
    if (order) {
      ord = order;
      new Int32Array(buf, pOrder, count).set(order.subarray(0, count));
    } else {
      const r = sorter!(mem, pSrc, pStart, pLen, nrules);
      this.refreshViews();
      buf = mem.buffer;
      ordAt = r.at;
      n = r.count;
      ord = new Int32Array(buf, ordAt, n).slice();
    }
    const h = this.kernelHeader!;
    const f = first * 4;
    const nfix = this.loaderOf(mem).load(
      n, first, this.litTop, pSrc, pStart, pLen, ordAt, h[H.ARENA]! + this.litTop * 4,
      h[H.START]! + f, h[H.LEN]! + f, h[H.HEAD]! + f, h[H.W1]! + f, h[H.W2]! + f, h[H.NEXT1]! + f, h[H.NEXT2]! + f,
      h[H.WATCH_HEAD]!, h[H.WATCH_TAIL]!, pFix, this.litArena.length - this.litTop, pTotal, this.nvars,
    );
    // a caller's bug, not an input error: the watch lists may already name the refused
    // clauses, so the engine is not usable afterwards
    if (nfix === -2) throw new RangeError('addClausesFrom: a literal is 0 or beyond the variables');
    if (nfix < 0) {
      if (order) return null;
      // a sorter names each rule at most once and adopt left room for srcTop literals
      throw new TypeError('addClausesSorted: the sorted rules exceed the room for their literals');
    }
    this.clauseOff.fill(0, first, first + n);
    // links from clauses added before this call
    const fix = new Int32Array(buf, pFix, nfix);
    for (let x = 0; x < nfix; x += 3) {
      const t = fix[x]!;
      const lit = fix[x + 1]!;
      if (this.litArena[this.clauseStart[t]! + this.w1[t]!] === lit) this.next1[t] = fix[x + 2]!;
      else this.next2[t] = fix[x + 2]!;
    }
    this.litTop += new Int32Array(buf, pTotal, 1)[0]!;
    this.nclauses = first + n;
    // the staging and the sorter's scratch are dead now: room for kernelScratch (the larger
    // of this and the room before)
    if (mem.buffer.byteLength - at0 > this.freeEnd - this.freeAt) {
      this.freeAt = (at0 + 7) & ~7;
      this.freeEnd = mem.buffer.byteLength;
    }
    return ord;
  }

  /**
   * Add the clause src[from..to), whose literals the caller guarantees to be valid and distinct
   * (rule builders that pass their own arena): no allocation, no per-literal checks. Nothing may
   * be assigned yet (the first two literals are watched).
   */
  addClauseRange(src: Int32Array, from: number, to: number): number {
    const n = to - from;
    const base = this.litTop;
    if (base + n > this.litArena.length) this.litArena = grownI32(this.litArena, base + n);
    const arena = this.litArena;
    for (let i = 0; i < n; i++) arena[base + i] = src[from + i]!;
    const id = this.nclauses++;
    if (id >= this.clauseHead.length) this.ensureClauses(id);
    this.litTop = base + n;
    this.clauseStart[id] = base;
    this.clauseLen[id] = n;
    this.clauseHead[id] = n > 0 ? arena[base]! : 0;
    this.clauseOff[id] = 0;
    if (n < 2) {
      this.w1[id] = -1;
      this.w2[id] = -1;
      return id;
    }
    if (this.trail.length !== 0) throw new TypeError('addClauseRange: assignments exist');
    this.w1[id] = 0;
    this.w2[id] = 1;
    this.next1[id] = 0;
    this.next2[id] = 0;
    // append to the watch lists of the first two literals (inline: this runs once per rule)
    const head = this.watchHead;
    const tail = this.watchTail;
    for (let w = 0; w < 2; w++) {
      const lit = arena[base + w]!;
      const k = lit > 0 ? 2 * lit : -2 * lit + 1;
      const t = tail[k]!;
      if (t === 0) head[k] = id;
      else if (arena[this.clauseStart[t]! + this.w1[t]!] === lit) this.next1[t] = id;
      else this.next2[t] = id;
      tail[k] = id;
    }
    return id;
  }

  private begin(n: number): number {
    const base = this.litTop;
    if (base + n > this.litArena.length) this.litArena = grownI32(this.litArena, base + n);
    return base;
  }

  private finish(base: number, m: number, why: Int32Array | null): number {
    const id = this.nclauses++;
    this.ensureClauses(id);
    this.litTop = m;
    const len = m - base;
    this.clauseStart[id] = base;
    this.clauseLen[id] = len;
    this.clauseHead[id] = len > 0 ? this.litArena[base]! : 0;
    this.clauseOff[id] = 0;
    this.w1[id] = -1;
    this.w2[id] = -1;
    if (why) this.whyOf.set(id, why);
    if (len >= 2) this.attach(id);
    return id;
  }

  /** Mark the end of the original clauses: later ones are learnt and dropped by reset(). */
  freeze(): void {
    this.originalEnd = this.nclauses;
  }

  isLearnt(id: number): boolean {
    return this.originalEnd >= 0 && id >= this.originalEnd;
  }

  private attach(id: number): void {
    // Prefer watching literals that are not false, so a clause added during search stays correct.
    // The first two positions by (true, undecided, false), then by position.
    const n = this.clauseLen[id]!;
    const s = this.clauseStart[id]!;
    if (this.trailLen === 0) {
      // nothing assigned yet (the rules of a new problem): the first two literals
      this.w1[id] = 0;
      this.w2[id] = 1;
      this.watch(this.litArena[s]!, id, true);
      this.watch(this.litArena[s + 1]!, id, false);
      return;
    }
    let w1 = -1;
    let w2 = -1;
    for (let rank = 0; rank < 3 && w2 < 0; rank++) {
      for (let i = 0; i < n && w2 < 0; i++) {
        const v = this.litValue(this.litArena[s + i]!);
        const r = v > 0 ? 0 : v === 0 ? 1 : 2;
        if (r !== rank) continue;
        if (w1 < 0) w1 = i;
        else w2 = i;
      }
    }
    this.w1[id] = w1;
    this.w2[id] = w2;
    this.watch(this.litArena[s + w1]!, id, true);
    this.watch(this.litArena[s + w2]!, id, false);
  }

  /** Append clause id to the watch list of lit, through its first (first = true) or second link. */
  private watch(lit: number, id: number, first: boolean): void {
    const k = this.wi(lit);
    if (first) this.next1[id] = 0;
    else this.next2[id] = 0;
    const tail = this.watchTail[k]!;
    if (tail === 0) this.watchHead[k] = id;
    else this.setNext(tail, k, id);
    this.watchTail[k] = id;
  }

  /** Set the link of clause c that belongs to the watch list k (c watches k's literal once). */
  private setNext(c: number, k: number, to: number): void {
    const lit = k & 1 ? -(k >> 1) : k >> 1;
    const s = this.clauseStart[c]!;
    if (this.w1[c]! >= 0 && this.litArena[s + this.w1[c]!] === lit) this.next1[c] = to;
    else this.next2[c] = to;
  }

  disable(id: number): void {
    this.clauseOff[id] = 1;
  }

  enable(id: number): void {
    this.clauseOff[id] = 0;
  }

  /** +1 true, -1 false, 0 undecided. */
  litValue(lit: number): number {
    const d = this.decisionMap[lit > 0 ? lit : -lit]!;
    if (d === 0) return 0;
    return (d > 0) === lit > 0 ? 1 : -1;
  }

  varLevel(v: number): number {
    return Math.abs(this.decisionMap[v]!);
  }

  /** Assign a literal at the current level without propagating. */
  assign(lit: number, why: number): void {
    const v = lit > 0 ? lit : -lit;
    this.decisionMap[v] = lit > 0 ? this.level : -this.level;
    const t = this.trailLen++;
    this.trailPos[v] = t;
    this.trailLits[t] = lit;
    this.trailWhys[t] = why;
  }

  /**
   * Run the WebAssembly kernels (cdcl-kernel.ts) on the engine's arrays; false runs the JS
   * reference loops (tests compare the two).
   */
  useKernel = true;
  private kernel: CdclKernel | null = null;
  private kernelHeader: Int32Array | null = null;
  /** The kernel's scan output: the open clause's undecided positive literals. */
  private kernelDq: Int32Array | null = null;
  /** Per clause id: one past the last clause of its run (set by setClauseRuns), for scans. */
  private runEnd: Int32Array<ArrayBuffer> = new Int32Array(0);

  /** Are the engine's arrays (still) the kernel memory's? Growing an array replaces it. */
  private kernelReady(): boolean {
    // (new variables and new clause runs clear kernelClauses; ensureClauses replaces every
    // clause array at once, the rule builders may replace the literal arena)
    const b = this.kernelBuf;
    return this.kernelClauses && this.litArena.buffer === b && this.clauseStart.buffer === b;
  }

  /** The kernel memory's buffer as of the last adopt. */
  private kernelBuf: ArrayBuffer | null = null;

  /** The number of variables whose arrays are laid out in the kernel memory (-1: none). */
  private kernelVars = -1;

  /** Bytes of the per-variable arrays (after the header). */
  private static varBytes(nvars: number): number {
    return 9 * (nvars + 1) * 4;
  }

  /** Views of the per-variable arrays, at fixed offsets after the header. */
  private static varViews(buf: ArrayBuffer, nvars: number): Record<'dm' | 'tp' | 'tr' | 'tw' | 'dq' | 'wh' | 'wt', Int32Array<ArrayBuffer>> {
    const nv = nvars + 1;
    const at = (k: number, n: number): Int32Array<ArrayBuffer> => new Int32Array(buf, HEADER_BYTES + k * nv * 4, n);
    return { dm: at(0, nv), tp: at(1, nv), tr: at(2, nv), tw: at(3, nv), dq: at(4, nv), wh: at(5, 2 * nv), wt: at(7, 2 * nv) };
  }

  /** (Re)make the per-variable arrays' views at their fixed places after the header. */
  private setVarViews(buf: ArrayBuffer): void {
    const v = CdclSolver.varViews(buf, this.nvars);
    this.decisionMap = v.dm;
    this.trailPos = v.tp;
    this.trailLits = v.tr;
    this.trailWhys = v.tw;
    this.kernelDq = v.dq;
    this.watchHead = v.wh;
    this.watchTail = v.wt;
  }

  /**
   * Give the kernels the engine's arrays. The per-variable arrays already live in the kernel
   * memory (allocated there by the constructor: built in place, never copied); the clause
   * arrays, built as plain arrays, are copied into a region appended to the memory, with room
   * for learnt clauses (when they outgrow it, the next kernel call appends a larger region).
   * Growing the memory makes new views of everything: callers read the fields again after a
   * decision, so they see the new arrays.
   */
  private adopt(extraClauses = 0, extraLits = 0): void {
    const nv = this.nvars + 1;
    const nc = this.nclauses;
    if (this.kernel === null || this.kernelVars !== this.nvars || this.decisionMap.buffer !== this.kernel.memory.buffer) {
      // variables were added (or no kernel yet): a fresh memory, the variable arrays copied in
      const k = instantiateKernel(HEADER_BYTES + CdclSolver.varBytes(this.nvars));
      const v = CdclSolver.varViews(k.memory.buffer, this.nvars);
      v.dm.set(this.decisionMap.subarray(0, nv));
      v.tp.set(this.trailPos.subarray(0, nv));
      v.tr.set(this.trailLits.subarray(0, this.trailLen));
      v.tw.set(this.trailWhys.subarray(0, this.trailLen));
      v.wh.set(this.watchHead.subarray(0, 2 * nv));
      v.wt.set(this.watchTail.subarray(0, 2 * nv));
      this.kernel = k;
      this.kernelVars = this.nvars;
      this.freeAt = this.freeEnd = 0; // (the dead staging was the old memory's)
      this.setVarViews(k.memory.buffer);
    }
    const k = this.kernel;
    const mem = k.memory;
    // clause arrays that are views of this memory are detached by the growth: copy them out
    const kb = mem.buffer;
    const out = (a: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> => (a.buffer === kb ? a.slice(0, n) : a);
    const srcStart = out(this.clauseStart, nc);
    const srcLen = out(this.clauseLen, nc);
    const srcHead = out(this.clauseHead, nc);
    const srcW1 = out(this.w1, nc);
    const srcW2 = out(this.w2, nc);
    const srcN1 = out(this.next1, nc);
    const srcN2 = out(this.next2, nc);
    const srcRun = out(this.runEnd, this.runEnd.length);
    const srcArena = out(this.litArena, this.litTop);
    const srcOff = this.clauseOff.buffer === kb ? this.clauseOff.slice(0, nc) : this.clauseOff;
    const cbase = nc + extraClauses;
    const lbase = this.litTop + extraLits;
    const ccap = cbase + (cbase >> 1) + 1024;
    const lcap = lbase + (lbase >> 1) + 16384;
    const rlen = srcRun.length;
    let at = kb.byteLength;
    const take = (words: number): number => {
      const a = at;
      at += words * 4;
      return a;
    };
    const aSt = take(ccap), aLn = take(ccap), aHd = take(ccap), aW1 = take(ccap), aW2 = take(ccap);
    const aN1 = take(ccap), aN2 = take(ccap), aOff = take((ccap + 3) >> 2), aRe = take(rlen), aAr = take(lcap);
    mem.grow(Math.ceil((at - kb.byteLength) / PAGE));
    const buf = mem.buffer;
    this.setVarViews(buf);
    const view = (a: number, n: number, from: Int32Array, count: number): Int32Array<ArrayBuffer> => {
      const x = new Int32Array(buf, a, n);
      x.set(from.subarray(0, count));
      return x;
    };
    this.clauseStart = view(aSt, ccap, srcStart, nc);
    this.clauseLen = view(aLn, ccap, srcLen, nc);
    this.clauseHead = view(aHd, ccap, srcHead, nc);
    this.w1 = view(aW1, ccap, srcW1, nc);
    this.w2 = view(aW2, ccap, srcW2, nc);
    this.next1 = view(aN1, ccap, srcN1, nc);
    this.next2 = view(aN2, ccap, srcN2, nc);
    const off = new Uint8Array(buf, aOff, ccap);
    off.set(srcOff.subarray(0, nc));
    this.clauseOff = off;
    this.runEnd = view(aRe, rlen, srcRun, rlen);
    this.litArena = view(aAr, lcap, srcArena, this.litTop);
    const h = new Int32Array(buf, 0, HEADER_BYTES / 4);
    const nvb = nv * 4;
    h[H.DM] = HEADER_BYTES;
    h[H.TRAIL_POS] = HEADER_BYTES + nvb;
    h[H.TRAIL] = HEADER_BYTES + 2 * nvb;
    h[H.TRAIL_WHY] = HEADER_BYTES + 3 * nvb;
    h[H.DQ] = HEADER_BYTES + 4 * nvb;
    h[H.WATCH_HEAD] = HEADER_BYTES + 5 * nvb;
    h[H.WATCH_TAIL] = HEADER_BYTES + 7 * nvb;
    h[H.START] = aSt;
    h[H.LEN] = aLn;
    h[H.HEAD] = aHd;
    h[H.OFF] = aOff;
    h[H.W1] = aW1;
    h[H.W2] = aW2;
    h[H.NEXT1] = aN1;
    h[H.NEXT2] = aN2;
    h[H.ARENA] = aAr;
    h[H.RUN_END] = aRe;
    h[H.RUN_END_LEN] = rlen;
    this.kernelHeader = h;
    this.kernelClauses = true;
    this.kernelBuf = buf;
    this.kernelCcap = ccap;
    this.kernelLcap = lcap;
  }

  /** The sizes of the clause arrays (clauses) and the literal arena adopt laid out. */
  private kernelCcap = 0;
  private kernelLcap = 0;

  /**
   * After the kernel memory grew (its contents stay, its buffer is new): views of the new
   * buffer at the same places for every array that was a view of the old one.
   */
  private refreshViews(): void {
    const old = this.kernelBuf;
    const buf = this.kernel!.memory.buffer;
    if (buf === old) return;
    if (this.decisionMap.buffer === old) {
      this.setVarViews(buf);
    }
    const h = new Int32Array(buf, 0, HEADER_BYTES / 4);
    // (a detached view has no offset or length left: the places are the header's, the sizes
    // adopt's)
    const cc = this.kernelCcap;
    const again = (a: Int32Array<ArrayBuffer>, at: number, n: number): Int32Array<ArrayBuffer> => (a.buffer === old ? new Int32Array(buf, at, n) : a);
    this.clauseStart = again(this.clauseStart, h[H.START]!, cc);
    this.clauseLen = again(this.clauseLen, h[H.LEN]!, cc);
    this.clauseHead = again(this.clauseHead, h[H.HEAD]!, cc);
    this.w1 = again(this.w1, h[H.W1]!, cc);
    this.w2 = again(this.w2, h[H.W2]!, cc);
    this.next1 = again(this.next1, h[H.NEXT1]!, cc);
    this.next2 = again(this.next2, h[H.NEXT2]!, cc);
    this.runEnd = again(this.runEnd, h[H.RUN_END]!, h[H.RUN_END_LEN]!);
    this.litArena = again(this.litArena, h[H.ARENA]!, this.kernelLcap);
    if (this.clauseOff.buffer === old) this.clauseOff = new Uint8Array(buf, h[H.OFF]!, cc);
    this.kernelHeader = h;
    this.kernelBuf = buf;
  }

  /** Have the clause arrays been given to the kernels (adopt)? Until then they are plain arrays. */
  private kernelClauses = false;

  /**
   * Clause runs for nextOpenClause: runEnd[id] is one past the last clause of the run of
   * adjacent clauses with clause id's first literal (ids from runEnd.length on are not skipped).
   */
  setClauseRuns(runEnd: Int32Array): void {
    if (!this.kernelReady()) {
      this.runEnd = runEnd.slice();
      this.kernelClauses = false;
      return;
    }
    // the clause arrays are the kernel's already: the runs go to the memory's end (no new
    // copy of every clause array)
    const mem = this.kernel!.memory;
    const at = mem.buffer.byteLength;
    mem.grow(Math.ceil((runEnd.length * 4) / PAGE));
    this.refreshViews();
    const re = new Int32Array(mem.buffer, at, runEnd.length);
    re.set(runEnd);
    this.runEnd = re;
    const h = this.kernelHeader!;
    h[H.RUN_END] = at;
    h[H.RUN_END_LEN] = runEnd.length;
  }

  /**
   * Room for a caller's kernel next to the clause arrays (contents undefined; valid until the
   * next call or bulk load): the dead staging of the last bulk load when it is large enough,
   * else `bytes` at the end of the kernel memory, the engine's arrays viewed again afterwards
   * (read the fields after this call). Null when the clause arrays are not in the kernel memory.
   */
  private freeAt = 0;
  private freeEnd = 0;

  kernelScratch(bytes: number): { memory: WasmMemory; at: number } | null {
    if (!this.kernelReady()) return null;
    const mem = this.kernel!.memory;
    // the last bulk load's staging, dead since (its pages are touched already: cheaper than
    // fresh ones); valid until the next kernelScratch or bulk load
    if (this.freeEnd - this.freeAt >= bytes) return { memory: mem, at: this.freeAt };
    const at = mem.buffer.byteLength;
    mem.grow(Math.ceil(bytes / PAGE));
    this.refreshViews();
    return { memory: mem, at };
  }

  /**
   * setClauseRuns with the runs of clauses 1 .. end - 1 by first literal (runEnd[id]: one past
   * the last adjacent clause with clause id's first literal), computed by a kernel straight
   * into the kernel memory when the clause arrays are there.
   */
  setClauseRunsByHead(end: number): void {
    if (!this.kernelReady() || end < 1) {
      const heads = this.clauseHead;
      const runEnd = new Int32Array(Math.max(end, 0));
      for (let r = end - 1; r >= 1; r--) runEnd[r] = r + 1 < end && heads[r + 1] === heads[r] ? runEnd[r + 1]! : r + 1;
      this.setClauseRuns(runEnd);
      return;
    }
    const mem = this.kernel!.memory;
    let at: number;
    if (this.freeEnd - this.freeAt >= end * 4) {
      // (from the dead staging, for good)
      at = this.freeAt;
      this.freeAt += (end * 4 + 7) & ~7;
    } else {
      at = mem.buffer.byteLength;
      mem.grow(Math.ceil((end * 4) / PAGE));
      this.refreshViews();
    }
    const h = this.kernelHeader!;
    this.loaderOf(mem).runs(h[H.HEAD]! + 4, at + 4, end - 1, 1);
    new Int32Array(mem.buffer, at, 1)[0] = 0;
    this.runEnd = new Int32Array(mem.buffer, at, end);
    h[H.RUN_END] = at;
    h[H.RUN_END_LEN] = end;
  }

  /** Unit propagation from the propagate index. Returns the violated clause id or 0. */
  propagate(): number {
    if (!this.useKernel) return this.propagateJs();
    return this.runSynced(0, 0, 0, 0, 0);
  }

  /**
   * One kernel call that moves the trail: the trail length, propagate index and level go into
   * the kernel's header, the trail length and propagate index it leaves come back.
   */
  private runSynced(op: number, a: number, b: number, c: number, d: number): number {
    if (!this.kernelReady()) this.adopt();
    const h = this.kernelHeader!;
    h[0] = this.trailLen; // H.TRAIL_LEN
    h[1] = this.propagateIndex; // H.PROP_INDEX
    h[2] = this.level; // H.LEVEL
    const r = this.kernel!.run(op, a, b, c, d);
    this.trailLen = h[0]!;
    this.propagateIndex = h[1]!;
    return r;
  }

  /** Where the last nextOpenClause call stopped (the loop position i, n of its caller). */
  scanI = 0;
  scanN = 0;

  /**
   * libsolv's pass over the unresolved rules, one step: from clause i (n clauses looked at so
   * far), the next enabled clause that no true literal satisfies and that has two or more
   * undecided positive literals (put into dq, in clause order), skipping clauses whose first
   * literal is negative with its variable not true (and the rest of their run, see
   * setClauseRuns). Returns its id, or 0 when n reached nrules; scanI/scanN are the position.
   */
  nextOpenClause(i: number, n: number, nrules: number, dq: number[]): number {
    if (!this.useKernel) return this.nextOpenClauseJs(i, n, nrules, dq);
    if (!this.kernelReady()) this.adopt();
    return this.scanOut(this.kernel!.run(1, i, n, nrules, 0), dq);
  }

  /** A kernel scan's result: its position and candidates out of the header. */
  private scanOut(r: number, dq: number[]): number {
    const h = this.kernelHeader!;
    this.scanI = h[H.SCAN_I]!;
    this.scanN = h[H.SCAN_N]!;
    dq.length = 0;
    if (r !== 0) {
      const q = this.kernelDq!;
      for (let k = 0, e = h[H.DQ_LEN]!; k < e; k++) dq.push(q[k]!);
    }
    return r;
  }

  /** The result of the scan decideAndScan ran, or -1 when it did not run (a conflict). */
  scanFound = -1;

  /**
   * decide(lit), then, when its propagation met no conflict (the new level stands), the scan
   * nextOpenClause(i, n, nrules, dq) at once: in one kernel call. Returns what decide returns;
   * scanFound (and scanI, scanN, dq) is the scan's result, or -1 when a conflict was analysed
   * instead (then the caller scans again itself if it goes on).
   */
  decideAndScan(lit: number, i: number, n: number, nrules: number, dq: number[]): number | RootConflict {
    this.scanFound = -1;
    if (!this.useKernel) {
      this.decisions++;
      this.level++;
      this.assign(lit, 0);
      const c = this.propagateJs();
      if (c !== 0) return this.propagateLearn(c);
      this.scanFound = this.nextOpenClauseJs(i, n, nrules, dq);
      return this.level;
    }
    this.decisions++;
    this.level++;
    const r = this.runSynced(3, lit, i, n, nrules);
    if (r < 0) return this.propagateLearn(-r);
    this.scanFound = this.scanOut(r, dq);
    return this.level;
  }

  /**
   * The steps decideSteps walks (setSteps): 4 words a step (variable v, clause r, flags, offset
   * of its candidates) and the candidates (pairs: positive literal, rank). Kept here as given;
   * copied into the kernel memory on first use (again when that memory is replaced).
   */
  private steps: Int32Array = new Int32Array(0);
  private stepCands: Int32Array = new Int32Array(0);
  /** The kernel the steps were copied for (null: not copied yet). */
  private stepsIn: CdclKernel | null = null;
  /** Where decideSteps stopped: the step index and the number of steps looked at. */
  stepK = 0;
  stepN = 0;
  /** After a conflict: which decision met it (0 the step's pick, 1 its own variable). */
  stepWhich = 0;
  /** The decisions the last decideSteps call made (a conflicting one included). */
  stepDecisions = 0;

  /**
   * Give decideSteps its table (see there); `steps` holds 4 words a step, `cands` pairs of a
   * positive literal and its rank (the step's candidates, at offset `steps[4k + 3]` in pairs).
   */
  setSteps(steps: Int32Array, cands: Int32Array): void {
    this.steps = steps;
    this.stepCands = cands;
    this.stepsIn = null;
  }

  /**
   * A batch of a package solver's "keep or update" steps (libsolv's pass over the installed
   * packages), from step k (n steps looked at so far), going round with wraparound until n
   * reaches count. Step k is variable v and clause r (words 0, 1 of the step) and flags (word
   * 2): bit 0 the step is visited when `pass` is 0 (every step is when it is 1), bits 1-2 when
   * its candidates count (0 never, 1 when v is false, 2 always), bit 3 its ranks are valid
   * when all its candidates are open, bits 8- the number of its candidates. A step whose v is
   * true is passed over; otherwise, unless r is met by a true positive literal, the candidates
   * not decided yet are the open ones, and the best ranked of them (the lowest rank, the first
   * of equal ones) is decided, and then v when it is still open (each a decision at a new
   * level, propagated). Returns 0 when n reached count; 1 when it stopped for the caller at
   * step stepK (stepN looked at): r is disabled, or two or more candidates are open and the
   * ranks do not apply (not valid, or some candidates decided already);
   * or, when a decision's propagation met a conflict, that clause's id negated (stepWhich says
   * which decision; nothing learnt yet: the caller goes on as decide does, with
   * propagateLearn). stepDecisions counts the decisions made.
   */
  decideSteps(k: number, n: number, count: number, pass: number): number {
    if (!this.useKernel) return this.decideStepsJs(k, n, count, pass);
    if (!this.kernelReady()) this.adopt();
    if (this.stepsIn !== this.kernel) this.placeSteps();
    const r = this.runSynced(5, k, n, count, pass);
    const h = this.kernelHeader!;
    this.level = h[2]!;
    this.stepK = h[H.STEP_K]!;
    this.stepN = h[H.STEP_N]!;
    this.stepWhich = h[H.STEP_WHICH]!;
    const d = h[H.STEP_DECISIONS]!;
    this.stepDecisions = d;
    this.decisions += d;
    return r;
  }

  /** The steps' table into the kernel memory: from the dead staging for good when it fits, else at its end. */
  private placeSteps(): void {
    const mem = this.kernel!.memory;
    const bytes = (this.steps.length + this.stepCands.length) * 4;
    let at: number;
    if (this.freeEnd - this.freeAt >= bytes) {
      // (pages touched already: cheaper than fresh ones)
      at = this.freeAt;
      this.freeAt += (bytes + 7) & ~7;
    } else {
      at = mem.buffer.byteLength;
      mem.grow(Math.max(1, Math.ceil(bytes / PAGE)));
      this.refreshViews();
    }
    const buf = mem.buffer;
    new Int32Array(buf, at, this.steps.length).set(this.steps);
    const ca = at + this.steps.length * 4;
    new Int32Array(buf, ca, this.stepCands.length).set(this.stepCands);
    const h = this.kernelHeader!;
    h[H.STEPS] = at;
    h[H.STEP_CANDS] = ca;
    this.stepsIn = this.kernel;
  }

  /** The JS reference of decideSteps. */
  decideStepsJs(k: number, n: number, count: number, pass: number): number {
    const steps = this.steps;
    const cands = this.stepCands;
    let decisions = 0;
    const out = (which: number): void => {
      this.stepK = k;
      this.stepN = n;
      this.stepWhich = which;
      this.stepDecisions = decisions;
    };
    const decide = (lit: number): number => {
      decisions++;
      this.decisions++;
      this.level++;
      this.assign(lit, 0);
      return this.propagateJs();
    };
    for (; n < count; k++, n++) {
      if (k >= count) k = 0;
      const e = 4 * k;
      const v = steps[e]!;
      const dm = this.decisionMap;
      if (dm[v]! > 0) continue;
      const fl = steps[e + 2]!;
      if (pass === 0 && (fl & 1) === 0) continue;
      const r = steps[e + 1]!;
      if (this.clauseOff[r] === 1) {
        out(0);
        return 1;
      }
      let met = false;
      for (let q = this.clauseStart[r]!, end = q + this.clauseLen[r]!; q < end; q++) {
        const p = this.litArena[q]!;
        if (p > 0 && dm[p]! > 0) {
          met = true;
          break;
        }
      }
      let m = 0;
      let best = 0;
      let bestRank = 0;
      const mode = (fl >> 1) & 3;
      if (!met && (mode === 2 || (mode === 1 && dm[v]! < 0))) {
        for (let j = steps[e + 3]!, end = j + (fl >>> 8); j < end; j++) {
          const p = cands[2 * j]!;
          if (dm[p] !== 0) continue;
          const rank = cands[2 * j + 1]!;
          if (m === 0 || rank < bestRank) {
            best = p;
            bestRank = rank;
          }
          m++;
        }
      }
      if (m >= 2 && ((fl & 8) === 0 || m !== fl >>> 8)) {
        out(0);
        return 1;
      }
      if (m) {
        const c = decide(best);
        if (c) {
          out(0);
          return -c;
        }
      }
      if (dm[v] === 0) {
        const c = decide(v);
        if (c) {
          out(1);
          return -c;
        }
      }
    }
    out(0);
    return 0;
  }

  /** The JS reference of the scan kernel. */
  nextOpenClauseJs(i: number, n: number, nrules: number, dq: number[]): number {
    const head = this.clauseHead;
    const off = this.clauseOff;
    const lenOf = this.clauseLen;
    const dm = this.decisionMap;
    const runEnd = this.runEnd;
    const arena = this.litArena;
    dq.length = 0;
    for (; ; i++, n++) {
      if (n >= nrules) {
        this.scanI = i;
        this.scanN = n;
        dq.length = 0;
        return 0;
      }
      if (i >= nrules) i = 1;
      const p0 = head[i]!;
      if (p0 < 0 && dm[-p0]! <= 0) {
        if (i < runEnd.length) {
          const d = runEnd[i]! - i - 1;
          i += d;
          n += d;
        }
        continue;
      }
      if (off[i] === 1) continue;
      const len = lenOf[i]!;
      if (len === 0) continue;
      if (p0 < 0 && len <= 2) continue;
      const ls = this.clauseStart[i]!;
      dq.length = 0;
      if (len <= 2) {
        if (len < 2) continue;
        const p1 = arena[ls + 1]!;
        if (p0 < 0 || p1 <= 0) continue;
        if (dm[p0] !== 0 || dm[p1] !== 0) continue;
        dq.push(p0, p1);
      } else {
        let open = true;
        for (let k = ls, e = ls + len; k < e; k++) {
          const l = arena[k]!;
          if (l < 0) {
            if (dm[-l]! <= 0) {
              open = false;
              break;
            }
          } else {
            const d = dm[l]!;
            if (d > 0) {
              open = false;
              break;
            }
            if (d === 0) dq.push(l);
          }
        }
        if (!open) continue;
      }
      if (dq.length < 2) continue;
      this.scanI = i;
      this.scanN = n;
      return i;
    }
  }

  /** The JS reference of the propagate kernel. */
  propagateJs(): number {
    const arena = this.litArena;
    const start = this.clauseStart;
    const lenOf = this.clauseLen;
    const off = this.clauseOff;
    const w1 = this.w1;
    const w2 = this.w2;
    const next1 = this.next1;
    const next2 = this.next2;
    const head = this.watchHead;
    const tail = this.watchTail;
    const dm = this.decisionMap;
    while (this.propagateIndex < this.trailLen) {
      const lit = this.trailLits[this.propagateIndex++]!;
      const falseLit = -lit;
      const k = falseLit > 0 ? 2 * falseLit : -2 * falseLit + 1;
      let prev = 0;
      let prevFirst = false;
      for (let id = head[k]!; id !== 0; ) {
        const s = start[id]!;
        const first = arena[s + w1[id]!] === falseLit;
        const next = first ? next1[id]! : next2[id]!;
        if (off[id] === 1) {
          prev = id;
          prevFirst = first;
          id = next;
          continue;
        }
        const otherPos = first ? w2[id]! : w1[id]!;
        const otherLit = arena[s + otherPos]!;
        const od = dm[otherLit > 0 ? otherLit : -otherLit]!;
        const ov = od === 0 ? 0 : od > 0 === otherLit > 0 ? 1 : -1;
        if (ov > 0) {
          prev = id;
          prevFirst = first;
          id = next;
          continue;
        }
        const fpos = first ? w1[id]! : w2[id]!;
        const n = lenOf[id]!;
        let found = -1;
        for (let q = 0; q < n; q++) {
          if (q === fpos || q === otherPos) continue;
          const l = arena[s + q]!;
          const d = dm[l > 0 ? l : -l]!;
          if (d === 0 || d > 0 === l > 0) {
            found = q;
            break;
          }
        }
        if (found >= 0) {
          // unlink from this list, append to the new literal's list
          if (prev === 0) head[k] = next;
          else if (prevFirst) next1[prev] = next;
          else next2[prev] = next;
          if (tail[k] === id) tail[k] = prev;
          if (first) w1[id] = found;
          else w2[id] = found;
          this.watch(arena[s + found]!, id, first);
          id = next;
          continue;
        }
        if (ov < 0) return id; // conflict: the list stays as it is
        this.assign(otherLit, id);
        prev = id;
        prevFirst = first;
        id = next;
      }
    }
    return 0;
  }

  /** Incremented whenever assignments are undone (lets callers invalidate derived state). */
  revertCount = 0;

  /** Undo every assignment above `level`. */
  revert(level: number): void {
    this.revertCount++;
    const dm = this.decisionMap;
    const lits = this.trailLits;
    let t = this.trailLen;
    while (t > 0) {
      const lit = lits[t - 1]!;
      const v = lit > 0 ? lit : -lit;
      const d = dm[v]!;
      if ((d > 0 ? d : -d) <= level) break;
      dm[v] = 0;
      t--;
    }
    this.trailLen = t;
    if (this.propagateIndex > t) this.propagateIndex = t;
    this.level = level;
  }

  /**
   * Forget every assignment. Learnt clauses are dropped, or with `keepLearnt` kept and enabled
   * exactly when every clause they were derived from is still enabled (libsolv's
   * enabledisablelearntrules).
   */
  reset(keepLearnt = false): void {
    this.revert(0);
    this.propagateIndex = 0;
    this.level = 0;
    if (keepLearnt && this.originalEnd >= 0) {
      const ok = new Map<number, boolean>();
      const valid = (id: number): boolean => {
        const known = ok.get(id);
        if (known !== undefined) return known;
        const why = this.whyOf.get(id);
        let v: boolean;
        if (!why) v = this.clauseOff[id] === 0;
        else {
          ok.set(id, true); // cycles cannot happen (why points to older clauses), but be safe
          v = [...why].every(valid);
        }
        ok.set(id, v);
        return v;
      };
      for (let id = this.originalEnd; id < this.nclauses; id++) this.clauseOff[id] = valid(id) ? 0 : 1;
      return;
    }
    const end = this.originalEnd;
    if (end >= 0 && this.nclauses > end) {
      // drop the learnt clauses: unlink them from every watch list (order kept), free their ids
      const head = this.watchHead;
      const tail = this.watchTail;
      for (let k = 0; k < head.length; k++) {
        let prev = 0;
        for (let id = head[k]!; id !== 0; ) {
          const next = this.nextIn(id, k);
          if (id >= end) {
            if (prev === 0) head[k] = next;
            else this.setNext(prev, k, next);
            if (tail[k] === id) tail[k] = prev;
          } else prev = id;
          id = next;
        }
      }
      for (let id = end; id < this.nclauses; id++) this.whyOf.delete(id);
      this.litTop = this.clauseStart[end]!;
      this.nclauses = end;
    }
  }

  /** The clause after c in the watch list k. */
  private nextIn(c: number, k: number): number {
    const lit = k & 1 ? -(k >> 1) : k >> 1;
    return this.litArena[this.clauseStart[c]! + this.w1[c]!] === lit ? this.next1[c]! : this.next2[c]!;
  }

  /**
   * Start the root level: assign every enabled unit clause at level 1 and propagate.
   * Returns null, or the root conflict.
   */
  assertRoot(units?: (id: number) => boolean, keepLearnt = false): RootConflict | null {
    this.reset(keepLearnt);
    this.level = 1;
    const n = this.nclauses;
    if (this.useKernel && units === undefined) return this.assertRootKernel(n);
    // one pass over the clauses: the units are assigned, the first empty clause noted
    const off = this.clauseOff;
    const lenOf = this.clauseLen;
    let empty = 0;
    for (let id = 1; id < n; id++) {
      if (off[id] === 1) continue;
      const len = lenOf[id]!;
      if (len !== 1) {
        if (len === 0 && empty === 0) empty = id;
        continue;
      }
      if (units && !units(id)) continue;
      const lit = this.clauseHead[id]!;
      const val = this.litValue(lit);
      if (val > 0) continue;
      if (val < 0) return this.rootConflict(id);
      this.assign(lit, id);
    }
    // Empty clauses are conflicts straight away.
    if (empty !== 0) return { conflict: empty, proof: [empty] };
    const r = this.propagate();
    return r ? this.rootConflict(r) : null;
  }

  /** assertRoot's pass over the clauses and its propagation as kernel calls (its JS loop is the reference). */
  private assertRootKernel(n: number): RootConflict | null {
    if (!this.kernelReady()) this.adopt();
    const h = this.kernelHeader!;
    h[0] = this.trailLen; // H.TRAIL_LEN
    h[2] = this.level; // H.LEVEL
    const empty = this.kernel!.run(4, n, 0, 0, 0);
    this.trailLen = h[0]!;
    if (empty < 0) return this.rootConflict(-empty);
    if (empty !== 0) return { conflict: empty, proof: [empty] };
    const r = this.propagate();
    return r ? this.rootConflict(r) : null;
  }

  /**
   * Decide `lit` at a new level and propagate; on conflicts learn a clause and backjump until
   * propagation succeeds. Returns the resulting level (may be lower than before), or a
   * RootConflict when the conflict reaches the root level.
   */
  decide(lit: number): number | RootConflict {
    this.decisions++;
    this.level++;
    if (!this.useKernel) {
      this.assign(lit, 0);
      return this.propagateLearn();
    }
    // the assignment and its propagation in one kernel call (one JS-to-wasm crossing)
    const r = this.runSynced(2, lit, 0, 0, 0);
    return r === 0 ? this.level : this.propagateLearn(r);
  }

  /**
   * Propagate, learning and backjumping on conflicts (see decide); `conflict` is a violated
   * clause the caller's propagation already found (0: propagate first).
   */
  propagateLearn(conflict = 0): number | RootConflict {
    for (let first = true; ; first = false) {
      const r = first && conflict !== 0 ? conflict : this.propagate();
      if (!r) return this.level;
      this.conflicts++;
      if (this.level <= 1) return this.rootConflict(r);
      // A clause violated entirely by older levels: go back to the newest of them first.
      let maxLevel = 0;
      for (let q = this.clauseStart[r]!, e = q + this.clauseLen[r]!; q < e; q++) {
        const v = this.litArena[q]!;
        maxLevel = Math.max(maxLevel, this.varLevel(v > 0 ? v : -v));
      }
      if (maxLevel < this.level) {
        this.revert(maxLevel);
        if (maxLevel <= 1) return this.rootConflict(r);
      }
      const { learnt, backLevel, why } = this.analyze(r);
      this.revert(backLevel);
      const id = this.addClause(learnt, why);
      this.assign(learnt[0]!, id);
    }
  }

  /** First-UIP conflict analysis. learnt[0] is the asserting literal. */
  private analyze(conflict: number): { learnt: number[]; backLevel: number; why: Int32Array } {
    const level = this.level;
    const seen = new Uint8Array(this.nvars + 1);
    const learnt: number[] = [0];
    const why: number[] = [];
    const level1: number[] = [];
    let num = 0;
    let rlevel = 1;
    let c = conflict;
    let idx = this.trailLen;
    let uip = 0;
    for (;;) {
      why.push(c);
      for (let q = this.clauseStart[c]!, e = q + this.clauseLen[c]!; q < e; q++) {
        const v = this.litArena[q]!;
        if (this.litValue(v) > 0) continue;
        const vv = v > 0 ? v : -v;
        if (seen[vv]) continue;
        seen[vv] = 1;
        const l = this.varLevel(vv);
        if (l === 1) level1.push(vv);
        else if (l === level) num++;
        else {
          learnt.push(v);
          if (l > rlevel) rlevel = l;
        }
      }
      // Walk back the trail to the next seen literal of this level.
      let v: number;
      for (;;) {
        v = this.trailLits[--idx]!;
        const vv = v > 0 ? v : -v;
        if (seen[vv] && this.varLevel(vv) === level) break;
      }
      num--;
      if (num === 0) {
        uip = -v;
        break;
      }
      c = this.trailWhys[idx]!;
      // (a seen literal on this level with no reason would be the decision: num reaches 0 first)
    }
    learnt[0] = uip;
    // The reasons of root-level literals are part of the learnt clause's derivation too.
    for (const vv of level1) {
      const k = this.trailIndexOf(vv);
      if (k >= 0 && this.trailWhys[k]! > 0) why.push(this.trailWhys[k]!);
    }
    return { learnt, backLevel: rlevel, why: Int32Array.from(why) };
  }

  /** Where variable v's assignment is on the trail, or -1 when v is open. */
  trailIndexOf(v: number): number {
    return this.decisionMap[v] === 0 ? -1 : this.trailPos[v]!;
  }

  /** Collect the refutation of a root-level conflict. */
  private rootConflict(conflict: number): RootConflict {
    const proof: number[] = [];
    const seenClause = new Set<number>();
    const addClause = (id: number): void => {
      if (seenClause.has(id)) return;
      seenClause.add(id);
      const why = this.whyOf.get(id);
      if (why) {
        for (const w of why) addClause(w);
        return;
      }
      proof.push(id);
    };
    const involved = new Uint8Array(this.nvars + 1);
    const mark = (id: number): void => {
      for (let q = this.clauseStart[id]!, e = q + this.clauseLen[id]!; q < e; q++) {
        const v = this.litArena[q]!;
        if (this.litValue(v) > 0) continue;
        involved[v > 0 ? v : -v] = 1;
      }
    };
    addClause(conflict);
    mark(conflict);
    for (let k = this.trailLen - 1; k >= 0; k--) {
      const v = this.trailLits[k]!;
      const vv = v > 0 ? v : -v;
      if (!involved[vv]) continue;
      const why = this.trailWhys[k]!;
      if (why <= 0) continue;
      addClause(why);
      mark(why);
    }
    return { conflict, proof };
  }

  /** Is every enabled clause satisfied by the (complete or partial) assignment? */
  unsatisfiedClause(): number {
    for (let id = 1; id < this.nclauses; id++) {
      if (this.clauseOff[id] === 1) continue;
      let ok = false;
      for (const l of this.lits(id)) if (this.litValue(l) > 0) ok = true;
      if (!ok) return id;
    }
    return 0;
  }

  /**
   * A plain complete search: decide variables with `choose` (default: the lowest undecided
   * variable, false first) until everything is assigned. Returns true (model in decisionMap)
   * or the root conflict.
   */
  solve(choose?: (s: CdclSolver) => number): true | RootConflict {
    const root = this.assertRoot();
    if (root) return root;
    for (;;) {
      let lit = choose ? choose(this) : 0;
      if (!choose) {
        for (let v = 1; v <= this.nvars; v++)
          if (this.decisionMap[v] === 0) {
            lit = -v;
            break;
          }
      }
      if (lit === 0) return true;
      const r = this.decide(lit);
      if (typeof r !== 'number') return r;
    }
  }
}
