/**
 * The one error class for failures a user can cause or fix (bad input, missing objects,
 * corrupt files, failed peers). Each carries a stable `code` (SCREAMING_SNAKE with a module
 * prefix, listed in docs/errors.md, never renamed or reused once published), a message in
 * deno std's grammar (lower-case start, no trailing period), an optional hint saying what to
 * do, structured `data`, and the `cause` it wraps.
 *
 * Convention that the errors-doc test relies on: the code is always the first argument of
 * `new AtollError(...)` and is written as a string literal at the throw site, so a grep of
 * src/ finds every code.
 *
 * Programmer errors (a broken invariant inside atoll) use TypeError/RangeError/assert and get
 * no code: they are bugs, and the CLI shows their stack.
 */
export interface AtollErrorOptions {
  hint?: string;
  data?: Record<string, unknown>;
  cause?: unknown;
}

export class AtollError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly data: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: AtollErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AtollError';
    this.code = code;
    this.hint = options.hint;
    this.data = options.data;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, hint: this.hint, data: this.data };
  }
}

export function isAtollError(value: unknown, code?: string): value is AtollError {
  return value instanceof AtollError && (code === undefined || value.code === code);
}

/**
 * Add context at a boundary, as OSTree's "During /etc merge: ..." prefixes do: the result
 * keeps the inner code (so callers and tests can still match on it) and reads as a breadcrumb
 * trail when the CLI prints it.
 */
export async function withContext<T>(context: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw addContext(context, error);
  }
}

export function addContext(context: string, error: unknown): unknown {
  if (error instanceof AtollError) {
    return new AtollError(error.code, `${context}: ${error.message}`, {
      hint: error.hint,
      data: error.data,
      cause: error.cause ?? undefined,
    });
  }
  return error;
}

/** Node's system errors carry an errno code such as ENOENT; this narrows to one of them. */
export function isErrno(error: unknown, ...codes: string[]): error is NodeJS.ErrnoException {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as NodeJS.ErrnoException).code === 'string' &&
    codes.includes((error as NodeJS.ErrnoException).code as string)
  );
}
