import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { AtollError } from '../../errors/index.js';
import { startRepoServer, checkServableRepo } from '../../ostree/serve/index.js';
import { addRemote, deleteRemote, listRemotes, getRemote } from '../../ostree/pull/index.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

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

  registerRemoteCommands(repo, context);
}

function registerRemoteCommands(repo: Command, context: CliContext): void {
  const remote = repo.command('remote').description('manage remotes (add, delete, list, show-url) in the repository config');
  remote
    .command('add')
    .description('add a remote repository')
    .argument('<name>', 'remote name')
    .argument('<url>', 'http://, https:// or file:// URL (or metalink=URL, stored as OSTree stores it)')
    .argument('[branches...]', 'branches to pull by default')
    .requiredOption('--repo <path>', 'the repository')
    .option('--set <key=value>', 'set a config option for the remote (repeatable)', collect, [])
    .option('--no-gpg-verify', 'disable GPG verification')
    .option('--no-sign-verify', 'disable signature verification (GPG and ed25519)')
    .option('--sign-verify <spec>', 'verify signatures with KEYTYPE=inline:PUBKEY or KEYTYPE=file:/path/to/key')
    .option('--if-not-exists', 'do nothing if the remote exists')
    .option('--force', 'replace the remote if it exists')
    .option('--contenturl <url>', 'use URL when fetching content')
    .option('--collection-id <id>', 'collection ID of the remote')
    .option('--gpg-import <file>', 'import GPG keys from FILE into the remote keyring')
    .action(async (name: string, url: string, branches: string[], o: Record<string, unknown>) => {
      const set = (o.set as string[]).map((kv): [string, string] => {
        const eq = kv.indexOf('=');
        if (eq <= 0) throw new AtollError('CLI_USAGE', `--set expects KEY=VALUE, got '${kv}'`);
        return [kv.slice(0, eq), kv.slice(eq + 1)];
      });
      const added = await addRemote(o.repo as string, {
        name,
        url,
        branches,
        set,
        noGpgVerify: o.gpgVerify === false,
        noSignVerify: o.signVerify === false,
        ...(typeof o.signVerify === 'string' ? { signVerify: o.signVerify } : {}),
        ...(o.contenturl !== undefined ? { contentUrl: o.contenturl as string } : {}),
        ...(o.collectionId !== undefined ? { collectionId: o.collectionId as string } : {}),
        ifNotExists: o.ifNotExists === true,
        force: o.force === true,
      });
      if (added && typeof o.gpgImport === 'string') {
        const { importRemoteGpgKeys } = await import('../../ostree/pull/index.js');
        const count = await importRemoteGpgKeys(o.repo as string, name, o.gpgImport);
        context.notice(`Imported ${count} GPG key${count === 1 ? '' : 's'} to remote "${name}"`);
      }
    });
  remote
    .command('delete')
    .description('delete a remote repository')
    .argument('<name>', 'remote name')
    .requiredOption('--repo <path>', 'the repository')
    .option('--if-exists', 'do nothing if the remote does not exist')
    .action(async (name: string, o: { repo: string; ifExists?: boolean }) => {
      await deleteRemote(o.repo, name, { ifExists: o.ifExists === true });
    });
  remote
    .command('list')
    .description('list remote repository names')
    .requiredOption('--repo <path>', 'the repository')
    .option('-u, --show-urls', 'show remote URLs in list')
    .option('--json', 'print the remotes as JSON')
    .action(async (o: { repo: string; showUrls?: boolean; json?: boolean }) => {
      const remotes = await listRemotes(o.repo);
      if (o.json) {
        context.printJson(remotes);
        return;
      }
      // ostree: "%-*s  %s" padded to the longest name.
      const width = Math.max(0, ...remotes.map((r) => r.name.length));
      for (const r of remotes) context.out(o.showUrls ? `${r.name.padEnd(width)}  ${r.url}` : r.name);
    });
  remote
    .command('show-url')
    .description('show the URL of a remote')
    .argument('<name>', 'remote name')
    .requiredOption('--repo <path>', 'the repository')
    .action(async (name: string, o: { repo: string }) => {
      const r = await getRemote(o.repo, name);
      if (r.url === '') throw new AtollError('PULL_NO_REMOTE_URL', `no "url" option in remote "${name}"`);
      context.out(r.url);
    });
}
