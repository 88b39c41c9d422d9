// Differential testing of atoll's depsolver against Debian's testsolv (libsolv 0.7.23): run a
// testcase through both, compare per job segment, and shrink a disagreeing case to a small
// regression testcase.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runTestcase } from '../../src/depsolve/index.js';

export interface StepOutcome {
  transaction: string[];
  problems: number;
}

function outcome(lines: string[]): StepOutcome {
  return {
    transaction: lines.filter((l) => l !== '' && !l.startsWith('problem ')).sort(),
    problems: new Set(lines.filter((l) => / info /.test(l) && l.startsWith('problem ')).map((l) => l.split(' ')[1])).size,
  };
}

/** testsolv's result for every job segment of a testcase without result lines. */
export function testsolvOutcomes(text: string): StepOutcome[] {
  const dir = mkdtempSync(join(tmpdir(), 'atoll-testsolv-'));
  try {
    const file = join(dir, 'case.t');
    writeFileSync(file, text);
    const r = spawnSync('testsolv', ['-r', file], { encoding: 'utf8' });
    if (r.status !== 0 && r.status !== 1) throw new Error(`testsolv failed: ${r.stderr}`);
    const parts = /^test \d+:$/m.test(r.stdout) ? r.stdout.split(/^test \d+:\n/m).slice(1) : [r.stdout];
    return parts.map((p) => outcome(p.split('\n')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function atollOutcomes(text: string): StepOutcome[] {
  return runTestcase(text, { readFile: () => '' }).steps.map((s) => ({
    ...outcome(s.output),
    problems: s.output.filter((l) => / info /.test(l)).length,
  }));
}

export function sameOutcome(a: StepOutcome | undefined, b: StepOutcome | undefined): boolean {
  if (!a || !b) return false;
  return a.problems === b.problems && JSON.stringify(a.transaction) === JSON.stringify(b.transaction);
}

/** Split a generated testcase into its header (repos, system) and job segments. */
export function splitSegments(text: string): { head: string[]; segments: string[][] } {
  const head: string[] = [];
  const segments: string[][] = [[]];
  let inJobs = false;
  for (const l of text.split('\n')) {
    if (!inJobs && (l.startsWith('poolflags') || l.startsWith('solverflags') || l.startsWith('job '))) inJobs = true;
    if (!inJobs) head.push(l);
    else if (l === 'nextjob') segments.push([]);
    else if (l !== '') segments[segments.length - 1]!.push(l);
  }
  return { head, segments };
}

/**
 * Shrink a single-job testcase while atoll and testsolv still disagree: drop whole packages,
 * then single dependency lines. Returns the minimized text.
 */
export function minimizeDisagreement(text: string): string {
  const disagrees = (t: string): boolean => {
    try {
      return !sameOutcome(testsolvOutcomes(t)[0], atollOutcomes(t)[0]);
    } catch {
      return false;
    }
  };
  let lines = text.split('\n');
  const pkgStarts = (ls: string[]): number[] => ls.flatMap((l, i) => (l.startsWith('#>=Pkg:') ? [i] : []));
  let changed = true;
  while (changed) {
    changed = false;
    for (const start of pkgStarts(lines).reverse()) {
      let end = start + 1;
      while (end < lines.length && lines[end]!.startsWith('#>') && !lines[end]!.startsWith('#>=Pkg:')) end++;
      const candidate = [...lines.slice(0, start), ...lines.slice(end)];
      if (disagrees(candidate.join('\n'))) {
        lines = candidate;
        changed = true;
      }
    }
    for (let i = lines.length - 1; i >= 0; i--) {
      const l = lines[i]!;
      if (!l.startsWith('#>=') || l.startsWith('#>=Pkg:')) continue;
      const candidate = [...lines.slice(0, i), ...lines.slice(i + 1)];
      if (disagrees(candidate.join('\n'))) {
        lines = candidate;
        changed = true;
      }
    }
  }
  return lines.join('\n');
}
