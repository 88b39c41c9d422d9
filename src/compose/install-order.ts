import { RPMSENSE } from '../rpm/index.js';
import type { ResolvedPackage } from './resolve-packages.js';

/**
 * Install order for the resolved set, in the spirit of rpm's tsort: a package comes after the
 * packages that provide what it requires, `Requires(pre)` edges weigh more when a loop must
 * be broken, and ties go alphabetically so the order (and the scriptlet order) is stable.
 */
export function installOrder(packages: readonly ResolvedPackage[]): ResolvedPackage[] {
  const sorted = [...packages].sort((a, b) => (a.nevra < b.nevra ? -1 : a.nevra > b.nevra ? 1 : 0));
  const providers = new Map<string, number[]>();
  const add = (key: string, i: number): void => {
    const list = providers.get(key) ?? [];
    if (!list.includes(i)) list.push(i);
    providers.set(key, list);
  };
  sorted.forEach((r, i) => {
    add(r.pkg.name, i);
    for (const p of r.pkg.provides) add(p.name, i);
    for (const f of r.pkg.files) add(f.path, i);
  });
  // deps[i]: j → strength (2 = prereq, 1 = plain requirement)
  const deps = sorted.map(() => new Map<number, number>());
  sorted.forEach((r, i) => {
    for (const req of r.pkg.requires) {
      if (req.name.startsWith('rpmlib(')) continue;
      const strength = (req.flags & (RPMSENSE.PREREQ | RPMSENSE.SCRIPT_PRE | RPMSENSE.SCRIPT_POST)) !== 0 ? 2 : 1;
      for (const j of providers.get(req.name) ?? []) {
        if (j === i) continue;
        deps[i]!.set(j, Math.max(deps[i]!.get(j) ?? 0, strength));
      }
    }
  });
  const done = new Set<number>();
  const out: ResolvedPackage[] = [];
  while (out.length < sorted.length) {
    let next = -1;
    for (let i = 0; i < sorted.length && next < 0; i++) {
      if (!done.has(i) && [...deps[i]!.keys()].every((j) => done.has(j))) next = i;
    }
    if (next < 0) {
      // A loop: take the first package whose pending requirements are all plain ones, else
      // the first pending package (rpm breaks loops the same way, dropping weak edges first).
      const pending = [...sorted.keys()].filter((i) => !done.has(i));
      next = pending.find((i) => [...deps[i]!].every(([j, s]) => done.has(j) || s < 2)) ?? pending[0]!;
    }
    done.add(next);
    out.push(sorted[next]!);
  }
  return out;
}
