// Scriptlets and transaction file triggers inside the tree, in bubblewrap.
export { runScriptlet, runInSandbox, resolveInRoot, SCRIPT_ORDER } from './run-scriptlet.js';
export type { ScriptletOptions, ScriptRun, SandboxRun } from './run-scriptlet.js';
export { runTransFileTriggers } from './file-triggers.js';
export { withScriptOverlay, mergeOverlayUpper, moveTreeInto } from './script-overlay.js';
