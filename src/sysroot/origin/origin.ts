import { KeyFile } from '../../keyfile/index.js';

/**
 * The deployment `.origin` keyfile (ostree-format.md §6.7). Groups atoll does not know
 * (rpm-ostree's `[packages]`, `[overrides]`, `[rpmostree]`...) ride along untouched because
 * every edit goes through the comment-preserving KeyFile model.
 */
export function newOrigin(refspec: string): KeyFile {
  const origin = KeyFile.parse('');
  origin.setString('origin', 'refspec', refspec);
  return origin;
}

export function cloneOrigin(origin: KeyFile): KeyFile {
  return KeyFile.parse(origin.serialize());
}

export function setPinned(origin: KeyFile, pinned: boolean): KeyFile {
  const copy = cloneOrigin(origin);
  if (pinned) copy.setBoolean('libostree-transient', 'pinned', true);
  else copy.removeKey('libostree-transient', 'pinned'); // ostree leaves the (empty) group

  return copy;
}

/** A new refspec (set-origin/switch): `override-commit` no longer applies. */
export function setRefspec(origin: KeyFile, refspec: string): KeyFile {
  const copy = cloneOrigin(origin);
  copy.setString('origin', 'refspec', refspec);
  copy.removeKey('origin', 'override-commit');
  return copy;
}

/**
 * The origin a new deployment inherits (ostree_sysroot_origin_new_from_refspec / the
 * merge deployment's origin): transient state (pinning, unlock) is not carried over.
 */
export function originForNewDeployment(mergeOrigin: KeyFile | undefined, refspec: string | undefined): KeyFile | undefined {
  if (mergeOrigin === undefined) return refspec === undefined ? undefined : newOrigin(refspec);
  const copy = cloneOrigin(mergeOrigin);
  copy.removeGroup('libostree-transient');
  copy.removeKey('origin', 'unlocked');
  if (refspec !== undefined) copy.setString('origin', 'refspec', refspec);
  return copy;
}
