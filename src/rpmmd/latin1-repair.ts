import { TAG, type Header, type RpmHeaderPackage, type Dependency, type DependencyKind } from '../rpm/index.js';

/*
 * createrepo_c writes a header string that is not valid UTF-8 as if it were ISO-8859-1
 * (cr_latin1_to_utf8). The header reader decodes leniently (U+FFFD for bad bytes), so strings
 * that came out with U+FFFD are decoded again from the raw header bytes with that fallback.
 */

const strict = new TextDecoder('utf-8', { fatal: true });

function decodeWithFallback(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    // createrepo_c's cr_latin1_to_utf8 keeps ASCII, converts 0xC0-0xFF and drops 0x80-0xBF.
    let out = '';
    for (const b of bytes) if (b < 0x80 || b >= 0xc0) out += String.fromCharCode(b);
    return out;
  }
}

function rawStrings(h: Header, tag: number): string[] | undefined {
  const raw = h.raw(tag);
  const entry = h.entry(tag);
  if (raw === undefined || entry === undefined) return undefined;
  const out: string[] = [];
  let pos = 0;
  for (let i = 0; i < entry.count && pos <= raw.length; i++) {
    let nul = raw.indexOf(0, pos);
    if (nul < 0) nul = raw.length;
    out.push(decodeWithFallback(raw.subarray(pos, nul)));
    pos = nul + 1;
  }
  return out;
}

const BAD = '\ufffd';

const DEP_TAGS: Record<DependencyKind, [number, number]> = {
  provides: [TAG.PROVIDENAME, TAG.PROVIDEVERSION],
  requires: [TAG.REQUIRENAME, TAG.REQUIREVERSION],
  conflicts: [TAG.CONFLICTNAME, TAG.CONFLICTVERSION],
  obsoletes: [TAG.OBSOLETENAME, TAG.OBSOLETEVERSION],
  recommends: [TAG.RECOMMENDNAME, TAG.RECOMMENDVERSION],
  suggests: [TAG.SUGGESTNAME, TAG.SUGGESTVERSION],
  supplements: [TAG.SUPPLEMENTNAME, TAG.SUPPLEMENTVERSION],
  enhances: [TAG.ENHANCENAME, TAG.ENHANCEVERSION],
};

/** Re-decode, in place, every field of `pkg` that the lenient UTF-8 decoding damaged. */
export function repairLatin1(pkg: RpmHeaderPackage, h: Header): void {
  const scalar = (field: 'summary' | 'description' | 'packager' | 'url' | 'license' | 'vendor' | 'group' | 'buildhost', tag: number): void => {
    if (pkg[field].includes(BAD)) pkg[field] = rawStrings(h, tag)?.[0] ?? pkg[field];
  };
  scalar('summary', TAG.SUMMARY);
  scalar('description', TAG.DESCRIPTION);
  scalar('packager', TAG.PACKAGER);
  scalar('url', TAG.URL);
  scalar('license', TAG.LICENSE);
  scalar('vendor', TAG.VENDOR);
  scalar('group', TAG.GROUP);
  scalar('buildhost', TAG.BUILDHOST);
  if (pkg.sourcerpm?.includes(BAD)) pkg.sourcerpm = rawStrings(h, TAG.SOURCERPM)?.[0] ?? pkg.sourcerpm;
  for (const [kind, [nameTag, versionTag]] of Object.entries(DEP_TAGS) as Array<[DependencyKind, [number, number]]>) {
    const deps: Dependency[] = pkg[kind];
    if (!deps.some((d) => d.name.includes(BAD) || d.evr.includes(BAD))) continue;
    const names = rawStrings(h, nameTag) ?? [];
    const evrs = rawStrings(h, versionTag) ?? [];
    deps.forEach((d, i) => {
      if (i < names.length) d.name = names[i] as string;
      if (i < evrs.length) d.evr = evrs[i] as string;
    });
  }
  if (pkg.files.some((f) => f.path.includes(BAD))) {
    const old = rawStrings(h, TAG.OLDFILENAMES);
    const bases = rawStrings(h, TAG.BASENAMES);
    const dirs = rawStrings(h, TAG.DIRNAMES);
    const indexes = h.numbers(TAG.DIRINDEXES);
    pkg.files.forEach((f, i) => {
      if (old !== undefined && i < old.length) f.path = old[i] as string;
      else if (bases && dirs && indexes && i < bases.length) f.path = `${dirs[indexes[i] as number] ?? ''}${bases[i]}`;
    });
  }
  if (pkg.changelog.some((c) => c.name.includes(BAD) || c.text.includes(BAD))) {
    const names = rawStrings(h, TAG.CHANGELOGNAME) ?? [];
    const texts = rawStrings(h, TAG.CHANGELOGTEXT) ?? [];
    pkg.changelog.forEach((c, i) => {
      c.name = names[i] ?? c.name;
      c.text = texts[i] ?? c.text;
    });
  }
}
