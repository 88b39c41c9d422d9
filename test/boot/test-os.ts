// The boot-test OS, composed by atoll itself as a distribution would: the packages are built with
// `atoll rpm build` (fixture/make-packages.mjs), indexed with `atoll rpm-repo create`, and each
// version is composed from its own treefile with `atoll compose tree` into an archive repository
// that the sysroot's remote points at (file://). Debian's cloud kernel, busybox-static and
// ostree-boot come from the shared download cache (scripts/fetch-boot-deps.sh, under flock).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/env.js';
import { atoll, runOk } from '../helpers/run.js';

export const OS = 'testos';
export const REF = `${OS}/x86_64/test`;
/** The remote the sysroot's origin names (`testos:testos/x86_64/test`). */
export const REMOTE = 'testos';

export function atollOk(args: string[]): string {
  const r = atoll(args);
  if (r.status !== 0) throw new Error(`atoll ${args.join(' ')} exited ${r.status}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

export interface TestOs {
  /** The compose repository (archive mode): what the remote serves. */
  repo: string;
  /** The kernel version (Debian's cloud kernel in the download cache). */
  kver: string;
  /** Build version V's packages into the rpm-md repository and re-index it. */
  build(version: '1' | '2'): void;
  /** Compose version V from its treefile; returns the commit checksum. */
  compose(version: '1' | '2'): string;
}

/** The shared download cache, filled under its lock (another run may be filling it right now). */
export function bootCache(): string {
  const cache = process.env.ATOLL_BOOT_CACHE ?? join(process.env.HOME ?? '/root', '.cache', 'atoll-boot');
  mkdirSync(cache, { recursive: true });
  runOk('flock', [`${cache}.lock`, 'sh', join(repoRoot, 'scripts', 'fetch-boot-deps.sh'), cache]);
  return cache;
}

/** Initramfs, treefiles, empty rpm-md and compose repositories under WORK. `guest`: carry node + atoll (scenario B). */
export function prepareTestOs(work: string, opts: { guest?: boolean } = {}): TestOs {
  const cache = bootCache();
  const fixture = join(repoRoot, 'test', 'boot', 'fixture');
  const initramfs = join(work, 'initramfs.img');
  runOk('sh', [join(repoRoot, 'scripts', 'boot', 'build-initramfs.sh'), cache, initramfs]);
  const rpms = join(work, 'rpms');
  const treefiles = join(work, 'treefiles');
  const repo = join(work, 'compose-repo');
  mkdirSync(rpms, { recursive: true });
  mkdirSync(treefiles, { recursive: true });
  const packages = ['testos-filesystem', 'testos-kernel', 'testos-busybox', 'testos-release', ...(opts.guest ? ['testos-atoll'] : [])];
  writeFileSync(join(treefiles, 'testos.repo'), `[testos]\nname=boot-test OS packages\nbaseurl=file://${rpms}\ngpgcheck=0\n`);
  writeFileSync(join(treefiles, 'base.yaml'), [
    `ref: ${REF}`,
    'repos: [testos]',
    `packages: [${packages.join(', ')}]`,
    '# Fedora\'s layout: vmlinuz and initramfs.img in usr/lib/modules/$kver (the kernel package ships both).',
    'boot-location: modules',
    '# Recorded in the commit (rpmostree.initramfs-args); no dracut runs: the package carries the initramfs.',
    'initramfs-args: [--no-hostonly]',
    'documentation: false',
    'recommends: false',
    'tmp-is-dir: true',
    '',
  ].join('\n'));
  writeFileSync(join(treefiles, 'v1.yaml'), 'include: base.yaml\nautomatic-version-prefix: "1"\n');
  writeFileSync(join(treefiles, 'v2.yaml'), 'include: base.yaml\nautomatic-version-prefix: "2"\n# v2 adds a default file in /etc (testos-release 2 bumps the version)\npackages: [testos-news]\n');
  atollOk(['repo', 'init', '--repo', repo, '--mode', 'archive']);
  const kver = /^KVER=(.*)$/m.exec(readFileSync(join(cache, 'env'), 'utf8'))?.[1];
  if (!kver) throw new Error(`no KVER in ${cache}/env`);
  return {
    repo,
    kver,
    build(version) {
      const out = join(work, 'packages', `v${version}`);
      runOk(process.execPath, [join(fixture, 'make-packages.mjs'), cache, version, initramfs, out, ...(opts.guest ? ['--guest', repoRoot] : [])]);
      const descriptions = readdirSync(out).filter((n) => n.endsWith('.json')).map((n) => join(out, n));
      atollOk(['rpm', 'build', '-o', rpms, ...descriptions]);
      atollOk(['rpm-repo', 'create', rpms]);
    },
    compose(version) {
      const out = atollOk(['compose', 'tree', '--repo', repo, '--cachedir', join(work, 'compose-cache'), join(treefiles, `v${version}.yaml`)]);
      const m = /=> ([0-9a-f]{64})/.exec(out);
      if (!m) throw new Error(`atoll compose tree v${version} printed no commit checksum:\n${out}`);
      return m[1]!;
    },
  };
}

/** A fresh sysroot whose remote serves the compose repository (file://), with v1 installed by `atoll rebase`. */
export function installTestOs(sysroot: string, os: TestOs): void {
  atollOk(['admin', 'init-fs', sysroot]);
  atollOk(['admin', 'os-init', '--sysroot', sysroot, OS]);
  atollOk(['repo', 'remote', 'add', '--repo', join(sysroot, 'ostree', 'repo'), '--no-gpg-verify', REMOTE, `file://${os.repo}`]);
  atollOk(['rebase', '--sysroot', sysroot, '--os', OS, `${REMOTE}:${REF}`]);
  // The root device, as an installer would set it: a new deployment of the same commit.
  atollOk(['kargs', '--sysroot', sysroot, '--os', OS, '--append', 'root=/dev/vda', '--append', 'rw']);
  // ...and the karg-less deployment is dropped, so the menu holds exactly what the boots expect.
  atollOk(['cleanup', '--sysroot', sysroot, '--rollback']);
}
