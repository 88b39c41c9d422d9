import type { Command } from 'commander';
import { notImplemented } from './context.js';

/**
 * Register verbs that exist in the command tree (and in --help) before their issue lands.
 * Each takes any arguments and fails with CLI_NOT_IMPLEMENTED. A verb leaves this list when
 * its real implementation is registered in its group file.
 */
export function registerPlanned(parent: Command, verbs: ReadonlyArray<readonly [name: string, description: string]>): void {
  for (const [name, description] of verbs) {
    parent
      .command(name)
      .description(`${description} (not implemented yet)`)
      .allowUnknownOption(true)
      .allowExcessArguments(true)
      .action(() => notImplemented(`'${parent.name()} ${name}'`.replace("'atoll ", "'")));
  }
}
