import { lstatSync, mkdirSync } from 'node:fs';

/** The parent of a staging-relative path ("" for a top-level name). */
export function parentOf(rel: string): string {
  const slash = rel.lastIndexOf('/');
  return slash < 0 ? '' : rel.slice(0, slash);
}

/**
 * The directories of a staging tree checked to be real directories, shared by the main thread
 * and the creator worker (each keeps its own set). A directory is created, or when it exists
 * lstat must say it is a directory and not a symlink: so nothing is ever written through a
 * symlink the package planted. Nothing in staging is removed or renamed while unpacking, so a
 * checked directory stays one and the check is done once per directory.
 */
export class RealDirs {
  private readonly known = new Set<string>(['']);

  constructor(
    private readonly staging: string,
    /** The error to throw for an unsafe path (the worker's must be cloneable, the main thread's is coded). */
    private readonly unsafe: (message: string, path: string) => Error,
  ) {}

  /** Record a directory the other thread created and checked. */
  add(rel: string): void {
    this.known.add(rel);
  }

  /** Make `rel` and its parents real directories (new ones get `mode`, their parents 0755). */
  ensure(rel: string, mode: number): void {
    if (this.known.has(rel)) return;
    this.ensure(parentOf(rel), 0o755);
    const abs = `${this.staging}/${rel}`;
    try {
      mkdirSync(abs, { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const st = lstatSync(abs);
      if (st.isSymbolicLink()) throw this.unsafe(`refusing to write through symlink /${rel}`, `/${rel}`);
      if (!st.isDirectory()) throw this.unsafe(`/${rel} is not a directory but the package puts files under it`, `/${rel}`);
    }
    this.known.add(rel);
  }
}
