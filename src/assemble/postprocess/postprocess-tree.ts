import { existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { copyUp } from '../union/copy-up.js';
import { AtollError } from '../../errors/index.js';
import { debug, type Reporter } from '../../report/index.js';
import { writeRpmdb, type RpmdbPackage } from '../rpmdb/index.js';
import { AUTOVAR_CONF, INTEGRATION_CONF, integrationConf, mergeTmpfiles, varToTmpfiles } from './tmpfiles.js';

/**
 * The conversions that make an assembled root OSTree-shaped (compose.md steps 11, 13, 14):
 * rpmdb at usr/share/rpm, /etc → /usr/etc, passwd/group split for nss-altfiles, /var emptied
 * into tmpfiles.d, kernel and initramfs in usr/lib/modules/$kver, and the final toplevel
 * (mount points, UsrMove links, var-backed home/root/opt/srv/mnt). Runs on the work root
 * after scriptlets, where /etc is at /etc.
 */

export interface PostprocessOptions {
  /** Packages in transaction order with their headers, for the rpmdb. */
  rpmdbPackages: readonly RpmdbPackage[];
  /** INSTALLTID/INSTALLTIME source (see rpmdbTimestamp). */
  timestamp: number;
  /** Create an empty usr/etc/machine-id (default true; rpm-ostree's `machineid-compat`). */
  machineidCompat?: boolean;
  /** Groups whose members stay in /etc/group (treefile `etc-group-members`). */
  etcGroupMembers?: readonly string[];
  /** tmpfiles.d lines collected at import (also present as usr/lib/rpm-ostree/tmpfiles.d files). */
  reporter?: Reporter;
}

export interface PostprocessResult {
  kernelVersion: string | null;
  tmpfilesLines: number;
  passwdSplit: boolean;
}

const TOPLEVEL_DIRS = ['dev', 'proc', 'run', 'sys', 'var', 'sysroot', 'boot'];
const TOPLEVEL_LINKS: Array<[string, string]> = [
  ['home', 'var/home'],
  ['root', 'var/roothome'],
  ['ostree', 'sysroot/ostree'],
  ['opt', 'var/opt'],
  ['srv', 'var/srv'],
  ['mnt', 'var/mnt'],
  ['media', 'run/media'],
];
const USRMOVE = ['bin', 'sbin', 'lib', 'lib64'];

function hasAltfiles(root: string): boolean {
  return ['usr/lib64', 'usr/lib', 'usr/lib/x86_64-linux-gnu', 'usr/lib/aarch64-linux-gnu'].some((dir) => existsSync(join(root, dir, 'libnss_altfiles.so.2')));
}

/** Split passwd/group: root stays in usr/etc, everything else goes to usr/lib (rpm-ostree passwd.rs). */
function splitPasswd(root: string, keepGroups: readonly string[]): void {
  for (const [name, keep] of [
    ['passwd', (entry: string) => entry === 'root'],
    ['group', (entry: string) => entry === 'root' || keepGroups.includes(entry)],
  ] as const) {
    const etcFile = join(root, 'usr/etc', name);
    if (!existsSync(etcFile)) continue;
    const lines = readFileSync(etcFile, 'utf8').split('\n').filter((l) => l !== '');
    const stay = lines.filter((l) => keep(l.split(':')[0]!));
    const move = lines.filter((l) => !keep(l.split(':')[0]!));
    const usrFile = join(root, 'usr/lib', name);
    const existing = existsSync(usrFile) ? readFileSync(usrFile, 'utf8').split('\n').filter((l) => l !== '') : [];
    const names = new Set(existing.map((l) => l.split(':')[0]));
    copyUp(usrFile);
    copyUp(etcFile);
    writeFileSync(usrFile, [...existing, ...move.filter((l) => !names.has(l.split(':')[0]))].map((l) => `${l}\n`).join(''), { mode: 0o644 });
    writeFileSync(etcFile, stay.map((l) => `${l}\n`).join(''));
  }
  const nss = join(root, 'usr/etc/nsswitch.conf');
  if (existsSync(nss)) {
    const text = readFileSync(nss, 'utf8').replace(/^(passwd|group):(.*)$/gm, (line, key: string, rest: string) =>
      /\baltfiles\b/.test(rest) ? line : `${key}:${rest.replace(/\bfiles\b/, 'files altfiles')}`,
    );
    copyUp(nss);
    writeFileSync(nss, text);
  }
}

function idName(root: string, file: string): (id: number) => string {
  const map = new Map<number, string>();
  for (const f of [join(root, 'etc', file), join(root, 'usr/etc', file), join(root, 'usr/lib', file)]) {
    if (!existsSync(f)) continue;
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      const fields = line.split(':');
      if (fields.length >= 3 && /^\d+$/.test(fields[2]!) && !map.has(Number(fields[2]))) map.set(Number(fields[2]), fields[0]!);
    }
  }
  return (id) => map.get(id) ?? String(id);
}

/** Move the kernel and initramfs to usr/lib/modules/$kver (from /boot, now usr/lib/ostree-boot). */
function placeKernel(root: string): string | null {
  const modules = join(root, 'usr/lib/modules');
  const bootDir = join(root, 'usr/lib/ostree-boot');
  const versions = existsSync(modules) ? readdirSync(modules).filter((v) => lstatSync(join(modules, v)).isDirectory()) : [];
  const found: string[] = [];
  for (const kver of versions) {
    const target = join(modules, kver, 'vmlinuz');
    const legacy = join(bootDir, `vmlinuz-${kver}`);
    if (!existsSync(target) && existsSync(legacy)) renameSync(legacy, target);
    if (!existsSync(target)) continue;
    found.push(kver);
    const initramfs = join(bootDir, `initramfs-${kver}.img`);
    if (existsSync(initramfs) && !existsSync(join(modules, kver, 'initramfs.img'))) renameSync(initramfs, join(modules, kver, 'initramfs.img'));
  }
  if (found.length > 1) {
    throw new AtollError('ASSEMBLE_MULTIPLE_KERNELS', `the tree has ${found.length} kernels (${found.join(', ')}); an OSTree commit boots exactly one`, {
      data: { kernels: found },
    });
  }
  if (existsSync(bootDir) && readdirSync(bootDir).length === 0) rmSync(bootDir, { recursive: true });
  return found[0] ?? null;
}

/**
 * Scriptlets ran as root inside the tree: before writing into it from outside the sandbox,
 * make sure none of the directories written to is a symlink that could lead out of it.
 */
function assertRealDirectories(root: string): void {
  for (const dir of ['etc', 'usr', 'usr/etc', 'usr/lib', 'usr/share', 'usr/share/rpm', 'usr/lib/sysimage', 'usr/lib/rpm', 'usr/lib/rpm/macros.d', 'usr/lib/tmpfiles.d', 'usr/lib/modules', 'usr/lib/ostree-boot', 'usr/lib/rpm-ostree', 'var']) {
    let st;
    try {
      st = lstatSync(join(root, dir));
    } catch {
      continue;
    }
    if (!st.isDirectory()) {
      throw new AtollError('ASSEMBLE_UNSAFE_TREE', `${dir} in the assembled tree is not a directory (a scriptlet replaced it?)`, { data: { path: dir } });
    }
  }
}

export function postprocessTree(root: string, options: PostprocessOptions): PostprocessResult {
  const reporter = options.reporter;
  assertRealDirectories(root);
  // /etc → /usr/etc (scriptlets saw it at /etc).
  if (existsSync(join(root, 'etc'))) {
    if (existsSync(join(root, 'usr/etc'))) throw new AtollError('ASSEMBLE_BOTH_ETC', 'the tree has both /etc and /usr/etc after scriptlets');
    mkdirSync(join(root, 'usr'), { recursive: true });
    renameSync(join(root, 'etc'), join(root, 'usr/etc'));
  }
  mkdirSync(join(root, 'usr/etc'), { recursive: true });

  // rpmdb at usr/share/rpm, with the links and macro rpm-ostree places.
  const dbDir = join(root, 'usr/share/rpm');
  rmSync(dbDir, { recursive: true, force: true });
  writeRpmdb(dbDir, options.rpmdbPackages, { timestamp: options.timestamp });
  mkdirSync(join(root, 'usr/lib/sysimage'), { recursive: true });
  rmSync(join(root, 'usr/lib/sysimage/rpm'), { recursive: true, force: true });
  symlinkSync('../../share/rpm', join(root, 'usr/lib/sysimage/rpm'));
  const baseDb = join(root, 'usr/lib/sysimage/rpm-ostree-base-db');
  rmSync(baseDb, { recursive: true, force: true });
  mkdirSync(baseDb);
  linkSync(join(dbDir, 'rpmdb.sqlite'), join(baseDb, 'rpmdb.sqlite'));
  mkdirSync(join(root, 'usr/lib/rpm/macros.d'), { recursive: true });
  copyUp(join(root, 'usr/lib/rpm/macros.d/macros.rpm-ostree'));
  writeFileSync(join(root, 'usr/lib/rpm/macros.d/macros.rpm-ostree'), '%_dbpath /usr/share/rpm\n', { mode: 0o644 });

  // passwd/group: split for nss-altfiles, else they stay in usr/etc so users exist at run time.
  const passwdSplit = hasAltfiles(root);
  if (passwdSplit) splitPasswd(root, options.etcGroupMembers ?? []);

  // Kernel.
  const kernelVersion = placeKernel(root);
  const machineId = join(root, 'usr/etc/machine-id');
  copyUp(machineId);
  if (options.machineidCompat ?? true) writeFileSync(machineId, '', { mode: 0o444 });
  else rmSync(machineId, { force: true });
  if (existsSync(machineId)) chmodSync(machineId, 0o444);

  // /var → tmpfiles.d, then empty.
  const leftover = varToTmpfiles(root, { user: idName(root, 'passwd'), group: idName(root, 'group') }).filter((l) => !/^d \/var\/tmp /.test(l));
  const merged = mergeTmpfiles(root, leftover);
  copyUp(join(root, INTEGRATION_CONF));
  copyUp(join(root, AUTOVAR_CONF));
  writeFileSync(join(root, INTEGRATION_CONF), integrationConf(root), { mode: 0o644 });
  writeFileSync(join(root, AUTOVAR_CONF), merged.length > 0 ? `${merged.join('\n')}\n` : '', { mode: 0o644 });
  if (reporter) debug(reporter, `tmpfiles.d: ${merged.length} lines for /var, /run and /opt content`);

  // Final toplevel: only usr survives from the work root (compose_prepare_rootfs).
  for (const name of readdirSync(root)) {
    if (name === 'usr') continue;
    rmSync(join(root, name), { recursive: true, force: true });
  }
  for (const dir of TOPLEVEL_DIRS) mkdirSync(join(root, dir), { mode: 0o755 });
  mkdirSync(join(root, 'tmp'));
  chmodSync(join(root, 'tmp'), 0o1777);
  for (const [name, target] of TOPLEVEL_LINKS) symlinkSync(target, join(root, name));
  for (const dir of USRMOVE) if (existsSync(join(root, 'usr', dir))) symlinkSync(`usr/${dir}`, join(root, dir));
  const usrLocal = join(root, 'usr/local');
  if (existsSync(usrLocal) && lstatSync(usrLocal).isDirectory()) rmSync(usrLocal, { recursive: true });
  if (!existsSync(usrLocal)) symlinkSync('../var/usrlocal', usrLocal);
  return { kernelVersion, tmpfilesLines: merged.length, passwdSplit };
}
