import { RPMSENSE } from '../package/index.js';
import { parseEvrString, type ParsedEvr } from './evr.js';
import { rpmvercmp } from './rpmvercmp.js';

/** A simple (non-rich) dependency range: sense bits (`RPMSENSE.SENSEMASK` part used) and EVR. */
export interface DepRange {
  flags: number;
  evr: string;
}

function nonEmpty(s: string | null): s is string {
  return s !== null && s !== '';
}

/**
 * Compare a provide's EVR with a require's EVR the way rpm's `rpmdsCompare` does
 * (rpm-format.md §9.3). Returns 'match' when the release rule decides overlap outright,
 * otherwise the sign of provide-vs-require.
 */
function senseCompare(p: ParsedEvr, pf: number, r: ParsedEvr, rf: number): number | 'match' {
  let sense = 0;
  if (nonEmpty(p.epoch) && nonEmpty(r.epoch)) sense = rpmvercmp(p.epoch, r.epoch);
  else if (nonEmpty(p.epoch) && Number.parseInt(p.epoch, 10) > 0) sense = 1;
  else if (nonEmpty(r.epoch) && Number.parseInt(r.epoch, 10) > 0) sense = -1;
  if (sense !== 0) return sense;
  sense = rpmvercmp(p.version, r.version);
  if (sense !== 0) return sense;
  if (nonEmpty(p.release) && nonEmpty(r.release)) return rpmvercmp(p.release, r.release);
  // The side without a release and with EQUAL accepts every release of the other side.
  if ((nonEmpty(p.release) && rf & RPMSENSE.EQUAL) || (nonEmpty(r.release) && pf & RPMSENSE.EQUAL)) return 'match';
  return 0;
}

/** Does a provide range overlap a require range (names already equal)? Exactly rpm's rule. */
export function rangesOverlap(provide: DepRange, require: DepRange): boolean {
  const pf = provide.flags & RPMSENSE.SENSEMASK;
  const rf = require.flags & RPMSENSE.SENSEMASK;
  if (pf === 0 || rf === 0) return true;
  if (provide.evr === '' || require.evr === '') return true;
  return senseOverlap(parseEvrString(provide.evr), pf, parseEvrString(require.evr), rf);
}

/** Same as rangesOverlap on already parsed EVRs (hot path of the solver's provides index). */
export function senseOverlap(p: ParsedEvr, pf: number, r: ParsedEvr, rf: number): boolean {
  const s = senseCompare(p, pf, r, rf);
  if (s === 'match') return true;
  if (s < 0) return (pf & RPMSENSE.GREATER) !== 0 || (rf & RPMSENSE.LESS) !== 0;
  if (s > 0) return (pf & RPMSENSE.LESS) !== 0 || (rf & RPMSENSE.GREATER) !== 0;
  return (
    (pf & rf & RPMSENSE.EQUAL) !== 0 || (pf & rf & RPMSENSE.LESS) !== 0 || (pf & rf & RPMSENSE.GREATER) !== 0
  );
}
