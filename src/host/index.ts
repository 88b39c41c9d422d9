// rpm-ostree's client verbs on a sysroot (status, rollback, cleanup, kargs; upgrade comes with pull).
export { hostStatus, formatHostStatus, rollbackTarget } from './status.js';
export type { HostStatus, HostDeployment } from './status.js';
export { rollback } from './rollback.js';
export { hostCleanup } from './cleanup.js';
export type { HostCleanupOptions } from './cleanup.js';
export { currentKargs, editKargs, applyKargsEdit } from './kargs.js';
export type { KargsEdit } from './kargs.js';
