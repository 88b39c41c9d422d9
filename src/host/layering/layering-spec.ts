import type { KeyFile } from '../../keyfile/index.js';

/**
 * What the user asked to change on top of the base commit, as rpm-ostree keeps it in the
 * deployment origin: `[packages] requested=`, `requested-local=SHA256:NEVRA`, `[overrides]
 * remove=`, `replace-local=SHA256:NEVRA`. Local packages live in the sysroot's cache by SHA256.
 */
export interface LayeringSpec {
  requested: string[];
  requestedLocal: string[];
  removals: string[];
  replaceLocal: string[];
}

export function emptySpec(): LayeringSpec {
  return { requested: [], requestedLocal: [], removals: [], replaceLocal: [] };
}

export function isEmptySpec(spec: LayeringSpec): boolean {
  return spec.requested.length + spec.requestedLocal.length + spec.removals.length + spec.replaceLocal.length === 0;
}

function list(origin: KeyFile | undefined, group: string, key: string): string[] {
  return origin?.hasKey(group, key) ? origin.getStringList(group, key).filter((s) => s !== '') : [];
}

export function readSpec(origin: KeyFile | undefined): LayeringSpec {
  return {
    requested: list(origin, 'packages', 'requested'),
    requestedLocal: list(origin, 'packages', 'requested-local'),
    removals: list(origin, 'overrides', 'remove'),
    replaceLocal: list(origin, 'overrides', 'replace-local'),
  };
}

/** The refspec to follow: rpm-ostree writes `baserefspec=` on layered origins. */
export function baseRefspecOf(origin: KeyFile | undefined): string | undefined {
  return origin?.getStringOr('origin', 'refspec', undefined) ?? origin?.getStringOr('origin', 'baserefspec', undefined);
}

/**
 * Write `spec` into `origin` (edited in place): `baserefspec=` instead of `refspec=` when
 * anything is layered, so plain `ostree admin upgrade` refuses instead of dropping the layers.
 */
export function writeSpec(origin: KeyFile, spec: LayeringSpec): void {
  const refspec = baseRefspecOf(origin);
  const set = (group: string, key: string, values: string[]): void => {
    if (values.length > 0) origin.setStringList(group, key, [...values].sort());
    else origin.removeKey(group, key);
  };
  set('packages', 'requested', spec.requested);
  set('packages', 'requested-local', spec.requestedLocal);
  set('overrides', 'remove', spec.removals);
  set('overrides', 'replace-local', spec.replaceLocal);
  if (refspec === undefined) return;
  if (isEmptySpec(spec)) {
    origin.removeKey('origin', 'baserefspec');
    origin.setString('origin', 'refspec', refspec);
  } else {
    origin.removeKey('origin', 'refspec');
    origin.setString('origin', 'baserefspec', refspec);
  }
}

/** `SHA256:NEVRA` → its parts. */
export function splitLocal(entry: string): { sha256: string; nevra: string } {
  const at = entry.indexOf(':');
  return { sha256: entry.slice(0, at), nevra: entry.slice(at + 1) };
}
