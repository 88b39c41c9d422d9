import { RPMSENSE, parseEvrString, senseOverlap } from '../rpm/index.js';
import type { SimpleDep } from '../rpm/index.js';
import { depToString, type Dep } from './dep.js';
import type { Pool } from './pool.js';

/**
 * A subset of libsolv's selection engine (selection.c), as testcases drive it with
 * `job VERB selection…` lines and print the result with `result jobs`: file-list and name
 * selections, selection_matchdeps / matchdepid / matchsolvable, the flat/filter modes and the
 * package visibility flags. A selection is a list of jobs; each prints like testcase_job2str.
 */
export type SelectionJob = { kind: 'name'; name: string } | { kind: 'pkgs'; ps: number[] };

export interface SelectionFlags {
  has(flag: string): boolean;
}

function globRegex(glob: string, nocase: boolean): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const j = glob.indexOf(']', i + 1);
      if (j < 0) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, j).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = j;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, nocase ? 'is' : 's');
}

export function isGlob(s: string): boolean {
  return /[*?[]/.test(s);
}

/** Packages a selection may see (src, bad arch and disabled ones only when the flags allow). */
function visible(pool: Pool, p: number, flags: SelectionFlags): boolean {
  const s = pool.solvables[p]!;
  const src = s.arch === 'src' || s.arch === 'nosrc';
  if (flags.has('sourceonly') && !src) return false;
  if (src && !flags.has('withsource') && !flags.has('sourceonly')) return false;
  if (!src && pool.archScore(s.arch) === 0 && !flags.has('withbadarch')) return false;
  if (pool.disabled.has(p) && !flags.has('withdisabled')) return false;
  return true;
}

function overlap(a: SimpleDep, b: SimpleDep, nocase: boolean): boolean {
  if (nocase ? a.name.toLowerCase() !== b.name.toLowerCase() : a.name !== b.name) return false;
  const sa = a.flags & RPMSENSE.SENSEMASK;
  const sb = b.flags & RPMSENSE.SENSEMASK;
  if (!sa || !sb || a.evr === '' || b.evr === '') return true;
  return senseOverlap(parseEvrString(a.evr), sa, parseEvrString(b.evr), sb);
}

function leaves(d: Dep): SimpleDep[] {
  if (d.kind === 'simple') return [d];
  return [...leaves(d.left), ...leaves(d.right), ...(d.otherwise ? leaves(d.otherwise) : [])];
}

/** The dependencies of one key (`solvable:name` is the package's own `name = evr`). */
function keyDeps(pool: Pool, p: number, key: string): Dep[] | null {
  const s = pool.solvables[p]!;
  switch (key) {
    case 'solvable:name':
      return [{ kind: 'simple', name: s.name, flags: RPMSENSE.EQUAL, evr: s.evr }];
    case 'solvable:requires':
      return s.requires;
    case 'solvable:provides':
      return s.provides;
    case 'solvable:conflicts':
      return s.conflicts;
    case 'solvable:obsoletes':
      return s.obsoletes;
    case 'solvable:recommends':
      return s.recommends;
    case 'solvable:suggests':
      return s.suggests;
    case 'solvable:supplements':
      return s.supplements;
    case 'solvable:enhances':
      return s.enhances;
    default:
      return null;
  }
}

/** Does package `x` satisfy dependency `d` (libsolv's solvable_matchessolvable)? */
function satisfiedBy(pool: Pool, d: Dep, x: number): boolean {
  if (d.kind === 'simple') return pool.whatprovides(d).includes(x);
  switch (d.op) {
    case 'with':
      return satisfiedBy(pool, d.left, x) && satisfiedBy(pool, d.right, x);
    case 'without':
      return satisfiedBy(pool, d.left, x) && !satisfiedBy(pool, d.right, x);
    default:
      return satisfiedBy(pool, d.left, x) || satisfiedBy(pool, d.right, x) || (d.otherwise ? satisfiedBy(pool, d.otherwise, x) : false);
  }
}

/**
 * selection_make_matchdeps / matchdepid / matchsolvable: the packages with a dependency of
 * `key` that matches. Returns null for a key this subset does not know.
 */
export function matchDeps(
  pool: Pool,
  mode: 'matchdeps' | 'matchdepid' | 'matchsolvable',
  key: string,
  what: string,
  flags: SelectionFlags,
  parseDep: (text: string) => Dep,
  solvable?: number,
): number[] | null {
  const nocase = flags.has('nocase');
  const depstr = flags.has('depstr');
  let test: (d: Dep) => boolean;
  if (mode === 'matchsolvable') {
    if (solvable === undefined) return null;
    test = (d) => satisfiedBy(pool, d, solvable);
  } else if (mode === 'matchdepid') {
    const q = parseDep(what);
    const qs = depToString(q);
    test = depstr ? (d) => depToString(d) === qs : (d) => q.kind === 'simple' && leaves(d).some((l) => overlap(l, q, false));
  } else if (flags.has('glob')) {
    const re = globRegex(what, nocase);
    test = (d) => (depstr ? re.test(depToString(d)) : leaves(d).some((l) => re.test(l.name)));
  } else if (flags.has('rel')) {
    const q = parseDep(what);
    if (q.kind !== 'simple') return null;
    test = (d) => leaves(d).some((l) => overlap(l, q, nocase));
  } else {
    const eq = (a: string): boolean => (nocase ? a.toLowerCase() === what.toLowerCase() : a === what);
    test = (d) => (depstr ? eq(depToString(d)) : leaves(d).some((l) => eq(l.name)));
  }
  const out: number[] = [];
  for (let p = 2; p < pool.size; p++) {
    if (!visible(pool, p, flags)) continue;
    const deps = keyDeps(pool, p, key);
    if (deps === null) return null;
    if (deps.some(test)) out.push(p);
  }
  return out;
}

/** selection_filelist: one job per matching file (identical package groups once). */
export function selectFilelist(pool: Pool, what: string, flags: SelectionFlags): SelectionJob[] {
  const re = flags.has('glob') ? globRegex(what, flags.has('nocase')) : null;
  const groups: number[][] = [];
  const byFile = new Map<string, number[]>();
  for (let p = 2; p < pool.size; p++) {
    if (!visible(pool, p, flags)) continue;
    for (const f of pool.solvables[p]!.files) {
      if (re ? !re.test(f) : f !== what) continue;
      let g = byFile.get(f);
      if (!g) {
        byFile.set(f, (g = []));
        groups.push(g);
      }
      if (!g.includes(p)) g.push(p);
    }
  }
  const seen = new Set<string>();
  const out: SelectionJob[] = [];
  for (const g of groups) {
    const k = g.join(',');
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ kind: 'pkgs', ps: g });
  }
  return out;
}

/** selection_name for a plain (or glob) name: one name job per matching name. */
export function selectName(pool: Pool, what: string, flags: SelectionFlags): SelectionJob[] {
  const re = isGlob(what) && flags.has('glob') ? globRegex(what, flags.has('nocase')) : null;
  const names: string[] = [];
  for (let p = 2; p < pool.size; p++) {
    if (!visible(pool, p, flags)) continue;
    const n = pool.solvables[p]!.name;
    const hit = re ? re.test(n) : flags.has('nocase') ? n.toLowerCase() === what.toLowerCase() : n === what;
    if (hit && !names.includes(n)) names.push(n);
  }
  return names.map((name) => ({ kind: 'name', name }));
}

/** The packages a selection job stands for. */
export function jobPackages(pool: Pool, job: SelectionJob, flags: SelectionFlags): number[] {
  if (job.kind === 'pkgs') return job.ps;
  const out: number[] = [];
  for (let p = 2; p < pool.size; p++) if (pool.solvables[p]!.name === job.name && visible(pool, p, flags)) out.push(p);
  return out;
}

/** selection_flatten: everything in one job. */
export function flatten(pool: Pool, jobs: SelectionJob[], flags: SelectionFlags): SelectionJob[] {
  const all = new Set<number>();
  for (const j of jobs) for (const p of jobPackages(pool, j, flags)) all.add(p);
  if (!all.size) return [];
  return [{ kind: 'pkgs', ps: [...all].sort((a, b) => a - b) }];
}

/** testcase_job2str for one selection job. */
export function selectionJobString(pool: Pool, verb: string, job: SelectionJob): string {
  if (job.kind === 'name') return `job ${verb} name ${job.name}`;
  if (job.ps.length === 1) return `job ${verb} pkg ${pool.str(job.ps[0]!)} [noautoset]`;
  return `job ${verb} oneof ${job.ps.map((p) => pool.str(p)).join(' ')}`;
}
