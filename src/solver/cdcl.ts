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
 */

export interface Clause {
  /** Literals in the order the caller gave them (layers above read them in that order). */
  readonly lits: Int32Array;
  /** Watched literal positions (indices into lits); -1 for unit clauses. */
  w1: number;
  w2: number;
  disabled: boolean;
  /** For learnt clauses: the clause ids the learnt clause was derived from. */
  why: Int32Array | null;
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

export class CdclSolver {
  readonly clauses: Clause[] = [{ lits: new Int32Array(0), w1: -1, w2: -1, disabled: true, why: null }];
  /**
   * Compact copies of every clause's first literal (0 when empty), length and disabled flag
   * (1 = disabled), kept in step with the clause objects: callers that scan every clause
   * (libsolv's rule passes) read these instead of touching each clause object.
   */
  clauseHead = new Int32Array(1024);
  clauseLen = new Int32Array(1024);
  clauseOff = new Uint8Array(1024).fill(1, 0, 1);
  /** Number of original clauses; clauses with a larger id are learnt. */
  private originalEnd = -1;
  /** decisionMap[v] = +level when v is true, -level when false, 0 when undecided. */
  decisionMap: Int32Array;
  /** The trail of assigned literals and the clause that forced each one (0 = free decision). */
  readonly trail: number[] = [];
  readonly trailWhy: number[] = [];
  private propagateIndex = 0;
  private trailPos: Int32Array;
  /** Watch lists by literal index, created on first use (most literals are never watched). */
  private watches: Array<number[] | undefined>;
  level = 0;
  /** Statistics. */
  conflicts = 0;
  decisions = 0;

  nvars: number;

  constructor(nvars: number) {
    this.nvars = nvars;
    this.decisionMap = new Int32Array(nvars + 1);
    this.trailPos = new Int32Array(nvars + 1);
    // filled (packed, not holey) in one builtin call: a push loop is slow in cold start-up code
    this.watches = new Array<number[] | undefined>(2 * nvars + 2).fill(undefined);
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
    this.watches = this.watches.concat(new Array<number[] | undefined>(2 * count).fill(undefined));
    this.nvars = n;
    return first;
  }

  private wi(lit: number): number {
    return lit > 0 ? 2 * lit : -2 * lit + 1;
  }

  /** Add a clause (a disjunction of literals); returns its id. */
  addClause(lits: ArrayLike<number>, why: Int32Array | null = null): number {
    const id = this.clauses.length;
    // drop repeated literals, keeping the first occurrence (clauses are short: a scan is cheapest)
    const n = lits.length;
    let arr = new Int32Array(n);
    let m = 0;
    for (let i = 0; i < n; i++) {
      const l = lits[i]!;
      if (l === 0 || l > this.nvars || -l > this.nvars) throw new RangeError(`bad literal ${l}`);
      let dup = false;
      for (let k = 0; k < m; k++) {
        if (arr[k] === l) {
          dup = true;
          break;
        }
      }
      if (!dup) arr[m++] = l;
    }
    if (m !== n) arr = arr.slice(0, m);
    const c: Clause = { lits: arr, w1: -1, w2: -1, disabled: false, why };
    this.clauses.push(c);
    if (id >= this.clauseHead.length) {
      const size = this.clauseHead.length * 2;
      const head = new Int32Array(size);
      head.set(this.clauseHead);
      const len = new Int32Array(size);
      len.set(this.clauseLen);
      const off = new Uint8Array(size);
      off.set(this.clauseOff);
      this.clauseHead = head;
      this.clauseLen = len;
      this.clauseOff = off;
    }
    this.clauseHead[id] = m > 0 ? arr[0]! : 0;
    this.clauseLen[id] = m;
    this.clauseOff[id] = 0;
    if (arr.length >= 2) this.attach(id, c);
    return id;
  }

  /** Mark the end of the original clauses: later ones are learnt and dropped by reset(). */
  freeze(): void {
    this.originalEnd = this.clauses.length;
  }

  isLearnt(id: number): boolean {
    return this.originalEnd >= 0 && id >= this.originalEnd;
  }

  private attach(id: number, c: Clause): void {
    // Prefer watching literals that are not false, so a clause added during search stays correct.
    // The first two positions by (true, undecided, false), then by position.
    const n = c.lits.length;
    if (this.trail.length === 0) {
      // nothing assigned yet (the rules of a new problem): the first two literals
      c.w1 = 0;
      c.w2 = 1;
      this.watch(c.lits[0]!, id);
      this.watch(c.lits[1]!, id);
      return;
    }
    let w1 = -1;
    let w2 = -1;
    for (let rank = 0; rank < 3 && w2 < 0; rank++) {
      for (let i = 0; i < n && w2 < 0; i++) {
        const v = this.litValue(c.lits[i]!);
        const r = v > 0 ? 0 : v === 0 ? 1 : 2;
        if (r !== rank) continue;
        if (w1 < 0) w1 = i;
        else w2 = i;
      }
    }
    c.w1 = w1;
    c.w2 = w2;
    this.watch(c.lits[w1]!, id);
    this.watch(c.lits[w2]!, id);
  }

  private watch(lit: number, id: number): void {
    const k = this.wi(lit);
    const wl = this.watches[k];
    if (wl) wl.push(id);
    else this.watches[k] = [id];
  }

  disable(id: number): void {
    this.clauses[id]!.disabled = true;
    this.clauseOff[id] = 1;
  }

  enable(id: number): void {
    this.clauses[id]!.disabled = false;
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
    this.trailPos[v] = this.trail.length;
    this.trail.push(lit);
    this.trailWhy.push(why);
  }

  /** Unit propagation from the propagate index. Returns the violated clause id or 0. */
  propagate(): number {
    while (this.propagateIndex < this.trail.length) {
      const lit = this.trail[this.propagateIndex++]!;
      const falseLit = -lit;
      const wl = this.watches[this.wi(falseLit)];
      if (!wl) continue;
      let j = 0;
      let i = 0;
      for (; i < wl.length; i++) {
        const id = wl[i]!;
        const c = this.clauses[id]!;
        if (c.disabled) {
          wl[j++] = id;
          continue;
        }
        const lits = c.lits;
        let fw: number;
        let other: number;
        if (lits[c.w1] === falseLit) {
          fw = 1;
          other = c.w2;
        } else if (lits[c.w2] === falseLit) {
          fw = 2;
          other = c.w1;
        } else continue; // stale entry
        if (this.litValue(lits[other]!) > 0) {
          wl[j++] = id;
          continue;
        }
        let found = -1;
        for (let k = 0; k < lits.length; k++) {
          if (k === c.w1 || k === c.w2) continue;
          if (this.litValue(lits[k]!) >= 0) {
            found = k;
            break;
          }
        }
        if (found >= 0) {
          if (fw === 1) c.w1 = found;
          else c.w2 = found;
          this.watch(lits[found]!, id);
          continue;
        }
        wl[j++] = id;
        const ov = this.litValue(lits[other]!);
        if (ov < 0) {
          // Conflict: keep the rest of the watch list.
          for (i++; i < wl.length; i++) wl[j++] = wl[i]!;
          wl.length = j;
          return id;
        }
        this.assign(lits[other]!, id);
      }
      wl.length = j;
    }
    return 0;
  }

  /** Incremented whenever assignments are undone (lets callers invalidate derived state). */
  revertCount = 0;

  /** Undo every assignment above `level`. */
  revert(level: number): void {
    this.revertCount++;
    while (this.trail.length > 0) {
      const lit = this.trail[this.trail.length - 1]!;
      const v = lit > 0 ? lit : -lit;
      if (Math.abs(this.decisionMap[v]!) <= level) break;
      this.decisionMap[v] = 0;
      this.trail.pop();
      this.trailWhy.pop();
    }
    if (this.propagateIndex > this.trail.length) this.propagateIndex = this.trail.length;
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
        const c = this.clauses[id]!;
        let v: boolean;
        if (!c.why) v = !c.disabled;
        else {
          ok.set(id, true); // cycles cannot happen (why points to older clauses), but be safe
          v = [...c.why].every(valid);
        }
        ok.set(id, v);
        return v;
      };
      for (let id = this.originalEnd; id < this.clauses.length; id++) {
        const v = valid(id);
        this.clauses[id]!.disabled = !v;
        this.clauseOff[id] = v ? 0 : 1;
      }
      return;
    }
    if (this.originalEnd >= 0 && this.clauses.length > this.originalEnd) {
      this.clauses.length = this.originalEnd;
      for (const wl of this.watches) {
        if (!wl) continue;
        let j = 0;
        for (const id of wl) if (id < this.originalEnd) wl[j++] = id;
        wl.length = j;
      }
    }
  }

  /**
   * Start the root level: assign every enabled unit clause at level 1 and propagate.
   * Returns null, or the root conflict.
   */
  assertRoot(units?: (id: number) => boolean, keepLearnt = false): RootConflict | null {
    this.reset(keepLearnt);
    this.level = 1;
    for (let id = 1; id < this.clauses.length; id++) {
      const c = this.clauses[id]!;
      if (c.disabled || c.lits.length !== 1) continue;
      if (units && !units(id)) continue;
      const lit = c.lits[0]!;
      const val = this.litValue(lit);
      if (val > 0) continue;
      if (val < 0) return this.rootConflict(id);
      this.assign(lit, id);
    }
    // Empty clauses are conflicts straight away.
    for (let id = 1; id < this.clauses.length; id++) {
      const c = this.clauses[id]!;
      if (!c.disabled && c.lits.length === 0) return { conflict: id, proof: [id] };
    }
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
    this.assign(lit, 0);
    return this.propagateLearn();
  }

  /** Propagate, learning and backjumping on conflicts (see decide). */
  propagateLearn(): number | RootConflict {
    for (;;) {
      const r = this.propagate();
      if (!r) return this.level;
      this.conflicts++;
      if (this.level <= 1) return this.rootConflict(r);
      // A clause violated entirely by older levels: go back to the newest of them first.
      let maxLevel = 0;
      for (const v of this.clauses[r]!.lits) maxLevel = Math.max(maxLevel, this.varLevel(v > 0 ? v : -v));
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
    let idx = this.trail.length;
    let uip = 0;
    for (;;) {
      why.push(c);
      for (const v of this.clauses[c]!.lits) {
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
        v = this.trail[--idx]!;
        const vv = v > 0 ? v : -v;
        if (seen[vv] && this.varLevel(vv) === level) break;
      }
      num--;
      if (num === 0) {
        uip = -v;
        break;
      }
      c = this.trailWhy[idx]!;
      // (a seen literal on this level with no reason would be the decision: num reaches 0 first)
    }
    learnt[0] = uip;
    // The reasons of root-level literals are part of the learnt clause's derivation too.
    for (const vv of level1) {
      const k = this.trailIndexOf(vv);
      if (k >= 0 && this.trailWhy[k]! > 0) why.push(this.trailWhy[k]!);
    }
    return { learnt, backLevel: rlevel, why: Int32Array.from(why) };
  }

  private trailIndexOf(v: number): number {
    return this.decisionMap[v] === 0 ? -1 : this.trailPos[v]!;
  }

  /** Collect the refutation of a root-level conflict. */
  private rootConflict(conflict: number): RootConflict {
    const proof: number[] = [];
    const seenClause = new Set<number>();
    const addClause = (id: number): void => {
      if (seenClause.has(id)) return;
      seenClause.add(id);
      const c = this.clauses[id]!;
      if (c.why) {
        for (const w of c.why) addClause(w);
        return;
      }
      proof.push(id);
    };
    const involved = new Uint8Array(this.nvars + 1);
    const mark = (id: number): void => {
      for (const v of this.clauses[id]!.lits) {
        if (this.litValue(v) > 0) continue;
        involved[v > 0 ? v : -v] = 1;
      }
    };
    addClause(conflict);
    mark(conflict);
    for (let k = this.trail.length - 1; k >= 0; k--) {
      const v = this.trail[k]!;
      const vv = v > 0 ? v : -v;
      if (!involved[vv]) continue;
      const why = this.trailWhy[k]!;
      if (why <= 0) continue;
      addClause(why);
      mark(why);
    }
    return { conflict, proof };
  }

  /** Is every enabled clause satisfied by the (complete or partial) assignment? */
  unsatisfiedClause(): number {
    for (let id = 1; id < this.clauses.length; id++) {
      const c = this.clauses[id]!;
      if (c.disabled) continue;
      let ok = false;
      for (const l of c.lits) if (this.litValue(l) > 0) ok = true;
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
