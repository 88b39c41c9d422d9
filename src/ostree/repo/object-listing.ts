import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The names in an objects/ directory, read one XX/ prefix directory at a time on first use:
 * a commit of tens of thousands of files asks "is this object there?" once per file, and one
 * getdents of a prefix directory answers hundreds of those questions for the price of a
 * single access() each would cost. Objects added later by others are simply not seen (the
 * caller then writes an identical object again, which is harmless); callers record what they
 * add themselves with `add`.
 */
export class ObjectListing {
  private readonly prefixes = new Map<string, Set<string>>();

  constructor(readonly objectsDir: string) {}

  /** `rest` is the object's file name in its prefix directory (e.g. `cdef….filez`). */
  has(prefix: string, rest: string): boolean {
    return this.names(prefix).has(rest);
  }

  add(prefix: string, rest: string): void {
    this.names(prefix).add(rest);
  }

  private names(prefix: string): Set<string> {
    let names = this.prefixes.get(prefix);
    if (names === undefined) {
      try {
        names = new Set(readdirSync(join(this.objectsDir, prefix)));
      } catch {
        names = new Set();
      }
      this.prefixes.set(prefix, names);
    }
    return names;
  }
}
