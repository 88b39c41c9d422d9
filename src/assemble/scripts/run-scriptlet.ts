import { existsSync, lstatSync, mkdirSync, readlinkSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { AtollError } from '../../errors/index.js';
import { debug, warn, type Reporter } from '../../report/index.js';
import { runProgram } from '../../util/index.js';
import { formatNevra, type RpmHeaderPackage, type RpmScript, type ScriptKind } from '../../rpm/index.js';

/**
 * Running a package's scriptlets inside the tree with bubblewrap, as rpm-ostree does
 * (compose.md step 10): uid 0, no network, private pid/ipc/uts, the tree as `/` with `/usr`
 * and `/etc` writable, `/var` read-only with a tmpfs `/var/tmp`, fresh /dev, /proc, /tmp, /run.
 * The script body goes to a file and runs as `INTERP [ARGS] FILE $1` (rpm's way); `$1` is
 * the number of instances after the operation, 1 for a fresh install.
 */

/** Scripts rpm-ostree knows to be unnecessary or harmful in a tree compose (rpmostree-scripts.cxx). */
const IGNORED_SCRIPTS = new Set(['kernel.posttrans', 'kernel-core.posttrans', 'filesystem.posttrans', 'glibc.prein', 'glibc-all-langpacks.posttrans', 'glibc-common.post']);

export const SCRIPT_ORDER: readonly ScriptKind[] = ['pretrans', 'prein', 'postin', 'posttrans'];

const SCRIPT_NAME: Record<string, string> = { pretrans: '%pretrans', prein: '%pre', postin: '%post', posttrans: '%posttrans' };

export interface ScriptletOptions {
  reporter?: Reporter;
  /** bwrap program (default `bwrap` on PATH). */
  bwrap?: string;
}

/** Resolve `path` inside `root`, following symlinks as the sandbox would (absolute links are root-relative). */
export function resolveInRoot(root: string, path: string, depth = 0): string | undefined {
  if (depth > 40) return undefined;
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  let current = '';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '..') {
      current = posix.dirname(current === '' ? '/' : current);
      if (current === '/') current = '';
      continue;
    }
    const next = `${current}/${part}`;
    let st;
    try {
      st = lstatSync(join(root, next));
    } catch {
      return undefined;
    }
    if (st.isSymbolicLink()) {
      const target = readlinkSync(join(root, next));
      const rest = parts.slice(i + 1).join('/');
      const joined = target.startsWith('/') ? target : posix.join(current === '' ? '/' : current, target);
      return resolveInRoot(root, rest === '' ? joined : `${joined}/${rest}`, depth + 1);
    }
    current = next;
  }
  return current === '' ? '/' : current;
}

export interface ScriptRun {
  package: string;
  script: string;
  skipped?: string;
}

/** Run one scriptlet of `pkg` in `root`. Throws ASSEMBLE_SCRIPT_* with the package and script named. */
export async function runScriptlet(root: string, pkg: RpmHeaderPackage, kind: ScriptKind, options: ScriptletOptions = {}): Promise<ScriptRun | undefined> {
  const script: RpmScript | null = pkg.scripts[kind];
  if (script === null) return undefined;
  const nevra = formatNevra(pkg);
  const name = SCRIPT_NAME[kind] ?? kind;
  const reporter = options.reporter;
  if (IGNORED_SCRIPTS.has(`${pkg.name}.${kind}`)) {
    if (reporter) debug(reporter, `skipping ${name} of ${nevra} (known not to apply to OSTree trees)`);
    return { package: nevra, script: name, skipped: 'ignored' };
  }
  const prog = script.prog.length > 0 ? script.prog : ['/bin/sh'];
  if (prog[0] === '<lua>') {
    if (script.body !== null && script.body.includes('-- rpm-ostree-skip')) return { package: nevra, script: name, skipped: 'lua rpm-ostree-skip' };
    throw new AtollError('ASSEMBLE_SCRIPT_LUA', `${name} of ${nevra} is a Lua script, which cannot run in a tree compose`, {
      hint: "add '-- rpm-ostree-skip' to the script if it is not needed, or rewrite it as a shell script",
      data: { package: nevra, script: name },
    });
  }
  await runInSandbox(root, { nevra, label: name, script: { ...script, prog }, args: ['1'], env: pkg, reporter, bwrap: options.bwrap });
  return { package: nevra, script: name };
}

export interface SandboxRun {
  nevra: string;
  /** `%post`, `%transfiletriggerin`... for messages. */
  label: string;
  script: RpmScript;
  args: string[];
  /** Standard input (file triggers get the matching paths). */
  input?: string;
  env: { name: string; version: string; release: string };
  reporter?: Reporter;
  bwrap?: string;
}

/** Run a script body with its interpreter inside the tree (see the module comment for the sandbox). */
export async function runInSandbox(root: string, run: SandboxRun): Promise<void> {
  const { nevra, label: name, script, reporter } = run;
  const prog = script.prog.length > 0 ? script.prog : ['/bin/sh'];
  const pkg = run.env;
  const interpreter = prog[0]!;
  const resolved = interpreter.startsWith('/') ? resolveInRoot(root, interpreter) : undefined;
  if (resolved === undefined || !existsSync(join(root, resolved))) {
    throw new AtollError('ASSEMBLE_SCRIPT_INTERPRETER', `${name} of ${nevra} needs ${interpreter}, which is not in the tree`, {
      hint: `add the package that provides ${interpreter} to the package set (rpm would order it first through the script's requirement)`,
      data: { package: nevra, script: name, interpreter },
    });
  }
  const work = mkdtempSync(join(tmpdir(), 'atoll-script-'));
  try {
    const args = [...prog];
    if (script.body !== null) {
      writeFileSync(join(work, 'script'), script.body, { mode: 0o755 });
      args.push('/run/atoll-script');
    }
    args.push(...run.args);
    for (const dir of ['dev', 'proc', 'tmp', 'run', 'var/tmp', 'etc', 'usr']) mkdirSync(join(root, dir), { recursive: true });
    const bwrapArgs = [
      '--bind', root, '/',
      '--dev', '/dev',
      '--proc', '/proc',
      '--tmpfs', '/tmp',
      '--tmpfs', '/run',
      '--ro-bind', join(root, 'var'), '/var',
      '--tmpfs', '/var/tmp',
      ...(script.body !== null ? ['--ro-bind', join(work, 'script'), '/run/atoll-script'] : []),
      '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-net',
      '--die-with-parent',
      '--chdir', '/',
      '--clearenv',
      '--setenv', 'PATH', '/usr/sbin:/usr/bin:/sbin:/bin',
      '--setenv', 'HOME', '/root',
      '--setenv', 'LANG', 'C.UTF-8',
      '--setenv', 'RPM_PACKAGE_NAME', pkg.name,
      '--setenv', 'RPM_PACKAGE_VERSION', pkg.version,
      '--setenv', 'RPM_PACKAGE_RELEASE', pkg.release,
      '--setenv', 'container', 'atoll',
      '--',
      ...args,
    ];
    let result;
    try {
      result = await runProgram(run.bwrap ?? 'bwrap', bwrapArgs, run.input !== undefined ? { input: run.input } : {});
    } catch (error) {
      throw new AtollError('ASSEMBLE_SCRIPT_SANDBOX', `cannot start bubblewrap for ${name} of ${nevra}: ${(error as Error).message}`, {
        hint: 'install bubblewrap (bwrap); scriptlets run inside it',
        cause: error,
      });
    }
    const output = `${result.stdout.toString('utf8')}${result.stderr}`.trim();
    if (result.status !== 0) {
      throw new AtollError('ASSEMBLE_SCRIPT_FAILED', `${name} of ${nevra} failed (exit status ${result.status})${output === '' ? '' : `: ${output.slice(-2000)}`}`, {
        data: { package: nevra, script: name, status: result.status, output },
      });
    }
    if (output !== '' && reporter) warn(reporter, `${name} of ${nevra}: ${output}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
