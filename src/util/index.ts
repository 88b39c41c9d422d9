export { writeFileAtomic, replaceSymlinkAtomic, fsyncDirectory, tempSibling, unlinkIfExists, setFsyncEnabled, isFsyncEnabled } from './atomic-write.js';
export { mapLimit, defaultParallelism } from './concurrency.js';
export { runProgram } from './subprocess.js';
export type { RunResult } from './subprocess.js';
export { isSafeFilename, safePathComponents } from './safe-name.js';
export { mulberry32 } from './seeded-random.js';
export { removeTreeSync, removeTreeInWorker } from './remove-tree.js';
export { grownI32 } from './grow-typed-array.js';
