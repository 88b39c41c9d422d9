import { CdclSolver } from './cdcl.js';

/**
 * A resolvo-style front end to the CDCL engine: the caller describes its universe through a
 * provider that is asked lazily (only for the requirements and candidates the search reaches),
 * and gets back a selection or an explanation of why there is none. It knows nothing about RPM;
 * the RPM adapter (depsolve) drives the engine directly to reproduce libsolv's decision order.
 */
export interface DependencyProvider<C, R> {
  /** The candidates that satisfy a requirement, best first (the order is the preference). */
  candidates(requirement: R): readonly C[];
  /** What a candidate needs, and what it cannot be installed together with. */
  dependencies(candidate: C): { requires: readonly R[]; constrains?: readonly C[] };
  /** Candidates with the same name exclude each other unless `allowMultiple(name)`. */
  nameOf(candidate: C): string;
  allowMultiple?(name: string): boolean;
  /** Optional preference among open choices (e.g. favored packages); default: first candidate. */
  choose?(options: readonly C[]): C;
  describeRequirement?(requirement: R): string;
  describeCandidate?(candidate: C): string;
}

export type ProviderResult<C> =
  | { ok: true; selection: C[]; restarts: number }
  | { ok: false; explanation: string[] };

type ClauseOrigin<C, R> =
  | { kind: 'root'; requirement: R }
  | { kind: 'requires'; candidate: C; requirement: R }
  | { kind: 'constrains'; candidate: C; other: C }
  | { kind: 'same-name'; a: C; b: C };

/**
 * Solve `roots` with a provider. Candidates and their dependencies are loaded only when the
 * search reaches them: a candidate's dependencies are loaded before it is chosen, and when a
 * complete assignment turns out to contain a candidate whose dependencies were never loaded,
 * they are loaded and the search restarts (the clause set only grows, so this terminates).
 */
export function solveWithProvider<C, R>(provider: DependencyProvider<C, R>, roots: readonly R[]): ProviderResult<C> {
  const sat = new CdclSolver(0);
  const ids = new Map<C, number>();
  const byId: C[] = [undefined as unknown as C];
  const byName = new Map<string, number[]>();
  const origins: Array<ClauseOrigin<C, R> | undefined> = [undefined];
  const loaded = new Set<number>();
  const requirementClauses: number[] = [];
  let changed = false;

  const addClause = (lits: number[], origin: ClauseOrigin<C, R>): number => {
    const id = sat.addClause(lits);
    origins[id] = origin;
    changed = true;
    return id;
  };
  const idOf = (c: C): number => {
    let id = ids.get(c);
    if (id !== undefined) return id;
    id = sat.addVariables(1);
    ids.set(c, id);
    byId[id] = c;
    const name = provider.nameOf(c);
    const same = byName.get(name) ?? [];
    if (!provider.allowMultiple?.(name)) for (const o of same) addClause([-id, -o], { kind: 'same-name', a: byId[o]!, b: c });
    same.push(id);
    byName.set(name, same);
    return id;
  };
  const load = (id: number): void => {
    if (loaded.has(id)) return;
    loaded.add(id);
    const c = byId[id]!;
    const deps = provider.dependencies(c);
    for (const r of deps.requires) {
      const cands = provider.candidates(r).map(idOf);
      requirementClauses.push(addClause([-id, ...cands], { kind: 'requires', candidate: c, requirement: r }));
    }
    for (const o of deps.constrains ?? []) addClause([-id, -idOf(o)], { kind: 'constrains', candidate: c, other: o });
  };
  for (const r of roots) {
    const cands = provider.candidates(r).map(idOf);
    requirementClauses.push(addClause(cands, { kind: 'root', requirement: r }));
  }

  const describe = (id: number): string => {
    const o = origins[id];
    const dc = (c: C): string => provider.describeCandidate?.(c) ?? String(c);
    const dr = (r: R): string => provider.describeRequirement?.(r) ?? String(r);
    if (!o) return 'learnt';
    switch (o.kind) {
      case 'root':
        return `the request needs ${dr(o.requirement)}`;
      case 'requires':
        return `${dc(o.candidate)} requires ${dr(o.requirement)}`;
      case 'constrains':
        return `${dc(o.candidate)} cannot be installed together with ${dc(o.other)}`;
      case 'same-name':
        return `only one of ${dc(o.a)} and ${dc(o.b)} can be installed`;
    }
  };

  for (let restarts = 0; ; restarts++) {
    const root = sat.assertRoot();
    if (root) return { ok: false, explanation: [...new Set(root.proof.map(describe))] };
    for (;;) {
      // the first requirement (in registration order) that is not satisfied yet
      let open: number[] | null = null;
      for (const rid of requirementClauses) {
        const lits = sat.lits(rid);
        let satisfied = false;
        const cands: number[] = [];
        for (const l of lits) {
          const v = sat.litValue(l);
          if (v > 0) {
            satisfied = true;
            break;
          }
          if (l > 0 && v === 0) cands.push(l);
        }
        if (!satisfied && cands.length) {
          open = cands;
          break;
        }
      }
      if (!open) break;
      const pick = provider.choose ? idOf(provider.choose(open.map((i) => byId[i]!))) : open[0]!;
      // Load before deciding: every new clause contains ¬pick (still open), so the engine sees
      // it when pick is set; no restart is needed.
      load(pick);
      const r = sat.decide(pick);
      if (typeof r !== 'number') return { ok: false, explanation: [...new Set(r.proof.map(describe))] };
    }
    // everything true (also by propagation) must have its dependencies loaded; if that adds
    // clauses, solve again from the root with them
    changed = false;
    for (let v = 1; v <= sat.nvars; v++) if (sat.decisionMap[v]! > 0) load(v);
    if (changed) continue;
    const selection: C[] = [];
    for (let v = 1; v <= sat.nvars; v++) if (sat.decisionMap[v]! > 0) selection.push(byId[v]!);
    return { ok: true, selection, restarts };
  }
}
