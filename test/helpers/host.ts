// Helpers for host (rpm-ostree verb) interop tests: commits with rpm-ostree's package list
// metadata made by the real `ostree commit`, and what `ostree admin status` reports.
import { runOk } from './run.js';

export interface Pkg {
  name: string;
  epoch: number;
  version: string;
  release: string;
  arch: string;
}

export function pkg(nevra: string): Pkg {
  // name-[epoch:]version-release.arch
  const m = /^(.+)-(?:(\d+):)?([^-:]+)-([^-]+)\.([^.]+)$/.exec(nevra);
  if (!m) throw new Error(`bad nevra ${nevra}`);
  return { name: m[1] as string, epoch: Number(m[2] ?? 0), version: m[3] as string, release: m[4] as string, arch: m[5] as string };
}

/** GVariant text of `a(sssss)` (as rpm-ostree stores `rpmostree.rpmdb.pkglist`). */
export function pkglistText(pkgs: Pkg[]): string {
  const sorted = [...pkgs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (sorted.length === 0) return '@a(sssss) []';
  return `[${sorted.map((p) => `(${[p.name, String(p.epoch), p.version, p.release, p.arch].map((s) => `'${s}'`).join(', ')})`).join(', ')}]`;
}

/** `ostree commit` with version, pkglist and a timestamp that grows with `day`. */
export function commitWithPackages(repo: string, branch: string, tree: string, version: string, pkgs: Pkg[] | undefined, day: number): string {
  const when = new Date(Date.UTC(2024, 0, 1) + day * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const args = [`--repo=${repo}`, 'commit', '-b', branch, '--owner-uid=0', '--owner-gid=0', `--timestamp=${when}`, `--add-metadata-string=version=${version}`];
  if (pkgs) args.push(`--add-metadata=rpmostree.rpmdb.pkglist=${pkglistText(pkgs)}`);
  args.push(tree);
  return runOk('ostree', args).trim();
}

/** `ostree admin status` rows: stateroot, commit, serial (in boot order). */
export function adminStatusRows(sysroot: string): Array<{ osname: string; csum: string; serial: number; text: string }> {
  const out = runOk('ostree', ['admin', `--sysroot=${sysroot}`, 'status']);
  const rows: Array<{ osname: string; csum: string; serial: number; text: string }> = [];
  for (const line of out.split('\n')) {
    const m = /^[* ] (\S+) ([0-9a-f]{64})\.(\d+)/.exec(line);
    if (m) rows.push({ osname: m[1] as string, csum: m[2] as string, serial: Number(m[3]), text: '' });
    else if (rows.length > 0) (rows[rows.length - 1] as { text: string }).text += `${line}\n`;
  }
  return rows;
}
