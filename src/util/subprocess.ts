import { spawn, type SpawnOptions } from 'node:child_process';
import { AtollError } from '../errors/index.js';

export interface RunResult {
  status: number;
  stdout: Buffer;
  stderr: string;
}

/**
 * Run a program to completion, collecting its output. Never goes through a shell, so
 * arguments need no quoting. A program that cannot be started is a coded error; a non-zero
 * exit is returned, not thrown, unless `check` is set.
 */
export async function runProgram(
  program: string,
  args: readonly string[],
  options: SpawnOptions & { input?: Uint8Array | string; check?: boolean } = {},
): Promise<RunResult> {
  const { input, check, ...spawnOptions } = options;
  return await new Promise<RunResult>((resolve, reject) => {
    const child = spawn(program, args, { ...spawnOptions, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) =>
      reject(
        new AtollError('UTIL_PROGRAM_NOT_RUNNABLE', `cannot run ${program}: ${error.message}`, {
          cause: error,
          hint: `install ${program} (scripts/setup-peers.sh installs every tool atoll uses)`,
        }),
      ),
    );
    child.on('close', (code, signal) => {
      const result = { status: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') };
      if (check && result.status !== 0) {
        reject(
          new AtollError('UTIL_PROGRAM_FAILED', `${program} ${args.join(' ')} exited with status ${result.status}: ${result.stderr.trim()}`, {
            data: { program, status: result.status },
          }),
        );
        return;
      }
      resolve(result);
    });
    child.stdin?.on('error', () => undefined); // the child may exit before reading all input
    child.stdin?.end(input ?? undefined);
  });
}
