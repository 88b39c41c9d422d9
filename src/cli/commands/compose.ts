import { Option, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { notImplemented } from '../context.js';
import { loadTreefile } from '../../compose/index.js';

/** `atoll compose ...`: server side, treefile to OSTree commit. */
export function registerComposeCommands(program: Command, context: CliContext): void {
  const compose = program.command('compose').description('server side: build OSTree commits from RPM packages');
  compose
    .command('tree')
    .description('depsolve, download and assemble a treefile into a commit')
    .argument('<treefile>', 'the treefile (YAML or JSON, rpm-ostree format)')
    .option('-r, --repo <path>', 'OSTree repository to commit into')
    .option('--print-only', 'print the flattened treefile (includes merged, variables substituted) as JSON and exit')
    .addOption(new Option('--basearch <arch>', 'base architecture for packages-$basearch and ${basearch}').hideHelp())
    .action(async (treefilePath: string, opts: { repo?: string; printOnly?: boolean; basearch?: string }) => {
      const treefile = await loadTreefile(treefilePath, { reporter: context.reporter, ...(opts.basearch ? { basearch: opts.basearch } : {}) });
      if (opts.printOnly) {
        context.printJson(treefile.config);
        return;
      }
      notImplemented("'compose tree' without --print-only");
    });
}
