export { BootConfig } from './boot-config.js';
export { KernelArgs, splitKernelArgs, procCmdlineArgs } from './kernel-args.js';
export { strverscmp } from './strverscmp.js';
export { parseOsRelease, shellUnquote } from './os-release.js';
export { buildBlsEntry, entryFileName, entryTitle } from './bls-entry.js';
export type { EntryInput, InstalledKernel } from './bls-entry.js';
export { ubootEnv } from './uboot-env.js';
