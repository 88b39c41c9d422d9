export { lockSysroot } from './sysroot-lock.js';
export type { SysrootLock } from './sysroot-lock.js';
