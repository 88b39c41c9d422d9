/**
 * The benchmark harness: runs atoll and the real peer on the same input in the same run,
 * alternating sides round by round (so drift in machine load hits both), and reports median
 * wall seconds, the atoll/peer ratio against the target, and peak RSS (from GNU time's
 * %M, which covers the whole child process).
 */
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const atollBin = join(repoRoot, 'bin', 'atoll');

export interface BenchCommand {
  argv: string[];
  env?: Record<string, string>;
  cwd?: string;
  /**
   * The seconds of one phase as the program itself reports it (e.g. "solve, excluding the
   * metadata load"), read from its stdout and stderr. When both sides of a comparison have
   * one, the ratio is taken on these figures; the whole-process figures are printed too.
   */
  phase?: (stdout: string, stderr: string) => number;
  /** The same phase's CPU seconds, when the program reports them too (printed, not compared). */
  phaseCpu?: (stdout: string, stderr: string) => number;
}

export interface Measurement {
  seconds: number;
  /** user + system CPU seconds of the whole process (GNU time's %U + %S: 10 ms resolution). */
  cpuSeconds: number;
  peakRssMB: number;
  /** The command's self-reported phase seconds (BenchCommand.phase), if it has one. */
  phaseSeconds?: number;
  /** Its self-reported phase CPU seconds (BenchCommand.phaseCpu), if it has them. */
  phaseCpuSeconds?: number;
}

export interface CompareOptions {
  label: string;
  atoll: BenchCommand;
  peer: BenchCommand;
  /** Reset state before each run (e.g. remove the previous output). Not timed. */
  before?: (side: 'atoll' | 'peer', round: number) => Promise<void>;
  /** The targets: ratio atoll/peer at most this; atoll's peak RSS at most this. */
  target?: { ratioMax?: number; rssMaxMB?: number };
  /** What the phase figures measure, when the commands have `phase` (printed). */
  phaseLabel?: string;
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
      stdio: ['ignore', command.phase ? 'pipe' : 'ignore', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const match = /@@time ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(stderr);
      if (code !== 0 || !match) {
        reject(new Error(`${command.argv.join(' ')} failed (${code}):\n${stderr.slice(-2000)}`));
        return;
      }
      const m: Measurement = {
        seconds: Number(match[1]),
        cpuSeconds: Number(match[3]) + Number(match[4]),
        peakRssMB: Number(match[2]) / 1024,
      };
      if (command.phase) {
        const phase = command.phase(stdout, stderr);
        if (!Number.isFinite(phase)) {
          reject(new Error(`${command.argv.join(' ')}: no phase timing in its output`));
          return;
        }
        m.phaseSeconds = phase;
        const cpu = command.phaseCpu?.(stdout, stderr);
        if (cpu !== undefined && Number.isFinite(cpu)) m.phaseCpuSeconds = cpu;
      }
      resolve(m);
    });
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function summarize(runs: Measurement[]): Measurement {
  const m: Measurement = {
    seconds: median(runs.map((r) => r.seconds)),
    cpuSeconds: median(runs.map((r) => r.cpuSeconds)),
    peakRssMB: Math.max(...runs.map((r) => r.peakRssMB)),
  };
  if (runs.every((r) => r.phaseSeconds !== undefined)) m.phaseSeconds = median(runs.map((r) => r.phaseSeconds!));
  if (runs.every((r) => r.phaseCpuSeconds !== undefined)) m.phaseCpuSeconds = median(runs.map((r) => r.phaseCpuSeconds!));
  return m;
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
      // with self-reported phase figures on both sides, the target applies to the phase
      const byPhase = atoll.phaseSeconds !== undefined && peer.phaseSeconds !== undefined;
      const a = byPhase ? atoll.phaseSeconds! : atoll.seconds;
      const b = byPhase ? peer.phaseSeconds! : peer.seconds;
      const ratio = b > 0 ? a / b : Number.POSITIVE_INFINITY;
      const ratioOk = options.target?.ratioMax === undefined || ratio <= options.target.ratioMax;
      const rssOk = options.target?.rssMaxMB === undefined || atoll.peakRssMB <= options.target.rssMaxMB;
      const verdict = options.target ? (ratioOk && rssOk ? 'ok' : 'MISSED') : 'no target';
      const targetText = [
        options.target?.ratioMax !== undefined ? `ratio ≤ ${options.target.ratioMax}` : '',
        options.target?.rssMaxMB !== undefined ? `rss ≤ ${options.target.rssMaxMB} MB` : '',
      ].filter(Boolean).join(', ');
      const cpuRatio = peer.cpuSeconds > 0 ? (atoll.cpuSeconds / peer.cpuSeconds).toFixed(2) : 'n/a';
      const wall = `atoll ${atoll.seconds.toFixed(3)}s wall, ${atoll.cpuSeconds.toFixed(2)}s cpu (peak ${atoll.peakRssMB.toFixed(0)} MB) | ` +
        `peer ${peer.seconds.toFixed(3)}s wall, ${peer.cpuSeconds.toFixed(2)}s cpu (peak ${peer.peakRssMB.toFixed(0)} MB)`;
      const verdictText = targetText ? ` [target ${targetText}: ${verdict}]` : '';
      if (byPhase) {
        print(
          `${options.label}: ${options.phaseLabel ?? 'phase'}: atoll ${a.toFixed(4)}s` +
            (atoll.phaseCpuSeconds !== undefined ? ` (cpu ${atoll.phaseCpuSeconds.toFixed(4)}s)` : '') +
            ` | peer ${b.toFixed(4)}s` +
            (peer.phaseCpuSeconds !== undefined ? ` (cpu ${peer.phaseCpuSeconds.toFixed(4)}s)` : '') +
            ` | ratio ${ratio.toFixed(2)}${verdictText}\n` +
            `  whole process: ${wall} | wall ratio ${(atoll.seconds / peer.seconds).toFixed(2)}, cpu ratio ${cpuRatio}`,
        );
      } else {
        print(`${options.label}: ${wall} | ratio ${ratio.toFixed(2)} (cpu ratio ${cpuRatio})${verdictText}`);
      }
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

/**
 * Unmount a benchmark's tmpfs sysroot. Deployments are sealed (chattr +i) as OSTree seals them,
 * so the flags are cleared first; `lazy` detaches a mount a server may still hold open.
 */
export function releaseBenchTmpfs(work: string, lazy = false): void {
  try {
    execFileSync('chattr', ['-R', '-i', work], { stdio: 'ignore' });
  } catch {
    // chattr exits 1 on symlinks it cannot flag; the flags that matter are cleared
  }
  execFileSync('umount', lazy ? ['-l', work] : [work]);
}
