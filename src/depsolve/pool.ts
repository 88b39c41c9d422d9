import { RPMSENSE, compareParsedEvr, parseEvrString, senseOverlap } from '../rpm/index.js';
import type { ParsedEvr, SimpleDep } from '../rpm/index.js';
import { sortProvidesInMemory } from './provides-sort-kernel.js';
import { WasmColumns } from './wasm-columns.js';
import { depToString, type Dep } from './dep.js';

export interface Repo {
  name: string;
  /** libsolv priority: a higher number wins (dnf stores the negated dnf priority here). */
  priority: number;
  /** libsolv sub-priority: a higher number wins among equal priorities (negated dnf cost). */
  subpriority: number;
  /** Position in the pool, for stable ordering. */
  index: number;
}

/** One package in the pool (libsolv's "solvable"). Ids start at 2; 1 is the system solvable. */
export interface Solvable {
  id: number;
  name: string;
  /** EVR string exactly as the source wrote it (printed back unchanged). */
  evr: string;
  /** The parsed EVR, filled in on first comparison (most packages are never compared). */
  pevr: ParsedEvr | null;
  arch: string;
  vendor: string;
  repo: Repo;
  provides: Dep[];
  requires: Dep[];
  conflicts: Dep[];
  obsoletes: Dep[];
  recommends: Dep[];
  suggests: Dep[];
  supplements: Dep[];
  enhances: Dep[];
  /** File paths this package owns that dependencies may name (`/usr/bin/sh`). */
  files: string[];
  buildtime: number;
}

export type NewSolvable = Omit<Solvable, 'id' | 'pevr' | 'repo'>;

/**
 * A simple dependency whose name a pool interned (`Pool.internDep`): nid is the name id there.
 * wp/wpEpoch: its whatprovides list, valid while the pool's epoch is wpEpoch (one cache slot on
 * the dependency object itself, like libsolv's whatprovides by relation id: the readers share one
 * object per distinct dependency, so the lookup is two property loads).
 */
type NamedDep = SimpleDep & { nid?: number; wp?: number[]; wpEpoch?: number };

/** Pool epochs: unique across pools, renewed when a pool's provides caches are dropped. */
let epochs = 0;

/**
 * libsolv's built-in arch compatibility table (Debian's 0.7.23 build: no Fedora `athlon`).
 * `:` separates incompatible classes, `>` orders compatible arches within a class.
 */
const ARCH_POLICIES: Record<string, string> = {
  x86_64: 'x86_64:i686:i586:i486:i386',
  i686: 'i686:i586:i486:i386',
  i586: 'i586:i486:i386',
  i486: 'i486:i386',
  i386: 'i386',
  aarch64: 'aarch64',
  ppc64le: 'ppc64le',
  ppc64: 'ppc64:ppc',
  ppc: 'ppc',
  s390x: 's390x:s390',
  s390: 's390',
  ia64: 'ia64:i686:i586:i486:i386',
  armv7hl: 'armv7hl:armv7l:armv6l:armv5tejl:armv5tel:armv5l:armv4tl:armv4l:armv3l',
  noarch: 'noarch',
  riscv64: 'riscv64',
};

export const SYSTEM_SOLVABLE = 1;

export interface PoolFlags {
  implicitobsoleteusescolors: boolean;
  obsoleteusescolors: boolean;
  obsoleteusesprovides: boolean;
  noobsoletesmultiversion: boolean;
  whatprovideswithdisabled: boolean;
  forbidselfconflicts: boolean;
}

export function defaultPoolFlags(): PoolFlags {
  return {
    implicitobsoleteusescolors: false,
    obsoleteusescolors: false,
    obsoleteusesprovides: false,
    noobsoletesmultiversion: false,
    whatprovideswithdisabled: false,
    forbidselfconflicts: false,
  };
}

/**
 * The provides index (libsolv's whatprovides): every provided name has an id (interned when the
 * package was added); the providers of name id k are ids[start[k] .. start[k + 1]) (ascending
 * package ids, one entry per provide, so a package providing a name twice appears twice); a
 * versioned lookup checks the provider's own provides of that name in the pool's flat store.
 * Flat typed arrays built by a counting sort over integers: no object per name, no string
 * hashing, nothing for the GC.
 */

interface ProvideIndex {
  start: Int32Array;
  ids: Int32Array;
}

/** depFlags bits (Pool.typedDeps). */
export const DEP_RPMLIB = 1;
export const DEP_BYNAME = 2;
export const DEP_RICH = 4;

/**
 * Pool.policyColumns: what the policy's common choice reads, per package as typed columns (no
 * load of the Solvable objects, which lie scattered over the parse's heap): name id, arch id,
 * EVR id (equal ids = equal EVR strings) and repository index; the arch scores by arch id (null
 * without an arch policy), the installed repository's index (-1: none) and the repositories.
 * Valid while no package is added (the pool hands out a new object then).
 */
export interface PolicyColumns {
  nameOf: Int32Array;
  archOf: Int32Array;
  evrOf: Int32Array;
  repoOf: Int32Array;
  archScore: Int32Array | null;
  installedRepo: number;
  repos: readonly Repo[];
}

/**
 * Pool.typedDeps: where the pool's typed columns are in its WebAssembly memory (byte offsets;
 * see the fields' comments in Pool), the column the kernels may use as scratch, and the
 * provides index's columns (null when it was built outside the memory).
 */
export interface TypedDeps {
  cols: WasmColumns;
  scratch: number;
  /** Call before writing the scratch column: whatever still reads it copies out first (Pool.holdScratch). */
  takeScratch: () => void;
  depObjs: readonly Dep[];
  depCount: number;
  depTop: number;
  depList: number;
  depNid: number;
  depFlags: number;
  pkgDep: number;
  nameOf: number;
  archOf: number;
  evrOf: number;
  jsOnly: number;
  archColor: Uint8Array;
  archScore: Int32Array;
  noarch: number;
  index: { start: number; ids: number; names: number } | null;
}

/**
 * All packages from all repositories, one of which may be the installed system, with the
 * indexes the solver needs: provides by name (version matching applied on lookup, rpm's rule),
 * file provides, arch scores and the "considered" (not excluded) set.
 */
/**
 * Lists cached by a dense integer id (name ids): a slot column plus the lists in the order they
 * were made. Not a `new Array(ids)`: allocating and filling ~10^5 JS array slots costs several ms
 * in a cold process, for the few thousand ids a solve looks up.
 */
class IdListCache {
  private slot = new Int32Array(0);
  private lists: number[][] = [];

  /** idCount: how many ids there are now (the slot column is made that long at once) */
  constructor(private readonly idCount: () => number) {}

  get empty(): boolean {
    return this.lists.length === 0;
  }

  get(k: number): number[] | undefined {
    const s = k < this.slot.length ? this.slot[k]! : 0;
    return s === 0 ? undefined : this.lists[s - 1];
  }

  set(k: number, l: number[]): void {
    if (k >= this.slot.length) {
      const grown = new Int32Array(Math.max(k + 1, this.slot.length * 2, this.idCount()));
      grown.set(this.slot);
      this.slot = grown;
    }
    const s = this.slot[k]!;
    if (s !== 0) this.lists[s - 1] = l;
    else this.slot[k] = this.lists.push(l);
  }
}

export class Pool {
  readonly solvables: Solvable[] = [];
  readonly repos: Repo[] = [];
  installed: Repo | null = null;
  flags: PoolFlags = defaultPoolFlags();
  /** Arch scores: lower is better; the high 16 bits are the compatibility class. null = no policy. */
  private archScores: Map<string, number> | null = null;
  /** Excluded (disabled) packages. */
  readonly disabled = new Set<number>();
  /** Answers for namespace dependencies: `namespace:language(de)` -> providers ('@SYSTEM' = always). */
  readonly namespaces = new Map<string, number[]>();
  /** Loads file lists on demand: called once per file path a dependency names. */
  fileProvidesHook: ((path: string) => number[]) | null = null;

  private provideIndex: ProvideIndex | null = null;
  /** Identifies the current provides caches (see NamedDep). */
  private epoch = ++epochs;
  /**
   * Filled as packages are added (the load phase, as libsolv's repo readers intern strings with
   * pool_str2id): provided names interned to ids, and every package's provides in one flat
   * store: package p's provides are provDeps/provName[provStart[p] .. provStart[p + 1]), the
   * name id -1 for a rich provide.
   */
  private readonly nameIds = new Map<string, number>();
  /** The interned names by id (every solvable's `name` is the one string of its id). */
  private readonly idNames: string[] = [];
  /**
   * The columns the solver's kernels read, in one WebAssembly memory (wasm-columns.ts): per
   * package nameOf (name id), archOf (arch id), evrOf, jsOnly, pkgDep; per provide provName,
   * provOwner; the dependency store depList, depNid, depFlags; the provides index (its room
   * kept as packages are added, so building it never moves a column); the kernels' scratch.
   * Views are made again when the memory changes (`cols.version`): read them through the
   * getters, and hold one in a local only while nothing adds packages or sets up a kernel.
   */
  private readonly cols = new WasmColumns(1 << 20);
  private readonly cNameOf = this.cols.column(4 * 4096);
  private readonly cArchOf = this.cols.column(4 * 4096);
  private readonly cEvrOf = this.cols.column(4 * 4096);
  private readonly cJsOnly = this.cols.column(4096);
  private readonly cPkgDep = this.cols.column(16 * 4096);
  private readonly cProvName = this.cols.column(4 * 4096);
  private readonly cProvOwner = this.cols.column(4 * 4096);
  private readonly cDepList = this.cols.column(4 << 15);
  private readonly cDepNid = this.cols.column(4 * 4096);
  private readonly cDepFlags = this.cols.column(4 * 4096);
  private readonly cIdxStart = this.cols.column(4 * 4096);
  private readonly cIdxIds = this.cols.column(4 * 4096);
  private readonly cScratch = this.cols.column(0);
  private seen = -1;
  private vNameOf!: Int32Array;
  private vArchOf!: Int32Array;
  private vEvrOf!: Int32Array;
  private vJsOnly!: Uint8Array;
  private vPkgDep!: Int32Array;
  private vProvName!: Int32Array;
  private vProvOwner!: Int32Array;
  private vDepList!: Int32Array;
  private vDepNid!: Int32Array;
  private vDepFlags!: Int32Array;

  private views(): void {
    const c = this.cols;
    this.vNameOf = c.view32(this.cNameOf);
    this.vArchOf = c.view32(this.cArchOf);
    this.vEvrOf = c.view32(this.cEvrOf);
    this.vJsOnly = c.view8(this.cJsOnly);
    this.vPkgDep = c.view32(this.cPkgDep);
    this.vProvName = c.view32(this.cProvName);
    this.vProvOwner = c.view32(this.cProvOwner);
    this.vDepList = c.view32(this.cDepList);
    this.vDepNid = c.view32(this.cDepNid);
    this.vDepFlags = c.view32(this.cDepFlags);
    this.seen = c.version;
  }

  /** Per package: the id of its name. */
  private get nameOf(): Int32Array {
    if (this.seen !== this.cols.version) this.views();
    return this.vNameOf;
  }
  /** Per package: arch id (into archNames). */
  private get archOf(): Int32Array {
    if (this.seen !== this.cols.version) this.views();
    return this.vArchOf;
  }
  private get evrOf(): Int32Array {
    if (this.seen !== this.cols.version) this.views();
    return this.vEvrOf;
  }
  private get jsOnly(): Uint8Array {
    if (this.seen !== this.cols.version) this.views();
    return this.vJsOnly;
  }
  private get pkgDep(): Int32Array {
    if (this.seen !== this.cols.version) this.views();
    return this.vPkgDep;
  }
  /** Per provide: its name id (-1: a rich provide). */
  private get provName(): Int32Array {
    if (this.seen !== this.cols.version) this.views();
    return this.vProvName;
  }
  /** Per provide: the package that provides it. */
  private get provOwner(): Int32Array {
    if (this.seen !== this.cols.version) this.views();
    return this.vProvOwner;
  }
  private get depList(): Int32Array {
    if (this.seen !== this.cols.version) this.views();
    return this.vDepList;
  }
  private get depNid(): Int32Array {
    if (this.seen !== this.cols.version) this.views();
    return this.vDepNid;
  }
  private get depFlags(): Int32Array {
    if (this.seen !== this.cols.version) this.views();
    return this.vDepFlags;
  }

  /** Room (elements) of the columns by kind: per package, dependency list, dependency ids, provides, names. */
  private readonly room = { pkg: 4096, deps: 1 << 15, depIds: 4096, provs: 4096, names: 4096 };

  private makeRoom(pkg: number, deps: number, depIds: number, provs: number, names: number): void {
    const c = this.cols;
    const r = this.room;
    const more = (have: number, need: number): number => (need <= have ? have : Math.max(need, 2 * have));
    r.pkg = more(r.pkg, pkg);
    r.deps = more(r.deps, deps);
    r.depIds = more(r.depIds, depIds);
    r.provs = more(r.provs, provs);
    r.names = more(r.names, names);
    c.ensure(this.cNameOf, 4 * r.pkg);
    c.ensure(this.cArchOf, 4 * r.pkg);
    c.ensure(this.cEvrOf, 4 * r.pkg);
    c.ensure(this.cJsOnly, r.pkg);
    c.ensure(this.cPkgDep, 16 * r.pkg);
    c.ensure(this.cDepList, 4 * r.deps);
    c.ensure(this.cDepNid, 4 * r.depIds);
    c.ensure(this.cDepFlags, 4 * r.depIds);
    c.ensure(this.cProvName, 4 * r.provs);
    c.ensure(this.cProvOwner, 4 * r.provs);
    c.ensure(this.cIdxIds, 4 * r.provs);
    c.ensure(this.cIdxStart, 4 * r.names);
  }

  /** Per package: 1 when it provides its own name (noted as its provides are interned). */
  private ownProv = new Uint8Array(4096);
  private readonly provDeps: Dep[] = [];
  private provStart = new Int32Array(4096);
  /** Per package: repository index (-1: the system solvables). */
  private repoOf = new Int32Array(4096);
  private readonly archIds = new Map<string, number>();
  private readonly archNames: string[] = [];
  /** Per arch id: score + 1 (0 = not computed yet for this arch policy), and src/nosrc. */
  private archScoreTable: Int32Array | null = null;
  private archIsSrc = new Uint8Array(0);
  private archColor = new Uint8Array(0);
  /** File paths and their owners in package order (the file index is made from them when a dependency names a file). */
  private readonly fileNames: string[] = [];
  private readonly fileOwners: number[] = [];
  /** Packages in the provides index (set by buildIndex). */
  private inIndex: Uint8Array | null = null;
  /** Parsed provide EVRs by EVR string. */
  private evrCache = new Map<string, ParsedEvr>();
  private fileIndex: Map<string, number[]> | null = null;
  /** Unversioned whatprovides by name id (dropped by invalidate()). */
  private whatByName = new IdListCache(() => this.idNames.length);

  constructor() {
    // Id 0 is unused and id 1 is the system solvable, as in libsolv.
    const sys = this.blank('system:system', 0);
    this.solvables.push(sys, { ...sys, id: 1 });
    const noarch = this.archId('noarch');
    this.archOf[0] = this.archOf[1] = noarch;
    this.nameOf[0] = this.nameOf[1] = this.internName('system:system');
    this.repoOf[0] = this.repoOf[1] = -1;
  }

  private internName(name: string): number {
    let k = this.nameIds.get(name);
    if (k === undefined) {
      k = this.idNames.length;
      this.nameIds.set(name, k);
      this.idNames.push(name);
      if (k >= this.nameSpecial.length) {
        const b = new Uint8Array(2 * k + 64);
        b.set(this.nameSpecial);
        this.nameSpecial = b;
      }
      this.nameSpecial[k] = name.startsWith('/') || name.startsWith('namespace:') ? 1 : name.startsWith('rpmlib(') ? 2 : 0;
    }
    return k;
  }

  /** Per name id: 1 for a file path or namespace name (their providers come from other tables), 2 for rpmlib(...). */
  private nameSpecial = new Uint8Array(1024);

  /**
   * The typed dependency store (libsolv's idarraydata), filled as packages are added: every
   * distinct dependency object gets an id (`depObjs[id]`), and package p's requires, conflicts,
   * recommends and suggests are dependency ids in `depList`, from `pkgDep[4p]`, `pkgDep[4p + 1]`,
   * `pkgDep[4p + 2]`, `pkgDep[4p + 3]` up to `pkgDep[4(p + 1)]` (packages are consecutive).
   * Per dependency id: its name id (`depNid`, -1 for a rich one) and `depFlags` (DEP_RPMLIB,
   * DEP_BYNAME: unversioned on a plain name, so its providers are the index's list for the
   * name). Per package: `evrOf` (interned EVR strings: equal EVRs have one id) and `jsOnly` (1
   * when its rules need the general code: rich dependencies, obsoletes, a file or namespace
   * name). The rule builder's closure kernel walks these arrays only (closure-kernel.ts).
   */
  private readonly depObjs: Dep[] = [];
  private depTop = 0;
  private readonly evrIds = new Map<string, number>();

  /** The id of a dependency object in this pool (assigned on first sight; the object keeps it). */
  private depId(d: Dep): number {
    const known = (d as { did?: number }).did;
    if (known !== undefined && this.depObjs[known] === d) return known;
    const id = this.depObjs.length;
    this.depObjs.push(d);
    (d as { did?: number }).did = id;
    // (room made by addSolvable beforehand)
    if (d.kind === 'simple') {
      const nid = (d as NamedDep).nid;
      const k = nid !== undefined && this.idNames[nid] === d.name ? nid : this.internName(d.name);
      this.depNid[id] = k;
      const sp = this.nameSpecial[k]!;
      const versioned = (d.flags & RPMSENSE.SENSEMASK) !== 0 && d.evr !== '';
      this.depFlags[id] = (sp === 2 ? DEP_RPMLIB : 0) | (!versioned && sp !== 1 ? DEP_BYNAME : 0);
    } else {
      this.depNid[id] = -1;
      this.depFlags[id] = DEP_RICH;
    }
    return id;
  }

  /**
   * Append a package's dependency list to depList at `top`; returns the new top, negated when
   * one of them is rich (-top - 1). A dependency seen before (the readers share one object per
   * distinct dependency) costs a property load and a compare.
   */
  private addDepIds(list: readonly Dep[], depList: Int32Array, top: number): number {
    let rich = false;
    const objs = this.depObjs;
    // (room made by addSolvable beforehand)
    for (let i = 0; i < list.length; i++) {
      const d = list[i]!;
      let id = (d as { did?: number }).did;
      if (id === undefined || objs[id] !== d) id = this.depId(d);
      if (d.kind !== 'simple') rich = true;
      depList[top++] = id;
    }
    return rich ? -top - 1 : top;
  }

  /**
   * How many recommends package p has, from the typed store (no load of the Solvable: the weak
   * pass asks this of every decided package, and most have none).
   */
  recommendsCount(p: number): number {
    const pd = this.pkgDep;
    return pd[4 * p + 3]! - pd[4 * p + 2]!;
  }

  /**
   * The typed store's per-package dependency starts (read-only; see typedDeps): package p has
   * recommends when `a[4p + 3] !== a[4p + 2]`. For loops over many packages; a view of the
   * columns' memory, valid until its `version` changes (adding a package or setting up a
   * kernel may grow it): hold it in a local only for a loop that does neither.
   */
  dependencyStarts(): Int32Array {
    return this.pkgDep;
  }

  private policyCols: PolicyColumns | null = null;

  /** The policy's per-package columns (see PolicyColumns); the same object while they are valid. */
  policyColumns(): PolicyColumns {
    if (this.seen !== this.cols.version) this.views();
    const scores = this.archScores !== null ? (this.archScoreTable ?? this.scores()) : null;
    const inst = this.installed !== null ? this.installed.index : -1;
    let pc = this.policyCols;
    if (
      pc === null ||
      pc.nameOf !== this.vNameOf ||
      pc.archOf !== this.vArchOf ||
      pc.evrOf !== this.vEvrOf ||
      pc.repoOf !== this.repoOf ||
      pc.archScore !== scores ||
      pc.installedRepo !== inst
    ) {
      pc = this.policyCols = {
        nameOf: this.vNameOf,
        archOf: this.vArchOf,
        evrOf: this.vEvrOf,
        repoOf: this.repoOf,
        archScore: scores,
        installedRepo: inst,
        repos: this.repos,
      };
    }
    return pc;
  }

  /** What still reads the scratch column in place (see holdScratch), told before it is reused. */
  private scratchHolder: (() => void) | null = null;

  /**
   * Leave data in the scratch column after a kernel's walk: `release` is called (once) before
   * anything writes the column again, to copy out what the holder still needs. A solver keeps
   * its package rules' origin columns there this way (most solves never read them: they are for
   * problems and traces), instead of copying them out of every solve. The pool keeps `release`
   * until then, maybe for its whole life: it must hold only what it copies into, not its owner.
   */
  holdScratch(release: () => void): void {
    this.takeScratch();
    this.scratchHolder = release;
  }

  /** Take the scratch column for a new use: its holder copies out first. */
  takeScratch(): void {
    const h = this.scratchHolder;
    this.scratchHolder = null;
    if (h !== null) h();
  }

  /** A view of the scratch column's i32 words from byte `rel` of it (valid until the pool's memory changes). */
  scratchView32(rel: number, length: number): Int32Array<ArrayBuffer> {
    return new Int32Array(this.cols.buffer, this.cols.offset(this.cScratch) + rel, length);
  }

  /** Changes whenever views of the pool's memory (scratchView32's too) may have become invalid. */
  get memoryVersion(): number {
    return this.cols.version;
  }

  /** The typed dependency store and per-package columns for the rule builder's kernel (read-only). */
  typedDeps(): TypedDeps {
    this.scores();
    const index = this.buildIndex();
    const c = this.cols;
    return {
      cols: c,
      scratch: this.cScratch,
      takeScratch: () => this.takeScratch(),
      depObjs: this.depObjs,
      depCount: this.depObjs.length,
      depTop: this.depTop,
      depList: c.offset(this.cDepList),
      depNid: c.offset(this.cDepNid),
      depFlags: c.offset(this.cDepFlags),
      pkgDep: c.offset(this.cPkgDep),
      nameOf: c.offset(this.cNameOf),
      archOf: c.offset(this.cArchOf),
      evrOf: c.offset(this.cEvrOf),
      jsOnly: c.offset(this.cJsOnly),
      archColor: this.archColor,
      archScore: this.archScoreTable!,
      noarch: this.archIds.get('noarch')!,
      index: this.indexInColumns ? { start: c.offset(this.cIdxStart), ids: c.offset(this.cIdxIds), names: index.start.length } : null,
    };
  }

  /** The packages of a repository, ascending. */
  packagesOf(repo: Repo): number[] {
    return (this.repoPackages[repo.index] ?? []).slice();
  }

  /** Per repository index: its packages, ascending (kept as packages are added, like libsolv's repo start/end). */
  private readonly repoPackages: number[][] = [];

  /** Number of interned names (name ids are below it). */
  get nameCount(): number {
    return this.idNames.length;
  }

  /**
   * Is p on its own name's sameName list (in the provides index and providing its name)?
   * Answers sameNameOf membership without making the list. Not for file or namespace names.
   */
  onOwnNameList(p: number): boolean {
    this.buildIndex();
    return this.inIndex![p] === 1 && this.ownProv[p] === 1;
  }

  /** Is the name a file path or a namespace (whose providers come from other tables)? */
  specialName(k: number): boolean {
    return this.nameSpecial[k] === 1;
  }

  /**
   * Mark (out[p] = 1) the packages on their own name's sameName list whose name id is marked
   * in `names` (the bulk form of onOwnNameList, one pass over the pool's columns).
   */
  markOwnNameList(names: Uint8Array, out: Uint8Array): void {
    this.buildIndex();
    const inIndex = this.inIndex!;
    const nameOf = this.nameOf;
    const own = this.ownProv;
    for (let p = 2, n = this.solvables.length; p < n; p++) if (own[p] === 1 && inIndex[p] === 1 && names[nameOf[p]!] === 1) out[p] = 1;
  }

  /**
   * The provides index by name id (read-only): the providers of name k are
   * ids[start[k]..start[k+1]), ascending, with adjacent repeats; sameNameOf(p) is the ones
   * whose name id is p's (for names that are not a file or namespace).
   */
  nameIndex(): { start: Int32Array; ids: Int32Array } {
    const idx = this.buildIndex();
    return { start: idx.start, ids: idx.ids };
  }

  /** Per package: 1 when it provides its own name, and 1 when it is in the provides index (the columns markOwnNameList reads). */
  ownNameColumns(): { own: Uint8Array; inIndex: Uint8Array } {
    this.buildIndex();
    return { own: this.ownProv, inIndex: this.inIndex! };
  }

  /** Per package: 1 when installable (pool_installable: arch, not src, not excluded); cached. */
  installableMask(): Uint8Array {
    // `disabled` is filled by callers directly (only ever added to): its size tells a stale mask
    if (this.installableCache && this.installableDisabled === this.disabled.size) return this.installableCache;
    const scores = this.scores();
    const n = this.solvables.length;
    const ok = new Uint8Array(scores.length);
    let all = true;
    for (let a = 0; a < scores.length; a++) {
      ok[a] = scores[a] !== 0 && this.archIsSrc[a] === 0 ? 1 : 0;
      if (ok[a] === 0) all = false;
    }
    const mask = new Uint8Array(n);
    if (all) mask.fill(1, 2);
    else {
      const archOf = this.archOf;
      for (let p = 2; p < n; p++) mask[p] = ok[archOf[p]!]!;
    }
    for (const p of this.disabled) if (p < n) mask[p] = 0;
    this.installableCache = mask;
    this.installableDisabled = this.disabled.size;
    return mask;
  }

  private installableCache: Uint8Array | null = null;
  private installableDisabled = 0;

  /**
   * Intern a simple dependency's name in place: its name becomes the pool's string and the
   * dependency remembers the name id (`nid`), so whatprovides needs no lookup at all.
   */
  internDep(d: SimpleDep): void {
    const k = this.internName(d.name);
    d.name = this.idNames[k]!;
    (d as NamedDep).nid = k;
  }

  /**
   * Every package's name id by package id (read-only; the hot loops index it directly). A view
   * of the columns' memory: valid until its `version` changes (see dependencyStarts).
   */
  nameIdColumn(): Int32Array {
    return this.nameOf;
  }

  /** Every package's arch id and, by arch id, its multilib color (colorMatch's columns; read-only views, see dependencyStarts). */
  archColumns(): { archOf: Int32Array; archColor: Uint8Array } {
    this.scores();
    return { archOf: this.archOf, archColor: this.archColor };
  }

  /** Per name id: 1 for a file path or namespace name (specialName), 2 for rpmlib(...), else 0. */
  nameSpecialColumn(): Uint8Array {
    return this.nameSpecial;
  }

  /**
   * A requirement's providers (whatprovidesSimple), or null for an `rpmlib(...)` dependency
   * (rpm's own features: never a rule). One call for the rule builder's hottest path.
   */
  requireProviders(d: SimpleDep): number[] | null {
    if ((d as NamedDep).wpEpoch === this.epoch) return (d as NamedDep).wp!; // (never an rpmlib one)
    if (this.isRpmlibDep(d)) return null;
    // (not rpmlib: cached without asking again, as whatprovidesSimple would)
    const list = this.whatprovidesUncached(d);
    (d as NamedDep).wp = list;
    (d as NamedDep).wpEpoch = this.epoch;
    return list;
  }

  /** Is this an `rpmlib(...)` dependency (rpm's own features: always satisfied, never a rule)? */
  isRpmlibDep(d: SimpleDep): boolean {
    const nid = (d as NamedDep).nid;
    if (nid !== undefined && this.idNames[nid] === d.name) return this.nameSpecial[nid] === 2;
    return d.name.startsWith('rpmlib(');
  }

  /** The id of package p's name: packages of one name share it (compare ids, not strings). */
  nameIdOf(p: number): number {
    return this.nameOf[p]!;
  }

  private archId(arch: string): number {
    let a = this.archIds.get(arch);
    if (a === undefined) {
      a = this.archNames.length;
      this.archIds.set(arch, a);
      this.archNames.push(arch);
      this.archScoreTable = null;
    }
    return a;
  }

  private static grown(a: Int32Array<ArrayBuffer>, need: number): Int32Array<ArrayBuffer> {
    if (need <= a.length) return a;
    const b = new Int32Array(Math.max(need, a.length * 2));
    b.set(a);
    return b;
  }

  private blank(name: string, id: number): Solvable {
    const repo: Repo = { name: '@System-internal', priority: 0, subpriority: 0, index: -1 };
    return {
      id,
      name,
      evr: '',
      pevr: parseEvrString(''),
      arch: 'noarch',
      vendor: '',
      repo,
      provides: [],
      requires: [],
      conflicts: [],
      obsoletes: [],
      recommends: [],
      suggests: [],
      supplements: [],
      enhances: [],
      files: [],
      buildtime: 0,
    };
  }

  addRepo(name: string, priority = 0, subpriority = 0): Repo {
    const repo: Repo = { name, priority, subpriority, index: this.repos.length };
    this.repos.push(repo);
    this.repoPackages.push([]);
    return repo;
  }

  addSolvable(repo: Repo, pkg: NewSolvable): Solvable {
    // one object shape for every solvable (a spread copy is slow and allocates twice)
    const s: Solvable = {
      id: this.solvables.length,
      name: pkg.name,
      evr: pkg.evr,
      pevr: null,
      arch: pkg.arch,
      vendor: pkg.vendor,
      repo,
      provides: pkg.provides,
      requires: pkg.requires,
      conflicts: pkg.conflicts,
      obsoletes: pkg.obsoletes,
      recommends: pkg.recommends,
      suggests: pkg.suggests,
      supplements: pkg.supplements,
      enhances: pkg.enhances,
      files: pkg.files,
      buildtime: pkg.buildtime,
    };
    this.solvables.push(s);
    const id = s.id;
    if (id + 2 > this.provStart.length) {
      this.provStart = Pool.grown(this.provStart, id + 2);
      this.repoOf = Pool.grown(this.repoOf, id + 2);
      const own = new Uint8Array(this.provStart.length);
      own.set(this.ownProv);
      this.ownProv = own;
    }
    // room in the memory's columns first (a column may move: views are taken after this);
    // the rooms in elements are kept here, so the usual package only compares numbers
    const ndeps = pkg.requires.length + pkg.conflicts.length + pkg.recommends.length + pkg.suggests.length;
    const nprov = this.provDeps.length + pkg.provides.length;
    // the provides index's room too (building it then moves nothing); names: at most one new per provide and dependency
    const names = this.idNames.length + pkg.provides.length + 1 + ndeps;
    if (id + 2 > this.room.pkg || this.depTop + ndeps > this.room.deps || this.depObjs.length + ndeps > this.room.depIds || nprov > this.room.provs || names + 1 > this.room.names)
      this.makeRoom(id + 2, this.depTop + ndeps, this.depObjs.length + ndeps, nprov, names + 1);
    // one string per name and arch: equal names compare by identity on the hot paths
    const nk = this.internName(pkg.name);
    this.nameOf[id] = nk;
    s.name = this.idNames[nk]!;
    const ak = this.archId(pkg.arch);
    s.arch = this.archNames[ak]!;
    const provides = pkg.provides;
    let t = this.provDeps.length;
    const provName = this.provName;
    const provOwner = this.provOwner;
    for (let i = 0; i < provides.length; i++) {
      const d = provides[i]!;
      let k = -1;
      if (d.kind === 'simple') {
        k = this.internName(d.name);
        if (k === nk) this.ownProv[id] = 1;
      }
      provOwner[t] = id;
      provName[t++] = k;
      this.provDeps.push(d);
    }
    this.provStart[id + 1] = t;
    this.addTypedDeps(id, pkg, nk);
    this.archOf[id] = ak;
    this.repoOf[id] = repo.index;
    this.repoPackages[repo.index]?.push(id);
    for (const f of pkg.files) {
      this.fileNames.push(f);
      this.fileOwners.push(id);
    }
    if (pkg.supplements.length) this.reverseDeps.supplements.push(id);
    if (pkg.supplements.length || pkg.enhances.length) this.reverseDeps.either.push(id);
    if (pkg.obsoletes.length) this.reverseDeps.obsoletes.push(id);
    this.invalidate();
    return s;
  }

  /** Package id's dependency ids, its jsOnly flag and EVR id (see typedDeps; the room is made). */
  private addTypedDeps(id: number, pkg: NewSolvable, nk: number): void {
    const pd = this.pkgDep;
    const dl = this.depList;
    let top = this.depTop;
    let rich = false;
    pd[4 * id] = top;
    if (pkg.requires.length) top = this.addDepIds(pkg.requires, dl, top);
    if (top < 0) [top, rich] = [-top - 1, true];
    pd[4 * id + 1] = top;
    if (pkg.conflicts.length) top = this.addDepIds(pkg.conflicts, dl, top);
    if (top < 0) [top, rich] = [-top - 1, true];
    pd[4 * id + 2] = top;
    if (pkg.recommends.length) top = this.addDepIds(pkg.recommends, dl, top);
    if (top < 0) [top, rich] = [-top - 1, true];
    pd[4 * id + 3] = top;
    if (pkg.suggests.length) top = this.addDepIds(pkg.suggests, dl, top);
    if (top < 0) [top, rich] = [-top - 1, true];
    pd[4 * id + 4] = top;
    this.depTop = top;
    this.jsOnly[id] = rich || pkg.obsoletes.length !== 0 || this.nameSpecial[nk] === 1 ? 1 : 0;
    let ek = this.evrIds.get(pkg.evr);
    if (ek === undefined) this.evrIds.set(pkg.evr, (ek = this.evrIds.size));
    this.evrOf[id] = ek;
  }

  invalidate(): void {
    if (
      this.provideIndex === null &&
      this.nameCache.size === 0 &&
      this.sameById.empty &&
      this.archScoreTable === null &&
      this.installableCache === null
    )
      return;
    this.epoch = ++epochs;
    this.provideIndex = null;
    this.inIndex = null;
    this.fileIndex = null;
    this.whatByName = new IdListCache(() => this.idNames.length);
    this.nameCache.clear();
    this.sameById = new IdListCache(() => this.idNames.length);
    this.archScoreTable = null;
    this.installableCache = null;
  }

  private nameCache = new Map<string, number[]>();
  /** Packages with supplements, with supplements or enhances, and with obsoletes (filled as packages are added). */
  private readonly reverseDeps: { supplements: number[]; either: number[]; obsoletes: number[] } = { supplements: [], either: [], obsoletes: [] };

  /**
   * Packages with supplements, with supplements or enhances, and with obsoletes, ascending
   * (the solver looks at them again and again; most packages have none).
   */
  withReverseDeps(): { supplements: number[]; either: number[]; obsoletes: number[] } {
    return this.reverseDeps;
  }

  /** sameName lists by name id (dropped by invalidate()). */
  private sameById = new IdListCache(() => this.idNames.length);

  /** sameName of package p's name, by name id (no string hashing or comparing on the hot paths). */
  sameNameOf(p: number): number[] {
    const k = this.nameOf[p]!;
    let l = this.sameById.get(k);
    if (l === undefined) {
      const name = this.idNames[k]!;
      if (name.startsWith('/') || name.startsWith('namespace:')) {
        l = this.sameName(name);
      } else {
        l = this.sameNameOfId(k);
      }
      this.sameById.set(k, l);
    }
    return l;
  }

  /** The packages called `name` that provide their name (libsolv's FOR_PROVIDES(name) + same-name check). */
  sameName(name: string): number[] {
    let l = this.nameCache.get(name);
    if (!l) {
      if (name.startsWith('/') || name.startsWith('namespace:')) {
        l = this.whatprovidesSimple({ kind: 'simple', name, flags: 0, evr: '' }).filter((q) => this.solvables[q]!.name === name);
      } else {
        const k = this.nameIds.get(name);
        l = k === undefined ? [] : this.sameNameOfId(k);
      }
      this.nameCache.set(name, l);
    }
    return l;
  }

  private sameNameOfId(k: number): number[] {
    const idx = this.buildIndex();
    const nameOf = this.nameOf;
    const l: number[] = [];
    let last = -1;
    for (let i = idx.start[k]!, end = idx.start[k + 1]!; i < end; i++) {
      const q = idx.ids[i]!;
      if (q !== last && nameOf[q] === k) l.push((last = q));
    }
    return l;
  }

  get size(): number {
    return this.solvables.length;
  }

  setArch(arch: string | null): void {
    this.invalidate();
    if (arch === null) {
      this.archScores = null;
      return;
    }
    const policy = ARCH_POLICIES[arch] ?? arch;
    const scores = new Map<string, number>();
    let cls = 0;
    let sub = 0;
    let sep = ':';
    for (const m of policy.matchAll(/([^:>=]+)([:>=]?)/g)) {
      if (sep === ':') {
        cls++;
        sub = 1;
      } else if (sep === '>') sub++;
      if (!scores.has(m[1]!)) scores.set(m[1]!, (cls << 16) | sub);
      sep = m[2] || ':';
    }
    scores.set('noarch', 1);
    scores.set('all', 1);
    scores.set('any', 1);
    this.archScores = scores;
  }

  hasArchPolicy(): boolean {
    return this.archScores !== null;
  }

  /** Scores by arch id (the arch table is small; dropped by invalidate()). */
  private scores(): Int32Array {
    let t = this.archScoreTable;
    if (t === null) {
      const n = this.archNames.length;
      t = new Int32Array(n);
      this.archIsSrc = new Uint8Array(n);
      this.archColor = new Uint8Array(n);
      for (let a = 0; a < n; a++) {
        const name = this.archNames[a]!;
        t[a] = this.archScore(name);
        this.archIsSrc[a] = name === 'src' || name === 'nosrc' ? 1 : 0;
        this.archColor[a] = this.color(name);
      }
      this.archScoreTable = t;
    }
    return t;
  }

  /** archScore of package p's arch, by its interned arch id (no string hashing on the hot paths). */
  archScoreOf(p: number): number {
    const t = this.archScoreTable ?? this.scores();
    return t[this.archOf[p]!]!;
  }

  /** libsolv's id2arch score: 0 = not installable on this system, 1 = noarch. */
  archScore(arch: string): number {
    if (!this.archScores) return 1;
    return this.archScores.get(arch) ?? 0;
  }

  color(arch: string): number {
    if (arch === 'noarch' || arch === 'all' || arch === 'any') return 0;
    return arch === 's390x' || arch.includes('64') ? 2 : 1;
  }

  colorMatch(a: Solvable, b: Solvable): boolean {
    // arch strings are interned: equal arches are one string
    if (a.arch === b.arch) return true;
    this.scores();
    const ca = this.archColor[this.archOf[a.id]!]!;
    const cb = this.archColor[this.archOf[b.id]!]!;
    return ca === 0 || cb === 0 || (ca & cb) !== 0;
  }

  isInstalled(p: number): boolean {
    return this.installed !== null && this.repoOf[p] === this.installed.index;
  }

  /** Could this package be installed at all (arch, src, not excluded)? (pool_installable) */
  installable(p: number): boolean {
    const m = this.installableCache;
    return (m !== null && this.installableDisabled === this.disabled.size ? m : this.installableMask())[p] === 1;
  }

  /** Is the package in the provides index? Installed packages always are. */
  private inWhatprovides(p: number): boolean {
    if (this.installed && this.repoOf[p] === this.installed.index) return true;
    const scores = this.scores();
    const a = this.archOf[p]!;
    if (this.archIsSrc[a] === 1 || scores[a] === 0) return false;
    if (this.disabled.size !== 0 && this.disabled.has(p) && !this.flags.whatprovideswithdisabled) return false;
    return true;
  }

  /** Whether the provides index is in the memory's columns (its views made again when the memory changes). */
  private indexInColumns = false;
  private indexVersion = -1;

  private indexNames = 0;

  private indexViews(names: number): ProvideIndex {
    const c = this.cols;
    this.indexNames = names;
    const start = c.view32(this.cIdxStart).subarray(0, names + 1);
    this.indexVersion = c.version;
    return { start, ids: c.view32(this.cIdxIds).subarray(0, start[names]!) };
  }

  private buildIndex(): ProvideIndex {
    const known = this.provideIndex;
    if (known) {
      // (views of a grown memory are detached: made again from the names count kept)
      if (this.indexInColumns && this.indexVersion !== this.cols.version) this.provideIndex = this.indexViews(this.indexNames);
      return this.provideIndex!;
    }
    const n = this.solvables.length;
    const names = this.idNames.length;
    // which packages are in the index: by arch id, then the installed and disabled ones
    const scores = this.scores();
    const archOk = new Uint8Array(scores.length);
    let allArchOk = true;
    for (let a = 0; a < scores.length; a++) {
      archOk[a] = scores[a] !== 0 && this.archIsSrc[a] === 0 ? 1 : 0;
      if (archOk[a] === 0) allArchOk = false;
    }
    const inIndex = new Uint8Array(n);
    const archOf = this.archOf;
    // the common case (every arch of the pool installable, nothing excluded): every package
    const all = allArchOk && (this.disabled.size === 0 || this.flags.whatprovideswithdisabled);
    if (allArchOk) inIndex.fill(1, 2);
    else for (let p = 2; p < n; p++) inIndex[p] = archOk[archOf[p]!]!;
    if (this.disabled.size && !this.flags.whatprovideswithdisabled) for (const p of this.disabled) if (p < n) inIndex[p] = 0;
    if (this.installed && !all) {
      const inst = this.repoPackages[this.installed.index] ?? [];
      for (let i = 0; i < inst.length; i++) inIndex[inst[i]!] = 1;
    }
    const provName = this.provName;
    const provOwner = this.provOwner;
    const total0 = this.provDeps.length;
    this.inIndex = inIndex;
    const c = this.cols;
    // (in the room addSolvable keeps: building the index never moves a column or grows the
    // memory, so callers' views stay valid; names interned since: the JS loops below)
    if (all && 4 * (names + 1) <= c.roomOf(this.cIdxStart) && 4 * total0 <= c.roomOf(this.cIdxIds)) {
      // every provide is indexed: the counting sort as a WebAssembly kernel (baseline-compiled
      // JS pays ~40 ns an element here: see provides-sort-kernel.ts), in the pool's memory
      sortProvidesInMemory(c, {
        n: total0,
        names,
        provName: c.offset(this.cProvName),
        provOwner: c.offset(this.cProvOwner),
        start: c.offset(this.cIdxStart),
        ids: c.offset(this.cIdxIds),
      });
      this.indexInColumns = true;
      this.provideIndex = this.indexViews(names);
      return this.provideIndex;
    }
    this.indexInColumns = false;
    // counts per name (start[k + 1]), then offsets; one pass over the flat provides store
    const start = new Int32Array(names + 1);
    for (let i = 0; i < total0; i++) {
      const k = provName[i]!;
      if (k >= 0 && inIndex[provOwner[i]!] === 1) start[k + 1]++;
    }
    for (let k = 0; k < names; k++) start[k + 1] += start[k]!;
    // fill in store order = package order (so every name's list is ascending)
    const fill = start.slice(0, names);
    const total = start[names]!;
    const ids = new Int32Array(total);
    for (let i = 0; i < total0; i++) {
      const k = provName[i]!;
      if (k < 0) continue;
      const p = provOwner[i]!;
      if (inIndex[p] === 0) continue;
      ids[fill[k]!++] = p;
    }
    this.provideIndex = { start, ids };
    return this.provideIndex;
  }

  /** Owners of each file path among the indexed packages (made on the first file dependency). */
  private files(): Map<string, number[]> {
    if (this.fileIndex) return this.fileIndex;
    this.buildIndex();
    const inIndex = this.inIndex!;
    const files = new Map<string, number[]>();
    for (let i = 0; i < this.fileNames.length; i++) {
      const p = this.fileOwners[i]!;
      if (inIndex[p] === 0) continue;
      const f = this.fileNames[i]!;
      let l = files.get(f);
      if (!l) files.set(f, (l = []));
      if (l[l.length - 1] !== p) l.push(p);
    }
    this.fileIndex = files;
    return files;
  }

  parsedEvr(s: Solvable): ParsedEvr {
    return s.pevr ?? (s.pevr = parseEvrString(s.evr));
  }

  /** Does one of package p's provides of name id k match a versioned request? */
  private providesMatch(p: number, k: number, rpevr: ParsedEvr, sense: number): boolean {
    const deps = this.provDeps as SimpleDep[];
    const provName = this.provName;
    for (let j = this.provStart[p]!, end = this.provStart[p + 1]!; j < end; j++) {
      if (provName[j] === k && this.provideMatches(deps[j]!, rpevr, sense)) return true;
    }
    return false;
  }

  /** Does a provide match a versioned request? (rpm's overlap rule; unversioned provides always do) */
  private provideMatches(e: SimpleDep, rpevr: ParsedEvr, sense: number): boolean {
    const esense = e.flags & RPMSENSE.SENSEMASK;
    if (esense === 0 || e.evr === '') return true;
    return senseOverlap(this.parsedDepEvr(e.evr), esense, rpevr, sense);
  }

  /** A dependency's EVR, parsed once per distinct string. */
  parsedDepEvr(evr: string): ParsedEvr {
    let pe = this.evrCache.get(evr);
    if (!pe) this.evrCache.set(evr, (pe = parseEvrString(evr)));
    return pe;
  }

  /** The packages that provide a simple dependency, in id order (libsolv's whatprovides). */
  whatprovidesSimple(d: SimpleDep): number[] {
    if ((d as NamedDep).wpEpoch === this.epoch) return (d as NamedDep).wp!;
    const list = this.whatprovidesUncached(d);
    // not for rpmlib() dependencies: requireProviders relies on a cached list meaning "not rpmlib"
    if (!this.isRpmlibDep(d)) {
      (d as NamedDep).wp = list;
      (d as NamedDep).wpEpoch = this.epoch;
    }
    return list;
  }

  private whatprovidesUncached(d: SimpleDep): number[] {
    const sense = d.flags & RPMSENSE.SENSEMASK;
    const hasRange = sense !== 0 && d.evr !== '';
    // a dependency interned by this pool carries its name id (checked: the id's string is its name)
    const nid = (d as NamedDep).nid;
    const k0 = nid !== undefined && this.idNames[nid] === d.name ? nid : this.nameIds.get(d.name);
    // unversioned: also cached by name id (dependency objects of other readers share it)
    let nk = -1;
    if (!hasRange && k0 !== undefined) {
      nk = k0;
      const l = this.whatByName.get(nk);
      if (l !== undefined) return l;
    }
    const idx = this.buildIndex();
    const k = k0;
    const from = k === undefined ? 0 : idx.start[k]!;
    const to = k === undefined ? 0 : idx.start[k + 1]!;
    const special = d.name.startsWith('namespace:') || d.name.startsWith('/');
    const rpevr = hasRange ? this.parsedDepEvr(d.evr) : null;
    const ids = idx.ids;
    let list: number[];
    if (!special) {
      // the common case: one provides list, already in id order (a package that provides the
      // name twice is there twice: it counts once, when any of those provides matches)
      list = [];
      let last = -1;
      for (let i = from; i < to; i++) {
        const p = ids[i]!;
        if (p === last) continue;
        if (hasRange && !this.providesMatch(p, k!, rpevr!, sense)) continue;
        list.push((last = p));
      }
    } else {
      const out = new Set<number>();
      if (d.name.startsWith('namespace:')) {
        const ns = this.namespaces.get(d.name);
        if (ns) for (const p of ns) out.add(p);
      }
      for (let i = from; i < to; i++) {
        const p = ids[i]!;
        if (out.has(p) || (hasRange && !this.providesMatch(p, k!, rpevr!, sense))) continue;
        out.add(p);
      }
      if (d.name.startsWith('/')) {
        for (const p of this.files().get(d.name) ?? []) out.add(p);
        if (this.fileProvidesHook) for (const p of this.fileProvidesHook(d.name)) if (this.inWhatprovides(p)) out.add(p);
      }
      list = [...out].sort((a, b) => a - b);
    }
    if (nk >= 0) this.whatByName.set(nk, list);
    return list;
  }

  /**
   * Providers of any dependency. For rich deps this is the set of packages that can satisfy
   * the expression on their own where that is meaningful (or: union, and/with: intersection
   * for `with`), as libsolv's whatprovides on boolean relations.
   */
  whatprovides(d: Dep): number[] {
    if (d.kind === 'simple') return this.whatprovidesSimple(d);
    switch (d.op) {
      case 'or': {
        const s = new Set([...this.whatprovides(d.left), ...this.whatprovides(d.right)]);
        return [...s].sort((a, b) => a - b);
      }
      case 'with': {
        const r = new Set(this.whatprovides(d.right));
        return this.whatprovides(d.left).filter((p) => r.has(p));
      }
      case 'without': {
        const r = new Set(this.whatprovides(d.right));
        return this.whatprovides(d.left).filter((p) => !r.has(p));
      }
      case 'and': {
        const r = new Set(this.whatprovides(d.right));
        return this.whatprovides(d.left).filter((p) => r.has(p));
      }
      default:
        return this.whatprovides(d.left);
    }
  }

  /** Does the package's own name/EVR match the dependency? (pool_match_nevr) */
  matchNevr(p: number, d: Dep): boolean {
    if (d.kind !== 'simple') return false;
    const s = this.solvables[p]!;
    if (s.name !== d.name) return false;
    const sense = d.flags & RPMSENSE.SENSEMASK;
    if (sense === 0 || d.evr === '') return true;
    return senseOverlap(this.parsedEvr(s), RPMSENSE.EQUAL, this.parsedDepEvr(d.evr), sense);
  }

  evrcmp(a: number, b: number): number {
    const sa = this.solvables[a]!;
    const sb = this.solvables[b]!;
    if (sa.evr === sb.evr) return 0;
    return compareParsedEvr(this.parsedEvr(sa), this.parsedEvr(sb));
  }

  /** `name-evr.arch@repo`, as testsolv prints packages. */
  str(p: number): string {
    const s = this.solvables[p]!;
    return `${s.name}-${s.evr}.${s.arch}@${s.repo.name}`;
  }

  /** `name-evr.arch` (libsolv's pool_solvid2str). */
  nevra(p: number): string {
    const s = this.solvables[p]!;
    return `${s.name}-${s.evr}.${s.arch}`;
  }

  depStr(d: Dep): string {
    return depToString(d);
  }
}
