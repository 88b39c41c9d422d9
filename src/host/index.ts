// rpm-ostree's client verbs on a sysroot (status, rollback; upgrade and deploy come with pull).
export { hostStatus, formatHostStatus, rollbackTarget } from './status.js';
export type { HostStatus, HostDeployment } from './status.js';
export { rollback } from './rollback.js';
