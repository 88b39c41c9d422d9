// The bundled walkthrough (`atoll demo`). Other layers import from here only.
export { runDemo, DEMO_OSNAME, DEMO_REMOTE, DEMO_REF } from './run-demo.js';
export type { DemoOptions, DemoResult, DemoRunner, DemoRunResult } from './run-demo.js';
export { findBusybox, prepareDescriptions } from './prepare-descriptions.js';
