import { createHash } from 'node:crypto';

/** Keys sorted at every level, so the same treefile always serializes the same way. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .filter((k) => obj[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface InputHashInput {
  /** The flattened treefile. */
  config: unknown;
  /** External files (postprocess-script, add-files sources, check-passwd files): path → bytes. */
  externals: ReadonlyArray<[string, Uint8Array]>;
  /** Each package to install: NEVRA and its repodata checksum (primary's pkgid). */
  packages: ReadonlyArray<{ nevra: string; checksum: string }>;
}

/**
 * `rpmostree.inputhash` (compose.md step 6): SHA-256 over the re-serialized flattened treefile,
 * the external files' contents, and each package's action, NEVRA and repodata checksum. Equal
 * inputs give an equal hash whatever the clock says, so a re-run can skip the commit.
 */
export function computeInputHash(input: InputHashInput): string {
  const h = createHash('sha256');
  h.update('treefile\0');
  h.update(canonicalJson(input.config));
  for (const [path, bytes] of [...input.externals].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    h.update(`\0external\0${path}\0${bytes.length}\0`);
    h.update(bytes);
  }
  for (const p of [...input.packages].sort((a, b) => (a.nevra < b.nevra ? -1 : a.nevra > b.nevra ? 1 : 0))) {
    h.update(`\0install\0${p.nevra}\0${p.checksum}`);
  }
  return h.digest('hex');
}
