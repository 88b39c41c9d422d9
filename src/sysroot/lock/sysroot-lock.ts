import { open, readFile, unlink } from 'node:fs/promises';
import { AtollError, isErrno } from '../../errors/index.js';

/**
 * One writer per sysroot. OSTree takes flock() on `ostree/lock`; Node has no flock, so atoll
 * creates the same file exclusively and writes its pid into it. A second writer fails fast
 * naming the holder; a lock left by a dead process (SIGKILL, power loss) is taken over.
 */
export interface SysrootLock {
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return !isErrno(error, 'ESRCH');
  }
}

export async function lockSysroot(lockPath: string, what: string): Promise<SysrootLock> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      await handle.writeFile(`pid=${process.pid}\ncommand=${what}\n`);
      await handle.close();
      return {
        release: async () => {
          await unlink(lockPath).catch(() => undefined);
        },
      };
    } catch (error) {
      if (isErrno(error, 'ENOENT')) {
        throw new AtollError('SYSROOT_NOT_INITIALIZED', `cannot create the sysroot lock ${lockPath}: no such directory`, {
          hint: 'run atoll admin init-fs DIR first',
        });
      }
      if (!isErrno(error, 'EEXIST')) throw error;
    }
    let holder = '';
    try {
      holder = await readFile(lockPath, 'utf8');
    } catch (error) {
      if (isErrno(error, 'ENOENT')) continue; // released meanwhile
      throw error;
    }
    const pid = Number(/^pid=(\d+)$/m.exec(holder)?.[1] ?? NaN);
    const command = /^command=(.*)$/m.exec(holder)?.[1];
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) {
      await unlink(lockPath).catch(() => undefined); // stale: its holder is gone
      continue;
    }
    const who = Number.isInteger(pid) ? `process ${pid}${command ? ` (${command})` : ''}` : 'another process (ostree?)';
    throw new AtollError('SYSROOT_LOCKED', `sysroot is locked by ${who}`, {
      hint: 'wait for the other operation to finish, then try again',
      data: { lockPath, pid: Number.isInteger(pid) ? pid : undefined },
    });
  }
  throw new AtollError('SYSROOT_LOCKED', `cannot take the sysroot lock ${lockPath}`);
}

/** Run `work` holding the sysroot lock; released even when work throws. */
export async function withSysrootLock<T>(lockPath: string, what: string, work: () => Promise<T>): Promise<T> {
  const lock = await lockSysroot(lockPath, what);
  try {
    return await work();
  } finally {
    await lock.release();
  }
}
