// Version comparison, EVR parsing, dependency range matching and rich dependencies, exactly
// as rpm 4.18 (and libsolv's rpm mode) do them.
export { rpmvercmp } from './rpmvercmp.js';
export { parseEvr, parseEvrString, compareEvr, compareEvrStrings, compareParsedEvr } from './evr.js';
export type { ParsedEvr } from './evr.js';
export { rangesOverlap, senseOverlap } from './dep-match.js';
export type { DepRange } from './dep-match.js';
export { parseRichDependency, formatRichDependency, isRichDependency } from './rich-dep.js';
export type { RichExpr, RichNode, RichOp, SimpleDep } from './rich-dep.js';
