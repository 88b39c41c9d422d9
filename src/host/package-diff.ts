import { compareEvr } from '../rpm/index.js';
import { type Package, formatEvr, formatNevra } from './package-list.js';

/** rpm-ostree's package diff: what `upgrade`, `deploy`, `rebase` and `db diff` print. */
export interface PackageDiff {
  added: Package[];
  removed: Package[];
  upgraded: Array<[Package, Package]>;
  downgraded: Array<[Package, Package]>;
}

function byName(list: readonly Package[]): Map<string, Package[]> {
  const out = new Map<string, Package[]>();
  for (const p of list) {
    const group = out.get(p.name);
    if (group) group.push(p);
    else out.set(p.name, [p]);
  }
  return out;
}

function bytewise(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Compare two package lists by name (rpm_ostree_db_diff): one package of a name on each side
 * is an upgrade or downgrade by EVR (vercmp); several of one name (multilib) pair up by arch;
 * what is left over is added or removed. Sections are sorted by name, then arch.
 */
export function diffPackages(from: readonly Package[], to: readonly Package[]): PackageDiff {
  const diff: PackageDiff = { added: [], removed: [], upgraded: [], downgraded: [] };
  const a = byName(from);
  const b = byName(to);
  const names = [...new Set([...a.keys(), ...b.keys()])].sort(bytewise);
  for (const name of names) {
    let olds = [...(a.get(name) ?? [])];
    let news = [...(b.get(name) ?? [])];
    const modified = (o: Package, n: Package): void => {
      const c = compareEvr(o, n);
      if (c < 0) diff.upgraded.push([o, n]);
      else if (c > 0) diff.downgraded.push([o, n]);
      else if (o.arch !== n.arch) {
        diff.removed.push(o);
        diff.added.push(n);
      }
    };
    if (olds.length === 1 && news.length === 1) {
      modified(olds[0] as Package, news[0] as Package);
      continue;
    }
    for (const o of [...olds]) {
      const n = news.find((x) => x.arch === o.arch);
      if (!n) continue;
      modified(o, n);
      olds = olds.filter((x) => x !== o);
      news = news.filter((x) => x !== n);
    }
    diff.removed.push(...olds);
    diff.added.push(...news);
  }
  const order = (x: Package, y: Package): number => bytewise(x.name, y.name) || bytewise(x.arch, y.arch);
  diff.added.sort(order);
  diff.removed.sort(order);
  return diff;
}

export function isEmptyDiff(diff: PackageDiff): boolean {
  return diff.added.length + diff.removed.length + diff.upgraded.length + diff.downgraded.length === 0;
}

/**
 * rpm-ostree's multi-line block (RPMOSTREE_DIFF_PRINT_FORMAT_FULL_MULTILINE), e.g.
 * `Upgraded:` / `  bash 5.1-1 -> 5.2-1`, `Removed:` / `  foo-1.0-1.x86_64`.
 */
export function formatDiffBlock(diff: PackageDiff): string[] {
  const lines: string[] = [];
  if (diff.upgraded.length > 0) {
    lines.push('Upgraded:');
    for (const [o, n] of diff.upgraded) lines.push(`  ${o.name} ${formatEvr(o)} -> ${formatEvr(n)}`);
  }
  if (diff.downgraded.length > 0) {
    lines.push('Downgraded:');
    for (const [o, n] of diff.downgraded) lines.push(`  ${o.name} ${formatEvr(o)} -> ${formatEvr(n)}`);
  }
  if (diff.removed.length > 0) {
    lines.push('Removed:');
    for (const p of diff.removed) lines.push(`  ${formatNevra(p)}`);
  }
  if (diff.added.length > 0) {
    lines.push('Added:');
    for (const p of diff.added) lines.push(`  ${formatNevra(p)}`);
  }
  return lines;
}

/** `db diff --format=diff`: `-` removed, `+` added, `!` old / `=` new for changed packages. */
export function formatDiffLines(diff: PackageDiff): string[] {
  const lines: string[] = [];
  for (const [o, n] of [...diff.upgraded, ...diff.downgraded].sort((x, y) => bytewise(x[0].name, y[0].name))) lines.push(`!${formatNevra(o)}`, `=${formatNevra(n)}`);
  for (const p of diff.removed) lines.push(`-${formatNevra(p)}`);
  for (const p of diff.added) lines.push(`+${formatNevra(p)}`);
  return lines;
}

/** `Diff: 1 upgraded, 2 removed, 3 added` (status's and --check's one-liner). */
export function formatDiffSummary(diff: PackageDiff): string {
  const parts: string[] = [];
  if (diff.upgraded.length > 0) parts.push(`${diff.upgraded.length} upgraded`);
  if (diff.downgraded.length > 0) parts.push(`${diff.downgraded.length} downgraded`);
  if (diff.removed.length > 0) parts.push(`${diff.removed.length} removed`);
  if (diff.added.length > 0) parts.push(`${diff.added.length} added`);
  return parts.length > 0 ? parts.join(', ') : 'no package changes';
}

/** rpm-ostree's `db diff --format=json` pkgdiff: [name, type (0 added, 1 removed, 2 upgraded, 3 downgraded), details]. */
export function diffJson(diff: PackageDiff): Array<[string, number, Record<string, [string, string, string]>]> {
  const tuple = (p: Package): [string, string, string] => [p.name, formatEvr(p), p.arch];
  const rows: Array<[string, number, Record<string, [string, string, string]>]> = [];
  for (const p of diff.added) rows.push([p.name, 0, { NewPackage: tuple(p) }]);
  for (const p of diff.removed) rows.push([p.name, 1, { PreviousPackage: tuple(p) }]);
  for (const [o, n] of diff.upgraded) rows.push([o.name, 2, { PreviousPackage: tuple(o), NewPackage: tuple(n) }]);
  for (const [o, n] of diff.downgraded) rows.push([o.name, 3, { PreviousPackage: tuple(o), NewPackage: tuple(n) }]);
  return rows.sort((x, y) => bytewise(x[0], y[0]) || x[1] - y[1]);
}
