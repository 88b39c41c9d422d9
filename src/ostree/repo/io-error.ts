import { AtollError } from '../../errors/index.js';

/**
 * Turn a raw Node system error (EACCES, ENOSPC, EROFS...) escaping a store operation into a
 * coded error naming the operation, so the CLI prints a message instead of an internal error.
 * AtollErrors and programmer errors pass through unchanged.
 */
export function wrapIoError(error: unknown, operation: string): unknown {
  if (error instanceof AtollError) return error;
  const e = error as NodeJS.ErrnoException;
  if (e && typeof e === 'object' && typeof e.code === 'string' && typeof e.syscall === 'string') {
    return new AtollError('OSTREE_IO', `${operation}: ${e.message}`, { cause: error, data: { errno: e.code, path: e.path } });
  }
  return error;
}
