// A generic CDCL SAT engine (no RPM knowledge) and a resolvo-style provider interface.
export { CdclSolver } from './cdcl.js';
export type { Clause, RootConflict } from './cdcl.js';
