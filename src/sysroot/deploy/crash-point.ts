/**
 * Named points where the crash-safety tests kill the process: with
 * ATOLL_TEST_CRASH_AT=<name> the process SIGKILLs itself on reaching that point, which is the
 * harshest interruption (no cleanup handlers run). A no-op otherwise.
 */
export function crashPoint(name: string): void {
  const wanted = process.env.ATOLL_TEST_CRASH_AT;
  if (wanted !== undefined && wanted === name) process.kill(process.pid, 'SIGKILL');
}
