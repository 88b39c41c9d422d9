import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { AtollError, isErrno } from '../../errors/index.js';
import { runProgram } from '../../util/index.js';

/**
 * One writer per sysroot. OSTree takes flock() on `ostree/lock`; Node has no flock, so atoll
 * creates the same file exclusively and writes its pid into it. A second writer fails fast
 * naming the holder, or with `wait` waits for it as `ostree admin` does (ot_admin_sysroot_lock);
 * a lock left by a dead process (SIGKILL, power loss) is taken over, and so is a lock file
 * without a pid (ostree's) that nobody holds a flock() on.
 */
export interface SysrootLock {
  release(): Promise<void>;
}

export interface LockOptions {
  /** Wait for the holder to release the lock instead of failing. */
  wait?: boolean;
  /** Called once when the lock is busy and `wait` is set (with the holder's description). */
  onWait?: (holder: string) => void;
}

/** ostree's own lock file: held when some process has it flock()ed (util-linux flock probes it). */
async function foreignLockHeld(lockPath: string): Promise<boolean> {
  try {
    const probe = await runProgram('flock', ['--nonblock', '--conflict-exit-code', '99', lockPath, 'true']);
    return probe.status !== 0;
  } catch {
    return true; // no flock(1): assume the worst
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return !isErrno(error, 'ESRCH');
  }
}

export async function lockSysroot(lockPath: string, what: string, options: LockOptions = {}): Promise<SysrootLock> {
  let delay = 20;
  let waited = false;
  for (let attempt = 0; attempt < 3 || options.wait; attempt++) {
    // Written under a temporary name and link()ed into place: the lock file appears with its
    // pid already in it, so a pid-less lock file is never one of ours being created.
    const temp = `${lockPath}.${process.pid}.tmp`;
    try {
      await writeFile(temp, `pid=${process.pid}\ncommand=${what}\n`, { mode: 0o600 });
      try {
        await link(temp, lockPath);
      } finally {
        await unlink(temp).catch(() => undefined);
      }
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
    if (!Number.isInteger(pid) && !(await foreignLockHeld(lockPath))) {
      await unlink(lockPath).catch(() => undefined); // ostree's file, left by a killed ostree
      continue;
    }
    const who = Number.isInteger(pid) ? `process ${pid}${command ? ` (${command})` : ''}` : 'another process (ostree?)';
    // Waiting on our own pid would never end (a nested lock is a bug to report, not to wait on).
    if (options.wait && pid !== process.pid) {
      if (!waited) options.onWait?.(who);
      waited = true;
      await sleep(delay);
      delay = Math.min(delay * 2, 500);
      continue;
    }
    throw new AtollError('SYSROOT_LOCKED', `sysroot is locked by ${who}`, {
      hint: 'wait for the other operation to finish, then try again',
      data: { lockPath, pid: Number.isInteger(pid) ? pid : undefined },
    });
  }
  throw new AtollError('SYSROOT_LOCKED', `cannot take the sysroot lock ${lockPath}`);
}

/** Run `work` holding the sysroot lock; released even when work throws. */
export async function withSysrootLock<T>(lockPath: string, what: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const lock = await lockSysroot(lockPath, what, options);
  try {
    return await work();
  } finally {
    await lock.release();
  }
}
