export type { Deployment } from './deployment.js';
export { deploymentName, sameDeployment, isPinned, originRefspec, unlockedState } from './deployment.js';
export type { SysrootState } from './list.js';
export { loadSysroot, requireSysroot, readBootversion, readSubbootversion, readOrigin, readBootEntries, listDeploymentDirs, listStateroots, mergeDeployment } from './list.js';
