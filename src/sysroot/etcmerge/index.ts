export type { EtcNode, EtcSnapshot, EtcDiff, NodeType } from './plan.js';
export { diffEtc, configDiffLines } from './plan.js';
export { snapshotTree, snapshotTreeSync, sameFileContent, diffEtcDirs } from './snapshot.js';
export { applyEtcMerge, copyDirRecurse, copyOne } from './apply.js';
