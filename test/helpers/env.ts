import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

/** The repository root (compiled tests live in dist/test/helpers/). */
export const repoRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the test helpers');
    dir = parent;
  }
  return dir;
})();

/** `../shared` beside the project: specs, conformance data and the real-world corpus. */
export const sharedDir: string = process.env.ATOLL_SHARED_DIR ?? join(repoRoot, '..', 'shared');

export const inCI = process.env.CI === 'true';

/** Debian's python, which has GLib's GVariant (python3-gi) and python3-rpm: an oracle. */
export const systemPython = '/usr/bin/python3';

export function hasProgram(program: string): boolean {
  if (program.startsWith('/')) return existsSync(program);
  return spawnSync('sh', ['-c', `command -v "$1" >/dev/null 2>&1`, 'sh', program]).status === 0;
}

/**
 * Skip the test with a reason when a peer tool is missing locally. In CI (CI=true) a missing
 * tool is a failure: CI installs every peer, so absence there means the install list is wrong.
 * Returns false when the test should stop.
 */
export function requireTool(t: TestContext, ...programs: string[]): boolean {
  const missing = programs.filter((p) => !hasProgram(p));
  if (missing.length === 0) return true;
  const reason = `missing tool(s): ${missing.join(', ')} (scripts/setup-peers.sh installs them)`;
  if (inCI) throw new Error(`${reason}; CI must have every peer tool`);
  t.skip(reason);
  return false;
}

/** Same for a Python module of Debian's python3 (gi, rpm). */
export function requirePythonModule(t: TestContext, module: string): boolean {
  if (!requireTool(t, systemPython)) return false;
  if (spawnSync(systemPython, ['-c', `import ${module}`]).status === 0) return true;
  const reason = `${systemPython} lacks the '${module}' module`;
  if (inCI) throw new Error(reason);
  t.skip(reason);
  return false;
}

/** A path inside ../shared, or a skip (failure in CI) if the shared material is absent. */
export function requireShared(t: TestContext, relativePath: string): string | undefined {
  const path = join(sharedDir, relativePath);
  if (existsSync(path)) return path;
  const reason = `shared material missing: ${path}`;
  if (inCI) throw new Error(reason);
  t.skip(reason);
  return undefined;
}

/** A temporary directory removed when the test ends (pass KEEP_TMP=1 to keep it). */
export function tempDir(t: TestContext, prefix = 'atoll-test-'): string {
  const dir = mkdtempSync(join(process.env.ATOLL_TEST_TMPDIR ?? tmpdir(), prefix));
  t.after(() => {
    if (process.env.KEEP_TMP === '1') return;
    spawnSync('chattr', ['-R', '-i', dir], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
