import type { Evr } from '../package/index.js';
import { rpmvercmp } from './rpmvercmp.js';

/**
 * A parsed `[E:]V[-R]` string that remembers what was written: `epoch` is the epoch text
 * (null when absent, "0" for an empty epoch before `:`), `release` is null when absent.
 */
export interface ParsedEvr {
  epoch: string | null;
  version: string;
  release: string | null;
}

/**
 * Split an EVR string as rpm's `parseEVR` does: epoch = leading digits directly followed by
 * `:`; release = text after the last `-` (searched after the epoch); version = the rest.
 */
export function parseEvrString(evr: string): ParsedEvr {
  let s = 0;
  while (s < evr.length && evr.charCodeAt(s) >= 48 && evr.charCodeAt(s) <= 57) s++;
  let epoch: string | null = null;
  let rest = evr;
  if (evr[s] === ':') {
    epoch = s === 0 ? '0' : evr.slice(0, s);
    rest = evr.slice(s + 1);
  }
  const dash = rest.lastIndexOf('-');
  if (dash < 0) return { epoch, version: rest, release: null };
  return { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) };
}

/** Parse into the shared `Evr` model (epoch as a number, release "" when absent). */
export function parseEvr(evr: string): Evr {
  const p = parseEvrString(evr);
  return { epoch: p.epoch === null ? null : Number(p.epoch), version: p.version, release: p.release ?? '' };
}

function epochCmp(a: string | null, b: string | null): -1 | 0 | 1 {
  return rpmvercmp(a ?? '0', b ?? '0');
}

/**
 * Order two EVR strings (rpm's `rpmverCmp`, libsolv's COMPARE mode): epoch (missing = 0),
 * version, then release, where a missing release sorts before any present one.
 */
export function compareEvrStrings(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  return compareParsedEvr(parseEvrString(a), parseEvrString(b));
}

export function compareParsedEvr(a: ParsedEvr, b: ParsedEvr): -1 | 0 | 1 {
  let rc = epochCmp(a.epoch, b.epoch);
  if (rc !== 0) return rc;
  rc = rpmvercmp(a.version, b.version);
  if (rc !== 0) return rc;
  if (a.release !== null && b.release !== null) return rpmvercmp(a.release, b.release);
  if (a.release !== null) return 1;
  if (b.release !== null) return -1;
  return 0;
}

/** Order two packages by EVR (upgrade/newest decisions): epoch as integer, version, release. */
export function compareEvr(a: Evr, b: Evr): -1 | 0 | 1 {
  const ea = a.epoch ?? 0;
  const eb = b.epoch ?? 0;
  if (ea !== eb) return ea < eb ? -1 : 1;
  const rc = rpmvercmp(a.version, b.version);
  if (rc !== 0) return rc;
  if (a.release === b.release) return 0;
  if (a.release === '') return -1;
  if (b.release === '') return 1;
  return rpmvercmp(a.release, b.release);
}
