// The RPM depsolver: a pool of packages, libsolv's rules and decision order on the generic
// CDCL engine, transactions, problems, an independent solution checker and libsolv's testcase
// format.
export { Pool, SYSTEM_SOLVABLE, defaultPoolFlags } from './pool.js';
export type { Solvable, Repo, NewSolvable, PoolFlags } from './pool.js';
export { depFromRpm, simpleDep, depToString } from './dep.js';
export type { Dep } from './dep.js';
export { RpmSolver, defaultSolverFlags } from './rpm-solver.js';
export type { Job, JobVerb, Selection, SolverFlags, SolveResult, SolvePhase, Problem } from './rpm-solver.js';
export { createTransaction, transactionLines } from './transaction.js';
export type { TransactionStep } from './transaction.js';
export { checkSolution } from './checker.js';
export { runTestcase, parseTestcaseDep, parseTesttags } from './testcase.js';
export type { TestcaseResult, StepResult, TestcaseIo } from './testcase.js';
export { depsolve } from './depsolve.js';
export type { DepsolveRequest, DepsolveResult, DepsolveRepo, DepsolveStep, DepsolveProblem, SolverPackage } from './depsolve.js';
