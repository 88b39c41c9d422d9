import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { AtollError } from '../../errors/index.js';

// The implementations load when a verb runs, not when the CLI starts (start-up cost).
const sysroot = (): Promise<typeof import('../../sysroot/index.js')> => import('../../sysroot/index.js');
const host = (): Promise<typeof import('../../host/index.js')> => import('../../host/index.js');

interface DbOptions {
  sysroot?: string;
  repo?: string;
}

/** `atoll db ...`: package-level views of commits (rpm-ostree db). */
export function registerDbCommands(program: Command, context: CliContext): void {
  const db = program.command('db').description('package-level views of commits (diff, list, version)');
  const common = (cmd: Command): Command => cmd.option('--sysroot <dir>', 'the system root (default /)').option('-r, --repo <path>', 'read commits from this repository instead of the system repo');

  common(db.command('diff [revs...]').description('show package changes between two commits (default: booted or rollback → pending or default)'))
    .option('-F, --format <format>', 'block, diff or json', 'block')
    .action(async (revs: string[], opts: DbOptions & { format: string }) => {
      if (!['block', 'diff', 'json'].includes(opts.format)) throw new AtollError('CLI_USAGE', `unknown format '${opts.format}' (block, diff, json)`);
      const [{ SysrootLayout }, { dbDiff, diffJson, formatDiffLines, formatDiffBlock }] = await Promise.all([sysroot(), host()]);
      const result = await dbDiff(new SysrootLayout(opts.sysroot ?? '/'), opts.repo, revs);
      if (opts.format === 'json') {
        context.printJson({ 'ostree-commit-from': result.from.checksum, 'ostree-commit-to': result.to.checksum, pkgdiff: diffJson(result.diff), advisories: [] });
        return;
      }
      context.out(`ostree diff commit from: ${result.from.label} (${result.from.checksum})`);
      context.out(`ostree diff commit to:   ${result.to.label} (${result.to.checksum})`);
      const lines = opts.format === 'diff' ? formatDiffLines(result.diff) : formatDiffBlock(result.diff);
      context.out(lines.length > 0 ? lines.join('\n') : 'No changes.');
    });

  common(db.command('list <rev> [patterns...]').description('list the packages of a commit (names starting with PATTERN, or matching a glob)')).action(
    async (rev: string, patterns: string[], opts: DbOptions) => {
      const [{ SysrootLayout }, { dbList, formatNevra }] = await Promise.all([sysroot(), host()]);
      const result = await dbList(new SysrootLayout(opts.sysroot ?? '/'), opts.repo, rev, patterns);
      context.out(`ostree commit: ${result.commit.label} (${result.commit.checksum})`);
      for (const p of result.packages) context.out(` ${formatNevra(p)}`);
    },
  );

  common(db.command('version <revs...>').description('show the rpmdb version (package-set digest) of commits')).action(async (revs: string[], opts: DbOptions) => {
    const [{ SysrootLayout }, { dbVersion }] = await Promise.all([sysroot(), host()]);
    for (const rev of revs) {
      const result = await dbVersion(new SysrootLayout(opts.sysroot ?? '/'), opts.repo, rev);
      context.out(`ostree commit: ${result.commit.label} (${result.commit.checksum})`);
      context.out(`  ${result.version}`);
    }
  });
}
