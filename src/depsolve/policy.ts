import type { Pool, PolicyColumns } from './pool.js';
import { compareEvrStrings } from '../rpm/index.js';

/**
 * The candidate-ordering policy of libsolv (`policy_filter_unwanted` and helpers): what the
 * solver picks when a job, a requirement or an update offers several packages. The solver state
 * it needs is passed in through this small interface so the policy stays testable.
 */
export interface PolicyContext {
  pool: Pool;
  /** decision of a package: >0 installed, <0 not, 0 open. */
  decision(p: number): number;
  isRecommended(p: number): boolean;
  isSuggested(p: number): boolean;
  isSupplementing(p: number): boolean;
  isEnhancing(p: number): boolean;
  /** favor level: >0 favored (higher = earlier job), <0 disfavored, 0 neutral. */
  favorLevel(p: number): number;
  /** false when no favor/disfavor job exists (every favor level is 0: nothing to sort). */
  hasFavors?(): boolean;
  strictRepoPriority: boolean;
}

export type PolicyMode = 'choose' | 'choose-noreorder' | 'recommend' | 'suggest' | 'supplement';

/**
 * pool.evrcmp, remembered per pair of EVR strings (a pure function of the two strings): the
 * policy compares the versions of one name again and again across a solve (and across the
 * solves of one process), and in baseline-compiled code a compare through the parsed EVRs
 * costs ~1-2 us while two Map lookups cost a small fraction of that. Bounded: dropped when
 * it grows past EVR_CACHE_MAX pairs.
 */
const evrCache = new Map<string, Map<string, number>>();
let evrCacheSize = 0;
const EVR_CACHE_MAX = 1 << 16;

export function evrcmpCached(pool: Pool, a: number, b: number): number {
  const ea = pool.solvables[a]!.evr;
  const eb = pool.solvables[b]!.evr;
  if (ea === eb) return 0;
  let m = evrCache.get(ea);
  if (m === undefined) {
    if (evrCacheSize >= EVR_CACHE_MAX) {
      evrCache.clear();
      evrCacheSize = 0;
    }
    evrCache.set(ea, (m = new Map()));
  }
  let r = m.get(eb);
  if (r === undefined) {
    r = pool.evrcmp(a, b);
    m.set(eb, r);
    evrCacheSize++;
  }
  return r;
}

function pruneToHighestPrio(ctx: PolicyContext, list: number[]): number[] {
  const pool = ctx.pool;
  let best: number | null = null;
  let differ = false;
  for (let i = 0; i < list.length; i++) {
    const p = list[i]!;
    if (pool.isInstalled(p)) continue;
    const s = pool.solvables[p]!;
    if (best !== null && s.repo.priority !== best) differ = true;
    if (best === null || s.repo.priority > best) best = s.repo.priority;
  }
  // the common case (one repository priority) keeps the list as it is
  if (best === null || !differ) return list;
  return list.filter((p) => pool.isInstalled(p) || pool.solvables[p]!.repo.priority === best);
}

function pruneToBestArch(pool: Pool, list: number[]): number[] {
  if (!pool.hasArchPolicy()) return list;
  let best = 0;
  for (let i = 0; i < list.length; i++) {
    const a = pool.archScoreOf(list[i]!);
    if (a && a !== 1 && (!best || a < best)) best = a;
  }
  if (!best) return list;
  let drop = false;
  for (let i = 0; i < list.length; i++) {
    const a = pool.archScoreOf(list[i]!);
    if (a !== 1 && ((a ^ best) & 0xffff0000) !== 0) drop = true;
  }
  if (!drop) return list;
  return list.filter((p) => {
    const a = pool.archScoreOf(p);
    return a === 1 || ((a ^ best) & 0xffff0000) === 0;
  });
}

function bestVersionCmp(pool: Pool, a: number, b: number): number {
  const sa = pool.solvables[a]!;
  const sb = pool.solvables[b]!;
  if (pool.nameIdOf(a) !== pool.nameIdOf(b)) return sa.name < sb.name ? -1 : 1;
  const ia = pool.isInstalled(a);
  const ib = pool.isInstalled(b);
  if (ia !== ib) return ia ? -1 : 1;
  const r = sb.repo.subpriority - sa.repo.subpriority;
  if (r) return r;
  return a - b;
}

/** libsolv's prune_to_best_version sort: name, installed first, repo sub-priority, id. */
export function bestVersionSort(pool: Pool, list: number[]): number[] {
  // a strict total order (ids break every tie): any sort gives the one result
  if (list.length > 12) return list.slice().sort((a, b) => bestVersionCmp(pool, a, b));
  // candidate lists are short: an insertion sort on a copy (no comparator closure)
  const out = list.slice();
  for (let i = 1; i < out.length; i++) {
    const x = out[i]!;
    let j = i - 1;
    while (j >= 0 && bestVersionCmp(pool, out[j]!, x) > 0) {
      out[j + 1] = out[j]!;
      j--;
    }
    out[j + 1] = x;
  }
  return out;
}

function pruneObsoleted(pool: Pool, list: number[]): number[] {
  if (list.length < 2) return list;
  let anyObsoletes = false;
  for (let i = 0; i < list.length; i++) if (pool.solvables[list[i]!]!.obsoletes.length) anyObsoletes = true;
  if (!anyObsoletes) return list;
  const inList = new Set(list);
  const obsoleted = new Set<number>();
  for (const p of list) {
    const s = pool.solvables[p]!;
    for (const obs of s.obsoletes) {
      for (const p2 of pool.whatprovides(obs)) {
        if (!inList.has(p2) || p2 === p) continue;
        const ps = pool.solvables[p2]!;
        if (ps.name === s.name) continue;
        if (!pool.flags.obsoleteusesprovides && !pool.matchNevr(p2, obs)) continue;
        if (pool.flags.obsoleteusescolors && !pool.colorMatch(s, ps)) continue;
        obsoleted.add(p2);
      }
    }
  }
  if (obsoleted.size === 0 || obsoleted.size === list.length) return list;
  return list.filter((p) => !obsoleted.has(p));
}

export function pruneToBestVersion(pool: Pool, input: number[]): number[] {
  if (input.length < 2) return input;
  const list = bestVersionSort(pool, input);
  const out: number[] = [];
  let best = 0;
  for (let i = 0; i < list.length; i++) {
    const p = list[i]!;
    if (!best) {
      best = p;
      continue;
    }
    if (pool.nameIdOf(best) !== pool.nameIdOf(p)) {
      out.push(best);
      best = p;
      continue;
    }
    if (evrcmpCached(pool, best, p) < 0) best = p;
  }
  if (best) out.push(best);
  // one package per name now; then drop the ones another candidate obsoletes
  return pruneObsoleted(pool, out);
}

function pruneToRecommended(ctx: PolicyContext, list: number[]): number[] {
  const out = list.filter((p) => ctx.isRecommended(p) || ctx.isSupplementing(p));
  return out.length ? out : list;
}

/** Move packages for which a newer version of the same name and arch exists to the back (dislike_old_versions). */
function dislikeOldVersions(ctx: PolicyContext, list: number[]): number[] {
  const pool = ctx.pool;
  const good: number[] = [];
  const bad: number[] = [];
  for (let i = 0; i < list.length; i++) {
    const p = list[i]!;
    const s = pool.solvables[p]!;
    let old = false;
    if (!pool.isInstalled(p)) {
      const same = pool.sameNameOf(p);
      for (let k = 0; k < same.length; k++) {
        const q = same[k]!;
        const qs = pool.solvables[q]!;
        if (q === p || qs.name !== s.name || qs.arch !== s.arch) continue;
        if (s.repo.priority !== qs.repo.priority) {
          if (s.repo.priority > qs.repo.priority) continue;
          old = true;
          break;
        }
        if (evrcmpCached(pool, q, p) > 0) {
          old = true;
          break;
        }
      }
    }
    (old ? bad : good).push(p);
  }
  if (bad.length === 0) return list;
  return [...good, ...bad];
}

function moveInstalledToFront(pool: Pool, list: number[]): number[] {
  if (!pool.installed) return list;
  const front: number[] = [];
  const rest: number[] = [];
  for (let i = 0; i < list.length; i++) {
    const p = list[i]!;
    const s = pool.solvables[p]!;
    let inst = pool.isInstalled(p);
    if (!inst && pool.installed) {
      const same = pool.sameNameOf(p);
      for (let k = 0; k < same.length; k++) {
        const q = same[k]!;
        if (pool.solvables[q]!.name === s.name && pool.isInstalled(q)) {
          inst = true;
          break;
        }
      }
    }
    (inst ? front : rest).push(p);
  }
  if (front.length === 0 || rest.length === 0) return list;
  return [...front, ...rest];
}

function preferSuggested(ctx: PolicyContext, list: number[]): number[] {
  let any = false;
  for (let i = 0; i < list.length; i++) if (ctx.isSuggested(list[i]!) || ctx.isEnhancing(list[i]!)) any = true;
  if (!any) return list;
  const front: number[] = [];
  const rest: number[] = [];
  for (const p of list) (ctx.isSuggested(p) || ctx.isEnhancing(p) ? front : rest).push(p);
  return [...front, ...rest];
}

function preferFavored(ctx: PolicyContext, list: number[]): number[] {
  if (ctx.hasFavors && !ctx.hasFavors()) return list;
  const fav = list.filter((p) => ctx.favorLevel(p) > 0).sort((a, b) => ctx.favorLevel(b) - ctx.favorLevel(a));
  const neutral = list.filter((p) => ctx.favorLevel(p) === 0);
  const dis = list.filter((p) => ctx.favorLevel(p) < 0).sort((a, b) => ctx.favorLevel(b) - ctx.favorLevel(a));
  return [...fav, ...neutral, ...dis];
}

/** Favor/disfavor jobs: keep only the candidates of the highest favor level. */
function pruneByFavor(ctx: PolicyContext, list: number[]): number[] {
  if (ctx.hasFavors && !ctx.hasFavors()) return list;
  let best = -Infinity;
  for (const p of list) best = Math.max(best, ctx.favorLevel(p));
  const out = list.filter((p) => ctx.favorLevel(p) === best);
  return out.length ? out : list;
}

function cmpRank(a: string, b: string): number {
  const [ea, fa] = a.split('\u0000') as [string, string];
  const [eb, fb] = b.split('\u0000') as [string, string];
  return compareEvrStrings(ea, eb) || (fa === fb ? 0 : fa > fb ? 1 : -1);
}

/**
 * Candidates that share a versioned provide (e.g. `Y = n`): the ones providing a lower version
 * than the best go to the back (libsolv's sort_by_common_dep, as observed with testsolv).
 */
function sortByCommonDep(ctx: PolicyContext, list: number[]): number[] {
  const pool = ctx.pool;
  // only versioned provides other than the package's own name matter: most lists have none
  let any = false;
  for (let i = 0; i < list.length; i++) {
    const s = pool.solvables[list[i]!]!;
    const provs = s.provides;
    for (let k = 0; k < provs.length; k++) {
      const d = provs[k]!;
      if (d.kind === 'simple' && d.evr !== '' && (d.flags & 0xe) !== 0 && d.name !== s.name) any = true;
    }
  }
  if (!any) return list;
  const byName = new Map<string, Map<number, string>>();
  for (const p of list) {
    for (const d of pool.solvables[p]!.provides) {
      if (d.kind !== 'simple' || d.evr === '' || (d.flags & 0xe) === 0) continue;
      if (d.name === pool.solvables[p]!.name) continue;
      // rank = EVR, then "<=" / "=" above "<" at the same EVR
      const key = `${d.flags & 8 ? 1 : 0}`;
      let m = byName.get(d.name);
      if (!m) byName.set(d.name, (m = new Map()));
      const cur = m.get(p);
      const val = `${d.evr}\u0000${key}`;
      if (cur === undefined || cmpRank(val, cur) > 0) m.set(p, val);
    }
  }
  let out = list;
  for (const [, m] of byName) {
    if (m.size < 2) continue;
    let best = '';
    for (const evr of m.values()) if (best === '' || cmpRank(evr, best) > 0) best = evr;
    const worse = (p: number): boolean => m.has(p) && cmpRank(m.get(p)!, best) < 0;
    const front = out.filter((p) => !worse(p));
    const back = out.filter((p) => worse(p)).sort((x, y) => -cmpRank(m.get(x)!, m.get(y)!));
    out = [...front, ...back];
  }
  return out;
}

/**
 * The common choice in one pass: every candidate has the same name, the ones not installed come
 * from repositories of one priority, all are of one arch class (or noarch), and no favor job
 * exists. The steps below then keep the whole list up to pruneToBestVersion, which reduces it to
 * one package (its sort: installed first, then sub-priority, then id; its scan keeps the first
 * of equal versions), so that package is the answer; null when the list is not of that kind
 * (the full steps run). Installed candidates take part as in those steps: pruneToHighestPrio
 * leaves them out of the priority comparison, pruneToBestArch does not.
 */
function sameNameBest(ctx: PolicyContext, list: number[]): number[] | null {
  const pool = ctx.pool;
  if (!ctx.hasFavors || ctx.hasFavors()) return null;
  // typed columns (policyColumns): no Solvable loads on the way
  const c = pool.policyColumns();
  const k = c.nameOf[list[0]!]!;
  for (let i = 1; i < list.length; i++) if (c.nameOf[list[i]!] !== k) return null;
  let prio = 0;
  let seen = false;
  let cls = -1;
  const scores = c.archScore;
  const inst = c.installedRepo;
  for (let i = 0; i < list.length; i++) {
    const p = list[i]!;
    const r = c.repoOf[p]!;
    if (r < 0) return null;
    if (r !== inst) {
      const pr = c.repos[r]!.priority;
      if (!seen) {
        prio = pr;
        seen = true;
      } else if (pr !== prio) return null;
    }
    if (scores !== null) {
      const a = scores[c.archOf[p]!]!;
      if (a === 0) return null;
      if (a !== 1) {
        if (cls === -1) cls = a & 0xffff0000;
        else if ((a & 0xffff0000) !== cls) return null;
      }
    }
  }
  // pruneToBestVersion: its sort order and its scan
  if (list.length === 2) {
    // the usual case (two versions of a name): the sort is one comparison
    let first = list[0]!;
    let second = list[1]!;
    if (bestVersionCmp(pool, first, second) > 0) {
      first = list[1]!;
      second = list[0]!;
    }
    return [evrcmpCached(pool, first, second) < 0 ? second : first];
  }
  if (list.length <= SORT_SCRATCH) {
    // short lists (dup's installed package and its updates: three): the same sort as an
    // insertion sort into a scratch array (no copy, no allocation), names being equal
    const out = sortScratch;
    const n = list.length;
    for (let i = 0; i < n; i++) {
      const x = list[i]!;
      let j = i - 1;
      while (j >= 0 && sameNameVersionCmp(c, out[j]!, x) > 0) {
        out[j + 1] = out[j]!;
        j--;
      }
      out[j + 1] = x;
    }
    let best = out[0]!;
    let eb = c.evrOf[best]!;
    for (let i = 1; i < n; i++) {
      const q = out[i]!;
      const eq = c.evrOf[q]!;
      if (eq !== eb && evrcmpById(pool, best, q, eb, eq) < 0) {
        best = q;
        eb = eq;
      }
    }
    return [best];
  }
  const sorted = bestVersionSort(pool, list);
  let best = sorted[0]!;
  for (let i = 1; i < sorted.length; i++) if (evrcmpCached(pool, best, sorted[i]!) < 0) best = sorted[i]!;
  return [best];
}

const SORT_SCRATCH = 16;
const sortScratch = new Int32Array(SORT_SCRATCH);

/** bestVersionCmp for two packages of one name (their repositories known): installed first, then the higher sub-priority, then the lower id. */
function sameNameVersionCmp(c: PolicyColumns, a: number, b: number): number {
  const ra = c.repoOf[a]!;
  const rb = c.repoOf[b]!;
  const ia = ra === c.installedRepo;
  const ib = rb === c.installedRepo;
  if (ia !== ib) return ia ? -1 : 1;
  const r = c.repos[rb]!.subpriority - c.repos[ra]!.subpriority;
  if (r) return r;
  return a - b;
}

/**
 * sameNameBest for two candidates (most choices: two versions of one name), with the sort
 * written out: the package, or 0 when the full steps must run.
 */
export function sameNameBest2(ctx: PolicyContext, a: number, b: number): number {
  const pool = ctx.pool;
  // typed columns (policyColumns): no Solvable loads on the way
  const c = pool.policyColumns();
  if (c.nameOf[a] !== c.nameOf[b]) return 0;
  if (!ctx.hasFavors || ctx.hasFavors()) return 0;
  const ra = c.repoOf[a]!;
  const rb = c.repoOf[b]!;
  if (ra < 0 || rb < 0) return 0;
  const repoA = c.repos[ra]!;
  const repoB = c.repos[rb]!;
  const ia = ra === c.installedRepo;
  const ib = rb === c.installedRepo;
  if (!ia && !ib && repoA.priority !== repoB.priority) return 0;
  const scores = c.archScore;
  if (scores !== null) {
    const x = scores[c.archOf[a]!]!;
    const y = scores[c.archOf[b]!]!;
    if (x === 0 || y === 0) return 0;
    if (x !== 1 && y !== 1 && ((x ^ y) & 0xffff0000) !== 0) return 0;
  }
  // bestVersionCmp: installed first, then the higher sub-priority, then the lower id
  let swap: boolean;
  if (ia !== ib) swap = ib;
  else {
    const d = repoB.subpriority - repoA.subpriority;
    swap = d > 0 || (d === 0 && a > b);
  }
  const first = swap ? b : a;
  const second = swap ? a : b;
  const ef = c.evrOf[first]!;
  const es = c.evrOf[second]!;
  // equal EVR ids are equal EVR strings: the first stays
  if (ef === es) return first;
  return evrcmpById(pool, first, second, ef, es) < 0 ? second : first;
}

/**
 * evrcmpCached keyed by the pool's EVR ids (small integers: no string loads or hashing); the
 * cache belongs to one pool (ids are per pool) and is bounded like evrCache.
 */
let idCachePool: Pool | null = null;
const idCache = new Map<number, Map<number, number>>();
let idCacheSize = 0;

function evrcmpById(pool: Pool, a: number, b: number, ea: number, eb: number): number {
  if (idCachePool !== pool || idCacheSize >= EVR_CACHE_MAX) {
    idCache.clear();
    idCacheSize = 0;
    idCachePool = pool;
  }
  let m = idCache.get(ea);
  if (m === undefined) idCache.set(ea, (m = new Map()));
  let r = m.get(eb);
  if (r === undefined) {
    r = evrcmpCached(pool, a, b);
    m.set(eb, r);
    idCacheSize++;
  }
  return r;
}

/**
 * The pick filterUnwanted(list, 'choose') makes when one of its fixed paths decides it
 * (sameNameBest2 for two packages, sameNameBest for more: their answers depend on the
 * packages, the repositories and the favor jobs only, not on the solver's decisions), or 0
 * when the full steps would run.
 */
export function sameNamePick(ctx: PolicyContext, list: number[]): number {
  if (list.length === 2) return sameNameBest2(ctx, list[0]!, list[1]!);
  if (list.length < 2) return 0;
  const one = sameNameBest(ctx, list);
  return one ? one[0]! : 0;
}

/** policy_filter_unwanted: narrow and order a candidate list (best first). */
export function filterUnwanted(ctx: PolicyContext, input: number[], mode: PolicyMode): number[] {
  if (input.length === 2 && mode !== 'suggest' && mode !== 'supplement') {
    const one = sameNameBest2(ctx, input[0]!, input[1]!);
    if (one !== 0) return [one];
  } else if (input.length > 1 && mode !== 'suggest' && mode !== 'supplement') {
    const one = sameNameBest(ctx, input);
    if (one) return one;
  }
  let list = input;
  if (list.length > 1 && mode !== 'supplement') list = pruneByFavor(ctx, list);
  if (list.length > 1 && mode !== 'suggest') list = pruneToHighestPrio(ctx, list);
  if (list.length > 1) list = pruneToBestArch(ctx.pool, list);
  if (list.length > 1) list = pruneToBestVersion(ctx.pool, list);
  if (list.length > 1 && (mode === 'choose' || mode === 'choose-noreorder')) {
    list = pruneToRecommended(ctx, list);
    if (list.length > 1 && mode === 'choose') {
      list = dislikeOldVersions(ctx, list);
      list = sortByCommonDep(ctx, list);
      list = moveInstalledToFront(ctx.pool, list);
      list = preferSuggested(ctx, list);
      list = preferFavored(ctx, list);
    }
  }
  return list;
}
