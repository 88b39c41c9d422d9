import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { AtollError } from '../errors/index.js';
import { debug, nullReporter, warn, type Reporter } from '../report/index.js';
import { RPMFILE, formatNevra } from '../rpm/index.js';
import { breakHardlinks, copyUp, runInSandbox, translatePath, writeFileReplacing, type AssembledPackage } from '../assemble/index.js';
import type { TreefileConfig } from './treefile/index.js';

export interface TreefilePostprocessOptions {
  config: TreefileConfig;
  /** Directory of the top-level treefile: relative add-files sources and postprocess-script resolve here. */
  treefileDir: string;
  packages: readonly AssembledPackage[];
  /** The version this commit gets (mutate-os-release), null when none. */
  version: string | null;
  reporter?: Reporter;
  bwrap?: string;
}

/**
 * A boolean key with the defaults `edition` and `container` imply (treefile.md): edition 2024
 * makes /tmp a directory; `container: true` makes /tmp a directory and turns SELinux off.
 */
export function effectiveBool(config: TreefileConfig, key: 'tmp-is-dir' | 'selinux'): boolean {
  const value = config[key];
  if (typeof value === 'boolean') return value;
  const container = config.container === true;
  if (key === 'tmp-is-dir') return container || String(config.edition ?? '2014') === '2024';
  return !container;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** A treefile path like `/etc/x` or `usr/share/x` → its place in the OSTree-shaped tree. */
function treePath(path: string, what: string): string {
  const rel = path.replace(/^\/+/, '');
  if (rel === '' || rel.split('/').some((c) => c === '..' || c === '.')) {
    throw new AtollError('COMPOSE_BAD_PATH', `${what}: invalid path '${path}'`, { data: { path } });
  }
  if (rel === 'etc' || rel.startsWith('etc/')) return `usr/${rel}`;
  if (rel === 'usr' || rel.startsWith('usr/')) return rel;
  throw new AtollError('COMPOSE_BAD_PATH', `${what}: '${path}' is outside /usr and /etc, which is all an OSTree commit keeps`, { data: { path } });
}

/** The files of an assembled package, as tree paths, with their header entries. */
function* packageTreeFiles(p: AssembledPackage): Generator<{ path: string; tree: string; flags: number }> {
  for (const f of p.pkg.files) {
    const t = translatePath(f.path, (f.mode & 0o170000) === 0o040000, p.pkg.name);
    if (t.kind === 'store') yield { path: f.path, tree: t.path, flags: f.flags };
  }
}

function removeFromPackages(root: string, options: TreefilePostprocessOptions, reporter: Reporter): void {
  const raw = options.config['remove-from-packages'];
  if (!Array.isArray(raw)) return;
  for (const entry of raw) {
    const parts = strings(entry);
    if (parts.length < 2 || parts.length !== (entry as unknown[]).length) {
      throw new AtollError('COMPOSE_BAD_TREEFILE', "remove-from-packages entries are [PACKAGE, REGEX...]", { data: { entry } });
    }
    const [name, ...patterns] = parts as [string, ...string[]];
    const pkg = options.packages.find((p) => p.pkg.name === name);
    if (pkg === undefined) {
      throw new AtollError('COMPOSE_BAD_TREEFILE', `remove-from-packages names package '${name}', which is not in the tree`, { data: { name } });
    }
    const regexes = patterns.map((p) => {
      try {
        return new RegExp(p);
      } catch (error) {
        throw new AtollError('COMPOSE_BAD_TREEFILE', `remove-from-packages: bad regular expression '${p}'`, { cause: error });
      }
    });
    let n = 0;
    for (const f of packageTreeFiles(pkg)) {
      if (!regexes.some((re) => re.test(f.path))) continue;
      rmSync(join(root, f.tree), { recursive: true, force: true });
      n++;
    }
    debug(reporter, `remove-from-packages: ${n} paths of ${formatNevra(pkg.pkg)} removed`);
  }
}

/** `documentation: false`: drop %doc files (rpm-ostree installs with --excludedocs). */
function dropDocs(root: string, options: TreefilePostprocessOptions, reporter: Reporter): void {
  let n = 0;
  for (const p of options.packages) {
    for (const f of packageTreeFiles(p)) {
      if ((f.flags & RPMFILE.DOC) === 0) continue;
      const full = join(root, f.tree);
      if (existsSync(full) && !lstatSync(full).isDirectory()) {
        rmSync(full, { force: true });
        n++;
      }
    }
  }
  debug(reporter, `documentation: false: ${n} %doc files removed`);
}

function replaceLink(path: string, target: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  rmSync(path, { force: true });
  symlinkSync(target, path);
}

/** `units` and `default-target`: the symlinks `systemctl enable` / `set-default` make. */
function enableUnits(root: string, config: TreefileConfig): void {
  const systemDir = join(root, 'usr/etc/systemd/system');
  for (const unit of strings(config.units)) {
    if (unit.includes('/')) throw new AtollError('COMPOSE_BAD_PATH', `units: invalid unit name '${unit}'`);
    replaceLink(join(systemDir, 'multi-user.target.wants', unit), `/usr/lib/systemd/system/${unit}`);
  }
  const target = config['default-target'];
  if (typeof target === 'string') {
    if (target.includes('/')) throw new AtollError('COMPOSE_BAD_PATH', `default-target: invalid unit name '${target}'`);
    replaceLink(join(systemDir, 'default.target'), `/usr/lib/systemd/system/${target}`);
  }
}

/** rpm-ostree's mutate_os_release_contents: the base version becomes the commit's version. */
export function mutateOsRelease(contents: string, base: string, next: string): string {
  let out = '';
  for (const line of contents.split('\n')) {
    if (line === '') continue;
    if (/^(VERSION|PRETTY_NAME)=/.test(line)) out += `${line.split(base).join(next)}\n`;
    else out += `${line}\n`;
  }
  return `${out}OSTREE_VERSION='${next}'\n`;
}

function osReleasePath(root: string): string | null {
  for (const rel of ['usr/etc/os-release', 'usr/lib/os-release']) {
    const p = join(root, rel);
    if (!existsSync(p)) continue;
    if (lstatSync(p).isSymbolicLink()) {
      const target = readlinkSync(p);
      const resolved = target.startsWith('/') ? join(root, target) : resolve(dirname(p), target);
      if (resolved.startsWith(`${root}/`) && existsSync(resolved) && !lstatSync(resolved).isSymbolicLink()) return resolved;
      continue;
    }
    return p;
  }
  return null;
}

function removeFiles(root: string, config: TreefileConfig): void {
  for (const path of strings(config['remove-files'])) {
    if (path.startsWith('/')) throw new AtollError('COMPOSE_BAD_PATH', `remove-files: '${path}' must be relative (e.g. etc/foo)`, { data: { path } });
    rmSync(join(root, treePath(path, 'remove-files')), { recursive: true, force: true });
  }
}

/** The external files `add-files` copies: [source on disk, destination in the tree]. */
export function addFilesList(config: TreefileConfig, treefileDir: string): Array<{ source: string; dest: string }> {
  const raw = config['add-files'];
  if (!Array.isArray(raw)) return [];
  return raw.map((entry) => {
    const pair = strings(entry);
    if (pair.length !== 2 || (entry as unknown[]).length !== 2) throw new AtollError('COMPOSE_BAD_TREEFILE', 'add-files entries are [SOURCE, DESTINATION]', { data: { entry } });
    return { source: isAbsolute(pair[0]!) ? pair[0]! : resolve(treefileDir, pair[0]!), dest: pair[1]! };
  });
}

/** `postprocess-script`, resolved against the treefile's directory. */
export function postprocessScriptPath(config: TreefileConfig, treefileDir: string): string | null {
  const script = config['postprocess-script'];
  if (typeof script !== 'string') return null;
  return isAbsolute(script) ? script : resolve(treefileDir, script);
}

function addFiles(root: string, options: TreefilePostprocessOptions): void {
  for (const { source, dest } of addFilesList(options.config, options.treefileDir)) {
    if (!dest.startsWith('/')) throw new AtollError('COMPOSE_BAD_PATH', `add-files: destination '${dest}' must be absolute`, { data: { dest } });
    let st;
    try {
      st = statSync(source);
    } catch (error) {
      throw new AtollError('COMPOSE_EXTERNAL_MISSING', `add-files: cannot read ${source}`, { cause: error, data: { source } });
    }
    const target = join(root, treePath(dest, 'add-files'));
    mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
    rmSync(target, { force: true, recursive: true });
    copyFileSync(source, target);
    chmodSync(target, st.mode & 0o7777);
  }
}

/** Split `#!/usr/bin/env bash -e` into the interpreter and its arguments. */
function shebang(body: string): string[] {
  if (!body.startsWith('#!')) return ['/bin/sh'];
  return body.slice(2).split('\n')[0]!.trim().split(/\s+/).filter((s) => s !== '');
}

/** `postprocess` (inline) then `postprocess-script`, in bubblewrap with /etc in place. */
async function runPostprocessScripts(root: string, options: TreefilePostprocessOptions, reporter: Reporter): Promise<void> {
  const scripts: Array<{ label: string; body: string }> = strings(options.config.postprocess).map((body, i) => ({ label: `postprocess[${i}]`, body }));
  const scriptPath = postprocessScriptPath(options.config, options.treefileDir);
  if (scriptPath !== null) {
    try {
      scripts.push({ label: 'postprocess-script', body: readFileSync(scriptPath, 'utf8') });
    } catch (error) {
      throw new AtollError('COMPOSE_EXTERNAL_MISSING', `postprocess-script: cannot read ${scriptPath}`, { cause: error, data: { path: scriptPath } });
    }
  }
  if (scripts.length === 0) return;
  // A script may edit any file in place: none may still be a package-cache object.
  const copied = breakHardlinks(root);
  if (copied > 0) debug(reporter, `postprocess scripts: ${copied} hardlinked files copied up first`);
  // Scripts see the tree as it boots: /etc at /etc (rpm-ostree's temporary /etc view).
  renameSync(join(root, 'usr/etc'), join(root, 'etc'));
  const createdVar = readdirSync(join(root, 'var')).length === 0;
  try {
    for (const s of scripts) {
      try {
        await runInSandbox(root, {
          nevra: 'treefile',
          label: s.label,
          script: { prog: shebang(s.body), body: s.body, flags: 0 },
          args: [],
          env: { name: 'treefile', version: '', release: '' },
          reporter,
          ...(options.bwrap ? { bwrap: options.bwrap } : {}),
        });
      } catch (error) {
        throw new AtollError('COMPOSE_POSTPROCESS_FAILED', `${s.label} failed: ${(error as Error).message}`, { cause: error });
      }
    }
  } finally {
    renameSync(join(root, 'etc'), join(root, 'usr/etc'));
    if (createdVar) for (const name of readdirSync(join(root, 'var'))) rmSync(join(root, 'var', name), { recursive: true, force: true });
  }
}

/** `readonly-executables`: no write bits on files with an exec bit. */
function readonlyExecutables(dir: string): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) readonlyExecutables(p);
    else if (st.isFile() && (st.mode & 0o111) !== 0 && (st.mode & 0o222) !== 0) {
      copyUp(p, st);
      chmodSync(p, st.mode & 0o7555);
    }
  }
}

const RECORDED_ONLY: Record<string, string> = {
  'initramfs-args': 'recorded in rpmostree.initramfs-args; atoll does not run dracut',
  'container-cmd': 'recorded only (used by container image builds)',
  'install-langs': 'recorded only; all languages are installed',
  sysusers: 'recorded only; useradd calls in scriptlets are not converted to sysusers.d',
  'gpg-key': 'recorded only; commits are not signed',
  cliwrap: 'recorded only',
  'rpmdb-normalize': 'ignored; the rpmdb is always reproducible',
};

/**
 * The treefile's own postprocessing on top of assemble's generic one (compose.md step 12), on
 * the final tree (config in usr/etc): remove-from-packages, documentation, units and
 * default-target, treefile.json, mutate-os-release, remove-files, add-files, postprocess
 * scripts, readonly-executables, tmp-is-dir. Keys atoll only records get a warning.
 */
export async function postprocessForTreefile(root: string, options: TreefilePostprocessOptions): Promise<void> {
  const reporter = options.reporter ?? nullReporter;
  const config = options.config;
  if (config['machineid-compat'] === false && strings(config.units).length > 0) {
    throw new AtollError('COMPOSE_BAD_TREEFILE', "'units' cannot be used with 'machineid-compat: false' (systemd presets apply on first boot instead)");
  }
  removeFromPackages(root, options, reporter);
  if (config.documentation === false) dropDocs(root, options, reporter);
  enableUnits(root, config);

  mkdirSync(join(root, 'usr/share/rpm-ostree'), { recursive: true, mode: 0o755 });
  // Package files may be hardlinks of package-cache objects: replace, never write through them.
  writeFileReplacing(join(root, 'usr/share/rpm-ostree/treefile.json'), JSON.stringify(config), 0o644);

  const base = config['mutate-os-release'];
  if (typeof base === 'string' && options.version !== null) {
    const path = osReleasePath(root);
    if (path === null) warn(reporter, 'mutate-os-release: the tree has no os-release file', 'COMPOSE_RECORDED_ONLY');
    else writeFileReplacing(path, mutateOsRelease(readFileSync(path, 'utf8'), base, options.version), 0o644);
  }
  removeFiles(root, config);
  addFiles(root, options);
  await runPostprocessScripts(root, options, reporter);
  if (config['readonly-executables'] === true) readonlyExecutables(join(root, 'usr'));
  if (!effectiveBool(config, 'tmp-is-dir')) {
    // rpm-ostree's default: /tmp is a link into the physical root.
    rmSync(join(root, 'tmp'), { recursive: true, force: true });
    symlinkSync('sysroot/tmp', join(root, 'tmp'));
  }

  const bootLocation = config['boot-location'];
  if (bootLocation !== undefined && bootLocation !== 'modules') {
    warn(reporter, `boot-location: '${String(bootLocation)}' is treated as 'modules' (kernel and initramfs in usr/lib/modules/$kver)`, 'COMPOSE_RECORDED_ONLY');
  }
  if (effectiveBool(config, 'selinux') && existsSync(join(root, 'usr/etc/selinux/config'))) {
    warn(reporter, 'selinux: the tree ships a policy but atoll does not label files yet', 'COMPOSE_RECORDED_ONLY');
  }
  for (const [key, why] of Object.entries(RECORDED_ONLY)) {
    if (config[key] !== undefined) warn(reporter, `${key}: ${why}`, 'COMPOSE_RECORDED_ONLY');
  }
}
