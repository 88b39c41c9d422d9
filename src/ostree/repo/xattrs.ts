import { createRequire } from 'node:module';
import { AtollError, isErrno } from '../../errors/index.js';
import type { Xattr } from './codec.js';

/**
 * Extended attributes. Node has no xattr API, so this wraps `@napi-rs/xattr` (an N-API addon
 * whose Linux binary ships inside its npm package; it uses l*xattr, i.e. never follows
 * symlinks). It is loaded lazily so that `--no-xattrs` and archive/bare-user-only work where
 * the addon is absent.
 *
 * An xattr list is `{name, value}` sorted by name bytes (strcmp), as ostree serializes it.
 */
export type Xattrs = Xattr[];

interface XattrAddon {
  listAttributesSync(path: string): string[];
  getAttributeSync(path: string, name: string): Buffer | null;
  setAttributeSync(path: string, name: string, value: Uint8Array): void;
  removeAttributeSync(path: string, name: string): void;
  listAttributes(path: string): Promise<string[]>;
  getAttribute(path: string, name: string): Promise<Buffer | null>;
  setAttribute(path: string, name: string, value: Buffer): Promise<void>;
}

let addon: XattrAddon | null | undefined;

function load(): XattrAddon | null {
  if (addon !== undefined) return addon;
  try {
    addon = createRequire(import.meta.url)('@napi-rs/xattr') as XattrAddon;
  } catch {
    addon = null;
  }
  return addon;
}

export function xattrsAvailable(): boolean {
  return load() !== null;
}

function requireAddon(): XattrAddon {
  const a = load();
  if (!a) {
    throw new AtollError('OSTREE_XATTRS_UNAVAILABLE', 'extended attributes are not available (the @napi-rs/xattr addon did not load)', {
      hint: 'pass --no-xattrs, or reinstall atoll with its optional dependencies',
    });
  }
  return a;
}

export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function sortXattrs(xattrs: Xattrs): Xattrs {
  return xattrs.sort((a, b) => compareNames(a.name, b.name));
}

/** All xattrs of `path` (not following symlinks), minus `skip`, sorted. */
export async function readXattrs(path: string, skip: readonly string[] = []): Promise<Xattrs> {
  const a = requireAddon();
  let names: string[];
  try {
    names = await a.listAttributes(path);
  } catch (error) {
    if (isErrno(error, 'ENOTSUP', 'EOPNOTSUPP')) return [];
    throw wrap(error, path);
  }
  const out: Xattrs = [];
  for (const name of names) {
    if (skip.includes(name)) continue;
    const value = await a.getAttribute(path, name);
    if (value !== null) out.push({ name, value: new Uint8Array(value) });
  }
  return sortXattrs(out);
}

export async function getXattr(path: string, name: string): Promise<Uint8Array | null> {
  try {
    const value = await requireAddon().getAttribute(path, name);
    return value === null ? null : new Uint8Array(value);
  } catch (error) {
    throw wrap(error, path);
  }
}

export async function writeXattrs(path: string, xattrs: readonly Xattr[]): Promise<void> {
  const a = requireAddon();
  for (const { name, value } of xattrs) {
    try {
      await a.setAttribute(path, name, Buffer.from(value));
    } catch (error) {
      throw wrap(error, path, name);
    }
  }
}

function wrap(error: unknown, path: string, name?: string): AtollError {
  const message = error instanceof Error ? error.message : String(error);
  return new AtollError('OSTREE_XATTR_IO', `extended attributes of ${path}${name ? ` (${name})` : ''}: ${message}`, { cause: error });
}

/**
 * Synchronous variants for the commit/checkout hot paths: one cheap syscall each, and going
 * through the thread pool for every file costs more than the call itself.
 */
export function readXattrsSync(path: string, skip: readonly string[] = []): Xattrs {
  const a = requireAddon();
  let names: string[];
  try {
    names = a.listAttributesSync(path);
  } catch (error) {
    if (isErrno(error, 'ENOTSUP', 'EOPNOTSUPP')) return [];
    throw wrap(error, path);
  }
  if (names.length === 0) return [];
  const out: Xattrs = [];
  for (const name of names) {
    if (skip.includes(name)) continue;
    const value = a.getAttributeSync(path, name);
    if (value !== null) out.push({ name, value: new Uint8Array(value) });
  }
  return sortXattrs(out);
}

export function getXattrSync(path: string, name: string): Uint8Array | null {
  try {
    const value = requireAddon().getAttributeSync(path, name);
    return value === null ? null : new Uint8Array(value);
  } catch (error) {
    throw wrap(error, path);
  }
}

export function writeXattrsSync(path: string, xattrs: readonly Xattr[]): void {
  const a = requireAddon();
  for (const { name, value } of xattrs) {
    try {
      a.setAttributeSync(path, name, value);
    } catch (error) {
      throw wrap(error, path, name);
    }
  }
}

/** Remove `name` from `path` (not following symlinks); absent attributes are not an error. */
export function removeXattrSync(path: string, name: string): void {
  try {
    requireAddon().removeAttributeSync(path, name);
  } catch (error) {
    // The addon reports errno only in the message ("No data available (os error 61)").
    if (isErrno(error, 'ENODATA') || /os error 61\)/.test(error instanceof Error ? error.message : '')) return;
    throw wrap(error, path, name);
  }
}
