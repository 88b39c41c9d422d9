// The client side of OSTree: sysroot layout, deployments, BLS entries, /etc merge, origins.
export * from './layout/index.js';
export * from './bootloader/index.js';
export * from './deployment/index.js';
export * from './etcmerge/index.js';
export * from './origin/index.js';
export * from './deploy/index.js';
export * from './lock/index.js';
