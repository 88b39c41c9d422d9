import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { AtollError } from '../../errors/index.js';
import { readFile } from 'node:fs/promises';
import type * as ServeModule from '../../ostree/serve/index.js';
import type { PullResult, SignOptions, VerifyPolicy } from '../../ostree/pull/index.js';
import type * as OstreePullModule from '../../ostree/pull/index.js';
import { describeSummaryBytes, printSummaryBytesRaw } from '../../ostree/summary/index.js';

// Implementations load in a preAction hook (see program.ts): start-up only registers names and options.
let serve: typeof ServeModule;
let ostreePull: typeof OstreePullModule;

/** Load what the actions of this file call (once; before the first action runs). */
export async function loadRepoNetCommands(): Promise<void> {
  [serve, ostreePull] = await Promise.all([import('../../ostree/serve/index.js'), import('../../ostree/pull/index.js')]);
}

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
      await serve.checkServableRepo(options.repo);
      const server = await serve.startRepoServer({
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
  registerPullCommands(repo, context);
  registerSignCommand(repo, context);
}

function parseDepth(text: string | undefined): number {
  if (text === undefined) return 0;
  const n = Number(text);
  if (!Number.isInteger(n) || n < -1) throw new AtollError('CLI_USAGE', `invalid --depth '${text}'`, { hint: 'use a number >= 0, or -1 for the whole history' });
  return n;
}

function parseParallel(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new AtollError('CLI_USAGE', `invalid --parallel '${text}'`, { hint: 'use 1 to 64' });
  return n;
}

function printPullResult(context: CliContext, result: PullResult, json: boolean | undefined, stats = false): void {
  if (json) {
    context.printJson(result);
    return;
  }
  if (!stats) {
    // The summary line ("N metadata, M content objects fetched; …") comes through the reporter.
    for (const { ref, checksum } of result.refs) context.out(ref === undefined ? checksum : `${ref} ${checksum}`);
    return;
  }
  // --print-stats: ostree's closing line instead (what `ostree pull` prints; its tests grep it).
  context.out(ostreePull.formatPullStatistics(result));
}

function registerPullCommands(repo: Command, context: CliContext): void {
  repo
    .command('pull')
    .description('download commits and the objects they lack from a remote (http://, https://, file://)')
    .argument('<remote>', 'remote name, or REMOTE:REF')
    .argument('[refs...]', 'refs, REF@CHECKSUM (that commit, written to REF) or commit checksums (default: the remote\'s branches; with --mirror: all refs of the summary)')
    .requiredOption('--repo <path>', 'the destination repository')
    .option('--depth <n>', 'also fetch N parent commits (-1: all)')
    .option('--mirror', 'write refs/heads (not refs/remotes) and copy the summary, as a mirror')
    .option('--commit-metadata-only', 'fetch only commit objects and their detached metadata')
    .option('--parallel <n>', 'requests in flight at once (default 8)')
    .option('--url <url>', "pull from URL instead of the remote's configured url")
    .option('--http-header <name=value>', 'add an HTTP request header (repeatable)', collect, [])
    .option('--user-agent <text>', 'the User-Agent header to send')
    .option('--subpath <path>', 'fetch only this path of the tree (repeatable; the commit stays partial)', collect, [])
    .option('--localcache-repo <path>', 'copy objects from this local repository when it has them (repeatable)', collect, [])
    .option('--disable-verify-bindings', 'do not check ostree.ref-binding / ostree.collection-binding')
    .option('--cache-dir <dir>', 'cache signed summaries in DIR/summaries/ (default: REPO/tmp/cache)')
    .option('--print-stats', "print ostree's statistics line (N metadata, M content objects fetched; ...) instead of the refs")
    .option('--bareuseronly-files', 'refuse content a bare-user-only repository cannot hold (setuid, world-writable)')
    .option('-T, --timestamp-check', "refuse a commit older than the one the ref has now")
    .option('--timestamp-check-from-rev <rev>', 'refuse a commit older than this local commit')
    .option('--http-trusted', 'store archive content fetched into an archive repository without re-hashing it')
    .option('--disable-static-deltas', 'never use static deltas; fetch objects')
    .option('--require-static-deltas', 'fail unless a static delta serves each commit')
    .option('--dry-run', "with --require-static-deltas: print what the deltas would fetch (ostree's Delta update line), write nothing")
    .option('--json', 'print the result as JSON')
    .action(async (remoteArg: string, refs: string[], o: Record<string, string | boolean | string[] | undefined>) => {
      let remote = remoteArg;
      const all = [...refs];
      const colon = remoteArg.indexOf(':');
      if (colon > 0) {
        remote = remoteArg.slice(0, colon);
        all.unshift(remoteArg.slice(colon + 1));
      }
      const parallel = parseParallel(o.parallel as string | undefined);
      // Fetched objects are inflated, hashed and written on libuv's thread pool; its default of
      // 4 threads, not the network, would bound the ostreePull.pull. (Read when the pool first starts.)
      process.env.UV_THREADPOOL_SIZE ??= '16';
      const result = await ostreePull.pull({
        repo: o.repo as string,
        remote,
        refs: all,
        depth: parseDepth(o.depth as string | undefined),
        mirror: o.mirror === true,
        commitMetadataOnly: o.commitMetadataOnly === true,
        disableVerifyBindings: o.disableVerifyBindings === true,
        ...(typeof o.cacheDir === 'string' ? { cacheDir: o.cacheDir } : {}),
        ...(parallel !== undefined ? { parallel } : {}),
        ...(typeof o.url === 'string' ? { url: o.url } : {}),
        ...(typeof o.userAgent === 'string' ? { userAgent: o.userAgent } : {}),
        localCacheRepos: o.localcacheRepo as string[],
        ...((o.subpath as string[]).length > 0 ? { subpaths: o.subpath as string[] } : {}),
        httpHeaders: (o.httpHeader as string[]).map((kv): [string, string] => {
          const eq = kv.indexOf('=');
          if (eq <= 0) throw new AtollError('CLI_USAGE', `--http-header expects NAME=VALUE, got '${kv}'`);
          return [kv.slice(0, eq), kv.slice(eq + 1)];
        }),
        bareUserOnlyFiles: o.bareuseronlyFiles === true,
        httpTrusted: o.httpTrusted === true,
        timestampCheck: o.timestampCheck === true,
        ...(typeof o.timestampCheckFromRev === 'string' ? { timestampCheckFromRev: await ostreePull.resolveCommitRev(o.repo as string, o.timestampCheckFromRev) } : {}),
        disableStaticDeltas: o.disableStaticDeltas === true,
        requireStaticDeltas: o.requireStaticDeltas === true,
        dryRun: o.dryRun === true,
        reporter: context.reporter,
      });
      if (o.dryRun === true && o.json !== true) {
        if (result.delta) context.out(ostreePull.formatDeltaDryRun(result.delta));
        return;
      }
      printPullResult(context, result, o.json === true, o.printStats === true);
    });
  repo
    .command('pull-local')
    .description('copy commits from another repository on this machine')
    .argument('<source>', 'path of the source repository')
    .argument('[refs...]', 'refs or commit checksums (default: every local ref of the source)')
    .requiredOption('--repo <path>', 'the destination repository')
    .option('--remote <name>', 'write refs under refs/remotes/NAME/')
    .option('--depth <n>', 'also copy N parent commits (-1: all)')
    .option('--commit-metadata-only', 'copy only commit objects and their detached metadata')
    .option('--trusted', 'do not re-hash the objects read from the source (as ostree pull-local without --untrusted)')
    .option('--bareuseronly-files', 'refuse content a bare-user-only repository cannot hold (setuid, world-writable)')
    .option('--gpg-verify', "commits must be GPG-signed by a key of --remote's keyring")
    .option('--gpg-verify-summary', "the source's summary must be GPG-signed by a key of --remote's keyring")
    .option('--disable-verify-bindings', 'do not check ostree.ref-binding / ostree.collection-binding')
    .option('--print-stats', "print ostree's closing line (N metadata, M content objects imported; ...) instead of the refs")
    .option('--require-static-deltas', "apply the source's static deltas, failing when there is none")
    .option('--json', 'print the result as JSON')
    .action(async (source: string, refs: string[], o: Record<string, string | boolean | undefined>) => {
      const result = await ostreePull.pullLocal({
        repo: o.repo as string,
        source,
        refs,
        remote: o.remote as string | undefined,
        depth: parseDepth(o.depth as string | undefined),
        commitMetadataOnly: o.commitMetadataOnly === true,
        trusted: o.trusted === true,
        gpgVerify: o.gpgVerify === true,
        gpgVerifySummary: o.gpgVerifySummary === true,
        disableVerifyBindings: o.disableVerifyBindings === true,
        bareUserOnlyFiles: o.bareuseronlyFiles === true,
        requireStaticDeltas: o.requireStaticDeltas === true,
        reporter: context.reporter,
      });
      if (o.printStats === true && o.json !== true) {
        context.out(ostreePull.formatPullLocalStatistics(result));
        return;
      }
      printPullResult(context, result, o.json === true);
    });
}

function signOptionsFor(how: { type: string; keys: readonly string[]; gpgHomedir?: string | undefined }): SignOptions {
  if (how.type === 'gpg') return { gpgKeyIds: how.keys, gpgHomedir: how.gpgHomedir };
  ostreePull.checkSignType(how.type);
  return how.type === 'dummy' ? { dummyKeys: how.keys } : { ed25519Keys: how.keys.map((k) => ostreePull.ed25519SecretKey(k)) };
}

/** `show`'s GPG report of a commit (undefined without GPG signatures). */
export async function describeCommitGpg(repoPath: string, checksum: string, how: { homedir?: string | undefined; remote?: string | undefined }): Promise<string | undefined> {
  let keys;
  if (how.remote !== undefined) {
    const remote = await ostreePull.getRemote(repoPath, how.remote);
    keys = await ostreePull.trustedGpgKeys(repoPath, remote.name, remote.options.gpgkeypath);
  } else keys = await ostreePull.showGpgKeys(how.homedir);
  return await ostreePull.describeCommitGpgSignatures(repoPath, checksum, keys);
}

/** `commit --sign/--gpg-sign`: sign a commit just written. */
export async function signCommitWith(repoPath: string, checksum: string, how: { type: string; keys: readonly string[]; gpgHomedir?: string | undefined }): Promise<void> {
  await ostreePull.signCommit(repoPath, checksum, signOptionsFor(how));
}

/** `summary --sign/--gpg-sign`: sign the summary into summary.sig. */
export async function signSummaryWith(repoPath: string, how: { type: string; keys: readonly string[]; gpgHomedir?: string | undefined }): Promise<void> {
  await ostreePull.signSummary(repoPath, signOptionsFor(how));
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function registerSignCommand(repo: Command, context: CliContext): void {
  repo
    .command('sign')
    .description('sign a commit (or the summary) with ed25519, GPG or dummy (OSTree tests), verify its signatures, or delete some')
    .argument('[commit]', 'commit (any rev; omit with --summary)')
    .argument('[keys...]', 'ed25519: base64 secret keys (with --verify/--delete: public keys); gpg: key IDs; dummy: key text')
    .requiredOption('--repo <path>', 'the repository')
    .option('-s, --sign-type <type>', 'ed25519, gpg or dummy', 'ed25519')
    .option('--keys-file <file>', 'read keys from FILE (ed25519: one base64 key per line; gpg with --verify: a keyring)')
    .option('--keys-dir <dir>', 'ed25519 --verify: trusted keys from DIR/trusted.ed25519{,.d/*}, minus DIR/revoked.ed25519{,.d/*}')
    .option('--gpg-homedir <dir>', 'GPG home directory to sign with')
    .option('--summary', 'sign (or verify) the summary file into summary.sig instead of a commit')
    .option('--verify', 'verify instead of signing')
    .option('-d, --delete', 'delete the signatures made by any of the keys')
    .action(async (commit: string | undefined, keys: string[], o: Record<string, string | boolean | undefined>) => {
      const type = o.signType as string;
      if (type !== 'gpg') ostreePull.checkSignType(type);
      const repoPath = o.repo as string;
      const summary = o.summary === true;
      if (!summary && commit === undefined) throw new AtollError('CLI_USAGE', 'a commit is required (or --summary)');
      if (summary && commit !== undefined) keys.unshift(commit);
      const checksum = summary ? '' : await ostreePull.resolveCommitRev(repoPath, commit as string);
      const keysFile = typeof o.keysFile === 'string' ? o.keysFile : undefined;
      const verify = (policy: VerifyPolicy) => (summary ? ostreePull.verifySummarySignatures(repoPath, policy) : ostreePull.verifyCommitSignatures(repoPath, checksum, policy));
      if (o.verify) {
        if (type === 'gpg') {
          if (keysFile === undefined) throw new AtollError('CLI_USAGE', '--verify with gpg needs --keys-file KEYRING');
          const report = await verify({ gpg: await ostreePull.readPublicKeys(await readFile(keysFile)) });
          for (const k of report.gpgValid) context.out(`Good GPG signature from key ${k}`);
          return;
        }
        // As `ostree sign --verify`: each key given is tried on its own (its failure is not
        // reported); then, with no keys or with --keys-file, the keys of the file, the
        // --keys-dir or the system-wide directories, whose failure is the error.
        for (const key of keys) {
          let policy: VerifyPolicy;
          try {
            policy = type === 'ed25519' ? { ed25519: [ostreePull.ed25519PublicKey(key)] } : { dummy: [key] };
          } catch {
            continue;
          }
          try {
            const report = await verify(policy);
            context.out(report.signMessage ?? '');
            return;
          } catch (error) {
            if (!(error instanceof AtollError)) throw error;
          }
        }
        if (keys.length === 0 || keysFile !== undefined) {
          let policy: VerifyPolicy;
          if (type === 'dummy') policy = { dummy: keysFile === undefined ? [] : (await readFile(keysFile, 'utf8')).split('\n').map((l) => l.trim()).filter(Boolean) };
          else if (keysFile !== undefined) policy = { ed25519: await ostreePull.readEd25519KeyFile(keysFile) };
          else {
            const set = await ostreePull.readEd25519KeyDirs(typeof o.keysDir === 'string' ? [o.keysDir] : undefined);
            policy = { ed25519: set.trusted, ed25519Revoked: set.revoked };
          }
          const report = await verify(policy);
          context.out(report.signMessage ?? '');
          return;
        }
        throw new AtollError('PULL_SIGNATURE_INVALID', 'No valid signatures found', { hint: 'check the public keys given' });
      }
      const fileLines = keysFile !== undefined ? (await readFile(keysFile, 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')) : [];
      if (o.delete) {
        if (summary) throw new AtollError('CLI_USAGE', '--delete works on commits, not on the summary');
        const deleted = await ostreePull.deleteCommitSignatures(repoPath, checksum, type === 'gpg' ? { gpgKeyIds: keys } : type === 'dummy' ? { dummyKeys: keys } : { ed25519PublicKeys: [...keys, ...fileLines].map((k) => ostreePull.ed25519PublicKey(k)) });
        context.out(`Signatures deleted: ${deleted}`);
        return;
      }
      const all = [...keys, ...fileLines];
      const options =
        type === 'ed25519'
          ? { ed25519Keys: all.map((k) => ostreePull.ed25519SecretKey(k)) }
          : type === 'dummy'
            ? { dummyKeys: all }
            : { gpgKeyIds: keys, gpgHomedir: o.gpgHomedir as string | undefined };
      if ((options.ed25519Keys?.length ?? 0) + (options.gpgKeyIds?.length ?? 0) + (options.dummyKeys?.length ?? 0) === 0) throw new AtollError('CLI_USAGE', 'no keys given to sign with');
      if (summary) await ostreePull.signSummary(repoPath, options);
      else await ostreePull.signCommit(repoPath, checksum, options);
    });
}

function registerRemoteCommands(repo: Command, context: CliContext): void {
  const remote = repo.command('remote').description('manage remotes (add, delete, list, show-url) in the repository config');
  remote
    .command('add')
    .description('add a remote repository')
    .argument('<name>', 'remote name')
    .argument('[url]', 'http://, https:// or file:// URL (or metalink=URL, stored as OSTree stores it); optional with --custom-backend')
    .argument('[branches...]', 'branches to pull by default')
    .option('--repo <path>', 'the repository')
    .option('--sysroot <dir>', "add the remote to this sysroot's repo (a deployment root: to its etc/ostree/remotes.d)")
    .option('--set <key=value>', 'set a config option for the remote (repeatable)', collect, [])
    .option('--no-gpg-verify', 'disable GPG verification')
    .option('--no-sign-verify', 'disable signature verification (GPG and ed25519)')
    .option('--sign-verify <spec>', 'verify signatures with KEYTYPE=inline:PUBKEY or KEYTYPE=file:/path/to/key')
    .option('--if-not-exists', 'do nothing if the remote exists')
    .option('--force', 'replace the remote if it exists')
    .option('--contenturl <url>', 'use URL when fetching content')
    .option('--collection-id <id>', 'collection ID of the remote')
    .option('--gpg-import <file>', 'import GPG keys from FILE into the remote keyring')
    .option('--custom-backend <name>', 'the remote is fetched by another tool (e.g. ostree-rs-ext); pulls refuse it')
    .action(async (name: string, urlArg: string | undefined, branches: string[], o: Record<string, unknown>) => {
      if (urlArg === undefined && typeof o.customBackend !== 'string') throw new AtollError('CLI_USAGE', 'NAME and URL must be specified');
      const url = urlArg ?? '';
      const set = (o.set as string[]).map((kv): [string, string] => {
        const eq = kv.indexOf('=');
        if (eq <= 0) throw new AtollError('CLI_USAGE', `--set expects KEY=VALUE, got '${kv}'`);
        return [kv.slice(0, eq), kv.slice(eq + 1)];
      });
      let configDir: string | undefined;
      if (typeof o.sysroot === 'string') {
        const { SysrootLayout, remotesConfigDirOf } = await import('../../sysroot/index.js');
        const layout = new SysrootLayout(o.sysroot);
        o.repo = layout.repoDir;
        configDir = await remotesConfigDirOf(layout);
      }
      if (typeof o.repo !== 'string') throw new AtollError('CLI_USAGE', "required option '--repo <path>' not specified");
      const added = await ostreePull.addRemote(o.repo, {
        ...(configDir !== undefined ? { configDir } : {}),
        name,
        url,
        branches,
        set,
        noGpgVerify: o.gpgVerify === false,
        noSignVerify: o.signVerify === false,
        ...(typeof o.signVerify === 'string' ? { signVerify: o.signVerify } : {}),
        ...(o.contenturl !== undefined ? { contentUrl: o.contenturl as string } : {}),
        ...(o.collectionId !== undefined ? { collectionId: o.collectionId as string } : {}),
        ...(typeof o.customBackend === 'string' ? { customBackend: o.customBackend } : {}),
        ifNotExists: o.ifNotExists === true,
        force: o.force === true,
      });
      if (added && typeof o.gpgImport === 'string') {
        const count = await ostreePull.importRemoteGpgKeys(o.repo as string, name, { keyrings: [o.gpgImport] });
        context.out(`Imported ${count} GPG key${count === 1 ? '' : 's'} to remote "${name}"`);
      }
    });
  remote
    .command('gpg-import')
    .description("import GPG keys into a remote's keyring (REPO/REMOTE.trustedkeys.gpg), all or only the KEY-IDs given")
    .argument('<name>', 'remote name')
    .argument('[key-ids...]', 'import only these keys')
    .requiredOption('--repo <path>', 'the repository')
    .option('-k, --keyring <file>', 'import keys from a keyring file (repeatable; default: the user keyring ~/.gnupg/pubring.gpg)', collect, [])
    .option('--stdin', 'import keys from standard input')
    .action(async (name: string, keyIds: string[], o: { repo: string; keyring: string[]; stdin?: boolean }) => {
      await ostreePull.getRemote(o.repo, name);
      const keyrings = o.keyring.length > 0 || o.stdin ? o.keyring : [`${process.env.HOME ?? ''}/.gnupg/pubring.gpg`];
      const stdin = o.stdin ? await readStdin() : undefined;
      const count = await ostreePull.importRemoteGpgKeys(o.repo, name, { keyrings, ...(stdin ? { stdin } : {}), keyIds });
      context.out(`Imported ${count} GPG key${count === 1 ? '' : 's'} to remote "${name}"`);
    });
  remote
    .command('gpg-list-keys')
    .description("list the GPG keys of a remote's keyring, or the global trusted keys without NAME")
    .argument('[name]', 'remote name')
    .requiredOption('--repo <path>', 'the repository')
    .action(async (name: string | undefined, o: { repo: string }) => {
      const remoteInfo = name === undefined ? undefined : await ostreePull.getRemote(o.repo, name);
      const keys = await ostreePull.listRemoteGpgKeys(o.repo, name, remoteInfo?.options.gpgkeypath);
      if (keys.length > 0) context.out(ostreePull.formatGpgKeyListing(keys));
    });
  remote
    .command('delete')
    .description('delete a remote repository')
    .argument('<name>', 'remote name')
    .requiredOption('--repo <path>', 'the repository')
    .option('--if-exists', 'do nothing if the remote does not exist')
    .action(async (name: string, o: { repo: string; ifExists?: boolean }) => {
      await ostreePull.deleteRemote(o.repo, name, { ifExists: o.ifExists === true });
    });
  remote
    .command('list')
    .description('list remote repository names')
    .requiredOption('--repo <path>', 'the repository')
    .option('-u, --show-urls', 'show remote URLs in list')
    .option('--json', 'print the remotes as JSON')
    .action(async (o: { repo: string; showUrls?: boolean; json?: boolean }) => {
      const remotes = await ostreePull.listRemotes(o.repo);
      if (o.json) {
        context.printJson(remotes);
        return;
      }
      // ostree: "%-*s  %s" padded to the longest name.
      const width = Math.max(0, ...remotes.map((r) => r.name.length));
      for (const r of remotes) context.out(o.showUrls ? `${r.name.padEnd(width)}  ${r.url}` : r.name);
    });
  const cookieCommand = (verb: 'add-cookie' | 'delete-cookie', description: string): void => {
    remote
      .command(verb)
      .description(description)
      .argument('<name>', 'remote name')
      .argument('<domain>')
      .argument('<path>')
      .argument('<cookie-name>')
      .argument('<value>')
      .requiredOption('--repo <path>', 'the repository')
      .action(async (name: string, domain: string, path: string, cookieName: string, value: string, o: { repo: string }) => {
        await ostreePull.getRemote(o.repo, name);
        const cookie = { domain, path, name: cookieName, value };
        if (verb === 'add-cookie') await ostreePull.addCookie(o.repo, name, cookie);
        else if (!(await ostreePull.deleteCookie(o.repo, name, cookie))) throw new AtollError('PULL_NO_COOKIE', `Cookie ${cookieName} not found in jar`);
      });
  };
  cookieCommand('add-cookie', "add a cookie to the remote's jar (sent with every pull)");
  cookieCommand('delete-cookie', "delete a cookie from the remote's jar");
  remote
    .command('list-cookies')
    .description("list the cookies of the remote's jar")
    .argument('<name>', 'remote name')
    .requiredOption('--repo <path>', 'the repository')
    .action(async (name: string, o: { repo: string }) => {
      await ostreePull.getRemote(o.repo, name);
      for (const c of await ostreePull.readCookies(o.repo, name)) {
        context.out(`--\nDomain: ${c.domain}\nPath: ${c.path}\nName: ${c.name}\nSecure: ${c.secure ? 'yes' : 'no'}\nExpires: ${new Date(c.expires * 1000).toISOString()}\nValue: ${c.value}`);
      }
    });
  remote
    .command('show-url')
    .description('show the URL of a remote')
    .argument('<name>', 'remote name')
    .requiredOption('--repo <path>', 'the repository')
    .action(async (name: string, o: { repo: string }) => {
      const r = await ostreePull.getRemote(o.repo, name);
      if (r.url === '') throw new AtollError('PULL_NO_REMOTE_URL', `No "url" option in remote "${name}"`);
      context.out(r.url);
    });
  remote
    .command('summary')
    .description("fetch the remote's summary (and summary.sig), verify it as the remote is configured, print it as `summary -v` (with the GPG report when gpg-verify-summary is on)")
    .argument('<name>', 'remote name')
    .requiredOption('--repo <path>', 'the repository')
    .option('--raw', 'print the summary GVariant in text form (as ostree remote summary --raw)')
    .option('--byteswap', 'with --raw: byte-swap the summary first (ostree does on little-endian hosts)')
    .action(async (name: string, o: { repo: string; raw?: boolean; byteswap?: boolean }) => {
      const fetched = await ostreePull.fetchRemoteSummary(o.repo, name);
      if (o.raw) {
        context.out(printSummaryBytesRaw(fetched.summary, { byteswap: o.byteswap === true }));
        return;
      }
      context.out(describeSummaryBytes(fetched.summary));
      if (fetched.gpgReport !== undefined) context.out(`\n${fetched.gpgReport}`);
    });
  remote
    .command('refs')
    .description("list the refs of the remote's summary as REMOTE:REF (fetched from the server)")
    .argument('<name>', 'remote name')
    .requiredOption('--repo <path>', 'the repository')
    .option('--json', 'print the refs and their commits as JSON')
    .action(async (name: string, o: { repo: string; json?: boolean }) => {
      const refs = await ostreePull.remoteRefs(o.repo, name);
      if (o.json) context.printJson(refs);
      else for (const { ref } of refs) context.out(`${name}:${ref}`);
    });
}
