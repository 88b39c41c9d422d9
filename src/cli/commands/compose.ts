import { Option, type Command } from 'commander';
import { resolve } from 'node:path';
import type { CliContext } from '../context.js';
import { AtollError } from '../../errors/index.js';
import { writeFileAtomic } from '../../util/index.js';

// The implementation loads when the verb runs, not when the CLI starts (start-up cost).
const compose = (): Promise<typeof import('../../compose/index.js')> => import('../../compose/index.js');

interface TreeOptions {
  repo?: string;
  printOnly?: boolean;
  basearch?: string;
  cachedir?: string;
  cacheOnly?: boolean;
  forceNocache?: boolean;
  dryRun?: boolean;
  downloadOnly?: boolean;
  addMetadataString: string[];
  writeComposejsonTo?: string;
  previousCommit?: string;
  layerRepo?: string;
  writeCommitidTo?: string;
  parent?: string | false;
  touchIfChanged?: string;
  exLockfile: string[];
  exLockfileStrict?: boolean;
  exWriteLockfileTo?: string;
  unifiedCore?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `atoll compose ...`: server side, treefile to OSTree commit. */
export function registerComposeCommands(program: Command, context: CliContext): void {
  const group = program.command('compose').description('server side: build OSTree commits from RPM packages');
  group
    .command('tree')
    .description('depsolve, download and assemble a treefile into a commit')
    .argument('<treefile>', 'the treefile (YAML or JSON, rpm-ostree format)')
    .option('-r, --repo <path>', 'OSTree repository to commit into')
    .option('--print-only', 'print the flattened treefile (includes merged, variables substituted) as JSON and exit')
    .option('--cachedir <dir>', 'cache for rpm-md metadata, downloaded RPMs and the package cache repository (default: a temporary directory)')
    .option('--cache-only', 'use cached rpm-md metadata and packages only (no network)')
    .option('--force-nocache', 'commit even when the input hash equals the previous commit\'s')
    .option('--dry-run', 'resolve and print the transaction, then stop')
    .option('--download-only', 'resolve and download the packages, then stop')
    .option('--add-metadata-string <key=value>', 'extra commit metadata (repeatable)', collect, [])
    .option('--write-composejson-to <file>', 'write the result summary (rpm-ostree compose.json fields) to FILE')
    .option('--ex-lockfile <file>', 'constrain package versions to this lockfile (repeatable)', collect, [])
    .option('--ex-lockfile-strict', 'fail when a package is not in the lockfile')
    .option('--ex-write-lockfile-to <file>', 'write a lockfile of the resolved set')
    .option('--write-commitid-to <file>', 'write the commit checksum to FILE and do not update the ref')
    .option('--parent <rev>', 'parent of the new commit (default: the ref\'s previous commit)')
    .option('--no-parent', 'make the commit without a parent')
    .option('--touch-if-changed <file>', 'update the timestamp of FILE when a new commit is written')
    .option('--layer-repo <path>', 'repository holding the ostree-layers refs (default: --repo)')
    .option('--previous-commit <checksum>', 'compare with and version after this commit instead of the ref\'s')
    .addOption(new Option('--unified-core', 'accepted for rpm-ostree compatibility (atoll always composes this way)').hideHelp())
    .addOption(new Option('--basearch <arch>', 'base architecture for packages-$basearch and ${basearch}').hideHelp())
    .action(async (treefilePath: string, opts: TreeOptions) => {
      const { composeTree, loadTreefile } = await compose();
      if (opts.printOnly) {
        const treefile = await loadTreefile(treefilePath, { reporter: context.reporter, ...(opts.basearch ? { basearch: opts.basearch } : {}) });
        context.printJson(treefile.config);
        return;
      }
      const addMetadata = opts.addMetadataString.map((kv): [string, string] => {
        const eq = kv.indexOf('=');
        if (eq <= 0) throw new AtollError('CLI_USAGE', `--add-metadata-string expects KEY=VALUE, got '${kv}'`);
        return [kv.slice(0, eq), kv.slice(eq + 1)];
      });
      if (!opts.dryRun && !opts.downloadOnly && opts.repo === undefined) throw new AtollError('CLI_USAGE', "'compose tree' needs --repo (or --print-only, --dry-run, --download-only)");
      const result = await composeTree({
        treefile: treefilePath,
        ...(opts.repo !== undefined ? { repo: resolve(opts.repo) } : {}),
        ...(opts.cachedir !== undefined ? { cachedir: resolve(opts.cachedir) } : {}),
        cacheOnly: Boolean(opts.cacheOnly),
        forceNocache: Boolean(opts.forceNocache),
        dryRun: Boolean(opts.dryRun),
        downloadOnly: Boolean(opts.downloadOnly),
        addMetadata,
        ...(opts.previousCommit !== undefined ? { previousCommit: opts.previousCommit } : {}),
        ...(opts.writeCommitidTo !== undefined ? { writeCommitidTo: resolve(opts.writeCommitidTo) } : {}),
        ...(opts.parent === false ? { parent: null } : typeof opts.parent === 'string' ? { parent: opts.parent } : {}),
        ...(opts.touchIfChanged !== undefined ? { touchIfChanged: resolve(opts.touchIfChanged) } : {}),
        lockfiles: opts.exLockfile.map((p) => resolve(p)),
        lockfileStrict: Boolean(opts.exLockfileStrict),
        ...(opts.exWriteLockfileTo !== undefined ? { writeLockfileTo: resolve(opts.exWriteLockfileTo) } : {}),
        ...(opts.layerRepo !== undefined ? { layerRepo: resolve(opts.layerRepo) } : {}),
        ...(opts.basearch !== undefined ? { basearch: opts.basearch } : {}),
        reporter: context.reporter,
      });
      if (opts.dryRun) {
        for (const t of result.transaction) context.out(`${t.nevra} (${t.repo})`);
        return;
      }
      if (result.outcome === 'unchanged') {
        context.out('No apparent changes since previous commit');
        return;
      }
      if (result.outcome === 'download-only') {
        context.out(`Downloaded ${result.transaction.length} packages`);
        return;
      }
      if (opts.writeComposejsonTo !== undefined && result.composeJson !== null) {
        await writeFileAtomic(resolve(opts.writeComposejsonTo), `${JSON.stringify(result.composeJson, null, 2)}\n`);
      }
      context.out(
        `${result.ref} => ${result.commit}${result.version !== null ? ` (version ${result.version})` : ''}: ${result.transaction.length} packages, ${result.files} files, ${result.bytes} bytes, ${result.seconds.toFixed(1)} s`,
      );
    });
}
