// The bundled walkthrough (`atoll demo`). Other layers import from here only.
export { runDemo, DEMO_OSNAME, DEMO_REMOTE, DEMO_REF } from './run-demo.js';
export type { DemoOptions, DemoResult, DemoRunner, DemoRunResult } from './run-demo.js';
export { findBusybox, prepareDescriptions } from './prepare-descriptions.js';
export { bootDemoSysroot, bootKernelDescription, defaultBootCache, prepareBootAssets, useBootKernel } from './boot-demo.js';
export type { BootAssets, DemoBootOptions } from './boot-demo.js';
export { BOOT_TIMEOUT_MS, bootImage, debugfs, explainBoot, makeImage, readEntries } from './qemu-boot.js';
export type { BlsEntry, BootOptions, BootResult } from './qemu-boot.js';
