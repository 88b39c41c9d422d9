import { readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import { registerRepoNetCommands, loadRepoNetCommands, signCommitWith, signSummaryWith, describeCommitGpg } from './repo-net.js';
import { registerRepoDeltaCommands } from './repo-delta.js';
import { AtollError } from '../../errors/index.js';
import {
  Repo,
  parseRepoMode,
  listRefs,
  writeRef,
  resolveRev,
  loadCommit,
  resolvePath,
  loadContent,
  listTree,
  formatLog,
  formatCommit,
  printMetadataKey,
  commitSizes,
  formatCommitSizes,
  normalizePath,
  validateRefName,
  parseRefspec,
  listCollectionRefs,
  writeCollectionRef,
  validateCollectionId,
  listRefAliases,
  writeRefAlias,
  aliasesOf,
  type Variant,
  COMMIT_GVARIANT_TYPE,
} from '../../ostree/repo/index.js';
import { commitToRepo, parseTimestamp, consumeTree, StatOverride } from '../../ostree/commit/index.js';
import { checkout } from '../../ostree/checkout/index.js';
import { fsckRepo, formatGSize, parseRetainBranchDepth, diffCommits, formatDiff, ObjectType, checksumPath, type DiffSide } from '../../ostree/repo/index.js';
import { updateSummary, describeSummary, printSummaryRaw } from '../../ostree/summary/index.js';
import { pruneRepository } from '../../ostree/delta/index.js';
import { parseGVariantText, decodeGVariant, byteswapGVariant, printGVariant } from '../../gvariant/index.js';

/**
 * What the actions need beyond the static imports (once, before the first action runs). The
 * ostree store modules are imported statically: every `repo` verb needs them, and load-program.ts
 * already loads this group only when argv names `repo`.
 */
export async function loadRepoCommands(): Promise<void> {
  await loadRepoNetCommands();
}

/** ostree's OSTREE_REPO_METADATA_REF commit: empty root (0:0, 0755), metadata and bindings, parent = the ref's tip. */
async function commitSummaryMetadata(r: Repo, metadata: ReadonlyMap<string, Variant>, context: CliContext): Promise<void> {
  const { mkdtemp, rm, chmod } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const empty = await mkdtemp(join(tmpdir(), 'atoll-ostree-metadata-'));
  try {
    await chmod(empty, 0o755);
    await commitToRepo(r, { trees: [empty], branch: 'ostree-metadata', subject: '', timestamp: Math.floor(Date.now() / 1000), metadata: [...metadata], ownerUid: 0, ownerGid: 0, glibKeyOrder: true }, context.reporter);
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
}

/** `--repo` as ostree takes it; default: the current directory (or $OSTREE_REPO). */
function repoOption(): Option {
  return new Option('--repo <path>', 'path to the OSTree repository').default(process.env.OSTREE_REPO ?? '.');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function intArg(name: string): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value)) throw new AtollError('CLI_USAGE', `--${name} must be a non-negative integer, got '${value}'`);
    return Number(value);
  };
}

function keyValue(option: string, text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new AtollError('CLI_USAGE', `--${option} takes KEY=VALUE, got '${text}'`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

interface RefsOpts { repo: string; list?: boolean; delete?: boolean; create?: string; force?: boolean; collections?: boolean; alias?: boolean }

async function isRefDirectory(r: Repo, ref: string, remote: string | undefined): Promise<boolean> {
  const path = remote === undefined ? join(r.path, 'refs', 'heads', ref) : join(r.path, 'refs', 'remotes', remote, ref);
  return await stat(path).then((st) => st.isDirectory(), () => false);
}

/** `atoll repo ...`: OSTree's repository verbs, with OSTree's flag names. */
export function registerRepoCommands(program: Command, context: CliContext): void {
  const repo = program.command('repo').description('OSTree repository verbs (init, commit, ls, pull, serve, ...)');

  repo
    .command('init')
    .description('initialize a new OSTree repository')
    .addOption(repoOption())
    .addOption(new Option('--mode <mode>', 'archive (archive-z2), bare, bare-user or bare-user-only').default('bare'))
    .option('--collection-id <id>', 'set core.collection-id')
    .action(async (opts: { repo: string; mode: string; collectionId?: string }) => {
      const mode = (() => {
        try {
          return parseRepoMode(opts.mode);
        } catch (error) {
          throw new AtollError('CLI_USAGE', (error as Error).message, { hint: 'use --mode=archive|bare|bare-user|bare-user-only' });
        }
      })();
      const r = await Repo.init(opts.repo, mode);
      if (opts.collectionId) {
        r.config.setString('core', 'collection-id', opts.collectionId);
        await r.saveConfig();
      }
    });

  repo
    .command('commit')
    .description('commit a directory tree to a branch; prints the new commit checksum')
    .addOption(repoOption())
    .argument('[path]', 'directory to commit (same as --tree=dir=PATH)')
    .option('-b, --branch <ref>', 'branch to update')
    .option('-s, --subject <text>', 'one-line subject')
    .option('-m, --body <text>', 'full description')
    .option('--tree <spec>', 'dir=PATH to commit (repeatable; later trees overlay earlier ones)', collect, [])
    .option('--parent <rev>', "parent commit checksum, or 'none'")
    .option('--orphan', 'create a commit without a parent')
    .option('--add-metadata-string <KEY=VALUE>', 'add a string metadata key (repeatable)', collect, [])
    .option('--add-detached-metadata-string <KEY=VALUE>', 'add a detached string metadata key (repeatable)', collect, [])
    .option('--add-metadata <KEY=VALUE>', "add a metadata key whose value is GVariant text, e.g. SIZE='uint64 42' (repeatable)", collect, [])
    .option('--keep-metadata <KEY>', 'copy this metadata key from the parent commit (repeatable)', collect, [])
    .option('--owner-uid <uid>', 'set the owner uid of every file', intArg('owner-uid'))
    .option('--owner-gid <gid>', 'set the owner gid of every file', intArg('owner-gid'))
    .option('--no-xattrs', 'do not import extended attributes')
    .option('--canonical-permissions', 'uid/gid 0 and modes masked to 0755')
    .option('--timestamp <date>', "commit timestamp, e.g. '2026-01-01 00:00:00 +0000'")
    .option('--no-bindings', 'do not add ostree.ref-binding')
    .option('--consume', 'delete the input directories after the commit (adopting files in bare repos)')
    .option('-F, --body-file <file>', 'read the full description from FILE')
    .option('--base <rev>', 'start from the tree of REV, then lay the given trees over it')
    .option('--bind-ref <ref>', 'also bind the commit to REF in ostree.ref-binding (repeatable)', collect, [])
    .option('--skip-if-unchanged', 'do not commit when the tree equals the parent')
    .option('--bootable', 'add ostree.linux and ostree.bootable (needs usr/lib/modules/<kver>/vmlinuz)')
    .option('--generate-sizes', 'add ostree.sizes (archived/unpacked size of every object; archive repositories)')
    .option('--statoverride <file>', 'per-path modes: lines "MODE PATH" (decimal; =MODE sets the permission bits, MODE or +MODE adds bits)')
    .option('--skip-list <file>', 'paths (one a line, from the tree root) left out of the commit')
    .option('--mode-ro-executables', 'regular files with an executable bit lose their write bits')
    .option('-I, --devino-canonical', 'hardlinks of repository objects keep their checksum, whatever the overrides')
    .option('--table-output', "print ostree's commit statistics (Commit:, Metadata Written:, Content Written:, ...) instead of the checksum")
    .option('--sign <key>', 'sign the commit with this key (--sign-type; repeatable)', collect, [])
    .option('--sign-type <type>', 'signature type of --sign: ed25519 or dummy (OSTree tests)', 'ed25519')
    .option('--gpg-sign <keyid>', 'GPG-sign the commit with this key (repeatable; runs gpg)', collect, [])
    .option('--gpg-homedir <dir>', 'GPG home directory for --gpg-sign')
    .action(async (path: string | undefined, opts: {
      sign: string[]; signType: string; gpgSign: string[]; gpgHomedir?: string;
      statoverride?: string; skipList?: string; modeRoExecutables?: boolean; devinoCanonical?: boolean; tableOutput?: boolean;
      addMetadata: string[]; keepMetadata: string[];
      repo: string; branch?: string; subject?: string; body?: string; tree: string[]; parent?: string; orphan?: boolean;
      addMetadataString: string[]; addDetachedMetadataString: string[]; ownerUid?: number; ownerGid?: number;
      xattrs: boolean; canonicalPermissions?: boolean; timestamp?: string; bindings: boolean; skipIfUnchanged?: boolean; bootable?: boolean; generateSizes?: boolean;
      bindRef: string[]; base?: string; consume?: boolean; bodyFile?: string;
    }) => {
      if (!opts.branch && !opts.orphan) throw new AtollError('CLI_USAGE', 'a branch is required (-b REF), or pass --orphan');
      const r = await Repo.open(opts.repo);
      const trees: Array<string | { commit: string; noModifiers?: boolean }> = [];
      if (opts.base !== undefined) trees.push({ commit: await resolveRev(r, opts.base), noModifiers: true });
      for (const spec of opts.tree) {
        if (spec.startsWith('dir=')) trees.push(spec.slice(4));
        else if (spec.startsWith('ref=')) trees.push({ commit: await resolveRev(r, spec.slice(4)) });
        else throw new AtollError('CLI_USAGE', `unsupported --tree '${spec}'`, { hint: 'use --tree=dir=PATH or --tree=ref=REV' });
      }
      if (path !== undefined) trees.push(path);
      if (trees.length === 0) throw new AtollError('CLI_USAGE', 'nothing to commit: give a PATH or --tree=dir=PATH');
      let timestamp: number;
      if (opts.timestamp !== undefined) timestamp = await parseTimestamp(opts.timestamp);
      else if (process.env.SOURCE_DATE_EPOCH) timestamp = sourceDateEpoch(process.env.SOURCE_DATE_EPOCH);
      else timestamp = Math.floor(Date.now() / 1000);
      let parent: string | null | undefined;
      if (opts.orphan || opts.parent === 'none') parent = null;
      else if (opts.parent !== undefined) parent = await resolveRev(r, opts.parent);
      const meta = (list: string[], option: string): Array<[string, Variant]> =>
        list.map((kv) => {
          if (kv.startsWith('=')) throw new AtollError('OSTREE_COMMIT_BAD_METADATA', 'Empty metadata key');
          const [k, v] = keyValue(option, kv);
          return [k, { type: 's', value: v }];
        });
      const result = await commitToRepo(
        r,
        {
          trees,
          branch: opts.branch,
          subject: opts.subject,
          body: opts.bodyFile !== undefined ? await readFile(opts.bodyFile, 'utf8') : opts.body,
          timestamp,
          parent,
          metadata: [
            ...meta(opts.addMetadataString, 'add-metadata-string'),
            ...opts.addMetadata.map((kv): [string, Variant] => {
              const [k, v] = keyValue('add-metadata', kv);
              return [k, parseGVariantText(v)];
            }),
          ],
          keepMetadata: opts.keepMetadata,
          detachedMetadata: opts.addDetachedMetadataString.length > 0 ? meta(opts.addDetachedMetadataString, 'add-detached-metadata-string') : undefined,
          ownerUid: opts.ownerUid,
          ownerGid: opts.ownerGid,
          noXattrs: !opts.xattrs,
          canonicalPermissions: opts.canonicalPermissions,
          noBindings: !opts.bindings,
          bindRefs: opts.bindRef.map((ref) => validateRefName(ref)),
          skipIfUnchanged: opts.skipIfUnchanged,
          bootable: opts.bootable,
          generateSizes: opts.generateSizes,
          statOverride: opts.statoverride !== undefined ? StatOverride.parse(await readFile(opts.statoverride, 'utf8')) : undefined,
          skipList: opts.skipList !== undefined ? new Set((await readFile(opts.skipList, 'utf8')).split('\n').filter((l) => l !== '')) : undefined,
          modeRoExecutables: opts.modeRoExecutables,
          devinoCanonical: opts.devinoCanonical,
        },
        context.reporter,
      );
      if (opts.consume) {
        const dirs = trees.filter((t): t is string => typeof t === 'string');
        for (const dir of dirs) await consumeTree(r, dir, result.checksum, { adopt: trees.length === 1 });
      }
      // As ostree commit: the sign-API keys first, then the GPG keys, into the detached metadata.
      if (opts.sign.length > 0) await signCommitWith(r.path, result.checksum, { type: opts.signType, keys: opts.sign });
      if (opts.gpgSign.length > 0) await signCommitWith(r.path, result.checksum, { type: 'gpg', keys: opts.gpgSign, gpgHomedir: opts.gpgHomedir });
      if (opts.branch) await autoUpdateSummary(r, 'commit');
      if (opts.tableOutput) {
        // ostree's --table-output lines (ot-builtin-commit.c).
        const written = result.written ?? { metadata: 0, content: 0 };
        context.out([
          `Commit: ${result.checksum}`,
          `Metadata Total: ${written.metadata}`,
          `Metadata Written: ${written.metadata}`,
          `Content Total: ${result.stats.files + result.stats.devinoHits}`,
          `Content Written: ${written.content}`,
          `Content Cache Hits: ${result.stats.devinoHits}`,
          `Content Bytes Written: ${result.stats.bytes}`,
        ].join('\n'));
        return;
      }
      context.out(result.checksum);
    });

  repo
    .command('refs')
    .description('list refs (optionally under PREFIX), or create/delete one')
    .addOption(repoOption())
    .argument('[prefixes...]', 'only refs under these prefixes (--delete: each is deleted)')
    .option('--list', 'do not strip the prefix')
    .option('--delete', 'delete the refs matching PREFIX')
    .option('--create <newref>', 'create NEWREF pointing at PREFIX (a rev)')
    .option('--force', 'overwrite an existing ref with --create')
    .option('-c, --collections', 'refs as (collection-id, ref); PREFIX is a collection-id')
    .option('-A, --alias', 'list aliases (ALIAS -> REF); with --create, make NEWREF an alias of PREFIX')
    .action(async (prefixes: string[], opts: RefsOpts) => {
      const r = await Repo.open(opts.repo);
      if (opts.delete && prefixes.length === 0) throw new AtollError('CLI_USAGE', 'At least one PREFIX is required when deleting refs');
      if (prefixes.length > 1 && opts.create === undefined) {
        // ostree refs takes several prefixes: each is listed (or deleted) in turn.
        for (const one of prefixes) await refsFor(r, one, opts);
        if (opts.delete) await autoUpdateSummary(r);
        return;
      }
      await refsFor(r, prefixes[0], opts);
      if (opts.create !== undefined || opts.delete) await autoUpdateSummary(r);
    });
  async function refsFor(r: Repo, prefix: string | undefined, opts: RefsOpts): Promise<void> {
      if (opts.create !== undefined) {
        if (!prefix) throw new AtollError('CLI_USAGE', 'You must specify an existing ref when creating a new ref');
        if (opts.collections) {
          const colon = opts.create.indexOf(':');
          if (colon <= 0) throw new AtollError('CLI_USAGE', `--create with --collections takes COLLECTION-ID:REF, got '${opts.create}'`);
          const collectionId = opts.create.slice(0, colon);
          const ref = opts.create.slice(colon + 1);
          // ostree replaces an existing collection ref without --force.
          await writeCollectionRef(r, collectionId, ref, await resolveRev(r, prefix));
          return;
        }
        const target = parseRefspec(opts.create);
        if (opts.alias) {
          if (target.remote !== undefined) throw new AtollError('OSTREE_REF_INVALID', `Cannot create alias to remote ref: ${opts.create}`);
          await writeRefAlias(r, target.ref, prefix);
          return;
        }
        validateRefName(target.ref);
        const existing = (await listRefs(r)).find((e) => e.ref === target.ref && e.remote === target.remote);
        if (existing && !opts.force) throw new AtollError('OSTREE_REF_EXISTS', `--create specified but ref ${opts.create} already exists`, { hint: 'pass --force' });
        if (await isRefDirectory(r, target.ref, target.remote)) throw new AtollError('OSTREE_REF_EXISTS', `Ref ${opts.create} conflicts with an existing directory of refs`);
        await writeRef(r, target.ref, await resolveRev(r, prefix), target.remote);
        return;
      }
      if (opts.collections) {
        if (prefix !== undefined) validateCollectionId(prefix);
        const matching = (await listCollectionRefs(r)).filter((e) => prefix === undefined || e.collectionId === prefix);
        if (opts.delete) {
          for (const e of matching) {
            if (e.kind === 'remote') await writeRef(r, e.ref, undefined, e.remote);
            else await writeCollectionRef(r, e.collectionId, e.ref, undefined);
          }
          return;
        }
        if (matching.length > 0) context.out(matching.map((e) => `(${e.collectionId}, ${e.ref})`).join('\n'));
        return;
      }
      if (opts.alias && !opts.delete) {
        const aliases = (await listRefAliases(r)).filter((a) => prefix === undefined || a.alias === prefix || a.alias.startsWith(`${prefix}/`));
        if (aliases.length > 0) context.out(aliases.map((a) => `${a.alias} -> ${a.target}`).join('\n'));
        return;
      }
      const refs = await listRefs(r, { strict: true });
      // `REMOTE:` (or `REMOTE:.`, flatpak's spelling) lists every ref of that remote.
      const remoteOnly = prefix !== undefined && /^[^:]+:\.?$/.test(prefix) ? prefix.slice(0, prefix.indexOf(':') + 1) : undefined;
      const matching = refs.filter((e) => prefix === undefined || (remoteOnly !== undefined ? e.name.startsWith(remoteOnly) : e.name === prefix || e.name.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`)));
      if (opts.delete) {
        for (const e of matching) {
          if (e.remote === undefined) {
            const aliases = await aliasesOf(r, e.ref);
            if (aliases.length > 0) throw new AtollError('OSTREE_REF_HAS_ALIASES', `Ref '${e.ref}' has active aliases: ${aliases.join(', ')}`);
          }
        }
        for (const e of matching) await writeRef(r, e.ref, undefined, e.remote);
        return;
      }
      const lines = matching.map((e) => {
        if (prefix === undefined || opts.list || remoteOnly !== undefined) return e.name;
        const stripped = e.name.slice(prefix.length).replace(/^\//, '');
        // ostree cuts the prefix but keeps the remote: `refs R:a` lists `R:b/c` for R:a/b/c.
        if (stripped === '') return e.name;
        return e.remote !== undefined ? `${e.remote}:${stripped}` : stripped;
      });
      if (lines.length > 0) context.out(lines.join('\n'));
    }

  repo
    .command('rev-parse')
    .description('resolve a ref, ref^, or full/short checksum to a commit checksum')
    .addOption(repoOption())
    .argument('[rev]')
    .option('-S, --single', 'print the only commit of the repository; error if there are none or several')
    .action(async (rev: string | undefined, opts: { repo: string; single?: boolean }) => {
      const r = await Repo.open(opts.repo);
      if (opts.single) {
        if (rev !== undefined) throw new AtollError('CLI_USAGE', 'Cannot specify arguments with --single');
        let found: string | undefined;
        for await (const o of r.listObjects()) {
          if (o.type !== ObjectType.Commit) continue;
          if (found !== undefined) throw new AtollError('OSTREE_REV_NOT_SINGLE', `Multiple commit objects found`);
          found = o.checksum;
        }
        if (found === undefined) throw new AtollError('OSTREE_REV_NOT_SINGLE', 'No commit objects found');
        context.out(found);
        return;
      }
      if (rev === undefined) throw new AtollError('CLI_USAGE', 'Usage error: REV must be specified');
      context.out(await resolveRev(r, rev));
    });

  repo
    .command('ls')
    .description('list the files of a commit (same columns as ostree ls)')
    .addOption(repoOption())
    .argument('<rev>')
    .argument('[paths...]')
    .option('-R, --recursive', 'recurse into directories')
    .option('-C, --checksum', 'print checksums')
    .option('-X, --xattrs', 'print extended attributes')
    .option('-d, --dironly', 'list directories themselves, not their contents')
    .action(async (rev: string, paths: string[], opts: { repo: string; recursive?: boolean; checksum?: boolean; xattrs?: boolean; dironly?: boolean }) => {
      const r = await Repo.open(opts.repo);
      const lines = await listTree(r, await resolveRev(r, rev), paths, { recursive: opts.recursive, checksums: opts.checksum, xattrs: opts.xattrs, dirOnly: opts.dironly });
      context.out(lines.join('\n'));
    });

  repo
    .command('cat')
    .description('print the content of files in a commit')
    .addOption(repoOption())
    .argument('<rev>')
    .argument('<paths...>')
    .action(async (rev: string, paths: string[], opts: { repo: string }) => {
      const r = await Repo.open(opts.repo);
      const commit = await loadCommit(r, await resolveRev(r, rev));
      for (const path of paths) {
        // Symlinks are followed, as reading an OstreeRepoFile does (relative to their directory).
        let current = normalizePath(path);
        for (let hops = 0; ; hops++) {
          const entry = await resolvePath(r, commit, current);
          if (entry.kind !== 'file') throw new AtollError('OSTREE_PATH_NOT_FILE', "Can't open directory", { data: { path: current } });
          const content = await loadContent(r, entry.checksum);
          const target = content.header.symlinkTarget ?? '';
          if (target === '' || hops >= 40) {
            context.outBytes(await content.readData());
            break;
          }
          current = normalizePath(target.startsWith('/') ? target : posix.join(posix.dirname(current), target));
        }
      }
    });

  repo
    .command('log')
    .description('show the history of a ref')
    .addOption(repoOption())
    .argument('<rev>')
    .action(async (rev: string, opts: { repo: string }) => {
      const r = await Repo.open(opts.repo);
      context.outBytes(Buffer.from(await formatLog(r, await resolveRev(r, rev))));
    });

  repo
    .command('show')
    .description('show a commit, or one of its metadata keys')
    .addOption(repoOption())
    .argument('<rev>')
    .option('--print-metadata-key <key>', 'print one metadata value (GVariant text)')
    .option('--print-detached-metadata-key <key>', 'print one detached metadata value')
    .option('--print-sizes', "print the commit's ostree.sizes totals: needed (absent here) and total")
    .option('--byteswap', 'print metadata values byte-swapped (what `ostree show` does without -B on little-endian hosts)')
    .option('--raw', 'print the commit GVariant in text form (with --byteswap, as ostree show --raw on little-endian hosts)')
    .option('--gpg-homedir <dir>', "also trust the keyrings (*.gpg) of DIR when reporting the commit's GPG signatures")
    .option('--gpg-verify-remote <remote>', "report the commit's GPG signatures against REMOTE's trusted keys")
    .action(async (rev: string, opts: { repo: string; printMetadataKey?: string; printDetachedMetadataKey?: string; printSizes?: boolean; byteswap?: boolean; raw?: boolean; gpgHomedir?: string; gpgVerifyRemote?: string }) => {
      const r = await Repo.open(opts.repo);
      const checksum = await resolveRev(r, rev);
      if (opts.printSizes) {
        context.outBytes(Buffer.from(formatCommitSizes(await commitSizes(r, checksum))));
        return;
      }
      if (opts.printMetadataKey !== undefined) {
        context.out(await printMetadataKey(r, checksum, opts.printMetadataKey, false, opts.byteswap));
        return;
      }
      if (opts.printDetachedMetadataKey !== undefined) {
        context.out(await printMetadataKey(r, checksum, opts.printDetachedMetadataKey, true, opts.byteswap));
        return;
      }
      if (opts.raw) {
        let value = decodeGVariant(COMMIT_GVARIANT_TYPE, await r.readObjectBytes(checksum, ObjectType.Commit));
        if (opts.byteswap) value = byteswapGVariant(COMMIT_GVARIANT_TYPE, value);
        context.out(printGVariant(COMMIT_GVARIANT_TYPE, value, true));
        return;
      }
      context.outBytes(Buffer.from(formatCommit(checksum, await loadCommit(r, checksum))));
      // As ostree show: the GPG signatures of the commit, judged against the trusted keys.
      const gpg = await describeCommitGpg(r.path, checksum, { homedir: opts.gpgHomedir, remote: opts.gpgVerifyRemote });
      if (gpg !== undefined) context.out(gpg);
    });

  repo
    .command('diff')
    .description('list files added (A), modified (M) and deleted (D) between two commits, or a commit and a directory (./DIR or /DIR)')
    .addOption(repoOption())
    .argument('<from>', 'a rev, or a directory when it starts with / or ./')
    .argument('[to]', 'default: FROM, compared with FROM^')
    .option('--owner-uid <uid>', 'compare files of a directory as if owned by this uid', intArg('owner-uid'))
    .option('--owner-gid <gid>', 'compare files of a directory as if owned by this gid', intArg('owner-gid'))
    .action(async (from: string, to: string | undefined, opts: { repo: string; ownerUid?: number; ownerGid?: number }) => {
      const r = await Repo.open(opts.repo);
      // As ostree's parse_file_or_commit: a path is what starts with / or ./, anything else a rev.
      const side = async (arg: string): Promise<DiffSide> => (arg.startsWith('/') || arg.startsWith('./') ? { directory: arg } : await resolveRev(r, arg));
      const a = await side(to === undefined ? `${from}^` : from);
      const b = await side(to ?? from);
      const lines = formatDiff(await diffCommits(r, a, b, { ownerUid: opts.ownerUid, ownerGid: opts.ownerGid }));
      if (lines.length > 0) context.out(lines.join('\n'));
    });

  repo
    .command('checksum')
    .description('print the object checksum PATH would get if committed as it is (content or dirmeta)')
    .argument('<path>')
    .option('--ignore-xattrs', 'leave extended attributes out')
    .action(async (path: string, opts: { ignoreXattrs?: boolean }) => {
      context.out((await checksumPath(path, { ignoreXattrs: opts.ignoreXattrs })).checksum);
    });

  repo
    .command('checkout')
    .description('check a commit out into a directory')
    .addOption(repoOption())
    .argument('<rev>')
    .argument('[destination]', 'default: the rev name')
    .option('-U, --user-mode', 'do not change ownership, drop setuid/setgid, no xattrs')
    .option('-H, --require-hardlinks', 'hardlink every file from the repository or fail')
    .option('-C, --force-copy', 'never hardlink')
    .option('--union', 'the destination may exist; replace existing files')
    .option('--union-add', 'the destination may exist; keep existing files')
    .option('--union-identical', 'the destination may exist; existing files must be identical (needs -H)')
    .option('--subpath <path>', 'check out only this path')
    .option('--allow-noent', 'a missing --subpath is not an error')
    .option('--skip-list <file>', 'files (one path a line, from the checkout root) not to check out (directories are not skipped, as in ostree)')
    .option('-M, --bareuseronly-dirs', 'directory modes & 0775, as in a bare-user-only repository')
    .option('--disable-cache', 'archive repositories: keep no uncompressed copies in uncompressed-objects-cache/')
    .option('--whiteouts', 'process .wh.NAME (remove NAME) and .wh..wh..opq (empty the directory) files')
    .option('--process-passthrough-whiteouts', 'turn .ostree-wh.NAME files into overlayfs whiteouts (char device 0:0 NAME)')
    .action(async (rev: string, destination: string | undefined, opts: {
      repo: string; userMode?: boolean; requireHardlinks?: boolean; forceCopy?: boolean; union?: boolean; unionAdd?: boolean; subpath?: string;
      unionIdentical?: boolean; allowNoent?: boolean; skipList?: string; bareuseronlyDirs?: boolean; disableCache?: boolean;
      whiteouts?: boolean; processPassthroughWhiteouts?: boolean;
    }) => {
      const r = await Repo.open(opts.repo);
      const checksum = await resolveRev(r, rev);
      await checkout(r, checksum, destination ?? rev, {
        userMode: opts.userMode,
        requireHardlinks: opts.requireHardlinks,
        forceCopy: opts.forceCopy,
        union: opts.union,
        unionAdd: opts.unionAdd,
        unionIdentical: opts.unionIdentical,
        subpath: opts.subpath,
        allowNoent: opts.allowNoent,
        skipList: opts.skipList !== undefined ? new Set((await readFile(opts.skipList, 'utf8')).split('\n').filter((l) => l !== '')) : undefined,
        bareUserOnlyDirs: opts.bareuseronlyDirs,
        disableCache: opts.disableCache,
        processWhiteouts: opts.whiteouts,
        passthroughWhiteouts: opts.processPassthroughWhiteouts,
        reporter: context.reporter,
      });
    });

  repo
    .command('fsck')
    .description('verify every object reachable from a commit; exit 1 on any problem')
    .addOption(repoOption())
    .option('--json', 'print the findings as JSON')
    .option('--delete', 'delete corrupted objects and mark the commits needing them partial')
    .option('-a, --all', 'report every corrupted object instead of stopping at the first')
    .option('--verify-bindings', "check that each ref's commit is bound to the ref (and collection)")
    .option('--verify-back-refs', 'check that every ref a commit is bound to exists (implies --verify-bindings)')
    .option('--add-tombstones', 'replace each commit whose parent is missing by a tombstone (enables core.tombstone-commits)')
    .action(async (opts: { repo: string; json?: boolean; delete?: boolean; all?: boolean; verifyBindings?: boolean; verifyBackRefs?: boolean; addTombstones?: boolean }) => {
      const r = await Repo.open(opts.repo);
      const report = await fsckRepo(r, context.reporter, { delete: opts.delete, all: opts.all, verifyBindings: opts.verifyBindings, verifyBackRefs: opts.verifyBackRefs, addTombstones: opts.addTombstones });
      if (opts.json) context.printJson({ ...report, error: report.error ? { code: report.error.code, message: report.error.message } : undefined });
      else {
        // OSTree's progress lines (the suite greps them), then the findings.
        context.out('Validating refs...\nValidating refs in collections...\nEnumerating commits...');
        context.out(`Verifying content integrity of ${report.commits} commit objects...`);
        for (const message of report.messages) context.notice(message);
        if (report.partialCommits.length > 0) context.out(`${report.partialCommits.length} partial commits not verified`);
        for (const checksum of report.tombstones) context.out(`Adding tombstone for commit ${checksum}`);
        if (report.error === undefined) context.out(`object fsck of ${report.commits} commits completed successfully - no errors found.`);
      }
      if (report.error) throw report.error;
    });

  repo
    .command('prune')
    .description('delete unreachable objects')
    .addOption(repoOption())
    .option('--refs-only', 'only keep objects reachable from refs')
    .option('--depth <n>', 'keep at most N parents of each ref (-1: all)', '-1')
    .option('--keep-younger-than <date>', 'keep commits younger than this date (then refs keep only their tip unless --retain-branch-depth)')
    .option('--retain-branch-depth <branch=depth>', 'keep DEPTH parents of BRANCH (repeatable)', collect, [])
    .option('--only-branch <branch>', 'prune only these refs; every other ref keeps its whole history (repeatable)', collect, [])
    .option('--commit-only', 'only traverse and delete commit objects')
    .option('--delete-commit <commit>', 'delete this commit first (refused while a ref points at it; enables tombstones)')
    .option('--static-deltas-only', 'with --delete-commit: delete the static deltas leading to the commit instead')
    .option('--no-prune', 'only show what would be deleted')
    .action(async (opts: { repo: string; refsOnly?: boolean; depth: string; keepYoungerThan?: string; retainBranchDepth: string[]; onlyBranch: string[]; commitOnly?: boolean; deleteCommit?: string; staticDeltasOnly?: boolean; prune: boolean }) => {
      const r = await Repo.open(opts.repo);
      if (!/^-?\d+$/.test(opts.depth)) throw new AtollError('CLI_USAGE', `--depth must be an integer, got '${opts.depth}'`);
      const retainBranchDepth = opts.retainBranchDepth.length > 0 ? opts.retainBranchDepth.map((v) => parseRetainBranchDepth(v)) : undefined;
      const keepYoungerThan = opts.keepYoungerThan === undefined ? undefined : await parseTimestamp(opts.keepYoungerThan);
      const result = await pruneRepository(r, {
        refsOnly: opts.refsOnly,
        depth: Number(opts.depth),
        ...(keepYoungerThan !== undefined ? { keepYoungerThan } : {}),
        ...(retainBranchDepth ? { retainBranchDepth } : {}),
        ...(opts.onlyBranch.length > 0 ? { onlyBranches: opts.onlyBranch } : {}),
        commitOnly: opts.commitOnly,
        ...(opts.deleteCommit !== undefined ? { deleteCommit: opts.deleteCommit } : {}),
        staticDeltasOnly: opts.staticDeltasOnly,
        dryRun: !opts.prune,
      });
      context.out(`Total${opts.commitOnly ? ' (commit only)' : ''} objects: ${result.total}`);
      if (result.deleted === 0) context.out('No unreachable objects');
      else if (!opts.prune) context.out(`Would delete: ${result.deleted} objects, freeing ${formatGSize(result.freedBytes)}`);
      else context.out(`Deleted ${result.deleted} objects, ${formatGSize(result.freedBytes)} freed`);
    });

  repo
    .command('summary')
    .description('update (-u) or view (-v) the summary file')
    .addOption(repoOption())
    .option('-u, --update', 'regenerate the summary file')
    .option('-v, --view', 'print the summary')
    .option('--raw', 'print the summary GVariant in text form (as ostree summary --raw)')
    .option('--byteswap', 'with --raw: byte-swap the summary first (ostree does on little-endian hosts)')
    .option('--sign <key>', 'sign the summary into summary.sig with this key (--sign-type; repeatable)', collect, [])
    .option('--sign-type <type>', 'signature type of --sign: ed25519 or dummy (OSTree tests)', 'ed25519')
    .option('--gpg-sign <keyid>', 'GPG-sign the summary with this key (repeatable; runs gpg)', collect, [])
    .option('--gpg-homedir <dir>', 'GPG home directory for --gpg-sign')
    .option('-m, --add-metadata <KEY=VALUE>', 'with -u: an extra summary metadata key, VALUE in GVariant text (repeatable)', collect, [])
    .action(async (opts: { repo: string; update?: boolean; view?: boolean; raw?: boolean; byteswap?: boolean; sign: string[]; signType: string; gpgSign: string[]; gpgHomedir?: string; addMetadata: string[] }) => {
      const r = await Repo.open(opts.repo);
      const signs = opts.sign.length > 0 || opts.gpgSign.length > 0;
      if (!opts.update && !opts.view && !opts.raw && !signs) throw new AtollError('CLI_USAGE', 'pass -u (update), -v (view), --raw, or signing keys');
      const additionalMetadata = new Map(opts.addMetadata.map((kv): [string, Variant] => {
        const eq = kv.indexOf('=');
        if (eq <= 0) throw new AtollError('CLI_USAGE', `--add-metadata expects KEY=VALUE, got '${kv}'`);
        return [kv.slice(0, eq), parseGVariantText(kv.slice(eq + 1))];
      }));
      if (opts.update) {
        // With a collection-id, ostree also commits the summary metadata to the `ostree-metadata`
        // ref (an empty tree, bound to the collection), before the summary lists it.
        const collectionId = r.config.getStringOr('core', 'collection-id', undefined);
        if (collectionId !== undefined) await commitSummaryMetadata(r, additionalMetadata, context);
        await updateSummary(r, { additionalMetadata });
      }
      // As ostree summary: the sign-API keys first, then GPG (each appends to summary.sig).
      if (opts.sign.length > 0) await signSummaryWith(r.path, { type: opts.signType, keys: opts.sign });
      if (opts.gpgSign.length > 0) await signSummaryWith(r.path, { type: 'gpg', keys: opts.gpgSign, gpgHomedir: opts.gpgHomedir });
      if (opts.view) context.out(await describeSummary(r));
      else if (opts.raw) context.out(await printSummaryRaw(r, { byteswap: opts.byteswap === true }));
    });

  repo
    .command('reset')
    .description('point REF at COMMIT (any rev), as ostree reset does')
    .addOption(repoOption())
    .argument('<ref>')
    .argument('<commit>')
    .action(async (ref: string, rev: string, opts: { repo: string }) => {
      const r = await Repo.open(opts.repo);
      await resolveRev(r, ref);
      const parsed = parseRefspec(ref);
      await writeRef(r, parsed.ref, await resolveRev(r, rev), parsed.remote ?? undefined);
      await autoUpdateSummary(r);
    });

  repo
    .command('config')
    .description('get, set or unset a key of the repository config (KEY is GROUP.NAME, or NAME with --group)')
    .addOption(repoOption())
    .argument('<action>', 'get, set or unset')
    .argument('<key>')
    .argument('[value]')
    .argument('[extra...]')
    .option('--group <group>', 'the config group (then KEY is the plain key name)')
    .action(async (action: string, key: string, value: string | undefined, extra: string[], opts: { repo: string; group?: string }) => {
      const wanted = action === 'set' ? 1 : 0;
      if (extra.length > 0 || (action !== 'set' && value !== undefined)) throw new AtollError('CLI_USAGE', 'Too many arguments given');
      if (!['get', 'set', 'unset'].includes(action)) throw new AtollError('CLI_USAGE', `unknown config action '${action}'`, { hint: 'use get, set or unset' });
      if (wanted === 1 && value === undefined) throw new AtollError('CLI_USAGE', 'config set needs KEY and VALUE');
      let group = opts.group;
      let name = key;
      if (group === undefined) {
        // ostree splits GROUP.NAME at the first dot.
        const dot = key.indexOf('.');
        if (dot <= 0 || dot === key.length - 1) throw new AtollError('CLI_USAGE', `key '${key}' must be GROUP.NAME (or pass --group)`);
        group = key.slice(0, dot);
        name = key.slice(dot + 1);
      }
      const r = await Repo.open(opts.repo);
      if (action === 'get') {
        const raw = r.config.rawValue(group, name);
        if (raw === undefined) throw new AtollError('OSTREE_CONFIG_NO_KEY', `Key file does not have key “${name}” in group “${group}”`);
        context.out(r.config.getString(group, name));
        return;
      }
      if (action === 'set') r.config.setString(group, name, value!);
      else r.config.removeKey(group, name);
      await r.saveConfig();
    });

  registerRepoNetCommands(repo, context);
  registerRepoDeltaCommands(repo, context);
}

/**
 * `core.auto-update-summary=true`: ostree regenerates the summary whenever a ref changes;
 * `core.commit-update-summary=true`: after every commit.
 */
async function autoUpdateSummary(r: Repo, why: 'commit' | 'ref' = 'ref'): Promise<void> {
  const commitToo = why === 'commit' && r.config.getBooleanOr('core', 'commit-update-summary', false);
  if (commitToo || r.config.getBooleanOr('core', 'auto-update-summary', false)) await updateSummary(r);
}

/** SOURCE_DATE_EPOCH as ostree reads it (g_ascii_strtoll), with ostree's error texts. */
function sourceDateEpoch(text: string): number {
  const digits = /^\s*\+?(\d+)/.exec(text)?.[1];
  if (digits === undefined) throw new AtollError('OSTREE_COMMIT_BAD_TIMESTAMP', `Failed to convert SOURCE_DATE_EPOCH = '${text}' to a number`);
  if (BigInt(digits) > 0x7fffffffffffffffn) throw new AtollError('OSTREE_COMMIT_BAD_TIMESTAMP', 'Parsing SOURCE_DATE_EPOCH: Numerical result out of range');
  return Number(digits);
}

