export { RPMSENSE, DEPENDENCY_KINDS, emptyDependencies, formatNevra, formatEvr, formatDependency } from './types.js';
export type { Evr, Nevra, Dependency, DependencyKind, Dependencies, PackageInfo } from './types.js';
