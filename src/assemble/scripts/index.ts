// Scriptlets inside the tree, in bubblewrap.
export { runScriptlet, resolveInRoot, SCRIPT_ORDER } from './run-scriptlet.js';
export type { ScriptletOptions, ScriptRun } from './run-scriptlet.js';
