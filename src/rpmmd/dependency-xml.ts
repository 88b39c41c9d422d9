import { RPMSENSE, type Dependency } from '../rpm/index.js';

/** `flags` attribute of `rpm:entry` ↔ RPMSENSE comparison bits (rpm-md.md §3.3). */
const FLAG_BITS: Record<string, number> = {
  EQ: RPMSENSE.EQUAL,
  LT: RPMSENSE.LESS,
  GT: RPMSENSE.GREATER,
  LE: RPMSENSE.LESS | RPMSENSE.EQUAL,
  GE: RPMSENSE.GREATER | RPMSENSE.EQUAL,
  NE: RPMSENSE.LESS | RPMSENSE.GREATER,
};

export function senseFromFlagsAttribute(flags: string | undefined): number | undefined {
  if (flags === undefined || flags === '') return 0;
  return FLAG_BITS[flags];
}

export function flagsAttributeFromSense(flags: number): string | null {
  switch (flags & RPMSENSE.SENSEMASK) {
    case RPMSENSE.EQUAL:
      return 'EQ';
    case RPMSENSE.LESS:
      return 'LT';
    case RPMSENSE.GREATER:
      return 'GT';
    case RPMSENSE.LESS | RPMSENSE.EQUAL:
      return 'LE';
    case RPMSENSE.GREATER | RPMSENSE.EQUAL:
      return 'GE';
    default:
      return null;
  }
}

/**
 * The EVR string of an entry as libsolv reads it back: `[epoch:]ver[-rel]`, epoch dropped when
 * it is `0` or empty, unless `ver` itself contains `:` (then `0:` must stay to keep it unambiguous).
 */
export function evrFromAttributes(epoch: string | undefined, ver: string | undefined, rel: string | undefined): string {
  if (ver === undefined && epoch === undefined && rel === undefined) return '';
  let evr = ver ?? '';
  if (epoch !== undefined && epoch !== '' && (epoch !== '0' || evr.includes(':'))) evr = `${epoch}:${evr}`;
  if (rel !== undefined && rel !== '') evr = `${evr}-${rel}`;
  return evr;
}

/**
 * Split a header dependency EVR string into createrepo_c's attributes (rpm-format.md §9.2):
 * epoch = digits before the first `:` (else `0`), release = after the last `-` (else absent).
 */
export function splitEvr(evr: string): { epoch: string; ver: string; rel: string | null } {
  let rest = evr;
  let epoch = '0';
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    epoch = rest.slice(0, colon) === '' ? '0' : rest.slice(0, colon);
    rest = rest.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  if (dash >= 0) return { epoch, ver: rest.slice(0, dash), rel: rest.slice(dash + 1) };
  return { epoch, ver: rest, rel: null };
}

/** True when createrepo_c would mark the requirement `pre="1"` (0.17 rules). */
export function isPreRequirement(dep: Dependency): boolean {
  return (dep.flags & (RPMSENSE.PREREQ | RPMSENSE.SCRIPT_PRE | RPMSENSE.SCRIPT_POST)) !== 0;
}
