export { AtollError, isAtollError, withContext, addContext, isErrno } from './atoll-error.js';
export type { AtollErrorOptions } from './atoll-error.js';
