/**
 * The benchmark harness: runs atoll and the real peer on the same input in the same run,
 * alternating sides round by round (so drift in machine load hits both), and reports median
 * wall seconds, the atoll/peer ratio against the target, and peak RSS (from GNU time's
 * %M, which covers the whole child process).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const atollBin = join(repoRoot, 'bin', 'atoll');

export interface BenchCommand {
  argv: string[];
  env?: Record<string, string>;
  cwd?: string;
}

export interface Measurement {
  seconds: number;
  /** User + system CPU seconds of the command and its children (less noisy than wall time on a shared machine). */
  cpuSeconds: number;
  peakRssMB: number;
}

export interface CompareOptions {
  label: string;
  atoll: BenchCommand;
  peer: BenchCommand;
  /** Reset state before each run (e.g. remove the previous output). Not timed. */
  before?: (side: 'atoll' | 'peer', round: number) => Promise<void>;
  /** The targets: ratio atoll/peer at most this; atoll's peak RSS at most this. */
  target?: { ratioMax?: number; rssMaxMB?: number };
}

export interface Comparison {
  label: string;
  atoll: Measurement;
  peer: Measurement;
  ratio: number;
  ok: boolean;
}

export interface BenchContext {
  workDir: string;
  rounds: number;
  compare(options: CompareOptions): Promise<Comparison>;
  /** Time one command on its own (no peer), e.g. for throughput figures. */
  measure(label: string, command: BenchCommand, before?: (round: number) => Promise<void>): Promise<Measurement>;
  print(line: string): void;
}

export interface Benchmark {
  name: string;
  description: string;
  run(context: BenchContext): Promise<void>;
}

/** Run a command under GNU time, returning wall and CPU seconds and peak RSS; throws on failure. */
export async function timeCommand(command: BenchCommand): Promise<Measurement> {
  return await new Promise<Measurement>((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '@@time %e %M %U %S', ...command.argv], {
      cwd: command.cwd,
      env: { ...process.env, ...command.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const match = /@@time ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(stderr);
      if (code !== 0 || !match) {
        reject(new Error(`${command.argv.join(' ')} failed (${code}):\n${stderr.slice(-2000)}`));
        return;
      }
      resolve({ seconds: Number(match[1]), cpuSeconds: Number(match[3]) + Number(match[4]), peakRssMB: Number(match[2]) / 1024 });
    });
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function summarize(runs: Measurement[]): Measurement {
  return {
    seconds: median(runs.map((r) => r.seconds)),
    cpuSeconds: median(runs.map((r) => r.cpuSeconds)),
    peakRssMB: Math.max(...runs.map((r) => r.peakRssMB)),
  };
}

export function makeContext(workDir: string, rounds: number, results: Comparison[], print: (line: string) => void): BenchContext {
  return {
    workDir,
    rounds,
    print,
    async compare(options) {
      const atollRuns: Measurement[] = [];
      const peerRuns: Measurement[] = [];
      for (let round = 0; round < rounds; round++) {
        // Alternate which side goes first, so neither always gets the warmer cache.
        const order: Array<'atoll' | 'peer'> = round % 2 === 0 ? ['peer', 'atoll'] : ['atoll', 'peer'];
        for (const side of order) {
          await options.before?.(side, round);
          const measured = await timeCommand(side === 'atoll' ? options.atoll : options.peer);
          (side === 'atoll' ? atollRuns : peerRuns).push(measured);
        }
      }
      const atoll = summarize(atollRuns);
      const peer = summarize(peerRuns);
      const ratio = peer.seconds > 0 ? atoll.seconds / peer.seconds : Number.POSITIVE_INFINITY;
      const ratioOk = options.target?.ratioMax === undefined || ratio <= options.target.ratioMax;
      const rssOk = options.target?.rssMaxMB === undefined || atoll.peakRssMB <= options.target.rssMaxMB;
      const verdict = options.target ? (ratioOk && rssOk ? 'ok' : 'MISSED') : 'no target';
      const targetText = [
        options.target?.ratioMax !== undefined ? `ratio ≤ ${options.target.ratioMax}` : '',
        options.target?.rssMaxMB !== undefined ? `rss ≤ ${options.target.rssMaxMB} MB` : '',
      ].filter(Boolean).join(', ');
      print(
        `${options.label}: atoll ${atoll.seconds.toFixed(3)}s, cpu ${atoll.cpuSeconds.toFixed(2)}s (peak ${atoll.peakRssMB.toFixed(0)} MB) | ` +
          `peer ${peer.seconds.toFixed(3)}s, cpu ${peer.cpuSeconds.toFixed(2)}s (peak ${peer.peakRssMB.toFixed(0)} MB) | ratio ${ratio.toFixed(2)}, cpu ratio ${(atoll.cpuSeconds / Math.max(0.001, peer.cpuSeconds)).toFixed(2)}` +
          (targetText ? ` [target ${targetText}: ${verdict}]` : ''),
      );
      const comparison = { label: options.label, atoll, peer, ratio, ok: ratioOk && rssOk };
      results.push(comparison);
      return comparison;
    },
    async measure(label, command, before) {
      const runs: Measurement[] = [];
      for (let round = 0; round < rounds; round++) {
        await before?.(round);
        runs.push(await timeCommand(command));
      }
      const summary = summarize(runs);
      print(`${label}: ${summary.seconds.toFixed(3)}s, cpu ${summary.cpuSeconds.toFixed(2)}s median of ${rounds} (peak ${summary.peakRssMB.toFixed(0)} MB)`);
      return summary;
    },
  };
}

/** CPU seconds (user + system) a running process has used so far, from /proc (Linux; 100 Hz ticks). */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, hence the last ')'): utime is the 14th field.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/**
 * A server's CPU use: its total so far, and what it used during `seconds` of quiet afterwards
 * (an idle server uses ~0; a spinning loop shows up here).
 */
export async function serverCpuReport(pid: number, seconds = 3): Promise<string> {
  const total = processCpuSeconds(pid);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const idle = processCpuSeconds(pid) - total;
  return `server cpu ${total.toFixed(2)}s in total; ${idle.toFixed(2)}s during ${seconds}s idle afterwards`;
}
