import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { AtollError } from '../../errors/index.js';
import { startRepoServer, checkServableRepo } from '../../ostree/serve/index.js';

/**
 * The network verbs of `atoll repo` (serve, remote, pull, pull-local, sign), kept in their own
 * file so that repo.ts (the store verbs) and this file can change independently.
 */
export function registerRepoNetCommands(repo: Command, context: CliContext): void {
  repo
    .command('serve')
    .description('serve an archive repository over HTTP (read-only, static files)')
    .requiredOption('--repo <path>', 'the archive repository to serve')
    .option('--port <n>', 'TCP port (0 picks a free one)', '8080')
    .option('--address <addr>', 'address to listen on', '127.0.0.1')
    .option('--log', 'print one line per request on stderr')
    .action(async (options: { repo: string; port: string; address: string; log?: boolean }) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new AtollError('CLI_USAGE', `invalid port '${options.port}'`);
      await checkServableRepo(options.repo);
      const server = await startRepoServer({
        root: options.repo,
        address: options.address,
        port,
        ...(options.log ? { onRequest: (e) => context.notice(`${e.method} ${e.path} ${e.status} ${e.bytes}`) } : {}),
      });
      // The first stdout line is the URL, so scripts (and tests) can start on port 0 and read it.
      context.out(server.url);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
