// A generic CDCL SAT engine (no RPM knowledge) and a resolvo-style provider interface with
// lazy candidate loading.
export { CdclSolver } from './cdcl.js';
export type { Clause, ClauseSorter, RootConflict } from './cdcl.js';
export { solveWithProvider } from './provider.js';
export type { DependencyProvider, ProviderResult } from './provider.js';
