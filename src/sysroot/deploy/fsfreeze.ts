import { spawn } from 'node:child_process';
import { AtollError } from '../../errors/index.js';
import { isFsyncEnabled, runProgram } from '../../util/index.js';

/**
 * The whole freeze/thaw cycle, in one helper process in its own session that ignores the
 * signals a deployer's abort sends (libostree's parent does FIFREEZE and forks a watchdog that
 * thaws when the parent dies; atoll freezes through a program, so the program that freezes
 * must also be the one that thaws): once `fsfreeze --freeze` succeeded, `fsfreeze --unfreeze`
 * follows with nothing in between, whatever happens to the deployer (killed, even with SIGKILL,
 * its process group killed, its pipes closed). No timeout either: a slow freeze is followed by
 * its thaw. Exit status: 0 done, 1 freeze refused (its stderr on stdout), 2 thaw failed
 * (likewise), 3 fault injection, 4 no fsfreeze. `$2` = 1 (OSTREE_SYSROOT_DEBUG=test-fifreeze):
 * libostree's fault injection, which says the watchdog ran; nothing is frozen.
 */
const CYCLE = `
trap '' HUP INT QUIT TERM PIPE
if [ "$2" = 1 ]; then echo "fifreeze watchdog was run" >&2; exit 3; fi
command -v fsfreeze >/dev/null 2>&1 || exit 4
if ! why=$(fsfreeze --freeze "$1" 2>&1); then printf '%s' "$why"; exit 1; fi
if ! why=$(fsfreeze --unfreeze "$1" 2>&1); then printf '%s' "$why"; exit 2; fi
exit 0
`;

/** errnos after which libostree falls back to syncfs (not supported, not root, already frozen), by strerror text. */
const FALLBACK = ['Operation not supported', 'Function not implemented', 'Operation not permitted', 'Device or resource busy', 'Inappropriate ioctl for device'];

/** The helper's exit status and stdout; undefined when it could not start. */
function runCycle(bootDir: string, testFifreeze: boolean): Promise<{ status: number; output: string } | undefined> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', CYCLE, 'ostree-fifreeze-cycle', bootDir, testFifreeze ? '1' : '0'], {
      // Its own session: a signal to the deployer's process group does not reach it.
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const out: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.once('error', () => resolve(undefined));
    child.once('close', (code, signal) => resolve({ status: code ?? (signal ? 128 : 1), output: Buffer.concat(out).toString('utf8').trim() }));
  });
}

/**
 * full_system_sync's freeze/thaw cycle (ostree-sysroot-deploy.c fsfreeze_thaw_cycle) of the
 * filesystem holding `bootDir`, before the bootloader swap: FIFREEZE (which flushes the whole
 * filesystem, journal included) then FITHAW, through util-linux `fsfreeze`. Where freezing is
 * refused (not root, a filesystem without freeze support, already frozen, no fsfreeze or no
 * shell to run it) it is a syncfs, as in libostree. `testFifreeze` (OSTREE_SYSROOT_DEBUG=
 * test-fifreeze, libostree's fault injection) fails the cycle before freezing anything, so it
 * behaves the same on every filesystem and as non-root (Debian's ostree fails this way on a
 * tmpfs, which cannot be frozen, too).
 */
export async function fsfreezeThawCycle(bootDir: string, options: { testFifreeze?: boolean } = {}): Promise<void> {
  const result = await runCycle(bootDir, options.testFifreeze === true);
  if (result?.status === 0) return;
  if (result?.status === 3) throw new AtollError('SYSROOT_FSFREEZE', 'During fsfreeze-thaw: aborting due to test-fifreeze', { data: { path: bootDir } });
  if (result?.status === 2) {
    throw new AtollError('SYSROOT_FSFREEZE', `ioctl(FITHAW): ${result.output.replace(/^fsfreeze: [^:]*: unfreeze failed: /, '')}`, { data: { path: bootDir } });
  }
  if (result?.status === 1 && !FALLBACK.some((text) => result.output.includes(text))) {
    throw new AtollError('SYSROOT_FSFREEZE', `ioctl(FIFREEZE): ${result.output.replace(/^fsfreeze: [^:]*: freeze failed: /, '')}`, { data: { path: bootDir } });
  }
  if (result !== undefined && result.status !== 1 && result.status !== 4) {
    // The helper itself was killed (SIGKILL is the one signal it cannot ignore), perhaps
    // between freeze and thaw: thaw here, whether or not it is frozen.
    await runProgram('fsfreeze', ['--unfreeze', bootDir]).catch(() => undefined);
    throw new AtollError('SYSROOT_FSFREEZE', `During fsfreeze-thaw: the freeze/thaw helper exited with status ${result.status}`, { data: { path: bootDir } });
  }
  if (isFsyncEnabled()) await runProgram('sync', ['-f', bootDir]);
}
