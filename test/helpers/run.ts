import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './env.js';

export interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

/** Run a program synchronously and capture its text output. */
export function run(program: string, args: readonly string[], options: SpawnSyncOptions = {}): Ran {
  const result = spawnSync(program, args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, ...options });
  if (result.error) throw result.error;
  return { status: result.status ?? 1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Run a program and throw (with its stderr) unless it exits 0. */
export function runOk(program: string, args: readonly string[], options: SpawnSyncOptions = {}): string {
  const result = run(program, args, options);
  if (result.status !== 0) {
    throw new Error(`${program} ${args.join(' ')} exited ${result.status}:\n${result.stderr}${result.stdout}`);
  }
  return result.stdout;
}

export const atollBin = join(repoRoot, 'bin', 'atoll');

/** Run the real atoll CLI (as a user would) with progress off. */
export function atoll(args: readonly string[], options: SpawnSyncOptions = {}): Ran {
  return run(process.execPath, [atollBin, '--progress=none', ...args], options);
}

/**
 * Run PROGRAM without blocking the event loop (servers started in this process keep answering
 * while it runs); stdout and stderr are collected together, as a user sees them.
 */
export function runAsync(program: string, args: readonly string[]): Promise<{ status: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (code) => resolve({ status: code ?? 1, out }));
  });
}
