import { CdclSolver, type RootConflict } from '../solver/index.js';
import { RPMSENSE, type SimpleDep } from '../rpm/index.js';
import { grownI32 } from '../util/index.js';
import type { Dep } from './dep.js';
import { depToString } from './dep.js';
import { SYSTEM_SOLVABLE, type Pool, type Repo, type Solvable } from './pool.js';
import { filterUnwanted, sameNameBest2, sameNamePick, type PolicyContext, type PolicyMode } from './policy.js';
import { unifySorter } from './rule-unify-kernel.js';
import { ClosureKernel, KernelFull, type OriginOffsets } from './closure-kernel.js';
import { dupAllBytes, dupAllMaps } from './dup-kernel.js';
import { CF_OBSOLETES, CF_ORPHANED, CF_REPLACES, choiceCandidates, choiceCandidatesIn, choiceScratchBytes } from './choice-kernel.js';

/** Which packages a job talks about (libsolv's job selections). */
export type Selection =
  | { kind: 'pkg'; p: number }
  | { kind: 'name'; dep: Dep }
  | { kind: 'provides'; dep: Dep }
  | { kind: 'oneof'; ps: number[] }
  | { kind: 'repo'; repo: Repo }
  | { kind: 'all' };

export type JobVerb =
  | 'install'
  | 'erase'
  | 'update'
  | 'distupgrade'
  | 'verify'
  | 'lock'
  | 'multiversion'
  | 'weakendeps'
  | 'droporphaned'
  | 'userinstalled'
  | 'allowuninstall'
  | 'favor'
  | 'disfavor'
  | 'blacklist'
  | 'excludefromweak'
  | 'noop';

export interface Job {
  verb: JobVerb;
  select: Selection;
  /** Bracket flags: weak, forcebest, cleandeps, targeted, setevr, ... */
  flags: ReadonlySet<string>;
}

export interface SolverFlags {
  allowdowngrade: boolean;
  allowarchchange: boolean;
  allowvendorchange: boolean;
  allownamechange: boolean;
  allowuninstall: boolean;
  ignorerecommended: boolean;
  strongrecommends: boolean;
  addalreadyrecommended: boolean;
  onlynamespacerecommended: boolean;
  bestobeypolicy: boolean;
  noautotarget: boolean;
  keeporphans: boolean;
  focusinstalled: boolean;
  focusbest: boolean;
  focusnew: boolean;
  yumobsoletes: boolean;
  strictrepopriority: boolean;
  installalsoupdates: boolean;
  keepexplicitobsoletes: boolean;
  dupallowdowngrade: boolean;
  dupallowarchchange: boolean;
  dupallowvendorchange: boolean;
  dupallownamechange: boolean;
  noupdateprovide: boolean;
  splitprovides: boolean;
  noinfarchcheck: boolean;
}

export function defaultSolverFlags(): SolverFlags {
  return {
    allowdowngrade: false,
    allowarchchange: false,
    allowvendorchange: false,
    allownamechange: true,
    allowuninstall: false,
    ignorerecommended: false,
    strongrecommends: false,
    addalreadyrecommended: false,
    onlynamespacerecommended: false,
    bestobeypolicy: false,
    noautotarget: false,
    keeporphans: false,
    focusinstalled: false,
    focusbest: false,
    focusnew: false,
    yumobsoletes: false,
    strictrepopriority: false,
    installalsoupdates: false,
    keepexplicitobsoletes: false,
    dupallowdowngrade: true,
    dupallowarchchange: true,
    dupallowvendorchange: true,
    dupallownamechange: true,
    noupdateprovide: false,
    splitprovides: false,
    noinfarchcheck: false,
  };
}

export type RuleType =
  | 'pkg'
  | 'feature'
  | 'update'
  | 'job'
  | 'infarch'
  | 'dup'
  | 'best'
  | 'choice'
  | 'yumobs'
  | 'blacklist'
  | 'recommends'
  | 'strictrepoprio'
  | 'learnt';

export type PkgRuleReason =
  | 'not-installable'
  | 'nothing-provides'
  | 'requires'
  | 'conflicts'
  | 'obsoletes'
  | 'installed-obsoletes'
  | 'implicit-obsoletes'
  | 'same-name'
  | 'self-conflict'
  | 'recommends';

/** The phases of building and solving, in order (see the RpmSolver constructor's phaseEnd). */
export type SolvePhase = 'jobs' | 'pkgrules' | 'engine' | 'rules' | 'sat' | 'result';

export interface RuleInfo {
  type: RuleType;
  reason?: PkgRuleReason;
  /** The package the rule is about (source of a requires/conflict, the installed package of an update rule). */
  p?: number;
  /** The other package (conflict/obsolete target). */
  other?: number;
  dep?: Dep;
  /** Job index for job rules. */
  job?: number;
}

export function describeSelection(sel: Selection, pool: Pool): string {
  switch (sel.kind) {
    case 'pkg':
      return pool.nevra(sel.p);
    case 'name':
      return depToString(sel.dep);
    case 'provides':
      return `a provider of ${depToString(sel.dep)}`;
    case 'oneof':
      return `one of ${sel.ps.map((p) => pool.nevra(p)).join(', ')}`;
    case 'repo':
      return `repository ${sel.repo.name}`;
    case 'all':
      return 'all packages';
  }
}

/** One problem: the disabled rules that made the request solvable, as libsolv reports them. */
export interface Problem {
  /** Rule ids (>0) or jobs as -(jobIndex+1). */
  elements: number[];
  /** The proof's rules (for explanation). */
  proof: number[];
}

export interface SolveResult {
  /** Decided-installed packages (the new system). */
  installed: Set<number>;
  problems: Problem[];
}

/** Package rule reasons by code (the rule builder stores codes, not RuleInfo objects). */
const PKG_REASONS: readonly PkgRuleReason[] = [
  'not-installable',
  'nothing-provides',
  'requires',
  'conflicts',
  'obsoletes',
  'installed-obsoletes',
  'implicit-obsoletes',
  'same-name',
  'self-conflict',
  'recommends',
];
/** Which dependency list of the rule's package a reason's dependency index points into. */
const PKG_REASON_DEPS: ReadonlyArray<'requires' | 'conflicts' | 'obsoletes' | 'recommends' | null> = [
  null,
  'requires',
  'requires',
  'conflicts',
  'obsoletes',
  'obsoletes',
  null,
  null,
  'conflicts',
  'recommends',
];
const R_NOT_INSTALLABLE = 0;
const R_NOTHING_PROVIDES = 1;
const R_REQUIRES = 2;
const R_CONFLICTS = 3;
const R_OBSOLETES = 4;
const R_INSTALLED_OBSOLETES = 5;
// 6, 'implicit-obsoletes', is never written: atoll's same-name rules (7) do that work, and the
// problem text treats both alike.
const R_SAME_NAME = 7;
const R_SELF_CONFLICT = 8;
const R_RECOMMENDS = 9;

/**
 * The package rules while they are built, before libsolv's unify order is known: literals back
 * to back in one arena, the origin of each rule (reason code, package, other package,
 * dependency) in columns. Nothing per rule for the garbage collector; a rule's RuleInfo object
 * is made only when something asks for it (problems, traces).
 */
class PkgRuleArena {
  top = 0;
  count = 0;
  /** Arrays in the closure kernel's memory (the kernel writes there too): they cannot grow. */
  private fixed = false;
  /** With fixed arrays: where the origin columns are in the pool's scratch (ClosureKernel.originsAt). */
  scratchAt: OriginOffsets | null = null;

  private constructor(
    public lits: Int32Array<ArrayBuffer>,
    public start: Int32Array<ArrayBuffer>,
    public len: Int32Array<ArrayBuffer>,
    public reason: Int32Array<ArrayBuffer>,
    public p: Int32Array<ArrayBuffer>,
    public other: Int32Array<ArrayBuffer>,
    /**
     * The rule's dependency as its index in the package's list for the reason (requires,
     * conflicts, obsoletes or recommends of package p), -1 for none: libsolv keeps a dependency
     * id in the rule's info the same way, no object reference per rule.
     */
    public dep: Int32Array<ArrayBuffer>,
  ) {}

  /** An arena for the JS walk, with room that grows (~220 KB to start with). */
  static growable(): PkgRuleArena {
    const r = (): Int32Array<ArrayBuffer> => new Int32Array(4096);
    return new PkgRuleArena(new Int32Array(1 << 15), r(), r(), r(), r(), r(), r());
  }

  /** An arena over the closure kernel's arrays (see ClosureKernel). */
  static over(k: ClosureKernel): PkgRuleArena {
    const a = new PkgRuleArena(k.lits, k.start, k.len, k.reason, k.p, k.other, k.dep);
    a.fixed = true;
    a.scratchAt = k.originsAt;
    return a;
  }

  /** Are the arrays the closure kernel's (the pool's scratch, reused by the next solve)? */
  fixedArrays(): boolean {
    return this.fixed;
  }

  /** Room for a rule of n literals at `top` (write them, then close()). */
  open(n: number): Int32Array {
    if (this.top + n > this.lits.length) {
      if (this.fixed) throw new KernelFull();
      this.lits = grownI32(this.lits, this.top + n);
    }
    return this.lits;
  }

  private growRules(): void {
    if (this.fixed) throw new KernelFull();
    const size = this.start.length * 2;
    this.start = grownI32(this.start, size);
    this.len = grownI32(this.len, size);
    this.reason = grownI32(this.reason, size);
    this.p = grownI32(this.p, size);
    this.other = grownI32(this.other, size);
    this.dep = grownI32(this.dep, size);
  }

  close(n: number, reason: number, p: number, other: number, dep: number): void {
    const r = this.count++;
    if (r >= this.start.length) this.growRules();
    const b = this.top;
    // two-literal rules are kept sorted (libsolv's unify order compares them so)
    if (n === 2 && this.lits[b]! > this.lits[b + 1]!) {
      const t = this.lits[b]!;
      this.lits[b] = this.lits[b + 1]!;
      this.lits[b + 1] = t;
    }
    this.start[r] = b;
    this.len[r] = n;
    this.reason[r] = reason;
    this.p[r] = p;
    this.other[r] = other;
    this.dep[r] = dep;
    this.top = b + n;
  }

  /** A two-literal rule. */
  pair(a: number, b: number, reason: number, p: number, other: number, dep: number): void {
    // open() and close() in one (a package's same-name and conflict rules come through here)
    const t = this.top;
    if (t + 2 > this.lits.length) this.open(2);
    const r = this.count++;
    if (r >= this.start.length) this.growRules();
    const l = this.lits;
    if (a > b) {
      l[t] = b;
      l[t + 1] = a;
    } else {
      l[t] = a;
      l[t + 1] = b;
    }
    this.start[r] = t;
    this.len[r] = 2;
    this.reason[r] = reason;
    this.p[r] = p;
    this.other[r] = other;
    this.dep[r] = dep;
    this.top = t + 2;
  }
}

/** The package rules' origin columns (PkgRuleArena's reason, p, other, dep), per rule index. */
interface OriginCols {
  reason: Int32Array;
  p: Int32Array;
  other: Int32Array;
  dep: Int32Array;
  count: number;
}

/**
 * A solver's package rule origins: in the pool's scratch column, where the closure walk wrote
 * them (`at`: offsets in it; views made once per pool memory version), until something takes
 * the scratch and they are copied out (`cols`). The release closure left with the pool
 * (Pool.holdScratch) holds only this object: the solver, with its engine's memory, is not kept
 * alive by the pool for as long as nothing takes the scratch.
 */
class OriginHold {
  private views: OriginCols | null = null;
  private viewsVersion = -1;

  private constructor(
    private readonly pool: Pool,
    private at: OriginOffsets | null,
    private readonly count: number,
    private cols: OriginCols | null,
  ) {}

  /** Origins the solver has in its own arrays (the JS walk's arena). */
  static own(pool: Pool, cols: OriginCols): OriginHold {
    return new OriginHold(pool, null, cols.count, cols);
  }

  /** Origins left in the pool's scratch, copied out when something takes it. */
  static inScratch(pool: Pool, at: OriginOffsets, count: number): OriginHold {
    const hold = new OriginHold(pool, at, count, null);
    // (a static method: the closure can capture nothing but `hold`)
    pool.holdScratch(() => hold.copyOut());
    return hold;
  }

  /** The columns (views of the scratch valid until the pool's memory changes, or the copies). */
  get(): OriginCols {
    if (this.cols !== null) return this.cols;
    const pool = this.pool;
    const version = pool.memoryVersion;
    if (this.views === null || this.viewsVersion !== version) {
      const at = this.at!;
      const n = this.count;
      this.views = {
        reason: pool.scratchView32(at.reason, n),
        p: pool.scratchView32(at.p, n),
        other: pool.scratchView32(at.other, n),
        dep: pool.scratchView32(at.dep, n),
        count: n,
      };
      this.viewsVersion = version;
    }
    return this.views;
  }

  private copyOut(): void {
    const v = this.get();
    const n = this.count;
    this.cols = { reason: v.reason.slice(0, n), p: v.p.slice(0, n), other: v.other.slice(0, n), dep: v.dep.slice(0, n), count: n };
    this.at = null;
    this.views = null;
  }
}

/** A set of package ids over a byte map (the sets the rule builder fills hold tens of thousands). */
class IdSet {
  /** Membership by id (1 = member); hot loops read and write it directly. */
  readonly bits: Uint8Array;

  constructor(n: number | Uint8Array) {
    this.bits = typeof n === 'number' ? new Uint8Array(n) : n;
  }

  has(p: number): boolean {
    return this.bits[p] === 1;
  }

  add(p: number): this {
    this.bits[p] = 1;
    return this;
  }
}

/** Is one of the packages decided installed? (no closure per call, unlike Array.some) */
/** An empty candidate list, shared (never added to). */
const EMPTY_LIST: number[] = [];

function anyPositive(dm: Int32Array, list: readonly number[]): boolean {
  for (let k = 0; k < list.length; k++) if (dm[list[k]!]! > 0) return true;
  return false;
}

const NO_IDS: readonly number[] = [];
/** An empty i32 array (a placeholder for arrays made on first use). */
const NO_I32 = new Int32Array(0);
const NO_U8 = new Uint8Array(0);

/** Write the rule (first, then rest without first) at arena[top..]; returns the new top. */
function pushRule(arena: Int32Array, top: number, first: number, rest: ArrayLike<number>, off: number, n: number): number {
  arena[top++] = first;
  for (let i = off, end = off + n; i < end; i++) {
    const q = rest[i]!;
    if (q !== first) arena[top++] = q;
  }
  return top;
}

function grownTo(a: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(Math.max(n, 2 * a.length));
  b.set(a);
  return b;
}

type Cnf = number[][];
const CNF_TRUE: Cnf = [];

/**
 * libsolv's solver (solver.c, rules.c, policy.c) rebuilt on the generic CDCL engine: the same
 * rule classes in the same order, the same decision order (jobs, installed packages, open
 * requires in rule order, weak deps) and the same candidate policy, so that ambiguous choices
 * come out as libsolv's.
 */
export class RpmSolver {
  readonly sat: CdclSolver;
  /** Rule origins by rule id (package rules' are made on demand: see ruleInfo). */
  private rules = new Map<number, RuleInfo>([[0, { type: 'pkg' }]]);
  readonly installedIds: number[];
  private installedPos = new Map<number, number>();

  pkgRulesEnd = 0;
  featureRules = 0;
  updateRules = 0;
  jobRules = 0;
  jobRulesEnd = 0;
  infarchRules = 0;
  infarchRulesEnd = 0;
  dupRules = 0;
  dupRulesEnd = 0;
  bestRules = 0;
  bestRulesEnd = 0;
  yumobsRules = 0;
  yumobsRulesEnd = 0;
  blacklistRules = 0;
  blacklistRulesEnd = 0;
  strictRules = 0;
  strictRulesEnd = 0;
  choiceRules = 0;
  choiceRulesEnd = 0;
  /** Update/feature rules that exist (libsolv keeps empty ones as p = 0). */
  private emptyRule = new Set<number>();
  private weakRules = new Set<number>();
  private ruleToJob = new Map<number, number>();

  // maps built from the jobs
  private multiversion = new Set<number>();
  private updateAll = false;
  private bestUpdateAll = false;
  private updateMap = new Set<number>();
  private bestUpdateMap = new Set<number>();
  private updateTargets = new Map<number, Set<number>>();
  private dupAll = false;
  private dupMap: IdSet;
  /** Whether anything went into dupMap (no scan of its byte map to find out). */
  private dupMapUsed = false;
  private dupInvolved: IdSet;
  /** Installed packages a dup rule forbids (not in libsolv's dupmap). */
  private dupForbidden = new Set<number>();
  /** Namespace deps named by install jobs (libsolv's installsuppdepq): their supplements count as new. */
  private installSuppDeps: Array<{ ns: string; arg: string | null }> = [];
  /** Installed packages whose update targets come from a targeted distupgrade only. */
  private dupTargetedOnly = new Set<number>();
  private fixMap = new Set<number>();
  private noUpdate = new Set<number>();
  private allowUninstallAll = false;
  private allowUninstallMap = new Set<number>();
  private favor = new Map<number, number>();
  private excludeFromWeak = new Set<number>();
  private blacklisted = new Set<number>();
  droporphanedAll = false;
  private droporphanedMap = new Set<number>();
  private orphaned = new Set<number>();

  private added: IdSet;
  /** The packages with rules: after a closure kernel walk all of them, ascending; then those the JS code added (sortedAdded() sorts once). */
  private addedKernel: Int32Array = NO_I32;
  private addedList: number[] = [];
  private addedSorted: Int32Array | null = null;

  /** The packages with rules, ascending (a sort of the few thousand, not a scan of the pool in JS). */
  private sortedAdded(): Int32Array {
    const nk = this.addedKernel.length;
    const n = nk + this.addedList.length;
    // (the closure kernel's list is ascending already)
    if (n === nk) return this.addedKernel;
    if (this.addedSorted === null || this.addedSorted.length !== n) {
      const all = new Int32Array(n);
      all.set(this.addedKernel);
      for (let k = nk; k < n; k++) all[k] = this.addedList[k - nk]!;
      this.addedSorted = all.sort();
    }
    return this.addedSorted;
  }
  /** The rules as they are built (the kernel's arrays, or the JS walk's growable arena). */
  private pkgArena: PkgRuleArena | null = null;
  /** Per package rule id (pkgRuleFirst..pkgRulesEnd-1, at id - pkgRuleFirst): its index in the arena's columns. */
  private pkgRuleIndex: Int32Array = new Int32Array(0);
  private pkgRuleFirst = 0;
  /** The package rules' origins (null until loadPkgRules). */
  private pkgOriginHold: OriginHold | null = null;

  problems: Problem[] = [];
  private recommendsMap = new Set<number>();
  private suggestsMap = new Set<number>();
  private recommendsIndex = 0;
  private policyCtx: PolicyContext;

  private readonly traceFn: ((line: string) => void) | undefined;
  private readonly phaseEnd: ((phase: SolvePhase) => void) | undefined;

  constructor(
    readonly pool: Pool,
    readonly jobs: Job[],
    readonly flags: SolverFlags = defaultSolverFlags(),
    /** Receives a line per decision and rule change (debugging, `atoll testsolv --trace`). */
    trace?: (line: string) => void,
    /**
     * Called as each phase of the work ends (`atoll testsolv --timing` times the phases with
     * it): jobs (job maps, the provides index on first use), pkgrules (the closure walk),
     * engine (unify order, rules into the engine), rules (feature, update, job, dup, best,
     * infarch, choice rules), then from solve(): sat (the decision loop), result.
     */
    phaseEnd?: (phase: SolvePhase) => void,
  ) {
    this.traceFn = trace;
    this.phaseEnd = phaseEnd;
    const inst = pool.installed;
    this.installedIds = [];
    if (inst) this.installedIds = pool.packagesOf(inst);
    this.added = new IdSet(pool.size);
    this.dupMap = new IdSet(pool.size);
    this.dupInvolved = new IdSet(pool.size);
    this.installedMask = new Uint8Array(pool.size);
    // (indexed: a for-of in baseline code allocates per element)
    for (let i = 0; i < this.installedIds.length; i++) {
      const p = this.installedIds[i]!;
      this.installedMask[p] = 1;
      this.installedPos.set(p, i);
    }
    this.sat = new CdclSolver(pool.size);
    this.policyCtx = {
      pool,
      decision: (p) => this.sat.decisionMap[p]!,
      isRecommended: (p) => {
        this.updateRecommendsMap();
        return this.recommendsMap.has(p);
      },
      isSuggested: (p) => {
        this.updateRecommendsMap();
        return this.suggestsMap.has(p);
      },
      isSupplementing: (p) => this.isSupplementing(p),
      isEnhancing: (p) => this.isEnhancing(p),
      favorLevel: (p) => this.favor.get(p) ?? 0,
      hasFavors: () => this.favor.size > 0,
      strictRepoPriority: flags.strictrepopriority,
    };
    this.build();
    this.phaseEnd?.('rules');
  }

  // ---------------------------------------------------------------- selections

  private allIds: number[] | null = null;

  /** Selections by object (jobs are looked at in several passes; callers only read the lists). */
  private selCache = new Map<Selection, number[]>();

  select(sel: Selection): number[] {
    if (sel.kind === 'name' || sel.kind === 'provides' || sel.kind === 'repo') {
      let l = this.selCache.get(sel);
      if (l === undefined) this.selCache.set(sel, (l = this.selectUncached(sel)));
      return l;
    }
    return this.selectUncached(sel);
  }

  private selectUncached(sel: Selection): number[] {
    const pool = this.pool;
    switch (sel.kind) {
      case 'pkg':
        return [sel.p];
      case 'oneof':
        return sel.ps;
      case 'name':
        return pool.whatprovides(sel.dep).filter((p) => pool.matchNevr(p, sel.dep));
      case 'provides':
        return pool.whatprovides(sel.dep);
      case 'repo': {
        const out: number[] = [];
        for (let p = 2, np = pool.size; p < np; p++) if (pool.solvables[p]!.repo === sel.repo) out.push(p);
        return out;
      }
      case 'all': {
        // one shared list (callers only read selections)
        if (this.allIds === null) {
          const ids = new Array<number>(pool.size - 2).fill(0);
          for (let p = 2, np = pool.size; p < np; p++) ids[p - 2] = p;
          this.allIds = ids;
        }
        return this.allIds;
      }
    }
  }

  /** Installed-repo membership by id (the pool does not change while a solver lives). */
  private installedMask: Uint8Array = new Uint8Array(0);

  private isInstalled(p: number): boolean {
    return this.installedMask[p] === 1;
  }

  // ---------------------------------------------------------------- rule building

  private cnf(d: Dep, negate: boolean): Cnf {
    const pool = this.pool;
    if (d.kind === 'simple') {
      const prov = pool.whatprovidesSimple(d);
      if (!negate) return [prov.slice()];
      return prov.map((p) => [-p]);
    }
    const or = (a: Cnf, b: Cnf): Cnf => {
      if (a.length === 0 || b.length === 0) return CNF_TRUE;
      const out: Cnf = [];
      for (const ca of a) for (const cb of b) out.push([...new Set([...ca, ...cb])]);
      return out.filter((c) => !c.some((l) => c.includes(-l)));
    };
    const and = (a: Cnf, b: Cnf): Cnf => [...a, ...b];
    const L = (e: Dep, n: boolean): Cnf => this.cnf(e, n);
    switch (d.op) {
      case 'and':
        return negate ? or(L(d.left, true), L(d.right, true)) : and(L(d.left, false), L(d.right, false));
      case 'or':
        return negate ? and(L(d.left, true), L(d.right, true)) : or(L(d.left, false), L(d.right, false));
      case 'with':
      case 'without': {
        const prov = pool.whatprovides(d);
        return negate ? prov.map((p) => [-p]) : [prov];
      }
      case 'if': {
        // A if B [else C]  ==  (A or not B) [and (B or C)]
        if (!d.otherwise) return negate ? and(L(d.left, true), L(d.right, false)) : or(L(d.left, false), L(d.right, true));
        const pos = and(or(L(d.left, false), L(d.right, true)), or(L(d.right, false), L(d.otherwise, false)));
        if (!negate) return pos;
        return or(and(L(d.right, false), L(d.left, true)), and(L(d.right, true), L(d.otherwise, true)));
      }
      case 'unless': {
        // A unless B [else C]  ==  (A or B) [and (not B or C)]
        if (!d.otherwise) return negate ? and(L(d.left, true), L(d.right, true)) : or(L(d.left, false), L(d.right, false));
        const pos = and(or(L(d.left, false), L(d.right, false)), or(L(d.right, true), L(d.otherwise, false)));
        if (!negate) return pos;
        return or(and(L(d.right, true), L(d.left, true)), and(L(d.right, false), L(d.otherwise, true)));
      }
    }
  }

  private addPkgRule(lits: number[], reason: number, p: number, other: number, dep: number): void {
    // drop repeated literals and tautologies; rules are short, so a scan beats a Set
    let l = lits;
    const n = l.length;
    if (n > 16) {
      l = [...new Set(lits)];
      const set = new Set(l);
      if (l.some((x) => set.has(-x))) return; // tautology
    } else {
      let clean = true;
      for (let i = 1; i < n && clean; i++) {
        const x = l[i]!;
        for (let k = 0; k < i; k++) {
          if (l[k] === x || l[k] === -x) {
            clean = false;
            break;
          }
        }
      }
      if (!clean) {
        l = [...new Set(lits)];
        if (l.some((x) => l.includes(-x))) return; // tautology
      }
    }
    const a = this.pkgArena!;
    const out = a.open(l.length);
    for (let k = 0; k < l.length; k++) out[a.top + k] = l[k]!;
    a.close(l.length, reason, p, other, dep);
  }

  isMultiversion(p: number): boolean {
    return this.multiversion.has(p);
  }

  /** The closure walk and the distupgrade-all pass as WebAssembly kernels (closure-kernel.ts, dup-kernel.ts); false: always the JS code (tests compare both). */
  static closureKernel = true;
  /** The closure kernel's infarch verdict per name id (ClosureKernel.nameState), null without the kernel. */
  private infarchNames: Uint8Array | null = null;
  /** The kernel of this solver's walk, while the package rules are built (null: the JS walk). */
  private kernel: ClosureKernel | null = null;
  private kernelJs: (n: number) => void = () => undefined;
  private kernelProviders: (d: Dep) => readonly number[] = () => [];

  /**
   * solver_addpkgrulesforsolvable: rules for each start package and everything it can reach,
   * one start after the other.
   */
  private addPkgRulesFor(starts: ArrayLike<number>): void {
    const k = this.kernel;
    if (k !== null) {
      k.walkFrom(starts, this.kernelJs, this.kernelProviders);
      return;
    }
    const added = this.added.bits;
    for (let x = 0; x < starts.length; x++) {
      const queue = [starts[x]!];
      for (let qi = 0; qi < queue.length; qi++) {
        const n = queue[qi]!;
        if (added[n] === 1 || n === SYSTEM_SOLVABLE) continue;
        this.pkgRulesOf(n, queue);
      }
    }
  }

  /** Set up the closure kernel for this solver's walk (null when the setup needs the JS code). */
  private makeKernel(scale: number): ClosureKernel | null {
    const pool = this.pool;
    if (!RpmSolver.closureKernel || this.multiversion.size > 0 || this.fixMap.size > 0 || this.flags.strongrecommends) return null;
    const td = pool.typedDeps();
    // (an index built by the JS loops, outside the pool's memory: the JS walk)
    if (td.index === null) return null;
    const k = new ClosureKernel(td, {
      size: pool.size,
      installed: this.installedMask,
      installable: pool.installableMask(),
      colors: pool.flags.implicitobsoleteusescolors,
      forbidSelfConflicts: pool.flags.forbidselfconflicts,
      archPolicy: pool.hasArchPolicy(),
      scale,
    });
    const arena = PkgRuleArena.over(k);
    this.pkgArena = arena;
    this.added = new IdSet(k.added);
    this.kernelJs = (n) => {
      arena.top = k.litTop;
      arena.count = k.ruleCount;
      this.pkgRulesOf(n, k);
      k.litTop = arena.top;
      k.ruleCount = arena.count;
    };
    this.kernelProviders = (d) => pool.whatprovidesSimple(d as SimpleDep);
    return k;
  }

  /** The package rules of package n (not added yet); the packages they reach go into the queue. */
  private pkgRulesOf(n: number, queue: { push(p: number): unknown }): void {
    const pool = this.pool;
    // the pool's columns and the solver's byte maps in locals: this runs for every package the
    // jobs and the installed system can reach, in baseline-compiled code where each call and
    // property load counts
    const added = this.added.bits;
    const inst = this.installedMask;
    const installable = pool.installableMask();
    const nameOf = pool.nameIdColumn();
    const multi = this.multiversion;
    const hasMulti = multi.size > 0;
    const colors = pool.flags.implicitobsoleteusescolors;
    const hasFix = this.fixMap.size > 0;
    {
      added[n] = 1;
      this.addedList.push(n);
      const s = pool.solvables[n]!;
      const installed = inst[n] === 1;
      const dontfix = installed && !(hasFix && this.fixMap.has(n));
      if (!installed && installable[n] !== 1) {
        this.addPkgRule([-n], R_NOT_INSTALLABLE, n, 0, -1);
        return;
      }
      const requires = s.requires;
      for (let ri = 0; ri < requires.length; ri++) {
        const req = requires[ri]!;
        if (req.kind === 'simple') {
          // (null: an rpmlib() dependency, never a rule)
          const prov = pool.requireProviders(req);
          if (prov === null) continue;
          if (dontfix) {
            let any = false;
            for (let k = 0; k < prov.length && !any; k++) if (inst[prov[k]!] === 1) any = true;
            if (!any) continue;
          }
          if (prov.includes(n)) continue;
          if (prov.length === 0) {
            this.addPkgRule([-n], R_NOTHING_PROVIDES, n, 0, ri);
            continue;
          }
          // whatprovides lists are ascending and unique, and n is not among them
          const arena = this.pkgArena!;
          const b = arena.top;
          const lits = b + prov.length + 1 <= arena.lits.length ? arena.lits : arena.open(prov.length + 1);
          lits[b] = -n;
          for (let k = 0; k < prov.length; k++) {
            const p = prov[k]!;
            lits[b + k + 1] = p;
            if (added[p] !== 1) queue.push(p);
          }
          arena.close(prov.length + 1, R_REQUIRES, n, 0, ri);
        } else {
          const cnf = this.cnf(req, false);
          for (const clause0 of cnf) {
            // an installed package keeps a requirement that is already broken (dontfix), per clause
            if (dontfix && !clause0.some((l) => (l > 0 ? this.isInstalled(l) : !this.isInstalled(-l)))) continue;
            if (clause0.includes(n)) continue;
            const clause = [-n, ...clause0].sort((a, b) => a - b);
            if (clause0.length === 0) this.addPkgRule([-n], R_NOTHING_PROVIDES, n, 0, ri);
            else this.addPkgRule(clause, R_REQUIRES, n, 0, ri);
            for (const l of clause) if (l > 0 && added[l] !== 1) queue.push(l);
          }
        }
      }
      const conflicts = s.conflicts;
      for (let ci = 0; ci < conflicts.length; ci++) {
        const con = conflicts[ci]!;
        if (con.kind === 'simple') {
          const cprov = pool.whatprovidesSimple(con);
          for (let k = 0; k < cprov.length; k++) {
            const p = cprov[k]!;
            if (dontfix && inst[p] === 1) continue;
            if (p === n && !pool.flags.forbidselfconflicts) continue;
            if (p === n) this.addPkgRule([-n, -p], R_SELF_CONFLICT, n, p, ci);
            else this.pkgArena!.pair(-n, -p, R_CONFLICTS, n, p, ci);
          }
        } else {
          for (const clause of this.cnf(con, true)) {
            if (clause.length === 1 && clause[0] === -n) continue;
            if (dontfix && clause.every((l) => l < 0 && this.isInstalled(-l))) continue;
            this.addPkgRule([-n, ...clause], R_CONFLICTS, n, 0, ci);
          }
        }
      }
      const noobs = hasMulti && multi.has(n);
      if ((!noobs || this.flags.keepexplicitobsoletes) && s.obsoletes.length) {
        for (let oi = 0; oi < s.obsoletes.length; oi++) {
          const obs = s.obsoletes[oi]!;
          for (const p of pool.whatprovides(obs)) {
            if (p === n) continue;
            if (!pool.flags.obsoleteusesprovides && !pool.matchNevr(p, obs)) continue;
            if (pool.flags.obsoleteusescolors && !pool.colorMatch(s, pool.solvables[p]!)) continue;
            if (installed && this.isInstalled(p)) continue;
            this.addPkgRule([-n, -p], this.isInstalled(p) ? R_INSTALLED_OBSOLETES : R_OBSOLETES, n, p, oi);
          }
        }
      }
      // Same name: only one of them (unless multiversion or different colors).
      const same = pool.sameNameOf(n);
      const nk = nameOf[n]!;
      for (let si = 0; si < same.length; si++) {
        const p = same[si]!;
        if (p === n || nameOf[p] !== nk) continue;
        if (installed && inst[p] === 1) continue;
        const ps = pool.solvables[p]!;
        if (colors && s.arch !== ps.arch && !pool.colorMatch(s, ps)) continue;
        const pmulti = hasMulti && multi.has(p);
        if (noobs && pmulti) continue;
        if (noobs || pmulti) {
          // one side is multiversion: only forbid identical-EVR pairs
          if (pool.evrcmp(n, p) !== 0 || s.arch !== ps.arch) continue;
        }
        this.pkgArena!.pair(-n, -p, R_SAME_NAME, n, p, -1);
      }
      // multilib lock-step partners (same name and EVR, better arch) may be pulled in by the
      // infarch rules, so they need their rules too
      if (colors && same.length > 1 && s.arch !== 'noarch' && pool.hasArchPolicy()) {
        let a = -1;
        for (let si = 0; si < same.length; si++) {
          const q = same[si]!;
          if (q === n || nameOf[q] !== nk || added[q] === 1) continue;
          const qs = pool.solvables[q]!;
          if (qs.evr !== s.evr) continue;
          if (a < 0) a = pool.archScoreOf(n);
          const b = pool.archScoreOf(q);
          if (b && b !== 1 && b < a) queue.push(q);
        }
      }
      // strongrecommends: recommends become weak package rules (broken only when they must be)
      if (this.flags.strongrecommends && !installed) {
        for (let wi = 0; wi < s.recommends.length; wi++) {
          const rec = s.recommends[wi]!;
          if (rec.kind !== 'simple') continue;
          const prov = pool.whatprovidesSimple(rec);
          if (!prov.length || prov.includes(n)) continue;
          this.addPkgRule([-n, ...prov], R_RECOMMENDS, n, 0, wi);
        }
      }
      // Weak deps: make the packages reachable so choices (and the recommendations report)
      // see their rules.
      for (let wi = 0; wi < s.recommends.length; wi++) {
        const wp = pool.whatprovides(s.recommends[wi]!);
        for (let k = 0; k < wp.length; k++) if (added[wp[k]!] !== 1) queue.push(wp[k]!);
      }
      for (let wi = 0; wi < s.suggests.length; wi++) {
        const wp = pool.whatprovides(s.suggests[wi]!);
        for (let k = 0; k < wp.length; k++) if (added[wp[k]!] !== 1) queue.push(wp[k]!);
      }
    }
  }

  /** Targeted update: installed packages related to the targets may only go to those targets. */
  private addUpdateTargets(sel: number[], forcebest: boolean): void {
    const pool = this.pool;
    for (const t of sel) {
      if (this.isInstalled(t)) {
        // an installed package as target: "update" it to itself
        this.updateMap.add(t);
        if (forcebest) this.bestUpdateMap.add(t);
        let set = this.updateTargets.get(t);
        if (!set) this.updateTargets.set(t, (set = new Set()));
        set.add(t);
        continue;
      }
      const ts = pool.solvables[t]!;
      for (const ip of this.installedIds) {
        const is = pool.solvables[ip]!;
        const rel =
          (is.name === ts.name && (!pool.flags.implicitobsoleteusescolors || pool.colorMatch(is, ts))) ||
          ts.obsoletes.some((o) => pool.matchNevr(ip, o));
        if (!rel) continue;
        this.updateMap.add(ip);
        if (forcebest) this.bestUpdateMap.add(ip);
        let set = this.updateTargets.get(ip);
        if (!set) this.updateTargets.set(ip, (set = new Set()));
        set.add(t);
      }
    }
  }

  private obsoletesIndex: Map<number, number[]> | null = null;

  /** Installed package -> available packages whose obsoletes match it (libsolv's obsoletes index). */
  private obsoletersOf(p: number): number[] {
    if (!this.obsoletesIndex) {
      const pool = this.pool;
      const idx = new Map<number, number[]>();
      if (this.installedIds.length) {
        for (const q of pool.withReverseDeps().obsoletes) {
          const qs = pool.solvables[q]!;
          if (!pool.installable(q) && !(pool.flags.whatprovideswithdisabled && pool.disabled.has(q))) continue;
          for (const obs of qs.obsoletes) {
            for (const ip of pool.whatprovides(obs)) {
              if (!this.isInstalled(ip) || ip === q) continue;
              if (!pool.flags.obsoleteusesprovides && !pool.matchNevr(ip, obs)) continue;
              if (pool.flags.obsoleteusescolors && !pool.colorMatch(qs, pool.solvables[ip]!)) continue;
              let l = idx.get(ip);
              if (!l) idx.set(ip, (l = []));
              if (!l.includes(q)) l.push(q);
            }
          }
        }
      }
      this.obsoletesIndex = idx;
    }
    return this.obsoletesIndex.get(p) ?? [];
  }

  /** Update candidates of an installed package (policy_findupdatepackages). */
  findUpdatePackages(p: number, allowAll: boolean, dup = false): number[] {
    // with allowAll the answer depends on the pool only (not on dup or the job maps): asked
    // several times per installed package while the rules are built, computed once. Callers
    // only read the list.
    // a distupgrade that allows every change (libsolv's default dup flags) and no multiversion
    // package: the same list as allowAll (updatePackages checks nothing else then)
    const f = this.flags;
    if (allowAll || (dup && f.dupallowdowngrade && f.dupallowarchchange && f.dupallowvendorchange && f.dupallownamechange && this.multiversion.size === 0)) {
      let l = this.allUpdates.get(p);
      if (l === undefined) this.allUpdates.set(p, (l = this.updatePackages(p, true, false)));
      return l;
    }
    return this.updatePackages(p, false, dup);
  }

  private allUpdates = new Map<number, number[]>();

  /**
   * findUpdatePackages(p, true)'s lists for every installed package, in installedIds order in
   * one pair of arrays (updateCsr), from one pass over the provides index's columns
   * (updatePackages with allowAll: the other packages of p's name that are not installed, then
   * its obsoleters): on dup ~1,500 installed packages, whose lists in cold JS (a loop and an
   * array each) cost ~2 ms; the closure kernel's `updates` pass does the common case. Packages
   * of a file or namespace name go through findUpdatePackages.
   */
  private fillAllUpdates(): void {
    if (this.updateCsr !== null) return;
    const pool = this.pool;
    const ids0 = this.installedIds;
    const ni = ids0.length;
    const colors = pool.flags.implicitobsoleteusescolors;
    const { start, ids } = pool.nameIndex();
    const nameOf = pool.nameIdColumn();
    const special = pool.nameSpecialColumn();
    const { archOf, archColor } = pool.archColumns();
    const inst = this.installedMask;
    // (built once; empty on most systems)
    if (ni > 0) this.obsoletersOf(ids0[0]!);
    const obsIdx = this.obsoletesIndex;
    const hasObs = obsIdx !== null && obsIdx.size > 0;
    // the common case as the closure kernel's pass (its JS reference: the loop below)
    const kernel = this.kernel;
    if (kernel !== null && !hasObs) {
      let plain = true;
      for (let x = 0; x < ni && plain; x++) if (special[nameOf[ids0[x]!]!] !== 0) plain = false;
      const r = plain ? kernel.updateLists(ids0) : null;
      if (r !== null) {
        this.updateCsr = r;
        return;
      }
    }
    const cStart = new Int32Array(ni + 1);
    let cIds = new Int32Array(4 * ni + 16);
    let top = 0;
    for (let x = 0; x < ni; x++) {
      const p = ids0[x]!;
      cStart[x] = top;
      const k = nameOf[p]!;
      if (special[k] !== 0) {
        const l = this.findUpdatePackages(p, true);
        if (top + l.length > cIds.length) cIds = grownTo(cIds, top + l.length);
        for (let j = 0; j < l.length; j++) cIds[top++] = l[j]!;
        continue;
      }
      const end = start[k + 1]!;
      let last = -1;
      for (let i = start[k]!; i < end; i++) {
        const q = ids[i]!;
        if (q === last) continue;
        last = q;
        if (nameOf[q] !== k || inst[q] === 1) continue;
        if (colors && archOf[q] !== archOf[p]) {
          // Pool.colorMatch (arch strings are interned: equal arch ids are equal arches)
          const ca = archColor[archOf[p]!]!;
          const cb = archColor[archOf[q]!]!;
          if (ca !== 0 && cb !== 0 && (ca & cb) === 0) continue;
        }
        if (top === cIds.length) cIds = grownTo(cIds, top + 1);
        cIds[top++] = q;
      }
      if (hasObs) {
        const obs = obsIdx.get(p);
        if (obs === undefined) continue;
        for (let j = 0; j < obs.length; j++) {
          const q = obs[j]!;
          let seen = false;
          for (let i = cStart[x]!; i < top && !seen; i++) if (cIds[i] === q) seen = true;
          if (seen) continue;
          if (top === cIds.length) cIds = grownTo(cIds, top + 1);
          cIds[top++] = q;
        }
      }
    }
    cStart[ni] = top;
    this.updateCsr = { start: cStart, ids: cIds };
  }

  /** fillAllUpdates' lists: installed package k's (installedIds order) in ids[start[k]..start[k+1]). */
  private updateCsr: { start: Int32Array; ids: Int32Array } | null = null;


  private updatePackages(p: number, allowAll: boolean, dup: boolean): number[] {
    const pool = this.pool;
    const s = pool.solvables[p]!;
    const out: number[] = [];
    const allowDowngrade = dup ? this.flags.dupallowdowngrade : this.flags.allowdowngrade;
    const allowArch = dup ? this.flags.dupallowarchchange : this.flags.allowarchchange;
    const allowVendor = dup ? this.flags.dupallowvendorchange : this.flags.allowvendorchange;
    const allowName = dup ? this.flags.dupallownamechange : this.flags.allownamechange;
    const same = pool.sameNameOf(p);
    for (let k = 0; k < same.length; k++) {
      const q = same[k]!;
      if (this.isInstalled(q)) continue;
      const qs = pool.solvables[q]!;
      if (qs.name !== s.name) continue;
      if (pool.flags.implicitobsoleteusescolors && !pool.colorMatch(s, qs)) continue;
      if (!allowAll && !allowDowngrade && pool.evrcmp(p, q) > 0) continue;
      // a multiversion package is not replaced by a distupgrade, new versions come alongside
      if (!allowAll && dup && this.multiversion.has(p)) continue;
      if (allowAll || this.legalUpdate(s, qs, allowArch, allowVendor)) out.push(q);
    }
    if (allowAll || allowName) {
      const obs = this.obsoletersOf(p);
      for (let k = 0; k < obs.length; k++) {
        const q = obs[k]!;
        if (out.includes(q)) continue;
        const qs = pool.solvables[q]!;
        if (pool.flags.implicitobsoleteusescolors && !pool.colorMatch(s, qs)) continue;
        if (allowAll || this.legalUpdate(s, qs, allowArch, allowVendor)) out.push(q);
      }
    }
    return out;
  }

  /** Arch and vendor changes an update may make (policy_illegal without allowAll). */
  private legalUpdate(s: Solvable, qs: Solvable, allowArch: boolean, allowVendor: boolean): boolean {
    if (!allowArch && s.arch !== qs.arch && this.illegalArchChange(s.id, qs.id)) return false;
    if (!allowVendor && s.vendor !== qs.vendor) return false;
    return true;
  }

  illegalArchChange(a: number, b: number): boolean {
    const pool = this.pool;
    const aa = pool.solvables[a]!.arch;
    const ba = pool.solvables[b]!.arch;
    if (aa === ba || aa === 'noarch' || ba === 'noarch' || !pool.hasArchPolicy()) return false;
    const sa = pool.archScoreOf(a);
    const sb = pool.archScoreOf(b);
    return ((sa ^ sb) & 0xffff0000) !== 0;
  }

  private addRule(lits: number[], info: RuleInfo): number {
    const id = this.sat.addClause(lits);
    this.rules.set(id, info);
    return id;
  }

  /** An empty rule: a placeholder that stays disabled. */
  private markEmpty(id: number): void {
    this.sat.disable(id);
    this.emptyRule.add(id);
  }

  /** What a rule is about (package rules: made from the builder's columns on first use). */
  ruleInfo(id: number): RuleInfo | undefined {
    let info = this.rules.get(id);
    if (info === undefined && id >= this.featureRules && id < this.jobRules && this.jobRules > 0) {
      // feature and update rules: one per installed package each, in its order
      const update = id >= this.updateRules;
      info = { type: update ? 'update' : 'feature', p: this.installedIds[id - (update ? this.updateRules : this.featureRules)]! };
      this.rules.set(id, info);
    }
    const a = info === undefined && id >= this.pkgRuleFirst && id < this.pkgRulesEnd ? this.pkgOriginHold?.get() ?? null : null;
    if (a !== null) {
      const r = this.pkgRuleIndex[id - this.pkgRuleFirst]!;
      info = { type: 'pkg', reason: PKG_REASONS[a.reason[r]!]!, p: a.p[r]! };
      if (a.other[r]) info.other = a.other[r]!;
      const di = a.dep[r]!;
      if (di >= 0) {
        const s = this.pool.solvables[a.p[r]!]!;
        const list = PKG_REASON_DEPS[a.reason[r]!];
        const dep = list ? s[list][di] : undefined;
        if (dep) info.dep = dep;
      }
      this.rules.set(id, info);
    }
    return info;
  }

  ruleLits(id: number): Int32Array {
    return this.sat.lits(id);
  }

  private build(): void {
    const pool = this.pool;
    const jobs = this.jobs;
    // 1. maps from the jobs
    jobs.forEach((job, ji) => {
      // ("distupgrade all" walks the pool by id: no list of every package)
      const sel = job.verb === 'distupgrade' && job.select.kind === 'all' ? [] : this.select(job.select);
      switch (job.verb) {
        case 'multiversion':
          for (const p of sel) this.multiversion.add(p);
          break;
        case 'install': {
          const nsd = this.namespaceOfSelection(job.select);
          if (nsd) this.installSuppDeps.push(nsd);
          break;
        }
        case 'update':
          if (job.select.kind === 'all' || (job.select.kind === 'repo' && job.select.repo === pool.installed)) {
            this.updateAll = true;
            if (job.flags.has('forcebest')) this.bestUpdateAll = true;
          } else {
            const targeted =
              job.flags.has('targeted') ||
              (!this.flags.noautotarget && sel.length > 0 && !sel.some((p) => this.isInstalled(p)));
            if (targeted) {
              this.addUpdateTargets(sel, job.flags.has('forcebest'));
            } else {
              for (const p of sel) {
                if (!this.isInstalled(p)) continue;
                this.updateMap.add(p);
                if (job.flags.has('forcebest')) this.bestUpdateMap.add(p);
              }
            }
          }
          break;
        case 'distupgrade': {
          // dupMap: the packages to distupgrade to; dupInvolved: every package whose name is
          // among them, and the installed packages they obsolete (solver_createdupmaps)
          const byPackages = job.select.kind !== 'all' && job.select.kind !== 'repo';
          const targeted =
            byPackages &&
            (job.flags.has('targeted') || (!this.flags.noautotarget && sel.length > 0 && !sel.some((p) => this.isInstalled(p))));
          if (targeted) {
            // a targeted distupgrade is an update of the installed packages to these targets,
            // and a forced one: libsolv reports a problem ("allow" the other version) rather than
            // going elsewhere (targeted_dup.t)
            // The targets bind through that best rule only: once a problem gives it up, the
            // installed package goes to its best update, not to the targets.
            const before = new Set(this.updateTargets.keys());
            this.addUpdateTargets(sel, true);
            for (const [ip, ts] of this.updateTargets) if (!before.has(ip) && !ts.has(ip)) this.dupTargetedOnly.add(ip);
            break;
          }
          // "distupgrade all": every package, walked by id (no list of them)
          const all = job.select.kind === 'all';
          const targets = all ? [] : [...sel];
          if (job.select.kind === 'all') this.dupAll = true;
          // forcebest: every installed package the distupgrade involves gets a best rule
          const forcebest = job.flags.has('forcebest');
          if (forcebest && job.select.kind === 'all') this.bestUpdateAll = true;
          const involvedBefore = forcebest ? new Set(this.installedIds.filter((p) => this.dupInvolved.has(p))) : null;
          if (byPackages) {
            // untargeted: the selected installed packages go to what the repositories offer
            for (const p of sel) if (this.isInstalled(p)) for (const q of this.findUpdatePackages(p, true)) targets.push(q);
          }
          // names whose same-name packages are involved (marked, then collected in one pass
          // over the pool instead of a list per name)
          const involvedNames = new Uint8Array(pool.nameCount);
          let anyName = false;
          // the pool's columns and the sets' byte maps, read and written in place (this loop
          // sees every package of the pool for "distupgrade all")
          const instMask = this.installedMask;
          const installable = pool.installableMask();
          const dupBits = this.dupMap.bits;
          const involved = this.dupInvolved.bits;
          const withObsoletes = new Uint8Array(pool.size);
          const obsList = pool.withReverseDeps().obsoletes;
          for (let k = 0; k < obsList.length; k++) withObsoletes[obsList[k]!] = 1;
          const nameOf = pool.nameIdColumn();
          const nameSpecial = pool.nameSpecialColumn();
          let used = false;
          const n = all ? pool.size : targets.length;
          if (all && RpmSolver.closureKernel) {
            // the pass over every package as a kernel (dup-kernel.ts); its list: the packages
            // with a file or namespace name or obsoletes, finished below as in the loop
            const own = pool.ownNameColumns();
            // in the pool's scratch column, where the closure walk works next (its pages
            // touched once for both), nameOf read in place
            const td = pool.typedDeps();
            td.takeScratch();
            td.cols.ensure(td.scratch, dupAllBytes(pool.size, pool.nameCount), false);
            const res = dupAllMaps(
              {
                size: pool.size,
                installed: instMask,
                installable,
                nameOf: pool.nameIdColumn(),
                nameSpecial,
                names: pool.nameCount,
                withObsoletes,
                ownProvides: own.own,
                inIndex: own.inIndex,
              },
              dupBits,
              involved,
              { memory: td.cols.mem, at: td.cols.offset(td.scratch), nameOfAt: td.nameOf },
            );
            // (the scratch may have grown the memory: views made again)
            const nameOf = pool.nameIdColumn();
            if (res.used) this.dupMapUsed = true;
            const js = res.js;
            for (let x = 0; x < js.length; x++) {
              const p = js[x]!;
              const s = pool.solvables[p]!;
              if (nameSpecial[nameOf[p]!] === 1) for (const q of pool.sameNameOf(p)) if (pool.solvables[q]!.name === s.name) involved[q] = 1;
              if (withObsoletes[p] !== 1) continue;
              for (let oi = 0; oi < s.obsoletes.length; oi++) {
                const obs = s.obsoletes[oi]!;
                for (const ip of pool.whatprovides(obs)) if (this.isInstalled(ip) && pool.matchNevr(ip, obs)) involved[ip] = 1;
              }
            }
            if (involvedBefore)
              for (const p of this.installedIds) if (this.dupInvolved.has(p) && !involvedBefore.has(p)) this.bestUpdateMap.add(p);
            break;
          }
          for (let ti = all ? 2 : 0; ti < n; ti++) {
            const p = all ? ti : targets[ti]!;
            if (instMask[p] === 1) {
              if (!all) involved[p] = 1;
              continue;
            }
            if (installable[p] !== 1) continue; // excluded packages are not part of the upgrade
            dupBits[p] = 1;
            used = true;
            // with a package selection only the selected installed packages are involved
            if (byPackages) continue;
            const k = nameOf[p]!;
            if (nameSpecial[k] === 1) {
              const s = pool.solvables[p]!;
              for (const q of pool.sameNameOf(p)) if (pool.solvables[q]!.name === s.name) involved[q] = 1;
            } else {
              involvedNames[k] = 1;
              anyName = true;
            }
            involved[p] = 1;
            if (withObsoletes[p] !== 1) continue;
            const s = pool.solvables[p]!;
            for (let oi = 0; oi < s.obsoletes.length; oi++) {
              const obs = s.obsoletes[oi]!;
              for (const ip of pool.whatprovides(obs)) if (this.isInstalled(ip) && pool.matchNevr(ip, obs)) involved[ip] = 1;
            }
          }
          if (used) this.dupMapUsed = true;
          if (anyName) pool.markOwnNameList(involvedNames, involved);
          if (involvedBefore)
            for (const p of this.installedIds) if (this.dupInvolved.has(p) && !involvedBefore.has(p)) this.bestUpdateMap.add(p);
          break;
        }
        case 'verify':
          for (const p of sel) if (this.isInstalled(p)) this.fixMap.add(p);
          break;
        case 'allowuninstall':
          if (job.select.kind === 'all') this.allowUninstallAll = true;
          for (const p of sel) if (this.isInstalled(p)) this.allowUninstallMap.add(p);
          break;
        case 'favor':
          for (const p of sel) this.favor.set(p, ji + 1);
          break;
        case 'disfavor':
          for (const p of sel) this.favor.set(p, -(ji + 1));
          break;
        case 'excludefromweak':
          for (const p of sel) this.excludeFromWeak.add(p);
          break;
        case 'blacklist':
          for (const p of sel) this.blacklisted.add(p);
          break;
        case 'droporphaned':
          if (job.select.kind === 'all') this.droporphanedAll = true;
          for (const p of sel) this.droporphanedMap.add(p);
          break;
        default:
          break;
      }
    });
    if (this.flags.allowuninstall) this.allowUninstallAll = true;

    this.phaseEnd?.('jobs');

    // 2. package rules for everything reachable from the installed system and the jobs: by the
    // closure kernel where it applies (a full arena: again, larger, then the JS walk)
    for (const scale of [1, 8, 0]) {
      this.kernel = scale ? this.makeKernel(scale) : null;
      if (this.kernel === null) this.pkgArena = PkgRuleArena.growable();
      try {
        this.addAllPkgRules();
        break;
      } catch (err) {
        if (!(err instanceof KernelFull)) throw err;
        this.added = new IdSet(pool.size);
        this.addedList = [];
      }
    }
    if (this.kernel !== null) {
      // the kernel's added packages and name verdicts copied out of the pool's scratch (the
      // next solve on the pool reuses it); its rules are read in place by loadPkgRules (one
      // copy, into the engine's memory), which leaves their origin columns there until the
      // scratch is taken again (Pool.holdScratch)
      const k = this.kernel;
      this.pkgArena = PkgRuleArena.over(k);
      this.pkgArena.top = k.litTop;
      this.pkgArena.count = k.ruleCount;
      this.added = new IdSet(k.added.slice());
      this.infarchNames = k.nameState.slice();
      // every package with rules, ascending, from the added map (the JS code's too: its list
      // is in there, so it starts empty again)
      this.addedKernel = k.addedAscending();
      this.addedList = [];
      this.kernel = null;
    }
    this.phaseEnd?.('pkgrules');
    this.loadPkgRules();
    this.phaseEnd?.('engine');
    this.buildPolicyRules();
  }

  /** The package rules' closure: from the installed packages, their updates, the install jobs, triggered supplements. */
  private addAllPkgRules(): void {
    const pool = this.pool;
    const jobs = this.jobs;
    // (indexed loops on these paths: a for-of in not yet optimized code allocates per element)
    const installedIds = this.installedIds;
    this.addPkgRulesFor(installedIds);
    // their update candidates, in turn (one list: the walk takes its starts one after the other)
    this.fillAllUpdates();
    const csr = this.updateCsr!;
    this.addPkgRulesFor(csr.ids.subarray(0, csr.start[installedIds.length]!));
    // only install jobs add their candidates (libsolv: erase/update/dup do not)
    for (const job of jobs) {
      if (job.verb !== 'install') continue;
      const sel = this.select(job.select);
      this.addPkgRulesFor(sel);
    }
    // packages whose supplements/enhances can be triggered
    for (let changed = true; changed; ) {
      changed = false;
      const either = pool.withReverseDeps().either;
      for (let k = 0; k < either.length; k++) {
        const p = either[k]!;
        if (this.added.has(p)) continue;
        const s = pool.solvables[p]!;
        if (!pool.installable(p) && !this.isInstalled(p)) continue;
        const hit = [...s.supplements, ...s.enhances].some((d) => this.depMentionsAdded(d));
        if (hit) {
          this.addPkgRulesFor([p]);
          changed = true;
        }
      }
    }
  }

  /** The package rules into the engine, in libsolv's unify order. */
  private loadPkgRules(): void {
    // libsolv's unifyrules (sort by unifyrules_sortcmp, drop duplicates) as a WebAssembly
    // kernel in the engine's memory, where the rules are copied once and laid out from
    // (rule-unify-kernel.ts: a stable counting sort on the first literal, an insertion sort
    // inside each package's group, the duplicates dropped)
    const arena = this.pkgArena!;
    // (the kernel's views of the pool's memory: detached if it grew since the walk, a bug)
    if (arena.fixedArrays() && arena.lits.byteLength === 0) throw new TypeError('loadPkgRules: the pool memory changed after the closure walk');
    const { first, order } = this.sat.addClausesSorted(arena.lits, arena.top, arena.start, arena.len, arena.count, unifySorter(this.pool.size));
    // (weak package rules: strongrecommends' recommends, made by the JS walk only)
    if (arena.reason.subarray(0, arena.count).includes(R_RECOMMENDS)) {
      for (let k = 0; k < order.length; k++) if (arena.reason[order[k]!] === R_RECOMMENDS) this.weakRules.add(first + k);
    }
    this.pkgRuleIndex = order;
    this.pkgRuleFirst = first;
    if (arena.fixedArrays()) {
      // the origin columns stay in the pool's scratch (most solves never read them) until
      // something takes the scratch again, e.g. the next solve's walk: copied out then
      this.pkgOriginHold = OriginHold.inScratch(this.pool, arena.scratchAt!, arena.count);
    } else {
      // (the origin columns only: the literals, now in the engine, go with the arena)
      this.pkgOriginHold = OriginHold.own(this.pool, { reason: arena.reason, p: arena.p, other: arena.other, dep: arena.dep, count: arena.count });
    }
    // the requires pass's scan skips the package rules of a package not installed as one run
    // (package rules are sorted by first literal: its requires, conflicts and same-name rules
    // are adjacent)
    this.sat.setClauseRunsByHead(this.sat.nclauses);
    // rule origins by id in a Map: package rules' are made on demand, so the ids in use are
    // sparse (a `new Array(n)` of ~10^5 slots alone costs several ms in cold code)
    this.pkgArena = null;
    this.pkgRulesEnd = this.sat.nclauses;
  }

  /** Feature, update, job, infarch, dup, best, yumobs, blacklist, strict, choice rules; policy rules jobs disable. */
  private buildPolicyRules(): void {
    const pool = this.pool;
    const jobs = this.jobs;
    const installedIds = this.installedIds;
    // 3. feature and update rules, one each per installed package: their literals into one
    // arena (feature rule k at index k, update rule k at ni + k), added in one addClausesFrom
    // call; their RuleInfo made on demand (ruleInfo: the range gives the type, the position
    // the package)
    const ni = installedIds.length;
    let fa = new Int32Array(8 * ni + 16);
    const fStart = new Int32Array(2 * ni);
    const fLen = new Int32Array(2 * ni);
    const identity = new Int32Array(2 * ni);
    const empty: number[] = [];
    let fTop = 0;
    // (findUpdatePackages' own test, once: update candidates are the allowAll list then)
    const fl = this.flags;
    const dupAllowsAll = fl.dupallowdowngrade && fl.dupallowarchchange && fl.dupallowvendorchange && fl.dupallownamechange && this.multiversion.size === 0;
    // (findUpdatePackages(p, true)'s lists, read here without a call or a list per package)
    this.fillAllUpdates();
    const csr = this.updateCsr!;
    const csrStart = csr.start;
    const csrIds = csr.ids;
    const disabled = pool.disabled;
    const anyDisabled = disabled.size !== 0;
    const involved = this.dupInvolved.bits;
    const dupAll = this.dupAll;
    for (let k = 0; k < ni; k++) {
      const p = installedIds[k]!;
      identity[k] = k;
      identity[ni + k] = ni + k;
      const dup = dupAll || involved[p] === 1;
      // an excluded (disabled) installed package stays exactly as it is
      const locked = anyDisabled && disabled.has(p);
      // the feature list (findUpdatePackages(p, true)), the update list as first found, the
      // update rule's list: each a range of an array
      let fArr: ArrayLike<number> = NO_IDS;
      let fOff = 0;
      let fN = 0;
      if (!locked) {
        fArr = csrIds;
        fOff = csrStart[k]!;
        fN = csrStart[k + 1]! - fOff;
      }
      let rArr = fArr;
      let rOff = fOff;
      let rN = fN;
      if (!locked && !(dup && dupAllowsAll)) {
        const l = this.findUpdatePackages(p, false, dup);
        rArr = l;
        rOff = 0;
        rN = l.length;
      }
      let uArr = rArr;
      let uOff = rOff;
      let uN = rN;
      let updateEmpty = false;
      if (dup && !locked && uN === 0) {
        const keep = this.flags.keeporphans && !this.droporphanedAll && !this.droporphanedMap.has(p);
        if (fN === 0) {
          // an orphan: nothing in the distupgrade replaces it; kept only with keeporphans
          this.orphaned.add(p);
          if (!keep) updateEmpty = true;
        } else if (this.multiversion.has(p)) {
          // multiversion: treated as an orphan that the distupgrade versions may join
          this.orphaned.add(p);
          if (!keep) {
            uArr = fArr;
            uOff = fOff;
            uN = fN;
          }
        }
      }
      // the feature rule is empty (disabled) when it equals the update rule (as first found)
      let same = fN === rN;
      if (rArr !== fArr || rOff !== fOff) for (let i = 0; same && i < fN; i++) if (fArr[fOff + i] !== rArr[rOff + i]) same = false;
      if (fTop + fN + uN + 2 > fa.length) fa = grownTo(fa, fTop + fN + uN + 2);
      fStart[k] = fTop;
      if (same) empty.push(k);
      else fTop = pushRule(fa, fTop, p, fArr, fOff, fN);
      fLen[k] = fTop - fStart[k]!;
      fStart[ni + k] = fTop;
      if (updateEmpty) empty.push(ni + k);
      else fTop = pushRule(fa, fTop, p, uArr, uOff, uN);
      fLen[ni + k] = fTop - fStart[ni + k]!;
    }
    this.featureRules = this.sat.addClausesFrom(fa, fStart, fLen, identity, 2 * ni, fTop, 2 * ni);
    this.updateRules = this.featureRules + ni;
    for (let i = 0; i < empty.length; i++) this.markEmpty(this.featureRules + empty[i]!);

    // 4. job rules
    this.jobRules = this.sat.nclauses;
    jobs.forEach((job, ji) => {
      // (only these verbs make job rules: "distupgrade all" would list every package)
      if (job.verb !== 'install' && job.verb !== 'erase' && job.verb !== 'lock') return;
      const sel = this.select(job.select);
      const weak = job.flags.has('weak');
      const add = (lits: number[]): void => {
        const id = this.addRule(lits, { type: 'job', job: ji });
        this.ruleToJob.set(id, ji);
        if (weak) this.weakRules.add(id);
      };
      switch (job.verb) {
        case 'install':
          if (sel.length === 0 && this.namespaceOfSelection(job.select)) add([SYSTEM_SOLVABLE]);
          else if (sel.length === 0) add([-SYSTEM_SOLVABLE]);
          else if (sel.length === 1 && this.multiversion.has(sel[0]!) && this.isInstalled(sel[0]!)) add([sel[0]!]);
          else add(sel);
          break;
        case 'erase': {
          for (const p of sel) add([-p]);
          // erasing a namespace that nothing provides (or all of it, `ns(<NULL>)`) with
          // cleandeps takes the installed packages that supplemented it (solver_createcleandepsmap)
          const nsd = this.namespaceOfSelection(job.select);
          if (nsd && job.flags.has('cleandeps') && (nsd.arg === null || sel.length === 0)) {
            for (const ip of this.installedIds) {
              const sups = pool.solvables[ip]!.supplements;
              if (sups.some((d) => this.mentionsNamespace(d, [nsd]) && !this.depFulfilledBy(d, (q) => q === SYSTEM_SOLVABLE || this.isInstalled(q))))
                if (!sel.includes(ip)) add([-ip]);
            }
          }
          break;
        }
        case 'lock':
          for (const p of sel) add([this.isInstalled(p) ? p : -p]);
          break;
        default:
          break;
      }
    });
    this.jobRulesEnd = this.sat.nclauses;

    // 5. infarch rules; in the same pass over the added packages, the dup rules' candidates
    // (their rules come after the infarch rules, below)
    this.infarchRules = this.sat.nclauses;
    const doInfarch = pool.hasArchPolicy() && !this.flags.noinfarchcheck;
    const doDup = this.dupAll || this.dupMapUsed;
    let dupCands = NO_I32;
    let nDupCands = 0;
    if (doInfarch || doDup) {
      const doneNames = doInfarch ? new Uint8Array(pool.nameCount) : NO_U8;
      const known = this.infarchNames;
      const addedSorted = this.sortedAdded();
      // (the name id column and the maps' bits read directly: this runs over every added package)
      const nameOf = pool.nameIdColumn();
      const involved = this.dupInvolved.bits;
      const inDup = this.dupMap.bits;
      if (doDup) dupCands = new Int32Array(addedSorted.length);
      for (let ai = 0; ai < addedSorted.length; ai++) {
        const i = addedSorted[ai]!;
        // a package the distupgrade involves that is not in its set (installed, or not installable)
        if (doDup && involved[i] === 1 && inDup[i] !== 1) dupCands[nDupCands++] = i;
        if (!doInfarch) continue;
        const nk = nameOf[i]!;
        if (doneNames[nk] === 1) continue;
        doneNames[nk] = 1;
        // (the kernel looked at the name's arch classes already: one class, nothing to do)
        if (known !== null && known[nk] === 1) continue;
        this.infarchRulesForName(i);
      }
    }
    this.infarchRulesEnd = this.sat.nclauses;

    // 6. dup rules: during distupgrade, packages not in the dup set may not be newly installed
    this.dupRules = this.sat.nclauses;
    if (doDup) {
      // solver_addduprules: installed packages involved in the distupgrade (all of them for
      // "distupgrade all") are updated in the first pass over the installed packages
      if (this.dupAll) for (let k = 0; k < installedIds.length; k++) this.updateMap.add(installedIds[k]!);
      // (the candidates found above, ascending; the pool's typed columns for the identity test
      // over every installed one's update candidates)
      const inDup = this.dupMap.bits;
      const installedMask = this.installedMask;
      const { nameOf, archOf, evrOf } = pool.policyColumns();
      // installed package p's position: installedIds and the candidates are both ascending, so
      // it is found by walking on from the last one
      let ux = 0;
      for (let ai = 0; ai < nDupCands; ai++) {
        const p = dupCands[ai]!;
        const installed = installedMask[p] === 1;
        if (installed) {
          if (!this.dupAll) this.updateMap.add(p);
          if (anyDisabled && pool.disabled.has(p)) continue;
          // an installed package may stay only if an identical one is in the distupgrade set:
          // looked for among its update candidates (fillAllUpdates' lists: every same-name
          // package not installed, dupMap's are not, of a matching color, an identical one is;
          // equal name, EVR and arch ids are equal strings)
          while (ux < ni && installedIds[ux]! < p) ux++;
          if (installedIds[ux] !== p) ux = this.installedPos.get(p)!;
          const nk = nameOf[p]!;
          const ek = evrOf[p]!;
          const ak = archOf[p]!;
          let identical = false;
          for (let k = csrStart[ux]!, end = csrStart[ux + 1]!; k < end && !identical; k++) {
            const q = csrIds[k]!;
            if (inDup[q] !== 1 || nameOf[q] !== nk || evrOf[q] !== ek || archOf[q] !== ak) continue;
            if (pool.solvables[q]!.vendor === pool.solvables[p]!.vendor) identical = true;
          }
          if (identical) continue;
          if (this.multiversion.has(p)) {
            // keep a multiversion package only together with its distupgrade version
            const name = pool.solvables[p]!.name;
            const repl = pool
              .sameNameOf(p)
              .filter((q) => this.dupMap.has(q) && pool.solvables[q]!.name === name);
            this.addRule([-p, ...repl], { type: 'dup', p });
            continue;
          }
        }
        if (this.isInstalled(p)) this.dupForbidden.add(p);
        this.addRule([-p], { type: 'dup', p });
      }
    }
    this.dupRulesEnd = this.sat.nclauses;

    // 7. best rules (forcebest): only the best candidates of a job / update
    this.bestRules = this.sat.nclauses;
    const locked = new Set<number>();
    for (const job of jobs) if (job.verb === 'lock') for (const p of this.select(job.select)) locked.add(p);
    const bestRule = (cands: number[], info: RuleInfo): number => {
      let q = cands.filter((p) => p > 0);
      if (pool.flags.whatprovideswithdisabled) q = q.filter((p) => this.isInstalled(p) || !pool.disabled.has(p));
      if (!q.length) return 0;
      const oldcnt = q.length;
      q = this.policy(q, 'recommend');
      if (q.length === oldcnt) return 0;
      if (locked.size) {
        const q2: number[] = [];
        for (const p of cands) {
          if (p <= 0) continue;
          if (this.isInstalled(p)) {
            if (locked.has(p) && !q.includes(p)) q.push(p);
          } else if (locked.has(p)) continue;
          q2.push(p);
        }
        for (const p of this.policy(q2, 'recommend')) if (!q.includes(p)) q.push(p);
      }
      return this.addRule(q, info);
    };
    jobs.forEach((job, ji) => {
      if (!job.flags.has('forcebest') || job.verb !== 'install') return;
      for (let r = this.jobRules; r < this.jobRulesEnd; r++) {
        if (this.ruleToJob.get(r) !== ji) continue;
        const id = bestRule([...this.sat.lits(r)], { type: 'best', job: ji });
        if (id) this.ruleToJob.set(id, ji);
      }
    });
    // (no call per installed package when no update is forced to the best)
    if (this.bestUpdateAll || this.bestUpdateMap.size > 0) {
      this.installedIds.forEach((p, i) => {
        if (!(this.bestUpdateAll || this.bestUpdateMap.has(p))) return;
        let r = this.flags.bestobeypolicy ? this.updateRules + i : this.featureRules + i;
        if (this.emptyRule.has(r)) r = this.updateRules + i;
        let cands = [...this.sat.lits(r)];
        const targets = this.updateTargets.get(p);
        if (targets) cands = cands.filter((q) => q === p || targets.has(q));
        bestRule(cands, { type: 'best', p });
      });
    }
    this.bestRulesEnd = this.sat.nclauses;

    // yumobs rules (yumobsoletes): packages that obsolete an installed package with the same
    // obsoletes dependency come together (a package split), as yum did
    this.yumobsRules = this.sat.nclauses;
    if (this.flags.yumobsoletes) {
      for (const ip of this.installedIds) {
        const groups = new Map<string, number[]>();
        for (const q of this.findUpdatePackages(ip, true)) {
          if (this.isInstalled(q) || !this.added.has(q)) continue;
          for (const obs of pool.solvables[q]!.obsoletes) {
            if (!pool.matchNevr(ip, obs)) continue;
            const key = depToString(obs);
            const g = groups.get(key) ?? [];
            if (!g.includes(q)) g.push(q);
            groups.set(key, g);
          }
        }
        for (const g of groups.values()) {
          // all packages of one name may replace the next name's packages, in a cycle
          const names: string[] = [];
          const byName = new Map<string, number[]>();
          for (const q of [...g].sort((x, y) => x - y)) {
            const n = pool.solvables[q]!.name;
            if (!byName.has(n)) {
              names.push(n);
              byName.set(n, []);
            }
            byName.get(n)!.push(q);
          }
          if (names.length < 2) continue;
          names.forEach((n, k) => {
            const next = byName.get(names[(k + 1) % names.length]!)!;
            for (const x of byName.get(n)!) this.addRule([-x, ...next], { type: 'yumobs', p: x });
          });
        }
      }
    }
    this.yumobsRulesEnd = this.sat.nclauses;

    // 8. blacklist: blacklisted packages only when a job names them
    this.blacklistRules = this.sat.nclauses;
    if (this.blacklisted.size) {
      const wanted = new Set<number>();
      // only a direct request (a specific package, or a name with setevr/setev) may install one
      for (const job of jobs) {
        if (job.verb !== 'install') continue;
        const direct =
          job.select.kind === 'pkg' ||
          job.select.kind === 'oneof' ||
          (job.select.kind === 'name' && (job.flags.has('setevr') || job.flags.has('setev')));
        if (direct) for (const p of this.select(job.select)) wanted.add(p);
      }
      const installedNames = this.installedByName();
      for (const p of this.blacklisted) {
        if (this.isInstalled(p) || wanted.has(p) || !this.added.has(p)) continue;
        // updates of an installed package that is itself blacklisted (a ptf) stay possible
        if ((installedNames.get(pool.solvables[p]!.name) ?? []).some((ip) => this.blacklisted.has(ip))) continue;
        this.addRule([-p], { type: 'blacklist', p });
      }
    }
    this.blacklistRulesEnd = this.sat.nclauses;

    // strict repo priority: a name's packages from lower-priority repos are not used, unless a
    // job names the package itself
    this.strictRules = this.sat.nclauses;
    if (this.flags.strictrepopriority) {
      const named = new Set<string>();
      for (const job of jobs) if (job.select.kind === 'pkg') named.add(pool.solvables[job.select.p]!.name);
      const bestPrio = new Map<string, number>();
      for (let p = 2, np = pool.size; p < np; p++) {
        if (this.isInstalled(p) || !pool.installable(p)) continue;
        const s = pool.solvables[p]!;
        bestPrio.set(s.name, Math.max(bestPrio.get(s.name) ?? -Infinity, s.repo.priority));
      }
      for (let p = 2, np = pool.size; p < np; p++) {
        if (!this.added.has(p) || this.isInstalled(p)) continue;
        const s = pool.solvables[p]!;
        if (named.has(s.name)) continue;
        if (s.repo.priority < (bestPrio.get(s.name) ?? -Infinity)) this.addRule([-p], { type: 'strictrepoprio', p });
      }
    }
    this.strictRulesEnd = this.sat.nclauses;

    this.choiceRules = this.sat.nclauses;
    this.addChoiceRules();
    this.choiceRulesEnd = this.sat.nclauses;
    this.sat.freeze();

    // 9. jobs disable conflicting policy rules
    this.disablePolicyRulesForJobs();
  }

  /**
   * The infarch rules of the name of added package i (the first of its name): an inferior arch
   * only where the best one is not available. A method of its own: its closures would make the
   * loop over every added package allocate a context per package.
   */
  private infarchRulesForName(i: number): void {
    const pool = this.pool;
    const s = pool.solvables[i]!;
    const colors = pool.flags.implicitobsoleteusescolors;
    const all = pool.sameNameOf(i);
    // the common case first, without allocating: one arch class among the name's packages
    let firstClass = -1;
    let mixed = false;
    for (let k = 0; k < all.length; k++) {
      const a = pool.archScoreOf(all[k]!);
      if (a === 1) continue;
      if (a === 0) mixed = true; // an uninstallable arch gets its infarch rule below
      else if (firstClass === -1) firstClass = a & 0xffff0000;
      else if ((a & 0xffff0000) !== firstClass) mixed = true;
    }
    if (!mixed || firstClass === -1) return;
    const same = all.filter((p) => pool.solvables[p]!.name === s.name && (this.added.has(p) || colors));
    let best = 0;
    const allowed = new Set<string>();
    for (const p of same) {
      const a = pool.archScoreOf(p);
      if (a !== 1 && this.isInstalled(p) && !colors) {
        allowed.add(pool.solvables[p]!.arch);
        continue;
      }
      if (a && a !== 1 && (!best || a < best)) best = a;
    }
    if (!best) return;
    for (const p of same) {
      const ps = pool.solvables[p]!;
      const a = pool.archScoreOf(p);
      if (a === 1 || ((a ^ best) & 0xffff0000) === 0) continue;
      if (!this.added.has(p)) continue;
      if (!colors) {
        if (this.isInstalled(p)) continue;
        if ([...allowed].some((al) => ((pool.archScore(al) ^ a) & 0xffff0000) === 0)) continue;
        this.addRule([-p], { type: 'infarch', p });
        continue;
      }
      // multilib lock-step: an inferior-arch package only together with the best-arch
      // package of the same version
      const partners = same.filter((q) => {
        const qs = pool.solvables[q]!;
        return qs.evr === ps.evr && qs.arch !== ps.arch && ((pool.archScoreOf(q) ^ best) & 0xffff0000) === 0;
      });
      if (this.isInstalled(p)) {
        // an installed multilib package stays in lock-step only with an installed partner
        const inst = partners.filter((q) => this.isInstalled(q));
        if (inst.length) this.addRule([-p, ...partners], { type: 'infarch', p });
        continue;
      }
      this.addRule([-p, ...partners], { type: 'infarch', p });
    }
  }

  /** solver_addchoicerules: weak rules that prefer updating an installed provider over a new package. */
  private addChoiceRules(): void {
    const pool = this.pool;
    if (!this.installedIds.length) return;
    const neg = new Set<number>();
    for (let r = this.infarchRules; r < this.infarchRulesEnd; r++) neg.add(-this.sat.lits(r)[0]!);
    for (let r = this.dupRules; r < this.dupRulesEnd; r++) neg.add(-this.sat.lits(r)[0]!);
    let last: number[] | null = null;
    // the policy's pick among an installed package's updates does not depend on the rule (and
    // nothing is decided yet): computed once per installed package
    const bestUpdates = new Map<number, number[] | null>();
    const bestUpdatesOf = (pi: number): number[] | null => {
      let b = bestUpdates.get(pi);
      if (b !== undefined) return b;
      const k = this.installedPos.get(pi)!;
      let ur = this.updateRules + k;
      if (this.emptyRule.has(ur) || this.sat.lits(ur).length === 0) ur = this.featureRules + k;
      b = null;
      if (!this.emptyRule.has(ur)) {
        const c = [...this.sat.lits(ur)].filter((x) => x > 0 && x !== pi);
        if (c.length) {
          c.push(pi);
          b = this.policy(c, 'choose');
        }
      }
      bestUpdates.set(pi, b);
      return b;
    };
    // the installed package a new package would replace (same name, or obsoleted), per package:
    // the same providers come up in rule after rule (0 = not looked up yet, -1 = none)
    // (this and `mark` below made when the first rule needs them: most solves have no candidate)
    let blockers = NO_I32;
    // installed packages per name id: how many, and the first (names compared by id, most
    // providers' names have no installed package or one)
    // (made with `blockers` at the first rule that needs them)
    const nameOf = pool.nameIdColumn();
    let instCount = NO_I32;
    let instFirst = NO_I32;
    const colors = pool.flags.implicitobsoleteusescolors;
    const blockerOf = (p: number): number => {
      const known = blockers[p]!;
      if (known) return known > 0 ? known : 0;
      const s = pool.solvables[p]!;
      let blocker = 0;
      const nk = nameOf[p]!;
      const count = instCount[nk]!;
      if (count === 1) {
        const ip = instFirst[nk]!;
        if (!colors || pool.colorMatch(s, pool.solvables[ip]!)) blocker = ip;
      } else if (count > 1) {
        const byName = this.installedByName().get(s.name) ?? [];
        for (let k = 0; k < byName.length; k++) {
          const ip = byName[k]!;
          const is = pool.solvables[ip]!;
          if (colors && !pool.colorMatch(s, is)) continue;
          blocker = ip;
          break;
        }
      }
      if (!blocker && s.obsoletes.length !== 0) {
        outer: for (const obs of s.obsoletes) {
          for (const ip of pool.whatprovides(obs)) {
            if (!this.isInstalled(ip)) continue;
            if (!pool.flags.obsoleteusesprovides && !pool.matchNevr(ip, obs)) continue;
            if (pool.flags.obsoleteusescolors && !pool.colorMatch(s, pool.solvables[ip]!)) continue;
            blocker = ip;
            break outer;
          }
        }
      }
      blockers[p] = blocker || -1;
      return blocker;
    };
    // per rule (closures made once, not per rule): the rule's providers as a set and whether
    // providers need the check, both worked out only when a provider asks
    let lits: Int32Array = new Int32Array(0);
    let requirer = 0;
    // membership in the current rule: mark[p] === stamp (no set per rule)
    let mark = NO_I32;
    let stamp = 0;
    let marked = false;
    let doCheck = -1;
    const inRule = (p: number): boolean => {
      if (!marked) {
        for (const l of lits) if (l > 0) mark[l] = stamp;
        marked = true;
      }
      return mark[p] === stamp;
    };
    // When the requiring package is new (or being updated), an installed provider only counts
    // if its newest versions still satisfy the requirement (solver_choicerulecheck).
    const check = (pi: number): boolean => {
      if (doCheck < 0) {
        const rs = pool.solvables[requirer]!;
        const replacesInstalled =
          !this.isInstalled(requirer) && (this.installedByName().get(rs.name) ?? []).some((ip) => pool.evrcmp(ip, requirer) < 0);
        doCheck = replacesInstalled || this.updateAll || this.dupAll || this.updateMap.has(requirer) ? 1 : 0;
      }
      if (!doCheck) return true;
      const b = bestUpdatesOf(pi);
      if (b === null) return true;
      return b.some(inRule);
    };
    // the package rules' arrays as they are now: rules added below go after them, and a
    // grown arena leaves these (the old buffers) unchanged for the package rules
    let heads = this.sat.clauseHead;
    let lens = this.sat.clauseLen;
    let starts = this.sat.clauseStart;
    let arena = this.sat.litArena;
    const inst = this.installedMask;
    const anyOrphans = this.orphaned.size > 0;
    // the rules worth a look: every package rule, or the kernel's candidates (choice-kernel.ts:
    // the same first checks, conservative where the JS knows more)
    let candidates: Int32Array | null = null;
    if (RpmSolver.closureKernel && this.pkgRulesEnd > 1) {
      // one byte of flags per package: installed, orphaned, with obsoletes, and replacing an
      // installed package of its name (on an installed package's update list: fillAllUpdates'
      // lists have the same-name and color tests, and the rest of the lists are obsoleters,
      // which the kernel leaves to the JS anyway)
      const flags = new Uint8Array(pool.size);
      flags.set(inst);
      for (const p of this.orphaned) flags[p]! |= CF_ORPHANED;
      const obsList = pool.withReverseDeps().obsoletes;
      for (let k = 0; k < obsList.length; k++) flags[obsList[k]!]! |= CF_OBSOLETES;
      this.fillAllUpdates();
      const csr = this.updateCsr!;
      for (let k = 0, end = csr.start[this.installedIds.length]!; k < end; k++) flags[csr.ids[k]!]! |= CF_REPLACES;
      // in the engine's memory when the clause arrays are there (read in place; the arrays
      // are viewed again after the memory grows for the scratch)
      const space = this.sat.kernelScratch(choiceScratchBytes(pool.size, this.pkgRulesEnd));
      if (space !== null) {
        heads = this.sat.clauseHead;
        lens = this.sat.clauseLen;
        starts = this.sat.clauseStart;
        arena = this.sat.litArena;
      }
      const input = {
        rules: this.pkgRulesEnd,
        heads,
        lens,
        starts,
        lits: arena,
        litTop: starts[this.pkgRulesEnd - 1]! + lens[this.pkgRulesEnd - 1]!,
        size: pool.size,
        flags,
      };
      candidates = space !== null ? choiceCandidatesIn(space.memory, space.at, input) : choiceCandidates(input);
    }
    const scanEnd = candidates === null ? this.pkgRulesEnd : candidates.length + 1;
    for (let ci = 1; ci < scanEnd; ci++) {
      const rid = candidates === null ? ci : candidates[ci - 1]!;
      const len = lens[rid]!;
      if (heads[rid]! >= 0 || len < 2) continue;
      const st = starts[rid]!;
      if (len === 2 && arena[st + 1]! <= 0) continue;
      requirer = -arena[st]!;
      // orphaned installed packages must not be removed through a choice rule (bnc#1190465)
      if (anyOrphans && this.orphaned.has(requirer)) continue;
      if (blockers.length === 0) {
        blockers = new Int32Array(pool.size);
        mark = new Int32Array(pool.size);
        instCount = new Int32Array(pool.nameCount);
        instFirst = new Int32Array(pool.nameCount);
        for (let k = 0; k < this.installedIds.length; k++) {
          const ip = this.installedIds[k]!;
          const nk = nameOf[ip]!;
          if (instCount[nk]++ === 0) instFirst[nk] = ip;
        }
      }
      // a choice rule needs a provider that replaces nothing installed: look for one first
      // (cheap, cached per package: the cache is read here without a call) before checking the
      // installed ones against the policy
      let free = false;
      for (let k = 1; k < len && !free; k++) {
        const p = arena[st + k]!;
        if (p <= 0 || inst[p] === 1) continue;
        const known = blockers[p]!;
        if (known < 0 || (known === 0 && !blockerOf(p))) free = true;
      }
      if (!free) continue;
      lits = arena.subarray(st, st + len);
      stamp++;
      marked = false;
      doCheck = -1;
      const q: number[] = [];
      const qi: Array<[number, number]> = [];
      let haveChoice = false;
      for (let k = 1; k < lits.length; k++) {
        const p = lits[k]!;
        if (p < 0) continue;
        if (this.isInstalled(p)) {
          // an installed provider that a dup/infarch rule removes cannot be the choice
          if (neg.has(p)) continue;
          if (!check(p)) continue;
          q.push(p);
          qi.push([p, p]);
          continue;
        }
        const blocker = blockerOf(p);
        if (blocker) {
          if (neg.has(p)) continue;
          if (this.policyIllegal(blocker, p)) continue;
          if (!check(blocker)) continue;
          qi.push([blocker, p]);
          q.push(p);
          continue;
        }
        haveChoice = true;
      }
      if (!haveChoice || !q.length || !qi.length) continue;
      let needed = false;
      for (const [ip] of qi) {
        const k = this.installedPos.get(ip)!;
        let ur = this.updateRules + k;
        if (this.emptyRule.has(ur)) ur = this.featureRules + k;
        if (this.emptyRule.has(ur)) continue;
        if (this.sat.lits(ur).some((l) => l > 0 && !inRule(l))) {
          needed = true;
          break;
        }
      }
      if (!needed) continue;
      const rule = [lits[0]!, ...[...lits].slice(1).filter((l) => l < 0), ...q];
      if (last && last.length === rule.length && last.every((x, i) => x === rule[i])) continue;
      last = rule;
      const id = this.addRule(rule, { type: 'choice', p: -lits[0]!, other: rid });
      this.weakRules.add(id);
    }
  }

  private installedNames: Map<string, number[]> | null = null;

  /** Installed package ids by name. */
  installedByName(): Map<string, number[]> {
    if (!this.installedNames) {
      const m = new Map<string, number[]>();
      for (const ip of this.installedIds) {
        const n = this.pool.solvables[ip]!.name;
        const l = m.get(n);
        if (l) l.push(ip);
        else m.set(n, [ip]);
      }
      this.installedNames = m;
    }
    return this.installedNames;
  }

  private policyIllegal(installed: number, p: number): boolean {
    const pool = this.pool;
    const is = pool.solvables[installed]!;
    const s = pool.solvables[p]!;
    if (is.name === s.name && !this.flags.allowdowngrade && pool.evrcmp(installed, p) > 0) return true;
    if (!this.flags.allowarchchange && is.arch !== s.arch && this.illegalArchChange(installed, p)) return true;
    if (!this.flags.allowvendorchange && is.vendor !== s.vendor) return true;
    if (is.name !== s.name && !this.flags.allownamechange) return true;
    return false;
  }

  private depMentionsAdded(d: Dep): boolean {
    if (d.kind === 'simple') return this.pool.whatprovidesSimple(d).some((p) => this.added.has(p));
    return this.depMentionsAdded(d.left) || this.depMentionsAdded(d.right) || (d.otherwise ? this.depMentionsAdded(d.otherwise) : false);
  }

  private updateRuleOf(p: number): number {
    return this.updateRules + this.installedPos.get(p)!;
  }

  private featureRuleOf(p: number): number {
    return this.featureRules + this.installedPos.get(p)!;
  }

  private disableUpdate(p: number): void {
    this.noUpdate.add(p);
    const u = this.updateRuleOf(p);
    const f = this.featureRuleOf(p);
    if (!this.emptyRule.has(u)) this.sat.disable(u);
    if (!this.emptyRule.has(f)) this.sat.disable(f);
  }

  /** jobtodisablelist: policy rules a job overrides. */
  private disablePolicyRulesForJobs(): void {
    const pool = this.pool;
    this.jobs.forEach((job, ji) => {
      if (job.verb !== 'install' && job.verb !== 'erase' && job.verb !== 'lock') return;
      if (this.isJobDisabled(ji)) return;
      const sel = this.select(job.select);
      if (job.verb === 'lock') {
        // locked installed packages trump the distupgrade
        const locked = new Set(sel.filter((p) => this.isInstalled(p)));
        for (let r = this.dupRules; r < this.dupRulesEnd; r++) if (locked.has(this.ruleInfo(r)!.p!)) this.sat.disable(r);
        return;
      }
      if (job.verb === 'erase') {
        if (job.select.kind === 'all' || (job.select.kind === 'repo' && job.select.repo === pool.installed)) {
          for (const p of this.installedIds) this.disableUpdate(p);
        }
        for (const p of sel) if (this.isInstalled(p)) this.disableUpdate(p);
        // and the packages its rules erase beyond the selection (namespace supplements)
        for (let r = this.jobRules; r < this.jobRulesEnd; r++) {
          if (this.ruleToJob.get(r) !== ji) continue;
          const lits = this.sat.lits(r);
          if (lits.length === 1 && lits[0]! < 0 && this.isInstalled(-lits[0]!) && !sel.includes(-lits[0]!)) this.disableUpdate(-lits[0]!);
        }
        return;
      }
      if (job.verb !== 'install') return;
      let setName = false;
      let setArch = job.flags.has('setarch');
      let setEvr = job.flags.has('setevr');
      let setEv = job.flags.has('setev');
      let setVendor = job.flags.has('setvendor');
      if (!job.flags.has('noautoset')) {
        if (job.select.kind === 'name') setName = true;
        if (job.select.kind === 'pkg') {
          setName = setArch = setEvr = setVendor = true;
        } else if ((job.select.kind === 'name' || job.select.kind === 'provides') && job.select.dep.kind === 'simple') {
          const d = job.select.dep;
          if ((d.flags & RPMSENSE.SENSEMASK) === RPMSENSE.EQUAL && job.select.kind === 'name') {
            if (d.evr.includes('-')) setEvr = true;
            else setEv = true;
          }
        }
      }
      if (setArch) {
        const names = new Set(sel.map((p) => pool.solvables[p]!.name));
        for (let r = this.infarchRules; r < this.infarchRulesEnd; r++) {
          const p = this.ruleInfo(r)!.p!;
          if (names.has(pool.solvables[p]!.name)) this.sat.disable(r);
        }
      } else if (sel.length && sel.every((p) => this.isInfarchBlocked(p))) {
        // a job that can only be satisfied by an inferior arch overrides the infarch rules
        const names = new Set(sel.map((p) => pool.solvables[p]!.name));
        for (let r = this.infarchRules; r < this.infarchRulesEnd; r++) {
          const p = this.ruleInfo(r)!.p!;
          if (names.has(pool.solvables[p]!.name)) this.sat.disable(r);
        }
      }
      if (!this.installedIds.length) return;
      if (!(setName || setArch || setEvr || setEv || setVendor)) return;
      for (const p of sel) {
        if (this.isInstalled(p)) return;
        if (this.multiversion.has(p) && !this.flags.keepexplicitobsoletes) return;
      }
      // installed packages obsoleted by every candidate
      let common: number[] | null = null;
      for (const p of sel) {
        const obs = this.obsoletedInstalled(p);
        common = common === null ? obs : common.filter((x: number) => obs.includes(x));
        if (!common.length) break;
      }
      if (!common || !common.length) return;
      for (const ip of common) {
        if (setEvr && setArch && setVendor) {
          this.disableUpdate(ip);
          continue;
        }
        let illegalAll = true;
        for (const p of sel) {
          let illegal = false;
          if (!setEvr && !this.flags.allowdowngrade && pool.evrcmp(ip, p) > 0) {
            illegal = true;
            if (setEv) illegal = false;
          }
          if (!setArch && !this.flags.allowarchchange && this.illegalArchChange(ip, p)) illegal = true;
          if (!setVendor && !this.flags.allowvendorchange && pool.solvables[ip]!.vendor !== pool.solvables[p]!.vendor) illegal = true;
          if (!setName && pool.solvables[ip]!.name !== pool.solvables[p]!.name && !this.flags.allownamechange) illegal = true;
          if (illegal) {
            illegalAll = false;
            break;
          }
        }
        if (illegalAll) this.disableUpdate(ip);
      }
    });
  }

  private isInfarchBlocked(p: number): boolean {
    for (let r = this.infarchRules; r < this.infarchRulesEnd; r++)
      if (this.ruleInfo(r)!.p === p && this.sat.lits(r).length === 1) return true;
    return false;
  }

  private disabledJobs = new Set<number>();
  private isJobDisabled(ji: number): boolean {
    return this.disabledJobs.has(ji);
  }

  /** Installed packages a new package would replace (same name, or obsoletes). */
  obsoletedInstalled(p: number): number[] {
    const pool = this.pool;
    const s = pool.solvables[p]!;
    const out: number[] = [];
    const noobs = this.multiversion.has(p);
    for (const ip of this.installedByName().get(s.name) ?? []) {
      const is = pool.solvables[ip]!;
      if (noobs) continue;
      if (pool.flags.implicitobsoleteusescolors && !pool.colorMatch(s, is)) continue;
      out.push(ip);
    }
    if (!noobs || this.flags.keepexplicitobsoletes) {
      for (const obs of s.obsoletes) {
        for (const ip of pool.whatprovides(obs)) {
          if (!this.isInstalled(ip) || out.includes(ip)) continue;
          if (!pool.flags.obsoleteusesprovides && !pool.matchNevr(ip, obs)) continue;
          if (pool.flags.obsoleteusescolors && !pool.colorMatch(s, pool.solvables[ip]!)) continue;
          out.push(ip);
        }
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- weak-dep helpers

  private recRevertCount = -1;

  private updateRecommendsMap(): void {
    const sat = this.sat;
    if (this.recRevertCount !== sat.revertCount) {
      this.recRevertCount = this.sat.revertCount;
      this.recommendsIndex = 0;
      this.recommendsMap.clear();
      this.suggestsMap.clear();
    }
    while (this.recommendsIndex < sat.trailLen) {
      const p = sat.trailLits[this.recommendsIndex++]!;
      if (p < 0 || p === SYSTEM_SOLVABLE) continue;
      const s = this.pool.solvables[p]!;
      for (const rec of s.recommends) for (const q of this.pool.whatprovides(rec)) this.recommendsMap.add(q);
      for (const sug of s.suggests) for (const q of this.pool.whatprovides(sug)) this.suggestsMap.add(q);
    }
  }

  /** Is the dependency fulfilled by packages decided installed? (solver_dep_fulfilled) */
  depFulfilled(d: Dep, installedOnly = false): boolean {
    // the system solvable (a namespace the system provides) counts as already installed
    const ok = (p: number): boolean =>
      installedOnly
        ? (p === SYSTEM_SOLVABLE || this.isInstalled(p)) && this.sat.decisionMap[p]! > 0
        : this.sat.decisionMap[p]! > 0;
    if (d.kind === 'simple') return this.pool.whatprovidesSimple(d).some(ok);
    switch (d.op) {
      case 'and':
        return this.depFulfilled(d.left, installedOnly) && this.depFulfilled(d.right, installedOnly);
      case 'or':
        return this.depFulfilled(d.left, installedOnly) || this.depFulfilled(d.right, installedOnly);
      case 'with':
      case 'without':
        return this.pool.whatprovides(d).some(ok);
      case 'if':
        if (d.otherwise) {
          return this.depFulfilled(d.right, installedOnly)
            ? this.depFulfilled(d.left, installedOnly)
            : this.depFulfilled(d.otherwise, installedOnly);
        }
        return this.depFulfilled(d.left, installedOnly) || !this.depFulfilled(d.right, installedOnly);
      case 'unless':
        if (d.otherwise) {
          return !this.depFulfilled(d.right, installedOnly)
            ? this.depFulfilled(d.left, installedOnly)
            : this.depFulfilled(d.otherwise, installedOnly);
        }
        return this.depFulfilled(d.left, installedOnly) || this.depFulfilled(d.right, installedOnly);
    }
  }

  isSupplementing(p: number): boolean {
    const s = this.pool.solvables[p]!;
    return s.supplements.some((d) => this.depFulfilled(d));
  }

  /**
   * Is the package supplemented only through what was installed before (an "old" supplement)?
   * A supplement that a newly installed package also satisfies counts as new.
   */
  private isSupplementingAlreadyInstalled(p: number): boolean {
    const s = this.pool.solvables[p]!;
    return s.supplements.some((d) => {
      // a namespace an install job asked for makes its supplements new
      if (this.installSuppDeps.length && this.mentionsNamespace(d, this.installSuppDeps)) return false;
      if (!this.depFulfilled(d, true)) return false;
      if (d.kind !== 'simple') return true;
      return !this.pool.whatprovidesSimple(d).some((q) => q !== SYSTEM_SOLVABLE && !this.isInstalled(q) && this.sat.decisionMap[q]! > 0);
    });
  }

  isEnhancing(p: number): boolean {
    const s = this.pool.solvables[p]!;
    return s.enhances.some((d) => this.depFulfilled(d));
  }

  private policy(list: number[], mode: PolicyMode): number[] {
    return filterUnwanted(this.policyCtx, list, mode);
  }

  // ---------------------------------------------------------------- the main loop

  /** Open choice points: the candidates not taken (first = -chosen) and the level before the choice. */
  private branches: Array<{ elems: number[]; level: number; weak?: boolean }> = [];

  private pruneBranches(): void {
    this.pruneBranchesFrom(this.sat.level);
  }

  /** Drop the branches at `level` or above. */
  private pruneBranchesFrom(level: number): void {
    while (this.branches.length && this.branches[this.branches.length - 1]!.level >= level) this.branches.pop();
  }

  private decideLit(lit: number, disableRules: boolean): number {
    this.traceFn?.(`decide ${lit < 0 ? '-' : ''}${this.pool.nevra(Math.abs(lit))} at level ${this.sat.level + 1}`);
    const r = this.sat.decide(lit);
    if (typeof r === 'number') {
      this.pruneBranches();
      return r;
    }
    return this.handleRootConflict(r, disableRules);
  }

  /**
   * libsolv's auto-minimization: if a candidate skipped at a branch got installed later anyway,
   * or is recommended/supplemented now, go back to that branch and take it instead.
   */
  private minimizeBranches(): number | null {
    const sat = this.sat;
    if (!this.branches.length) return null;
    this.updateRecommendsMap();
    let pick: [number, number] | null = null;
    for (let b = this.branches.length - 1; b >= 0; b--) {
      const br = this.branches[b]!;
      if (br.weak) continue;
      let lastsi = -1;
      let found = -1;
      for (let k = 0; k < br.elems.length; k++) {
        const p = br.elems[k]!;
        if (p <= 0) continue;
        if (sat.decisionMap[p]! > br.level) {
          found = k;
          break;
        }
        if ((this.favor.get(p) ?? 0) < 0) continue;
        if (lastsi < 0 && (this.recommendsMap.has(p) || this.isSupplementing(p))) lastsi = k;
      }
      if (found >= 0) pick = [b, found];
      else if (lastsi >= 0) {
        // take the recommended alternative only if the current selection is not recommended
        const chosen = -br.elems[0]!;
        const chosenGood = chosen > 0 && (this.recommendsMap.has(chosen) || this.isSupplementing(chosen));
        if (!chosenGood) pick = [b, lastsi];
      }
    }
    if (!pick) return null;
    const br = this.branches[pick[0]]!;
    const p = br.elems[pick[1]]!;
    br.elems[pick[1]] = 0;
    this.branches.length = pick[0] + 1;
    sat.revert(br.level);
    this.traceFn?.(`minimizing -> ${this.pool.nevra(p)} at level ${br.level}`);
    return this.decideLit(p, true);
  }

  /** Returns 0 (restart after disabling rules, or give up). */
  private handleRootConflict(rc: RootConflict, disableRules: boolean): number {
    this.lastRootConflict = rc;
    if (!disableRules) {
      this.unsolvable = true;
      return 0;
    }
    let lastWeak = 0;
    const elements: number[] = [];
    for (const why of rc.proof) {
      if (this.weakRules.has(why) && why > lastWeak) lastWeak = why;
      if (why < this.pkgRulesEnd) continue;
      let el = why;
      if (why >= this.jobRules && why < this.jobRulesEnd) el = -(this.ruleToJob.get(why)! + 1);
      else if (why >= this.bestRules && why < this.bestRulesEnd && this.ruleInfo(why)!.job !== undefined)
        el = -(this.ruleInfo(why)!.job! + 1); // best rule of a job: the job is the problem
      if (!elements.includes(el)) elements.push(el);
    }
    if (lastWeak) {
      if (lastWeak < this.pkgRulesEnd && this.ruleInfo(lastWeak)!.reason === 'recommends') {
        // strong recommends: break every recommends rule of the proof, not just the last one
        for (const why of rc.proof) if (why < this.pkgRulesEnd && this.weakRules.has(why)) this.sat.disable(why);
        this.restart = true;
        return 0;
      }
      if (lastWeak >= this.jobRules && lastWeak < this.jobRulesEnd) this.disableProblem(-(this.ruleToJob.get(lastWeak)! + 1));
      else this.disableProblem(lastWeak);
      this.restart = true;
      return 0;
    }
    if (this.allowUninstallAll || this.allowUninstallMap.size) {
      let lastUpdate = 0;
      let lastFeature = 0;
      for (const v of elements) {
        if (v >= this.updateRules && v < this.updateRules + this.installedIds.length) {
          const p = this.installedIds[v - this.updateRules]!;
          if (!this.allowUninstallAll && !this.allowUninstallMap.has(p)) continue;
          if (this.pool.disabled.has(p)) continue;
          // the highest rule id; with keeporphans a package the distupgrade does not forbid goes
          // first (as testsolv 0.7.23 answers: dup_orphan2.t)
          const keepFirst = (q: number): number => (this.flags.keeporphans && !this.dupForbidden.has(q) ? 1 : 0);
          const orphan = keepFirst(p);
          const lastOrphan = lastUpdate ? keepFirst(this.installedIds[lastUpdate - this.updateRules]!) : 0;
          if (!lastUpdate || orphan > lastOrphan || (orphan === lastOrphan && v > lastUpdate)) lastUpdate = v;
        }
        if (v >= this.featureRules && v < this.featureRules + this.installedIds.length) {
          const p = this.installedIds[v - this.featureRules]!;
          if (!this.allowUninstallAll && !this.allowUninstallMap.has(p)) continue;
          if (this.pool.disabled.has(p)) continue;
          if (!lastFeature || v > lastFeature) lastFeature = v;
        }
      }
      const v = lastUpdate || lastFeature;
      if (v) {
        const p = this.ruleInfo(v)!.p!;
        // allowuninstall: the package may go; drop its update and feature rule
        this.sat.disable(this.updateRuleOf(p));
        if (!this.emptyRule.has(this.featureRuleOf(p))) this.sat.disable(this.featureRuleOf(p));
        this.restart = true;
        return 0;
      }
    }
    // identical jobs stand or fall together
    for (const el of [...elements]) {
      if (el >= 0) continue;
      for (const other of this.identicalJobs(-el - 1)) if (!elements.includes(-(other + 1))) elements.push(-(other + 1));
    }
    this.problems.push({ elements, proof: rc.proof });
    if (elements.length === 0) {
      this.unsolvable = true;
      return 0;
    }
    // dup rules stay in force when the problem has other rules to give up (as libsolv's
    // answers show: the update rule is dropped, the distupgrade still replaces the package)
    for (const v of elements) this.disableProblem(v);
    this.restart = true;
    return 0;
  }

  lastRootConflict: RootConflict | null = null;
  private restart = false;
  unsolvable = false;

  private identicalJobs(ji: number): number[] {
    const key = (j: Job): string => `${j.verb} ${JSON.stringify(j.select)} ${[...j.flags].sort().join(',')}`;
    const k = key(this.jobs[ji]!);
    return this.jobs.flatMap((j, i) => (i !== ji && key(j) === k ? [i] : []));
  }

  private disableProblem(v: number): void {
    this.traceFn?.(`disable ${v < 0 ? `job ${-v - 1}` : `rule #${v} (${this.ruleInfo(v)?.type})`}`);
    if (v < 0) {
      const ji = -v - 1;
      this.disabledJobs.add(ji);
      for (let r = this.jobRules; r < this.jobRulesEnd; r++) if (this.ruleToJob.get(r) === ji) this.sat.disable(r);
      for (let r = this.bestRules; r < this.bestRulesEnd; r++) if (this.ruleToJob.get(r) === ji) this.sat.disable(r);
      return;
    }
    if (v >= this.infarchRules && v < this.infarchRulesEnd) {
      const name = this.pool.solvables[this.ruleInfo(v)!.p!]!.name;
      for (let r = this.infarchRules; r < this.infarchRulesEnd; r++)
        if (this.pool.solvables[this.ruleInfo(r)!.p!]!.name === name) this.sat.disable(r);
      return;
    }
    if (v >= this.dupRules && v < this.dupRulesEnd) {
      const name = this.pool.solvables[this.ruleInfo(v)!.p!]!.name;
      for (let r = this.dupRules; r < this.dupRulesEnd; r++)
        if (this.pool.solvables[this.ruleInfo(r)!.p!]!.name === name) this.sat.disable(r);
      return;
    }
    this.sat.disable(v);
  }

  solve(): SolveResult {
    // Jobs that match nothing at all form one problem together (libsolv's makeruledecisions
    // meets them as assertions conflicting with the system solvable).
    {
      const elements: number[] = [];
      const proof: number[] = [];
      for (let r = this.jobRules; r < this.jobRulesEnd; r++) {
        const c = this.sat.clause(r);
        if (c.disabled || c.lits.length !== 1 || c.lits[0] !== -SYSTEM_SOLVABLE) continue;
        const el = -(this.ruleToJob.get(r)! + 1);
        if (this.weakRules.has(r)) {
          this.disableProblem(el);
          continue;
        }
        if (!elements.includes(el)) elements.push(el);
        proof.push(r);
      }
      if (elements.length) {
        this.problems.push({ elements, proof });
        for (const el of elements) this.disableProblem(el);
      }
    }
    for (let round = 0; round < 10000; round++) {
      this.restart = false;
      this.unsolvable = false;
      this.recommendsIndex = 0;
      this.recommendsMap.clear();
      this.suggestsMap.clear();
      this.branches = [];
      const root = this.sat.assertRoot(undefined, true);
      // the system solvable is always installed
      if (root) {
        this.handleRootConflict(root, true);
        if (this.restart) continue;
        break;
      }
      if (this.sat.decisionMap[SYSTEM_SOLVABLE] === 0) this.sat.assign(SYSTEM_SOLVABLE, 0);
      this.runSat();
      if (this.restart) continue;
      break;
    }
    this.phaseEnd?.('sat');
    // the packages decided installed: the positive literals of the trail (each variable is
    // assigned once), ascending as a walk over the whole pool would give them
    const sat = this.sat;
    const trail = sat.trailLits;
    const np = this.pool.size;
    let count = 0;
    for (let k = 0; k < sat.trailLen; k++) {
      const l = trail[k]!;
      if (l >= 2 && l < np) count++;
    }
    const pos = new Int32Array(count);
    count = 0;
    for (let k = 0; k < sat.trailLen; k++) {
      const l = trail[k]!;
      if (l >= 2 && l < np) pos[count++] = l;
    }
    pos.sort();
    const installed = new Set<number>();
    for (let k = 0; k < pos.length; k++) installed.add(pos[k]!);
    this.cleandeps = this.jobs.some((j) => j.flags.has('cleandeps')) ? this.computeCleandeps(installed) : [];
    for (const p of this.cleandeps) installed.delete(p);
    this.phaseEnd?.('result');
    return { installed, problems: this.problems };
  }

  /** Installed packages a cleandeps job removed because nothing needs them any more. */
  cleandeps: number[] = [];

  /**
   * libsolv's cleandeps (solver_createcleandepsmap), applied to the solution: the installed
   * packages that the jobs with the cleandeps flag erase or replace take along the installed
   * packages only they needed (requires and recommends, transitively), unless a package that
   * stays (or comes in) still needs them or the user installed them.
   */
  private computeCleandeps(result: ReadonlySet<number>): number[] {
    const pool = this.pool;
    const userinstalled = new Set<number>();
    for (const job of this.jobs) if (job.verb === 'userinstalled') for (const p of this.select(job.select)) userinstalled.add(p);
    const roots: number[] = [];
    const addRoot = (ip: number): void => {
      if (this.isInstalled(ip) && !result.has(ip) && !roots.includes(ip)) roots.push(ip);
    };
    for (const job of this.jobs) {
      if (!job.flags.has('cleandeps')) continue;
      if (job.select.kind === 'all') {
        for (const ip of this.installedIds) addRoot(ip);
        continue;
      }
      for (let r = this.jobRules; r < this.jobRulesEnd; r++) {
        if (job.verb !== 'erase') break;
        const lits = this.sat.lits(r);
        if (this.ruleToJob.get(r) === this.jobs.indexOf(job) && lits.length === 1 && lits[0]! < 0) addRoot(-lits[0]!);
      }
      for (const p of this.select(job.select)) {
        if (this.isInstalled(p)) {
          addRoot(p);
          for (const ip of this.installedByName().get(pool.solvables[p]!.name) ?? []) addRoot(ip);
        } else {
          for (const ip of this.obsoletedInstalled(p)) addRoot(ip);
        }
      }
    }
    if (!roots.length) return [];
    const deps = (p: number): number[] => {
      const s = pool.solvables[p]!;
      const out: number[] = [];
      for (const d of [...s.requires, ...s.recommends]) for (const q of pool.whatprovides(d)) out.push(q);
      return out;
    };
    // what the removed packages needed, transitively, among the installed packages that stay
    const candidates = new Set<number>();
    const queue = [...roots];
    while (queue.length) {
      const r = queue.pop()!;
      for (const q of deps(r)) {
        if (!this.isInstalled(q) || !result.has(q) || candidates.has(q) || userinstalled.has(q)) continue;
        candidates.add(q);
        queue.push(q);
      }
    }
    if (!candidates.size) return [];
    // everything the remaining packages need is kept
    const back = [...result].filter((p) => !candidates.has(p));
    while (back.length) {
      const p = back.pop()!;
      for (const q of deps(p)) {
        if (!candidates.has(q)) continue;
        candidates.delete(q);
        back.push(q);
      }
    }
    return [...candidates].sort((a, b) => a - b);
  }

  private runSat(): void {
    const sat = this.sat;
    let level = 1;
    let systemLevel = level + 1;
    const dq: number[] = [];
    for (;;) {
      // focusinstalled: installed packages are decided before the jobs
      if (this.flags.focusinstalled && level < systemLevel && this.installedIds.length) {
        const olevel = level;
        this.installedTrouble = false;
        level = this.resolveInstalled(level, true);
        if (level === 0) return;
        if (level < olevel || this.installedTrouble) continue;
      }
      // jobs
      if (level < systemLevel) {
        let i = this.jobRules;
        let broke = false;
        for (; i < this.jobRulesEnd; i++) {
          if (sat.clauseOff[i] === 1) continue;
          const cand: number[] = [];
          const cs = sat.clauseStart[i]!;
          if (!this.openCandidates(sat.litArena, cand, cs, cs + sat.clauseLen[i]!) || !cand.length) continue;
          let q = cand;
          const ji = this.ruleToJob.get(i)!;
          if (q.length > 1 && this.installedIds.length && !this.updateAll && !this.jobs[ji]!.flags.has('orupdate')) {
            const inst: number[] = [];
            let hitUpdate = false;
            for (const p of q) {
              if (this.isInstalled(p)) {
                inst.push(p);
                if (this.updateMap.has(p)) hitUpdate = true;
              }
            }
            if (inst.length && !hitUpdate) q = inst;
          }
          const olevel = level;
          level = this.selectAndInstall(level, q, true, i);
          if (level === 0) return;
          if (level === olevel) {
            i--; // a learnt rule changed the picture at this level: try this job again
            continue;
          }
          if (level < olevel) {
            broke = true;
            break;
          }
        }
        if (broke) continue;
        systemLevel = level + 1;
      }
      // focusbest: the jobs' dependencies get their best candidates before installed packages
      if (this.flags.focusbest && level < systemLevel) {
        const olevel = level;
        const decisions = sat.decisions;
        level = this.resolveDependencies(level, dq, this.pkgRulesEnd);
        if (level === 0) return;
        if (level < olevel) continue;
        void decisions;
        // the installed packages come next, above the jobs' dependencies
        systemLevel = level + 1;
      }
      // installed packages
      if (level < systemLevel && this.installedIds.length) {
        const olevel = level;
        this.installedTrouble = false;
        level = this.resolveInstalled(level, true);
        if (level === 0) return;
        if (level < olevel || this.installedTrouble) continue;
        systemLevel = level + 1;
      }
      if (level < systemLevel) systemLevel = level;
      // open requires, in rule order
      {
        level = this.resolveDependencies(level, dq);
        if (level === 0) return;
        // Trouble (a decision that went back to its level or below) starts over. A pass that
        // ran to its end, decisions or not, left no rule with two open candidates: the jobs and
        // installed packages are settled below its levels, so running it again from the top
        // (what this loop did before) would decide nothing. Go on to the weak dependencies,
        // as libsolv does.
        if (this.depsTrouble) continue;
      }
      // weak dependencies
      if (!this.flags.ignorerecommended || this.flags.onlynamespacerecommended) {
        const olevel = level;
        const before = sat.trailLen;
        const decisions = sat.decisions;
        level = this.resolveWeak(level);
        if (level === 0) return;
        if (level !== olevel || sat.trailLen !== before || sat.decisions !== decisions) continue;
      }
      // choice rule minimization: a choice rule that ended up satisfied only by its requiring
      // package being absent may have forced that; drop it and solve again (libsolv does this)
      {
        let disabled = false;
        for (let r = this.choiceRules; r < this.choiceRulesEnd; r++) {
          const c = sat.clause(r);
          if (c.disabled) continue;
          const inChoice = new Set(c.lits);
          const orig = sat.lits(this.ruleInfo(r)!.other!);
          if (![...orig].some((l) => l > 0 && !inChoice.has(l) && sat.decisionMap[l]! > 0)) continue;
          sat.disable(r);
          disabled = true;
        }
        if (disabled) {
          this.restart = true;
          return;
        }
      }
      // installed packages still open are erased
      if (this.installedIds.length) {
        let again = false;
        for (const p of this.installedIds) {
          if (sat.decisionMap[p] !== 0) continue;
          const olevel = level;
          this.traceFn?.(`erase unneeded installed ${this.pool.nevra(p)}`);
          level = this.decideLit(-p, false);
          if (level === 0) return;
          if (level <= olevel) {
            again = true;
            break;
          }
        }
        if (again) continue;
      }
      {
        const olevel = level;
        const m = this.minimizeBranches();
        if (m !== null) {
          level = m;
          if (level === 0) return;
          void olevel;
          continue;
        }
      }
      // packages still open are simply not installed: every rule is satisfied at this point
      return;
    }
  }

  /**
   * A rule's open choice: false when the rule is already satisfied (a literal is true);
   * otherwise true, with its undecided positive literals (the packages that could still
   * fulfil it) appended to dq in rule order. Jobs and requires are scanned alike.
   */
  private openCandidates(lits: Int32Array, dq: number[], from = 0, to = lits.length): boolean {
    const dm = this.sat.decisionMap;
    for (let k = from; k < to; k++) {
      const l = lits[k]!;
      if (l < 0) {
        if (dm[-l]! <= 0) return false;
      } else {
        const d = dm[l]!;
        if (d > 0) return false;
        if (d === 0) dq.push(l);
      }
    }
    return true;
  }

  private selectAndInstall(level: number, dq: number[], disableRules: boolean, ruleId: number): number {
    let q = dq;
    if (q.length > 1) q = this.policy(q, 'choose');
    this.traceFn?.(`select [${dq.map((p) => this.pool.nevra(p)).join(', ')}] rule #${ruleId} -> ${this.pool.nevra(q[0]!)}`);
    if (q.length > 1) this.branches.push({ elems: [-q[0]!, ...q.slice(1)], level: this.sat.level });
    void ruleId;
    void level;
    const r = this.decideLit(q[0]!, disableRules);
    this.traceFn?.(`  -> level ${level} => ${r}; trail ${Array.from(this.sat.trail, (l) => (l < 0 ? '-' : '') + (Math.abs(l) === 1 ? 'SYS' : this.pool.nevra(Math.abs(l)))).join(' ')}`);
    return r;
  }

  private installedTrouble = false;
  private supplementers: number[] | null = null;

  /**
   * The installed-packages pass through the engine's decideSteps (one kernel call decides the
   * packages in order until one needs the JS: a policy choice it has no ranks for, a disabled
   * update rule, a conflict); false: every package in JS (tests compare both).
   */
  static installedSteps = true;
  /** Were this solve's steps given to the engine (setSteps)? */
  private stepsMade = false;
  private stepList: number[] = [];

  /**
   * decideSteps' table: per installed package (installedIds order) the package, its update
   * rule, and that rule's candidates the pass would consider, those of its filters that do not
   * change during the solve applied (update targets, the distupgrade set), and the policy's
   * pick among all of them when sameNamePick knows it (rank 0, the others 1; made only where
   * the pass is likely to need it, see below): the engine decides it when every candidate is
   * open, and stops for this code when only some are or no pick was made. Whether candidates count at all is the flags' mode: never
   * (noUpdate), always, or only once the package is decided erased. Everything read here is
   * fixed once the rules are built; the parts that change (decisions, a disabled update rule)
   * the engine looks at as it goes.
   */
  private makeInstalledSteps(): void {
    const sat = this.sat;
    const installed = this.installedIds;
    const ni = installed.length;
    const steps = new Int32Array(4 * ni);
    let cands = new Int32Array(8 * ni + 16);
    let nc = 0;
    const arena = sat.litArena;
    const clauseStart = sat.clauseStart;
    const clauseLen = sat.clauseLen;
    const dm = sat.decisionMap;
    const list = this.stepList;
    // (the sets as byte maps or skipped when empty: this runs once per installed package, in
    // code not optimized yet)
    const installedMask = this.installedMask;
    const inDup = this.dupMap.bits;
    const involved = this.dupInvolved.bits;
    const forbidden = this.dupForbidden.size ? this.dupForbidden : null;
    const noUpdate = this.noUpdate.size ? this.noUpdate : null;
    const updateMap = this.updateMap;
    const targetsOf = this.updateTargets.size ? this.updateTargets : null;
    const dupAll = this.dupAll;
    const always = this.updateAll || dupAll;
    const ctx = this.policyCtx;
    for (let k = 0; k < ni; k++) {
      const i = installed[k]!;
      const u = this.updateRules + k;
      const start = clauseStart[u]!;
      const len = clauseLen[u]!;
      const inUpdate = updateMap.has(i);
      const mode = noUpdate !== null && noUpdate.has(i) ? 0 : always || inUpdate || involved[i] === 1 || (len > 0 ? arena[start]! : 0) !== i ? 2 : 1;
      let m = 0;
      if (mode !== 0) {
        if (2 * (nc + len) > cands.length) {
          const grown = new Int32Array(2 * cands.length + 2 * len);
          grown.set(cands.subarray(0, 2 * nc));
          cands = grown;
        }
        const targets = targetsOf !== null ? targetsOf.get(i) : undefined;
        const byTargets = targets !== undefined && !this.dupTargetedOnly.has(i);
        const toDup = dupAll || involved[i] === 1;
        for (let k2 = 0; k2 < len; k2++) {
          const p = arena[start + k2]!;
          if (p < 0) continue;
          if (byTargets && p !== i && !targets.has(p)) continue;
          if (toDup && (installedMask[p] === 1 ? forbidden !== null && forbidden.has(p) : inDup[p] !== 1)) continue;
          cands[2 * (nc + m)] = p;
          m++;
        }
      }
      // (the pick only where the pass is likely to need it: candidates that always count, or
      // count because the package is erased already)
      let pick = 0;
      if (m >= 2 && (mode === 2 ? dm[i]! <= 0 : dm[i]! < 0)) {
        if (m === 2) pick = sameNameBest2(ctx, cands[2 * nc]!, cands[2 * nc + 2]!);
        else {
          list.length = 0;
          for (let j = 0; j < m; j++) list.push(cands[2 * (nc + j)]!);
          pick = sameNamePick(ctx, list);
        }
      }
      for (let j = 0; j < m; j++) cands[2 * (nc + j) + 1] = cands[2 * (nc + j)] === pick ? 0 : 1;
      const e = 4 * k;
      steps[e] = i;
      steps[e + 1] = u;
      steps[e + 2] = (inUpdate ? 1 : 0) | (mode << 1) | (pick !== 0 ? 8 : 0) | (m << 8);
      steps[e + 3] = nc;
      nc += m;
    }
    sat.setSteps(steps, cands.subarray(0, 2 * nc));
    this.stepsMade = true;
  }

  private resolveInstalled(level: number, disableRules: boolean): number {
    const sat = this.sat;
    const installed = this.installedIds;
    // (a trace wants the JS path's lines)
    const batch = RpmSolver.installedSteps && this.traceFn === undefined;
    if (batch && !this.stepsMade) this.makeInstalledSteps();
    for (let pass = this.updateMap.size ? 0 : 1; pass < 2; pass++) {
      const passLevel = level;
      // like libsolv: go around once, with wraparound; a retry stays on the same package
      for (let k = 0, n = 0; n < installed.length; k++, n++) {
        if (k >= installed.length) k = 0;
        // the engine goes through the packages it can decide alone (decideSteps: exactly the
        // steps below) and stops at one that needs this code, or at a conflict
        let keepOnly = false;
        if (batch) {
          const from = sat.level;
          const r = sat.decideSteps(k, n, installed.length, pass);
          k = sat.stepK;
          n = sat.stepN;
          const made = sat.stepDecisions;
          const good = r < 0 ? made - 1 : made;
          if (good > 0) {
            // as decideLit after each of them (the first one's level prunes the most)
            this.pruneBranchesFrom(from + 1);
            level = r < 0 ? sat.level - 1 : sat.level;
          }
          if (r === 0) break;
          if (r < 0) {
            // the rest of decideLit for the decision that met the conflict
            const olevel = level;
            const lr = sat.propagateLearn(-r);
            if (typeof lr === 'number') {
              this.pruneBranches();
              level = lr;
            } else level = this.handleRootConflict(lr, disableRules);
            if (level === 0) return 0;
            if (level <= olevel) {
              if (level < passLevel) {
                this.installedTrouble = true;
                return level;
              }
              if (level < olevel) n = 0; // redo all, starting with this package
              k--;
              n--;
              continue;
            }
            if (sat.stepWhich === 1) continue;
            keepOnly = true;
          }
        }
        const i = installed[k]!;
        if (!keepOnly) {
          if (sat.decisionMap[i]! > 0) continue;
          if (pass === 0 && !this.updateMap.has(i)) continue;
          const u = this.updateRules + k;
          let rr = u;
          if (sat.isDisabled(u)) rr = this.featureRules + k;
          if (this.emptyRule.has(rr)) rr = u;
          const rrStart = sat.clauseStart[rr]!;
          const rrLen = sat.clauseLen[rr]!;
          const arena = sat.litArena;
          const dm = sat.decisionMap;
          // a rule met by a candidate decided installed offers nothing (whatever the conditions
          // below say): looked at first, the usual case once the package has been dealt with
          let fulfilled = false;
          for (let k2 = 0; k2 < rrLen; k2++) {
            const p = arena[rrStart + k2]!;
            if (p > 0 && dm[p]! > 0) {
              fulfilled = true;
              break;
            }
          }
          let q = EMPTY_LIST;
          if (
            !fulfilled &&
            !this.noUpdate.has(i) &&
            (dm[i]! < 0 ||
              this.updateAll ||
              this.updateMap.has(i) ||
              this.dupAll ||
              this.dupInvolved.has(i) ||
              (rrLen > 0 ? arena[rrStart] : undefined) !== i)
          ) {
            const targets = this.updateTargets.get(i);
            const byTargets = targets !== undefined && !this.dupTargetedOnly.has(i);
            // prune_to_dup_packages: a distupgraded package goes to what the distupgrade offers
            const toDup = this.dupAll || this.dupInvolved.has(i);
            for (let k2 = 0; k2 < rrLen; k2++) {
              const p = arena[rrStart + k2]!;
              if (p < 0 || dm[p] !== 0) continue;
              if (byTargets && p !== i && !targets.has(p)) continue;
              if (toDup && (this.isInstalled(p) ? this.dupForbidden.has(p) : !this.dupMap.has(p))) continue;
              if (q === EMPTY_LIST) q = [];
              q.push(p);
            }
          }
          if (q.length) {
            const olevel = level;
            level = this.selectAndInstall(level, q, disableRules, rr);
            if (level === 0) return 0;
            if (level <= olevel) {
              if (level < passLevel) {
                this.installedTrouble = true;
                return level;
              }
              if (level < olevel) n = 0; // redo all, starting with this package
              k--;
              n--;
              continue;
            }
          }
        }
        if (sat.decisionMap[i] === 0) {
          const olevel = level;
          level = this.decideLit(i, disableRules);
          if (level === 0) return 0;
          if (level <= olevel) {
            if (level < passLevel) {
              this.installedTrouble = true;
              return level;
            }
            if (level < olevel) n = 0; // redo all, starting with this package
            k--;
            n--;
            continue;
          }
        }
      }
    }
    return level;
  }

  /** Did the last resolveDependencies stop at trouble (a decision that did not raise the level)? */
  private depsTrouble = false;

  private resolveDependencies(level: number, dq: number[], ruleLimit?: number): number {
    const sat = this.sat;
    this.depsTrouble = false;
    let postponed = 0;
    // libsolv's loop `for (i = 1, n = 1; ; i++, n++)` over the rules, wrapping around: the
    // engine's scan (a kernel) runs it up to the next rule with two or more open candidates
    let i = 1;
    let n = 1;
    // the next scan's result when the last decision's kernel call ran it already, else -1
    let scanned = -1;
    for (;;) {
      const nrules = ruleLimit ?? sat.nclauses;
      const found = scanned >= 0 ? scanned : sat.nextOpenClause(i, n, nrules, dq);
      scanned = -1;
      i = sat.scanI;
      n = sat.scanN;
      if (found === 0) {
        // n reached nrules: every rule was looked at since the last decision
        if (postponed <= 0) break;
        i = postponed;
        postponed = -1;
        n = 1;
        continue;
      }
      // two candidates of one name (the usual case): the policy's one-pass pick, straight away
      const pick = dq.length === 2 && postponed >= 0 ? sameNameBest2(this.policyCtx, dq[0]!, dq[1]!) : 0;
      const olevel = level;
      if (pick !== 0 && this.traceFn === undefined) {
        // what selectAndInstall does with a one-package list, without the list; when the
        // decision stands, the kernel call goes on with the scan from the next rule (below:
        // i + 1, n = 1), the same nrules (no rule was learnt)
        const r = sat.decideAndScan(pick, i + 1, 1, nrules, dq);
        if (typeof r === 'number') {
          this.pruneBranches();
          level = r;
        } else level = this.handleRootConflict(r, true);
        scanned = sat.scanFound;
      } else {
        let q = pick !== 0 ? [pick] : dq.slice();
        if (postponed >= 0 && pick === 0) {
          q = this.policy(q, 'choose-noreorder');
          if (q.length > 1) {
            if (!postponed) postponed = i;
            i++;
            n++;
            continue;
          }
        }
        level = this.selectAndInstall(level, q, true, i);
      }
      if (level === 0) return 0;
      if (level <= olevel) {
        this.depsTrouble = true;
        return level;
      }
      // continue with the following rules and go around once more (libsolv does not restart
      // from the first rule, and keeps postponing rules with several candidates)
      i++;
      n = 1;
    }
    return level;
  }

  /**
   * Per package: 1 when every recommends of the (installed-decided) package was found met by an
   * installed-decided provider. Decisions only add to that until an assignment is undone, so the
   * map is kept between resolveWeak rounds (libsolv looks at every recommends each round: here
   * each package's met recommends are looked at once) and cleared after a revert.
   */
  private recsMet: Uint8Array | null = null;
  private recsMetRevert = -1;
  /** resolveWeak's candidates still to look at (ascending), the trail length they cover, valid while no assignment is undone. */
  private weakPending = new Int32Array(0);
  private weakTrailSeen = 0;
  private weakRevert = -1;

  private recsMetMap(): Uint8Array {
    let m = this.recsMet;
    if (!m || m.length !== this.pool.size) m = this.recsMet = new Uint8Array(this.pool.size);
    else if (this.recsMetRevert !== this.sat.revertCount) m.fill(0);
    this.recsMetRevert = this.sat.revertCount;
    return m;
  }

  private resolveWeak(level: number): number {
    const sat = this.sat;
    const pool = this.pool;
    let dq: number[] = [];
    let dqs: number[] = [];
    // candidates: decided-installed packages (their recommends) and packages with supplements
    if (!this.supplementers) {
      this.supplementers = [];
      this.supplementers = pool.withReverseDeps().supplements;
    }
    // the installed-decided packages and the supplementers, ascending and without repeats
    // (runSat comes back here after every weak decision). Packages whose recommends were all
    // met (recsMet) contribute nothing while no assignment is undone: then only the packages
    // still pending from the last round and those decided since are merged (typed-array sorts
    // and a merge), not the whole trail again.
    const recsMet = this.recsMetMap();
    const fresh = this.weakRevert !== sat.revertCount;
    const trail = sat.trailLits;
    const tlen = sat.trailLen;
    const from = fresh ? 0 : this.weakTrailSeen;
    // packages without recommends are met as they are (the loop below would mark them so):
    // left out here by the typed store's counts, without a look at their Solvable
    const onlyNs = this.flags.onlynamespacerecommended;
    const ds = pool.dependencyStarts();
    const psize = pool.size;
    let np = 0;
    for (let k = from; k < tlen; k++) {
      const l = trail[k]!;
      if (l > 1 && (l >= psize || onlyNs || ds[4 * l + 3] !== ds[4 * l + 2])) np++;
    }
    const positives = new Int32Array(np);
    np = 0;
    for (let k = from; k < tlen; k++) {
      const l = trail[k]!;
      if (l > 1 && (l >= psize || onlyNs || ds[4 * l + 3] !== ds[4 * l + 2])) positives[np++] = l;
    }
    positives.sort();
    const pending = fresh ? new Int32Array(0) : this.weakPending;
    const sup = this.supplementers;
    const cands: number[] = [];
    for (let a = 0, b = 0, c = 0; a < positives.length || b < sup.length || c < pending.length; ) {
      const x = a < positives.length ? positives[a]! : Infinity;
      const y = b < sup.length ? sup[b]! : Infinity;
      const z = c < pending.length ? pending[c]! : Infinity;
      let v = x <= y ? x : y;
      if (z < v) v = z;
      if (x === v) a++;
      if (y === v) b++;
      if (z === v) c++;
      if (cands.length === 0 || cands[cands.length - 1] !== v) cands.push(v);
    }
    const dm = sat.decisionMap;
    for (let ci = 0; ci < cands.length; ci++) {
      const i = cands[ci]!;
      const d = dm[i]!;
      if (d < 0) continue;
      if (d > 0) {
        if (recsMet[i] === 1) continue;
        // no recommends (most packages): met, without loading the Solvable (the typed store's count)
        if (!onlyNs && pool.recommendsCount(i) === 0) {
          recsMet[i] = 1;
          continue;
        }
        const s = pool.solvables[i]!;
        if (!this.flags.addalreadyrecommended && this.isInstalled(i)) {
          recsMet[i] = 1; // the second loop below skips it as well
          continue;
        }
        if (this.flags.ignorerecommended && !this.flags.onlynamespacerecommended) continue;
        const recs = s.recommends;
        let open = false;
        for (let ri = 0; ri < recs.length; ri++) {
          const rec = recs[ri]!;
          if (this.flags.onlynamespacerecommended && !this.isNamespaceDep(rec)) continue;
          const prov = pool.whatprovides(rec);
          if (anyPositive(dm, prov)) continue;
          open = true;
          for (let k = 0; k < prov.length; k++) {
            const p = prov[k]!;
            if (dm[p] !== 0) continue;
            if (this.dupAll && this.isInstalled(p)) continue;
            if (!dq.includes(p)) dq.push(p);
          }
        }
        // (with onlynamespacerecommended the other recommends were not looked at)
        if (!open && !this.flags.onlynamespacerecommended) recsMet[i] = 1;
      } else {
        const s = pool.solvables[i]!;
        if (!s.supplements.length) continue;
        if (!pool.installable(i)) continue;
        if (this.flags.onlynamespacerecommended && !s.supplements.some((sd) => this.isNamespaceDep(sd) && this.depFulfilled(sd))) continue;
        if (!this.isSupplementing(i)) continue;
        if (this.dupAll && this.isInstalled(i)) continue;
        if ((this.favor.get(i) ?? 0) < 0) continue;
        dqs.push(i);
      }
    }
    // decided-installed candidates with recommends not (yet) met wait for the next round
    let npend = 0;
    for (let ci = 0; ci < cands.length; ci++) {
      const i = cands[ci]!;
      if (dm[i]! > 0 && recsMet[i] !== 1) npend++;
    }
    const nextPending = new Int32Array(npend);
    npend = 0;
    for (let ci = 0; ci < cands.length; ci++) {
      const i = cands[ci]!;
      if (dm[i]! > 0 && recsMet[i] !== 1) nextPending[npend++] = i;
    }
    this.weakPending = nextPending;
    this.weakTrailSeen = tlen;
    this.weakRevert = sat.revertCount;
    dq = dq.filter((p) => (this.favor.get(p) ?? 0) >= 0 && !this.excludeFromWeak.has(p));
    dqs = dqs.filter((p) => !this.excludeFromWeak.has(p));
    if (this.installedIds.length && (dq.length || dqs.length)) {
      // only installed-decided packages with obsoletes can obsolete a candidate
      const obsoleters: number[] = [];
      for (let k = 0; k < this.installedIds.length; k++) {
        const ip = this.installedIds[k]!;
        if (sat.decisionMap[ip]! > 0 && pool.solvables[ip]!.obsoletes.length) obsoleters.push(ip);
      }
      const obsoletedByInstalled = (p: number): boolean => {
        for (let k = 0; k < obsoleters.length; k++) {
          const is = pool.solvables[obsoleters[k]!]!;
          if (is.obsoletes.some((o) => pool.matchNevr(p, o))) return true;
        }
        return false;
      };
      dq = dq.filter((p) => !obsoletedByInstalled(p));
      dqs = dqs.filter((p) => !obsoletedByInstalled(p));
    }
    if (!this.flags.addalreadyrecommended && dqs.length) dqs = dqs.filter((p) => !this.isSupplementingAlreadyInstalled(p));
    if (dqs.length && pool.flags.implicitobsoleteusescolors) {
      dqs = dqs.filter((p) => {
        const s = pool.solvables[p]!;
        for (let q = 2, np = pool.size; q < np; q++) {
          if (q === p || sat.decisionMap[q]! <= 0) continue;
          if (pool.solvables[q]!.name === s.name) return false;
        }
        return true;
      });
    }
    for (const p of dqs) if (!dq.includes(p)) dq.push(p);
    if (!dq.length) return level;
    if (dq.length === 1) {
      return this.decideLit(dq[0]!, false);
    }
    const decisionCount = sat.trailLen;
    const best = new Set(this.policy(dq, 'recommend'));
    let dqs2 = dqs.filter((p) => best.has(p));
    if (dqs2.length > 1) dqs2 = this.policy(dqs2, 'supplement');
    for (const p of dqs2) {
      if (sat.decisionMap[p]) continue;
      const olevel = level;
      level = this.decideLit(p, false);
      if (level === 0) return 0;
      if (level <= olevel) return level;
    }
    if (sat.trailLen < decisionCount) return level;
    // The loop below looks at the trail's packages in trail order. While nothing was undone
    // since recsMet was made (a revert in the loop ends it: a decision that conflicts returns),
    // the only ones it does not skip are in nextPending (decided installed, recommends not all
    // met, as the first loop left them at this trail length): those are looked at, by their
    // trail positions, instead of every trail entry.
    const positions = this.recsMetRevert === sat.revertCount ? new Int32Array(nextPending.length) : null;
    let npos = 0;
    if (positions !== null) {
      for (let k = 0; k < nextPending.length; k++) {
        const t = sat.trailIndexOf(nextPending[k]!);
        if (t >= 0 && t < decisionCount) positions[npos++] = t;
      }
      positions.subarray(0, npos).sort();
    }
    for (let x = 0, end = positions !== null ? npos : decisionCount; x < end; x++) {
      const i = positions !== null ? positions[x]! : x;
      if (i >= sat.trailLen) break;
      const p = sat.trailLits[i]!;
      if (p <= 1) continue;
      // no recommends: nothing to do (the typed store's count, no Solvable load)
      if (p < psize && ds[4 * p + 3] === ds[4 * p + 2]) continue;
      // every recommends of p was met when the first loop looked, and nothing was undone since
      if (recsMet[p] === 1 && this.recsMetRevert === sat.revertCount) continue;
      const s = pool.solvables[p]!;
      if (!this.flags.addalreadyrecommended && this.isInstalled(p)) continue;
      for (const rec of s.recommends) {
        const prov = pool.whatprovides(rec);
        if (anyPositive(sat.decisionMap, prov)) continue;
        let q = prov.filter((x) => sat.decisionMap[x] === 0 && best.has(x));
        if (!q.length) continue;
        if (q.length > 1) q = this.policy(q, 'choose');
        if (q.length > 1) this.branches.push({ elems: [-q[0]!, ...q.slice(1)], level: this.sat.level, weak: true });
        const olevel = level;
        level = this.decideLit(q[0]!, false);
        if (level === 0) return 0;
        if (level <= olevel || sat.trailLen < decisionCount) return level;
      }
    }
    return level;
  }

  /** `provides namespace:x(arg)` selections: the namespace and its argument (null for `<NULL>`). */
  private namespaceOfSelection(sel: Selection): { ns: string; arg: string | null } | null {
    if (sel.kind !== 'provides' || sel.dep.kind !== 'simple') return null;
    const m = /^(namespace:[^(]*)\((.*)\)$/.exec(sel.dep.name);
    if (!m) return null;
    return { ns: m[1]!, arg: m[2] === '<NULL>' ? null : m[2]! };
  }

  private mentionsNamespace(d: Dep, list: ReadonlyArray<{ ns: string; arg: string | null }>): boolean {
    if (d.kind === 'simple') {
      if (!d.name.startsWith('namespace:')) return false;
      return list.some((n) => (n.arg === null ? d.name.startsWith(`${n.ns}(`) : d.name === `${n.ns}(${n.arg})`));
    }
    return this.mentionsNamespace(d.left, list) || this.mentionsNamespace(d.right, list) || (d.otherwise ? this.mentionsNamespace(d.otherwise, list) : false);
  }

  /** Is a (supplements) dependency true when exactly the packages `has` accepts are installed? */
  private depFulfilledBy(d: Dep, has: (p: number) => boolean): boolean {
    if (d.kind === 'simple') return this.pool.whatprovidesSimple(d).some(has);
    switch (d.op) {
      case 'and':
        return this.depFulfilledBy(d.left, has) && this.depFulfilledBy(d.right, has);
      case 'or':
        return this.depFulfilledBy(d.left, has) || this.depFulfilledBy(d.right, has);
      default:
        return this.pool.whatprovides(d).some(has);
    }
  }

  private isNamespaceDep(d: Dep): boolean {
    if (d.kind === 'simple') return d.name.startsWith('namespace:');
    return this.isNamespaceDep(d.left) || this.isNamespaceDep(d.right) || (d.otherwise ? this.isNamespaceDep(d.otherwise) : false);
  }

  /** The rules in testsolv's debug order, one line each (for comparing with `testsolv -v -v -v -v`). */
  dumpRules(): string[] {
    const out: string[] = [];
    for (let id = 1; id < this.sat.nclauses; id++) {
      const c = this.sat.clause(id);
      const t = this.ruleInfo(id)?.type ?? 'learnt';
      const lits = [...c.lits].map((l) => (l < 0 ? '!' : '') + (Math.abs(l) === 1 ? 'SYSTEM' : this.pool.nevra(Math.abs(l))));
      out.push(`${t}${c.disabled && !this.emptyRule.has(id) ? '(disabled)' : ''} #${id}: ${lits.join(' ')}`);
    }
    return out;
  }

  /**
   * libsolv's solver_get_recommendations: packages recommended (or supplementing) and
   * suggested (or enhancing) by the result that are not excluded by it, best version per name.
   */
  recommendations(): { recommended: number[]; suggested: number[] } {
    const pool = this.pool;
    const sat = this.sat;
    const collect = (kind: 'recommends' | 'suggests', reverse: 'supplements' | 'enhances'): number[] => {
      const map = new Set<number>();
      for (const l of sat.trail) {
        if (l <= 1) continue;
        for (const d of pool.solvables[l]![kind]) {
          const prov = pool.whatprovides(d);
          if (prov.some((q) => sat.decisionMap[q]! > 0)) {
            for (const q of prov) if (sat.decisionMap[q]! > 0) map.add(q);
            continue;
          }
          for (const q of prov) map.add(q);
        }
      }
      const out: number[] = [];
      for (let i = 2, np = pool.size; i < np; i++) {
        if (sat.decisionMap[i]! < 0) continue;
        const s = pool.solvables[i]!;
        if (!map.has(i)) {
          if (!s[reverse].length || !pool.installable(i)) continue;
          if (!s[reverse].some((d) => this.depFulfilled(d))) continue;
        }
        out.push(i);
      }
      // POLICY_MODE_SUGGEST: highest priority per name, best arch, best version
      const byName = new Map<string, number>();
      for (const p of out) {
        const n = pool.solvables[p]!.name;
        byName.set(n, Math.max(byName.get(n) ?? -Infinity, pool.solvables[p]!.repo.priority));
      }
      const prio = out.filter((p) => pool.solvables[p]!.repo.priority === byName.get(pool.solvables[p]!.name));
      return filterUnwanted(this.policyCtx, prio, 'suggest');
    };
    return { recommended: collect('recommends', 'supplements'), suggested: collect('suggests', 'enhances') };
  }

  /** One readable line per rule (for explanation trees). */
  describeRule(id: number): string {
    const info = this.ruleInfo(id);
    const P = (p: number | undefined): string => (p === undefined ? '?' : this.pool.nevra(p));
    if (!info) return `learnt rule #${id}`;
    switch (info.type) {
      case 'pkg':
        switch (info.reason) {
          case 'nothing-provides':
            return `nothing provides ${depToString(info.dep!)} needed by ${P(info.p)}`;
          case 'requires':
            return `${P(info.p)} requires ${depToString(info.dep!)}`;
          case 'conflicts':
          case 'self-conflict':
            return `${P(info.p)} conflicts with ${depToString(info.dep!)}${info.other !== undefined ? ` provided by ${P(info.other)}` : ''}`;
          case 'obsoletes':
          case 'installed-obsoletes':
            return `${P(info.p)} obsoletes ${depToString(info.dep!)} provided by ${P(info.other)}`;
          case 'same-name':
          case 'implicit-obsoletes':
            return `only one of ${P(info.p)} and ${P(info.other)} can be installed`;
          case 'not-installable':
            return `${P(info.p)} is not installable (architecture or excluded)`;
          default:
            return `package rule #${id}`;
        }
      case 'job': {
        const job = this.jobs[info.job!]!;
        return `the request: ${job.verb} ${describeSelection(job.select, this.pool)}`;
      }
      case 'update':
        return `installed ${P(info.p)} is kept or updated`;
      case 'feature':
        return `installed ${P(info.p)} is kept or replaced`;
      case 'infarch':
        return `${P(info.p)} has an inferior architecture`;
      case 'dup':
        return `${P(info.p)} is not part of the distribution upgrade`;
      case 'best':
        return info.job !== undefined ? `the request wants the best candidate` : `${P(info.p)} must be updated to the best version`;
      case 'blacklist':
        return `${P(info.p)} is blacklisted`;
      case 'strictrepoprio':
        return `${P(info.p)} comes from a lower-priority repository`;
      case 'choice':
        return `prefer updating an installed provider over installing ${P(info.p)}`;
      default:
        return `rule #${id}`;
    }
  }

  /** libsolv-like solution options for a problem: ways to make the request solvable. */
  problemSolutions(problem: Problem): string[] {
    const P = (p: number | undefined): string => (p === undefined ? '?' : this.pool.nevra(p));
    return problem.elements.map((el) => {
      if (el < 0) {
        const job = this.jobs[-el - 1]!;
        return `do not ask to ${job.verb} ${describeSelection(job.select, this.pool)}`;
      }
      const info = this.ruleInfo(el)!;
      switch (info.type) {
        case 'update':
        case 'feature':
          return `allow erasing or replacing installed ${P(info.p)}`;
        case 'infarch':
          return `allow the inferior architecture of ${P(info.p)}`;
        case 'dup':
          return `allow keeping ${P(info.p)}`;
        case 'best':
          return `allow a candidate that is not the best`;
        case 'blacklist':
          return `allow the blacklisted ${P(info.p)}`;
        case 'strictrepoprio':
          return `allow ${P(info.p)} from a lower-priority repository`;
        default:
          return `ignore: ${this.describeRule(el)}`;
      }
    });
  }

  /** Human-readable info line for a problem (libsolv's solver_problemruleinfo2str subset). */
  problemInfo(problem: Problem): string {
    const pool = this.pool;
    // libsolv picks the most relevant rule: prefer a pkg rule about a job's package
    const proof = problem.proof;
    let best = proof.find((r) => r < this.pkgRulesEnd && this.ruleInfo(r)!.reason === 'nothing-provides');
    best ??= proof.find((r) => r < this.pkgRulesEnd && this.ruleInfo(r)!.reason === 'conflicts');
    best ??= proof.find((r) => r < this.pkgRulesEnd);
    best ??= proof[0];
    if (best === undefined) return 'unknown problem';
    const info = this.ruleInfo(best)!;
    const P = (p: number | undefined): string => (p === undefined ? '?' : pool.nevra(p));
    switch (info.reason) {
      case 'nothing-provides':
        return `nothing provides ${depToString(info.dep!)} needed by ${P(info.p)}`;
      case 'requires':
        return `package ${P(info.p)} requires ${depToString(info.dep!)}, but none of the providers can be installed`;
      case 'conflicts':
        return info.other !== undefined
          ? `package ${P(info.p)} conflicts with ${depToString(info.dep!)} provided by ${P(info.other)}`
          : `package ${P(info.p)} conflicts with ${depToString(info.dep!)}`;
      case 'obsoletes':
        return `package ${P(info.p)} obsoletes ${depToString(info.dep!)} provided by ${P(info.other)}`;
      case 'installed-obsoletes':
        return `installed package ${P(info.p)} obsoletes ${depToString(info.dep!)} provided by ${P(info.other)}`;
      case 'same-name':
        return `cannot install both ${P(info.p)} and ${P(info.other)}`;
      case 'not-installable':
        return `package ${P(info.p)} is not installable`;
      default:
        break;
    }
    if (info.type === 'job') {
      const job = info.job !== undefined ? this.jobs[info.job] : undefined;
      if (job && (job.select.kind === 'name' || job.select.kind === 'provides') && this.sat.lits(best)[0] === -SYSTEM_SOLVABLE)
        return job.select.kind === 'name' ? `package ${depToString(job.select.dep)} does not exist` : `nothing provides requested ${depToString(job.select.dep)}`;
      return `conflicting requests`;
    }
    if (info.type === 'update' || info.type === 'feature') return `problem with installed package ${P(info.p)}`;
    if (info.type === 'infarch') return `package ${P(info.p)} has inferior architecture`;
    if (info.type === 'best') return `cannot install the best candidate for the job`;
    return 'unknown problem';
  }
}
