import { AtollError } from '../../errors/index.js';

/**
 * How a repository stores content objects (spec §2.5). `archive` is written to `config` as
 * `archive-z2`, as `ostree init` does; both spellings are read.
 */
export type RepoMode = 'archive' | 'bare' | 'bare-user' | 'bare-user-only';

export const REPO_MODES: readonly RepoMode[] = ['archive', 'bare', 'bare-user', 'bare-user-only'];

export function parseRepoMode(text: string): RepoMode {
  switch (text) {
    case 'archive':
    case 'archive-z2':
      return 'archive';
    case 'bare':
    case 'bare-user':
    case 'bare-user-only':
      return text;
    default:
      throw new AtollError('OSTREE_REPO_BAD_MODE', `invalid repository mode '${text}'`, {
        hint: 'use one of archive, bare, bare-user, bare-user-only',
      });
  }
}

/** The `core.mode` value ostree writes for a mode. */
export function configModeString(mode: RepoMode): string {
  return mode === 'archive' ? 'archive-z2' : mode;
}
