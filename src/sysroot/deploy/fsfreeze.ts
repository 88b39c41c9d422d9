import { spawn } from 'node:child_process';
import { AtollError, isAtollError } from '../../errors/index.js';
import { isFsyncEnabled, runProgram } from '../../util/index.js';

/**
 * The watchdog (libostree forks one): it waits for the deployer's word that the filesystem is
 * thawed; on anything else (the deployer aborted, died, or took longer than the timeout) it
 * thaws the filesystem itself, so a failure between freeze and thaw can never leave the
 * filesystem frozen. With OSTREE_SYSROOT_DEBUG=test-fifreeze it says it ran, as libostree's does.
 */
const WATCHDOG = `
read -r -t "$3" state
if [ "$state" != done ]; then fsfreeze --unfreeze "$1" 2>/dev/null; fi
if [ "$2" = 1 ]; then echo "fifreeze watchdog was run" >&2; fi
exit 0
`;

/** Seconds the watchdog waits before it thaws on its own. */
const WATCHDOG_SECONDS = 10;

/** errnos after which libostree falls back to syncfs (not supported, not root, already frozen), by strerror text. */
const FALLBACK = ['Operation not supported', 'Function not implemented', 'Operation not permitted', 'Device or resource busy', 'Inappropriate ioctl for device'];

/**
 * full_system_sync's freeze/thaw cycle (ostree-sysroot-deploy.c fsfreeze_thaw_cycle) of the
 * filesystem holding `bootDir`, before the bootloader swap: FIFREEZE (which flushes the whole
 * filesystem, journal included) then FITHAW, through util-linux `fsfreeze`. Where freezing is
 * refused (not root, a filesystem without freeze support, already frozen) it is a syncfs, as
 * in libostree. `testFifreeze` (OSTREE_SYSROOT_DEBUG=test-fifreeze, libostree's fault
 * injection): the watchdog runs, nothing is frozen, and the cycle fails (Debian's ostree fails
 * this way on a tmpfs, which cannot be frozen, too).
 */
export async function fsfreezeThawCycle(bootDir: string, options: { testFifreeze?: boolean } = {}): Promise<void> {
  const watchdog = spawn('bash', ['-c', WATCHDOG, 'ostree-fifreeze-watchdog', bootDir, options.testFifreeze ? '1' : '0', String(WATCHDOG_SECONDS)], {
    // Its own session: a kill of the deployer's process group does not take the watchdog along.
    detached: true,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => {
    watchdog.on('exit', () => resolve());
    watchdog.on('error', () => resolve());
  });
  watchdog.stdin?.on('error', () => undefined);
  const finish = async (word: string | undefined): Promise<void> => {
    watchdog.stdin?.end(word);
    await exited;
  };
  // Never freeze without a watchdog.
  const started = await new Promise<boolean>((resolve) => {
    watchdog.once('spawn', () => resolve(true));
    watchdog.once('error', () => resolve(false));
  });
  if (options.testFifreeze) {
    // libostree's fault injection aborts before freezing anything (so it behaves the same on
    // every filesystem and as non-root): the watchdog runs and says so, the deploy fails.
    await finish('done\n');
    throw new AtollError('SYSROOT_FSFREEZE', 'During fsfreeze-thaw: aborting due to test-fifreeze', { data: { path: bootDir } });
  }
  let frozen;
  try {
    frozen = started ? await runProgram('fsfreeze', ['--freeze', bootDir]) : undefined;
  } catch (error) {
    if (!isAtollError(error) || error.code !== 'UTIL_PROGRAM_NOT_RUNNABLE') {
      await finish(undefined);
      throw error;
    }
    frozen = undefined; // no fsfreeze: as a kernel without FIFREEZE
  }
  if (frozen === undefined || frozen.status !== 0) {
    const why = frozen?.stderr.trim() ?? '';
    if (frozen !== undefined && !FALLBACK.some((text) => why.includes(text))) {
      await finish(undefined);
      throw new AtollError('SYSROOT_FSFREEZE', `ioctl(FIFREEZE): ${why.replace(/^fsfreeze: [^:]*: freeze failed: /, '')}`, { data: { path: bootDir } });
    }
    try {
      if (isFsyncEnabled()) await runProgram('sync', ['-f', bootDir]);
    } finally {
      await finish('done\n');
    }
    return;
  }
  const thawed = await runProgram('fsfreeze', ['--unfreeze', bootDir]).catch(() => undefined);
  if (!thawed || thawed.status !== 0) {
    await finish(undefined);
    throw new AtollError('SYSROOT_FSFREEZE', `ioctl(FITHAW): ${thawed?.stderr.trim().replace(/^fsfreeze: [^:]*: unfreeze failed: /, '') ?? 'fsfreeze did not run'}`, { data: { path: bootDir } });
  }
  await finish('done\n');
}
