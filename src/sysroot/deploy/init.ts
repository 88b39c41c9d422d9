import { mkdir, chmod, symlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AtollError, isErrno } from '../../errors/index.js';
import { SysrootLayout, isValidOsname } from '../layout/index.js';
import type { SysrootRepoProvider } from './repo-port.js';
import { pathExists } from './path-exists.js';

/** mkdir if missing; an existing directory (the host's) keeps its mode and content. */
async function ensureDir(path: string, mode: number): Promise<boolean> {
  if (await pathExists(path)) return false;
  await mkdir(path, { recursive: true, mode });
  await chmod(path, mode); // mkdir's mode goes through the umask; OSTree's fchmod does not
  return true;
}

/**
 * `ostree admin init-fs DIR`: the top-level directories and a bare `ostree/repo`. On a
 * populated root (an existing OS, the "parallel installation" case) only what is missing is
 * created: no host file, directory mode or /boot content is touched.
 */
export async function initFs(dir: string, repos: SysrootRepoProvider, options: { modern?: boolean } = {}): Promise<void> {
  try {
    if (!(await stat(dir)).isDirectory()) throw new AtollError('SYSROOT_NOT_A_DIRECTORY', `${dir} is not a directory`);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) {
      throw new AtollError('SYSROOT_NOT_A_DIRECTORY', `${dir} does not exist`, { hint: 'create the directory first (init-fs does not, as ostree)' });
    }
    throw error;
  }
  // `--modern` (ostree 2022.7): only /boot and /ostree; the rest comes from the deployments.
  for (const name of options.modern ? ['boot'] : ['boot', 'dev', 'home', 'proc', 'run', 'sys']) await ensureDir(join(dir, name), 0o755);
  if (!options.modern) {
    await ensureDir(join(dir, 'root'), 0o700);
    await ensureDir(join(dir, 'tmp'), 0o1777);
  }
  const layout = new SysrootLayout(dir);
  await ensureDir(layout.ostreeDir, 0o755);
  if (!(await pathExists(join(layout.repoDir, 'config')))) await repos.init(layout.repoDir);
}

/** `ostree admin os-init NAME`: the stateroot with its shared /var (§6.1). */
export async function osInit(layout: SysrootLayout, osname: string): Promise<boolean> {
  if (!isValidOsname(osname)) throw new AtollError('SYSROOT_BAD_OSNAME', `invalid stateroot name '${osname}'`);
  if (!(await pathExists(layout.ostreeDir))) {
    throw new AtollError('SYSROOT_NOT_INITIALIZED', `${layout.root} has no ostree/ directory`, { hint: 'run atoll admin init-fs first' });
  }
  await ensureDir(layout.deployRoot, 0o755);
  if (await pathExists(layout.stateroot(osname))) {
    // as ostree 2022.7: "Creating ostree/deploy/NAME: File exists"
    throw new AtollError('SYSROOT_STATEROOT_EXISTS', `stateroot '${osname}' already exists in ${layout.root}`, { hint: 'deploy into it with --os, or pick another name' });
  }
  const created = await ensureDir(layout.stateroot(osname), 0o755);
  const varDir = layout.staterootVar(osname);
  await ensureDir(varDir, 0o755);
  await ensureDir(join(varDir, 'tmp'), 0o1777);
  await ensureDir(join(varDir, 'lib'), 0o755);
  await ensureDir(join(varDir, 'log'), 0o755);
  if (!(await pathExists(join(varDir, 'run')))) await symlink('../run', join(varDir, 'run'));
  if (!(await pathExists(join(varDir, 'lock')))) await symlink('../run/lock', join(varDir, 'lock'));
  return created;
}
