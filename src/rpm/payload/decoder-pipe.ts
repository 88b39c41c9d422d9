import { spawn } from 'node:child_process';
import { closeSync, constants, openSync, readSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { AtollError } from '../../errors/index.js';
import { decoderNotRunnable, type DecoderProgram } from './decompress.js';

/**
 * A payload decoder process (xz, zstd, bzip2) that reads the package file itself and writes
 * the cpio stream into a FIFO whose read end is an ordinary blocking file descriptor: the
 * caller reads it with `fs.readSync`, in a tight loop, without the event loop, streams or
 * copies through Node (the decoder's stdin is the package file, opened and positioned at the
 * payload; nothing is piped through this process). The FIFO is made with mkfifo beside the
 * caller's work and unlinked as soon as both ends are open.
 */

export interface DecoderPipe {
  /** Blocking read end of the decoder's output; `close` closes it. */
  fd: number;
  /**
   * After the last read: close the read end, wait for the decoder to exit; throws a coded
   * error when it failed (or could not start).
   */
  finish(): Promise<void>;
  /** Close the read end and stop the decoder (after a failure). */
  abort(): Promise<void>;
}

/**
 * Make a FIFO (Node has no mkfifo): asynchronously, so that it overlaps with reading the
 * package header. Resolves false when it cannot be made (no mkfifo, no permission).
 */
export function makeFifo(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('mkfifo', ['-m', '600', path], { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

/**
 * Start `decoder` on the payload of `rpmPath` (from byte `payloadStart`), writing into `fifo`
 * (made by makeFifo; unlinked here once both ends are open). `scratchDir` holds the
 * decoder's stderr file (unlinked at once).
 */
export function spawnDecoderPipe(rpmPath: string, payloadStart: number, decoder: DecoderProgram, options: { fifo: string; scratchDir: string; ignoreCheck: boolean }): DecoderPipe {
  const fifo = options.fifo;
  let readFd = -1;
  let writeFd = -1;
  let inputFd = -1;
  let stderrFd = -1;
  try {
    // Opening a FIFO blocks until the other end opens: a non-blocking reader first lets the
    // writer open at once, then the blocking reader opens at once (a writer exists).
    const probe = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      writeFd = openSync(fifo, constants.O_WRONLY);
      readFd = openSync(fifo, constants.O_RDONLY);
    } finally {
      closeSync(probe);
    }
    unlinkSync(fifo);
    stderrFd = openSync(join(options.scratchDir, '.atoll-decoder-stderr'), 'w+', 0o600);
    unlinkSync(join(options.scratchDir, '.atoll-decoder-stderr'));
    inputFd = openSync(rpmPath, 'r');
    // The decoder reads from the shared file offset: move it to the payload.
    const skip = Buffer.allocUnsafe(Math.min(payloadStart, 1024 * 1024));
    for (let left = payloadStart; left > 0; ) {
      const n = readSync(inputFd, skip, 0, Math.min(left, skip.length), null);
      if (n === 0) break;
      left -= n;
    }
  } catch (error) {
    for (const fd of [readFd, writeFd, inputFd, stderrFd]) if (fd >= 0) closeSync(fd);
    try {
      unlinkSync(fifo);
    } catch {
      // already gone
    }
    throw new AtollError('RPM_IO', `cannot set up the ${decoder.label} decoder for ${rpmPath}: ${(error as Error).message}`, { cause: error });
  }
  const args = [...decoder.args, ...(options.ignoreCheck ? decoder.ignoreCheckArgs : []), ...(decoder.tuningArgs?.() ?? [])];
  const child = spawn(decoder.program, args, { stdio: [inputFd, writeFd, stderrFd] });
  // The child has its copies; ours would keep the FIFO open (no EOF) and the file busy.
  closeSync(inputFd);
  closeSync(writeFd);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null } | { error: Error }>((resolve) => {
    child.once('error', (error) => resolve({ error }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let closed = false;
  let stderrClosed = false;
  const stderrText = (): string => {
    if (stderrClosed) return '';
    const buffer = Buffer.alloc(4096);
    const n = readSync(stderrFd, buffer, 0, buffer.length, 0);
    closeSync(stderrFd);
    stderrClosed = true;
    return buffer.toString('utf8', 0, n).trim();
  };
  const closeRead = (): void => {
    if (closed) return;
    closed = true;
    closeSync(readFd);
  };
  return {
    fd: readFd,
    async finish(): Promise<void> {
      closeRead();
      const status = await exited;
      const stderr = stderrText();
      if ('error' in status) throw decoderNotRunnable(decoder.program, decoder.label, status.error);
      if (status.code !== 0) {
        throw new AtollError('RPM_PAYLOAD_BAD', `${decoder.label} payload is corrupt: ${stderr || `${decoder.program} exited ${status.code ?? status.signal}`}`);
      }
    },
    async abort(): Promise<void> {
      closeRead();
      child.kill('SIGKILL');
      await exited;
      stderrText();
    },
  };
}
