import type { RepoMode } from './repo-mode.js';

/** Loose object kinds (spec §2.3); `file` is a content object. */
export type ObjectType = 'file' | 'dirtree' | 'dirmeta' | 'commit' | 'commitmeta' | 'tombstone-commit';

export const METADATA_TYPES: readonly ObjectType[] = ['dirtree', 'dirmeta', 'commit'];

/** The extension on disk: content objects in archive repos are `.filez`. */
export function objectExtension(type: ObjectType, mode: RepoMode): string {
  return type === 'file' && mode === 'archive' ? 'filez' : type;
}

/** `objects/XX/rest.ext`, relative to the repo. */
export function objectRelativePath(checksum: string, type: ObjectType, mode: RepoMode): string {
  return `objects/${checksum.slice(0, 2)}/${checksum.slice(2)}.${objectExtension(type, mode)}`;
}

/** Reverse of objectExtension; undefined for names that are not objects. */
export function objectTypeFromExtension(ext: string): ObjectType | undefined {
  switch (ext) {
    case 'file':
    case 'filez':
      return 'file';
    case 'dirtree':
    case 'dirmeta':
    case 'commit':
    case 'commitmeta':
    case 'tombstone-commit':
      return ext;
    default:
      return undefined;
  }
}
