import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { DemoRunResult } from '../../demo/index.js';

/** This build's bin/atoll and examples/ (dist/src/cli/commands → repository root). */
const ROOT = new URL('../../../../', import.meta.url);
const ATOLL_BIN = fileURLToPath(new URL('bin/atoll', ROOT));
const EXAMPLE_DIR = fileURLToPath(new URL('examples/demo-os', ROOT));
const SCRIPTS_DIR = fileURLToPath(new URL('scripts', ROOT));

/** `atoll demo`: the bundled example, end to end. */
export function registerDemoCommand(program: Command, context: CliContext): void {
  program
    .command('demo')
    .description('build, compose, serve, deploy, upgrade and roll back the example OS (with --boot: then boot it in QEMU)')
    .option('--dir <dir>', 'the demo directory (rpms/, repo/, sysroot/ are left there; a previous demo in it is replaced)', 'demo')
    .option('--keep-server', 'keep serving the compose repository after the walkthrough (until Ctrl-C)')
    .option('--boot', 'use a real kernel (Debian\'s cloud kernel, apt-get download) and end by booting the result in QEMU (TCG): the default entry, then the rollback entry; needs root, qemu-system-x86_64, e2fsprogs, cpio')
    .action(async (opts: { dir: string; keepServer?: boolean; boot?: boolean }) => {
      // Loaded when the verb runs, not when the CLI starts (start-up cost).
      const { runDemo } = await import('../../demo/index.js');
      const run = (args: string[]): Promise<DemoRunResult> =>
        new Promise((resolvePromise, reject) => {
          // Each step is a real `atoll` process, exactly the command the transcript shows.
          const child = spawn(process.execPath, [ATOLL_BIN, '--progress=none', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
          let stdout = '';
          let stderr = '';
          child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; context.outBytes(Buffer.from(chunk)); });
          child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; context.outBytes(Buffer.from(chunk)); });
          child.on('error', reject);
          child.on('close', (code) => resolvePromise({ status: code ?? 1, stdout, stderr }));
        });
      const result = await runDemo({
        dir: opts.dir,
        exampleDir: EXAMPLE_DIR,
        run,
        write: (text) => context.outBytes(Buffer.from(text)),
        keepServer: Boolean(opts.keepServer),
        ...(opts.boot === true ? { boot: { scriptsDir: SCRIPTS_DIR } } : {}),
      });
      if (result.server) {
        const server = result.server;
        context.out(`Serving ${result.url} until Ctrl-C.`);
        await new Promise<void>((done) => {
          const stop = (): void => { void server.close().then(done); };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      }
    });
}
