// A seeded generator of random package universes and jobs, written as libsolv testcases
// (testtags repos, `system`, dnf's solver flags, several `nextjob` segments). Used by the
// differential test against Debian's testsolv and by the solver benchmark.

import { mulberry32 } from '../../src/util/index.js';
export { mulberry32 };

export interface GenOptions {
  names: number;
  maxVersions: number;
  caps: number;
  jobsPerCase: number;
  /** Probability that the system has installed packages. */
  installedRatio: number;
  rich: boolean;
  weak: boolean;
  obsoletes: boolean;
  conflicts: boolean;
  multiarch: boolean;
}

export const defaultGenOptions: GenOptions = {
  names: 24,
  maxVersions: 3,
  caps: 8,
  jobsPerCase: 10,
  installedRatio: 0.5,
  rich: true,
  weak: true,
  obsoletes: true,
  conflicts: true,
  multiarch: false,
};

interface GenPkg {
  name: string;
  version: number;
  arch: string;
  lines: string[];
}

/** One testcase file: a random universe, an optional installed system and several jobs. */
export function generateTestcase(seed: number, opts: GenOptions = defaultGenOptions): string {
  const rnd = mulberry32(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const chance = (p: number): boolean => rnd() < p;
  const names = Array.from({ length: opts.names }, (_, i) => `p${String.fromCharCode(97 + (i % 26))}${Math.floor(i / 26) || ''}`);
  const caps = Array.from({ length: opts.caps }, (_, i) => `cap${i}`);
  const pkgs: GenPkg[] = [];
  const versionsOf = new Map<string, number[]>();
  for (const name of names) {
    const n = 1 + Math.floor(rnd() * opts.maxVersions);
    const vs: number[] = [];
    for (let v = 1; v <= n; v++) vs.push(v);
    versionsOf.set(name, vs);
    const arches = opts.multiarch && chance(0.2) ? ['x86_64', 'i686'] : [chance(0.3) ? 'noarch' : 'x86_64'];
    for (const v of vs) for (const arch of arches) pkgs.push({ name, version: v, arch, lines: [] });
  }
  const simpleReq = (self: string): string => {
    if (chance(0.3)) {
      const c = pick(caps);
      return chance(0.3) ? `${c} >= ${1 + Math.floor(rnd() * 2)}` : c;
    }
    let n = pick(names);
    if (n === self) n = pick(names);
    if (chance(0.25)) return `${n} >= ${pick(versionsOf.get(n)!)}`;
    return n;
  };
  for (const p of pkgs) {
    const nreq = Math.floor(rnd() * 3);
    for (let i = 0; i < nreq; i++) {
      if (opts.rich && chance(0.15)) {
        const op = pick(['|', '&', '<IF>', '|']);
        p.lines.push(`=Req: ${simpleReq(p.name)} ${op} ${simpleReq(p.name)}`);
      } else p.lines.push(`=Req: ${simpleReq(p.name)}`);
    }
    if (chance(0.35)) {
      const c = pick(caps);
      p.lines.push(chance(0.4) ? `=Prv: ${c} = ${1 + Math.floor(rnd() * 3)}` : `=Prv: ${c}`);
    }
    if (opts.conflicts && chance(0.08)) p.lines.push(`=Con: ${pick(names)}`);
    if (opts.obsoletes && chance(0.06)) {
      const o = pick(names);
      if (o !== p.name) p.lines.push(`=Obs: ${o}`);
    }
    if (opts.weak && chance(0.12)) p.lines.push(`=Rec: ${simpleReq(p.name)}`);
    if (opts.weak && chance(0.05)) p.lines.push(`=Sup: ${pick(names)}`);
  }
  const out: string[] = [];
  const installed: GenPkg[] = [];
  if (chance(opts.installedRatio)) {
    for (const name of names) {
      if (!chance(0.3)) continue;
      const candidates = pkgs.filter((p) => p.name === name);
      installed.push(pick(candidates));
    }
  }
  const pkgLines = (list: GenPkg[]): string[] =>
    list.flatMap((p) => [`#>=Pkg: ${p.name} ${p.version} 1 ${p.arch}`, ...p.lines.map((l) => `#>${l}`)]);
  out.push('repo system 0 testtags <inline>', ...pkgLines(installed));
  out.push('repo available 0 testtags <inline>', ...pkgLines(pkgs));
  out.push('system x86_64 rpm system');
  const jobs: string[][] = [];
  for (let j = 0; j < opts.jobsPerCase; j++) {
    const js: string[] = [];
    const kind = rnd();
    if (kind < 0.55 || installed.length === 0) {
      const n = 1 + Math.floor(rnd() * 3);
      for (let i = 0; i < n; i++) js.push(`job install name ${pick(names)}`);
    } else if (kind < 0.75) {
      js.push('job update all packages');
    } else if (kind < 0.85) {
      js.push(`job erase name ${pick(installed).name}`);
    } else if (kind < 0.93) {
      js.push(`job update name ${pick(installed).name}`);
    } else {
      js.push('job distupgrade all packages');
    }
    jobs.push(js);
  }
  jobs.forEach((js, i) => {
    if (i > 0) out.push('nextjob');
    // dnf's pool and solver flags (solver.md §2.1)
    out.push('poolflags implicitobsoleteusescolors');
    out.push('solverflags allowvendorchange keeporphans bestobeypolicy yumobsoletes');
    out.push(...js);
  });
  return out.join('\n') + '\n';
}
