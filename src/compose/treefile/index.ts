export { loadTreefile, mergeTreefile, splitPackages, hostBasearch } from './load-treefile.js';
export type { Treefile, TreefileConfig, LoadTreefileOptions } from './load-treefile.js';
export { evaluateCondition, substituteVariables } from './conditions.js';
export type { VariableValue } from './conditions.js';
export { TREEFILE_KEYS, KEY_ALIASES, IGNORED_KEYS } from './schema.js';
