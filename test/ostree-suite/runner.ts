// Runs OSTree's own installed tests (Debian `ostree-tests`) against atoll's `ostree` front end
// (bin/atoll-ostree, reached through an `ostree` symlink first in PATH) and, in the same job,
// against Debian's real `ostree`, so host-dependent skips are visible. Installs nothing.
// Usage: npm run test:ostree-suite -- [1|2|3|4|interop|all|test-NAME...] [--no-debian] [--timeout=SECS]
//   [--keep] (keep the per-program temp dirs and logs)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROGRAMS, type SuiteProgram } from './programs.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
const TEST_DIRS = ['/usr/libexec/installed-tests/libostree', '/usr/lib/installed-tests/ostree', '/usr/libexec/installed-tests/ostree'];

export interface TapCount { ok: number; notOk: number; skip: number; plan: number | null; exitCode: number | null; timedOut: boolean; seconds: number; firstFailure: string }
export interface ProgramResult { program: SuiteProgram; atoll: TapCount; debian?: TapCount }

export function findTestDir(): string | undefined {
  return TEST_DIRS.find((dir) => existsSync(join(dir, 'libtest.sh')));
}

/** Present when Debian's ostree-tests and gnome-desktop-testing are installed; else the reason. */
export function missingPrerequisite(): string | undefined {
  if (!findTestDir()) return 'ostree-tests is not installed (no libtest.sh under /usr/libexec/installed-tests/libostree)';
  const path = (process.env.PATH ?? '').split(':');
  if (!path.some((dir) => existsSync(join(dir, 'gnome-desktop-testing-runner')))) return 'gnome-desktop-testing is not installed';
  if (!path.some((dir) => existsSync(join(dir, 'ostree')))) return "Debian's ostree is not installed";
  return undefined;
}

export function selectPrograms(selectors: string[]): SuiteProgram[] {
  if (selectors.length === 0) selectors = ['1'];
  return PROGRAMS.filter((p) => selectors.some((s) => s === 'all' || s === p.stage || p.name === s || p.name.replace(/\.(sh|py|js)$/, '') === s));
}

/** A directory holding `ostree` → bin/atoll-ostree, to go first in PATH. */
export function makeShimDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'atoll-ostree-shim-'));
  symlinkSync(join(REPO_ROOT, 'bin', 'atoll-ostree'), join(dir, 'ostree'));
  return dir;
}

export function countTap(text: string): Omit<TapCount, 'exitCode' | 'timedOut' | 'seconds'> {
  let ok = 0, notOk = 0, skip = 0, plan: number | null = null, firstFailure = '';
  for (const line of text.split('\n')) {
    const planMatch = /^1\.\.(\d+)/.exec(line);
    if (planMatch) plan = Number(planMatch[1]);
    if (/^not ok\b/.test(line)) {
      notOk++;
      if (!firstFailure) firstFailure = line;
    } else if (/^ok\b/.test(line)) {
      ok++;
      if (/#\s*SKIP/i.test(line)) skip++;
    }
  }
  return { ok, notOk, skip, plan, firstFailure };
}

export async function runProgram(testDir: string, name: string, shimDir: string | null, timeoutSeconds: number, keep: boolean): Promise<TapCount & { log: string; cwd: string }> {
  const cwd = mkdtempSync(join(tmpdir(), `ostree-suite-${shimDir ? 'atoll' : 'debian'}-${name.replace(/\W/g, '_')}-`));
  const env = {
    ...process.env,
    G_TEST_SRCDIR: testDir,
    G_TEST_BUILDDIR: testDir,
    PATH: shimDir ? `${shimDir}:${process.env.PATH ?? ''}` : (process.env.PATH ?? ''),
  };
  delete (env as Record<string, string | undefined>).OSTREE_REPO;
  delete (env as Record<string, string | undefined>).OSTREE_SYSROOT;
  const started = Date.now();
  return new Promise((resolvePromise) => {
    const child = spawn(join(testDir, name), [], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); if (err.length > 200_000) err = err.slice(-100_000); });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
    }, timeoutSeconds * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      // Kill leftovers of this program's process group, and the ostree-trivial-httpd daemons
      // it started (--daemonize leaves the group): those whose command line names its dir.
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* none left */ }
      killDaemonsOf(cwd);
      const log = `${out}\n--- stderr ---\n${err}`;
      if (keep) writeFileSync(join(cwd, '..', `${cwd.split('/').pop()}.log`), log);
      else rmSync(cwd, { recursive: true, force: true });
      const tap = countTap(out);
      if (!tap.firstFailure && code !== 0) tap.firstFailure = failureLine(err);
      resolvePromise({ ...tap, exitCode: code, timedOut, seconds: (Date.now() - started) / 1000, log, cwd });
    });
  });
}

/** SIGKILL the ostree-trivial-httpd processes whose arguments are paths inside `dir`. */
function killDaemonsOf(dir: string): void {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return;
  }
  for (const pid of pids) {
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.includes('ostree-trivial-httpd') && cmdline.includes(`${dir}/`)) {
      try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ }
    }
  }
}

/** The most telling stderr line: the last `error:`/assertion message before libtest's cleanup noise. */
function failureLine(err: string): string {
  const lines = err.split('\n').filter((l) => l.trim() && !/gpg-(connect-)?agent|^\+|^OK$/.test(l));
  const telling = lines.filter((l) => /error|assert|fatal|not found|fail|unknown/i.test(l));
  return (telling.at(-1) ?? lines.at(-1) ?? '').trim().slice(0, 200);
}

export function passed(count: TapCount): boolean {
  return count.exitCode === 0 && count.notOk === 0 && !count.timedOut;
}

export interface SuiteOptions { selectors: string[]; debian: boolean; timeoutSeconds: number; keep: boolean; onResult?: (r: ProgramResult) => void }

export async function runSuite(options: SuiteOptions): Promise<ProgramResult[]> {
  const testDir = findTestDir();
  if (!testDir) throw new Error('ostree-tests is not installed');
  const shimDir = makeShimDir();
  const results: ProgramResult[] = [];
  try {
    for (const program of selectPrograms(options.selectors)) {
      const atoll = await runProgram(testDir, program.name, shimDir, options.timeoutSeconds, options.keep);
      const debian = options.debian ? await runProgram(testDir, program.name, null, options.timeoutSeconds, false) : undefined;
      const result: ProgramResult = { program, atoll, debian };
      results.push(result);
      options.onResult?.(result);
    }
  } finally {
    rmSync(shimDir, { recursive: true, force: true });
  }
  return results;
}

function cell(count: TapCount | undefined): string {
  if (!count) return '-';
  // `1..0 # SKIP`: the whole program skipped itself (a feature --version does not declare).
  const state = count.timedOut ? 'TIMEOUT' : count.plan === 0 ? 'SKIP' : passed(count) ? 'pass' : 'FAIL';
  return `${state} ${count.ok - count.skip}/${count.plan ?? '?'}${count.skip ? ` (${count.skip} skip)` : ''}`;
}

export function formatRow(r: ProgramResult): string {
  const debianDoc = `${r.program.debianOk - r.program.debianSkip}${r.program.debianSkip ? ` (+${r.program.debianSkip} skip)` : ''}`;
  return [r.program.stage.padEnd(7), r.program.name.padEnd(42), cell(r.atoll).padEnd(22), cell(r.debian).padEnd(22), debianDoc.padEnd(14),
    `${r.atoll.seconds.toFixed(1)}s`.padEnd(7), passed(r.atoll) ? '' : r.atoll.firstFailure.slice(0, 120)].join(' ');
}

export function header(): string {
  return ['stage'.padEnd(7), 'program'.padEnd(42), 'atoll ok/plan'.padEnd(22), 'debian ok/plan'.padEnd(22), 'doc baseline'.padEnd(14), 'time'.padEnd(7), 'first failure'].join(' ');
}

export function summarize(results: ProgramResult[]): string {
  const lines: string[] = [];
  const stages = [...new Set(results.map((r) => r.program.stage))];
  for (const stage of stages) {
    const rs = results.filter((r) => r.program.stage === stage);
    const atollOk = rs.reduce((n, r) => n + r.atoll.ok - r.atoll.skip, 0);
    const debOk = rs.reduce((n, r) => n + (r.debian ? r.debian.ok - r.debian.skip : 0), 0);
    const docOk = rs.reduce((n, r) => n + r.program.debianOk - r.program.debianSkip, 0);
    const sameAsDebian = rs.filter((r) => passed(r.atoll) && (!r.debian || r.debian.ok - r.debian.skip === r.atoll.ok - r.atoll.skip)).length;
    lines.push(`stage ${stage}: ${rs.filter((r) => passed(r.atoll)).length}/${rs.length} programs pass (${sameAsDebian} with Debian's ok count); assertions atoll ${atollOk}` +
      `${results.some((r) => r.debian) ? `, debian here ${debOk}` : ''}, doc baseline ${docOk}`);
  }
  const pass = results.filter((r) => passed(r.atoll)).length;
  const skipped = results.filter((r) => passed(r.atoll) && r.atoll.plan === 0).length;
  lines.push(`${pass} passed, ${results.length - pass} failed${skipped ? ` (${skipped} of the passed skipped themselves: 1..0)` : ''}`);
  return lines.join('\n');
}

async function cli(argv: string[]): Promise<number> {
  const missing = missingPrerequisite();
  if (missing) {
    process.stderr.write(`ostree-suite: ${missing}; run scripts/setup-peers.sh (the runner installs nothing)\n`);
    return 2;
  }
  const selectors = argv.filter((a) => !a.startsWith('--'));
  const timeout = Number((argv.find((a) => a.startsWith('--timeout=')) ?? '--timeout=300').slice(10));
  process.stdout.write(`${header()}\n`);
  const results = await runSuite({
    selectors,
    debian: !argv.includes('--no-debian'),
    timeoutSeconds: timeout,
    keep: argv.includes('--keep'),
    onResult: (r) => process.stdout.write(`${formatRow(r)}\n`),
  });
  process.stdout.write(`${summarize(results)}\n`);
  return results.every((r) => passed(r.atoll)) ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  mkdirSync(tmpdir(), { recursive: true });
  process.exitCode = await cli(process.argv.slice(2));
}
