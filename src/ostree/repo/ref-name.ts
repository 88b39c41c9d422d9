import { AtollError } from '../../errors/index.js';

const FRAGMENT = '[A-Za-z0-9_][-._A-Za-z0-9]*';
const REF_RE = new RegExp(`^${FRAGMENT}(/${FRAGMENT})*$`);
const REMOTE_RE = new RegExp(`^${FRAGMENT}$`);
const CHECKSUM_RE = /^[0-9a-f]{64}$/;

/** ostree_validate_rev: fragments `[\w][-._\w]*` joined by `/` (spec §2.4). */
export function isValidRefName(ref: string): boolean {
  return REF_RE.test(ref);
}

export function validateRefName(ref: string): string {
  if (!isValidRefName(ref)) {
    throw new AtollError('OSTREE_REF_INVALID', `Invalid ref name ${ref}`, {
      hint: 'ref names are fragments of [A-Za-z0-9_][-._A-Za-z0-9]* separated by /',
    });
  }
  return ref;
}

export function isValidRemoteName(remote: string): boolean {
  return REMOTE_RE.test(remote);
}

export function isValidChecksum(text: string): boolean {
  return CHECKSUM_RE.test(text);
}

export function validateChecksum(text: string): string {
  if (!isValidChecksum(text)) throw new AtollError('OSTREE_CHECKSUM_INVALID', `invalid checksum '${text}'`);
  return text;
}

export interface Refspec {
  remote: string | undefined;
  ref: string;
}

/** `[remote:]ref`, as ostree_parse_refspec. */
export function parseRefspec(refspec: string): Refspec {
  const colon = refspec.indexOf(':');
  const remote = colon >= 0 ? refspec.slice(0, colon) : undefined;
  const ref = colon >= 0 ? refspec.slice(colon + 1) : refspec;
  if (remote !== undefined && !isValidRemoteName(remote)) {
    throw new AtollError('OSTREE_REF_INVALID', `invalid remote name '${remote}' in refspec '${refspec}'`);
  }
  if (!isValidRefName(ref) && !isValidChecksum(ref)) {
    throw new AtollError('OSTREE_REF_INVALID', `Invalid refspec ${refspec}`);
  }
  return { remote, ref };
}
