// Helpers for sysroot interop tests: a tmpfs per test (`ostree admin deploy` freezes the
// filesystem holding /boot; tmpfs refuses the freeze), fake OS trees in libtest.sh style, and
// tree descriptions to compare twin sysroots.
import { mkdtempSync, mkdirSync, writeFileSync, chmodSync, symlinkSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';
import { runOk } from './run.js';
import { isRoot, inCI } from './env.js';

/** Skip (fail in CI) unless root: tmpfs mounts, chown to 0, chattr need it. */
export function requireRoot(t: TestContext): boolean {
  if (isRoot()) return true;
  if (inCI) throw new Error('sysroot interop tests need root in CI');
  t.skip('needs root (tmpfs mount, bare repo ownership)');
  return false;
}

/**
 * A fresh tmpfs, unmounted when the test ends (after clearing immutable flags), pass or fail,
 * together with every mount a test made below it (a separate /boot), deepest first.
 */
export function tmpfsDir(t: TestContext): string {
  const dir = mkdtempSync(join(process.env.ATOLL_TEST_TMPDIR ?? tmpdir(), 'atoll-sysroot-'));
  runOk('mount', ['-t', 'tmpfs', 'tmpfs', dir]);
  t.after(() => {
    if (process.env.KEEP_TMP === '1') return;
    spawnSync('chattr', ['-R', '-i', dir], { stdio: 'ignore' });
    for (const mount of mountsBelow(dir)) spawnSync('umount', ['-l', mount], { stdio: 'ignore' });
    spawnSync('umount', ['-l', dir], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Mount points strictly below DIR, deepest first (from /proc/self/mountinfo; octal escapes decoded). */
function mountsBelow(dir: string): string[] {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const points = text
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Two sysroots made alike: `ref` for the real ostree, `ours` for atoll. */
export interface TwinSysroots {
  ref: string;
  ours: string;
}

export interface TwinSysrootOptions {
  /** The stateroot both get (`ostree admin os-init`). */
  os: string;
  /** A repository both system repos fetch from. */
  source?: string;
  /** Add a remote of this name pointing at file://`source` (gpg-verify off) to both system repos. */
  remote?: string;
  /** Refs both system repos fetch from `source`: `ostree pull` through `remote` when given, else `pull-local`. */
  refs?: readonly string[];
  /** Give each sysroot's /boot a tmpfs of its own (a separate /boot filesystem). */
  separateBoot?: boolean;
}

/**
 * The twin-sysroot setup of the sysroot interop tests: `work/ref` and `work/ours`, each
 * `ostree admin init-fs` + `os-init` by the real ostree, optionally with the same commits
 * pulled in. `work` is a tmpfsDir: every mount goes when the test ends, even when it fails.
 */
export function twinSysroots(work: string, options: TwinSysrootOptions): TwinSysroots {
  const ref = join(work, 'ref');
  const ours = join(work, 'ours');
  for (const root of [ref, ours]) {
    mkdirSync(root);
    if (options.separateBoot) {
      mkdirSync(join(root, 'boot'));
      runOk('mount', ['-t', 'tmpfs', 'tmpfs', join(root, 'boot')]);
    }
    ostreeAdmin(root, 'init-fs', root);
    ostreeAdmin(root, 'os-init', options.os);
    const repo = `--repo=${join(root, 'ostree/repo')}`;
    if (options.remote !== undefined) runOk('ostree', [repo, 'remote', 'add', '--set=gpg-verify=false', options.remote, `file://${options.source!}`]);
    if (options.refs !== undefined) {
      if (options.remote !== undefined) runOk('ostree', [repo, 'pull', options.remote, ...options.refs]);
      else runOk('ostree', [repo, 'pull-local', options.source!, ...options.refs]);
    }
  }
  return { ref, ours };
}

export interface FakeOsOptions {
  prettyName?: string;
  kver?: string;
  kernel?: string;
  initramfs?: string | null;
  etc?: Record<string, string>;
}

/** A small bootable tree: kernel under usr/lib/modules, os-release, usr/etc defaults, a /var entry. */
export function makeFakeOsTree(dir: string, options: FakeOsOptions = {}): string {
  const kver = options.kver ?? '5.10.0';
  mkdirSync(join(dir, 'usr/lib/modules', kver), { recursive: true });
  mkdirSync(join(dir, 'usr/bin'), { recursive: true });
  mkdirSync(join(dir, 'usr/etc'), { recursive: true });
  mkdirSync(join(dir, 'var/lib'), { recursive: true });
  writeFileSync(join(dir, 'usr/lib/modules', kver, 'vmlinuz'), options.kernel ?? 'KERNEL');
  if (options.initramfs !== null) writeFileSync(join(dir, 'usr/lib/modules', kver, 'initramfs.img'), options.initramfs ?? 'INITRD');
  writeFileSync(join(dir, 'usr/lib/os-release'), `NAME=TestOS\nID=testos\nPRETTY_NAME="${options.prettyName ?? 'Test OS 1'}"\nVERSION_ID=1\n`);
  writeFileSync(join(dir, 'usr/bin/sh'), '#!/bin/sh\n');
  chmodSync(join(dir, 'usr/bin/sh'), 0o755);
  symlinkSync('sh', join(dir, 'usr/bin/bash'));
  const etc = options.etc ?? { hostname: 'default-host\n', 'os-release': 'ID=testos\n' };
  for (const [path, content] of Object.entries(etc)) {
    mkdirSync(join(dir, 'usr/etc', path, '..'), { recursive: true });
    writeFileSync(join(dir, 'usr/etc', path), content);
  }
  return dir;
}

/** `ostree commit` of a tree into REPO (owner 0:0), returning the checksum. */
export function ostreeCommit(repo: string, branch: string, tree: string, version?: string): string {
  const args = [`--repo=${repo}`, 'commit', '-b', branch, '--owner-uid=0', '--owner-gid=0', '--timestamp=2024-01-01T00:00:00Z', tree];
  if (version !== undefined) args.splice(4, 0, `--add-metadata-string=version=${version}`);
  return runOk('ostree', args).trim();
}

/** ostree admin with a sysroot. */
export function ostreeAdmin(sysroot: string, ...args: string[]): string {
  return runOk('ostree', ['admin', `--sysroot=${sysroot}`, ...args]);
}

/** Every file under DIR (relative path → type and content/target), skipping ostree/repo objects. */
export function describeTree(dir: string, skip: (rel: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    const full = rel === '' ? dir : join(dir, rel);
    const r = spawnSync('find', [full, '-mindepth', '1', '-maxdepth', '1', '-printf', '%f\\0%y\\0%m\\0%U:%G\\0'], { encoding: 'utf8' });
    const parts = r.stdout.split('\0');
    for (let i = 0; i + 3 < parts.length; i += 4) {
      const name = parts[i] as string;
      const path = rel === '' ? name : `${rel}/${name}`;
      if (skip(path)) continue;
      const type = parts[i + 1] as string;
      const meta = `${type} ${parts[i + 2]} ${parts[i + 3]}`;
      if (type === 'd') {
        out[path] = meta;
        walk(path);
      } else if (type === 'l') out[path] = `${meta} -> ${runOk('readlink', [join(dir, path)]).trim()}`;
      else if (type === 'f') out[path] = `${meta} ${runOk('sha256sum', [join(dir, path)]).slice(0, 16)}`;
      else out[path] = meta;
    }
  };
  walk('');
  return out;
}
