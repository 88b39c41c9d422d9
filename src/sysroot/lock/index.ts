export { lockSysroot, withSysrootLock } from './sysroot-lock.js';
export type { SysrootLock } from './sysroot-lock.js';
