import type { PackageInfo, Dependency } from '../package/index.js';

/** FILEFLAGS bits (rpm-format.md §7.5). */
export const RPMFILE = {
  CONFIG: 0x1,
  DOC: 0x2,
  ICON: 0x4,
  MISSINGOK: 0x8,
  NOREPLACE: 0x10,
  SPECFILE: 0x20,
  GHOST: 0x40,
  LICENSE: 0x80,
  README: 0x100,
  PUBKEY: 0x800,
  ARTIFACT: 0x1000,
} as const;

/** Script flags (PREINFLAGS...): rpm-format.md §7.7. */
export const RPMSCRIPT_FLAG = { EXPAND: 0x1, QFORMAT: 0x2, CRITICAL: 0x4 } as const;

/** One file as the header describes it; metadata for unpacking comes only from here. */
export interface RpmFile {
  /** Full path (`DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]`); relative names in source packages. */
  path: string;
  /** st_mode with type bits. */
  mode: number;
  size: number;
  user: string;
  group: string;
  mtime: number;
  /** Lowercase hex digest of the content, "" for non-regular files and %ghost. */
  digest: string;
  /** FILEFLAGS (RPMFILE bits). */
  flags: number;
  /** Symlink target, "" otherwise. */
  linkto: string;
  inode: number;
  device: number;
  /** 16-bit rdev (major*256 + minor) for device nodes. */
  rdev: number;
  lang: string;
  /** `cap_to_text` form, "" for none. */
  caps: string;
  verifyFlags: number;
  color: number;
}

export interface RpmScript {
  /** Interpreter and its arguments (`['/bin/sh']`, `['<lua>']`), [] when the PROG tag is absent. */
  prog: string[];
  /** Script body; null when the body tag is absent (e.g. `%post -p /sbin/ldconfig`). */
  body: string | null;
  flags: number;
}

export const SCRIPT_KINDS = ['pretrans', 'prein', 'postin', 'preun', 'postun', 'posttrans', 'verifyscript'] as const;
export type ScriptKind = (typeof SCRIPT_KINDS)[number];

export interface TriggerCondition {
  /** Package name (classic triggers) or path prefix (file triggers). */
  name: string;
  version: string;
  /** Sense bits plus the trigger type bit (TRIGGERIN/UN/POSTUN/PREIN). */
  flags: number;
  /** Index into `scripts`. */
  index: number;
}

export interface TriggerSet {
  scripts: (RpmScript & { priority?: number })[];
  conditions: TriggerCondition[];
}

export interface ChangelogEntry {
  time: number;
  name: string;
  text: string;
}

export interface RpmPayloadInfo {
  /** PAYLOADFORMAT as stored (`cpio`); null when absent (very old packages: cpio is assumed). */
  format: string | null;
  /** PAYLOADCOMPRESSOR as stored; null when absent (rpm then assumes gzip and passes raw cpio through). */
  compressor: string | null;
  flags: string | null;
  /** PAYLOADDIGEST (hex over the compressed payload) and PAYLOADDIGESTALT (over the cpio stream). */
  digest: string | null;
  digestAlt: string | null;
  digestAlgo: number | null;
  /** Uncompressed cpio size from the signature (PAYLOADSIZE / LONGARCHIVESIZE). */
  archiveSize: number | null;
  /** The stripped `07070X` format is in use (LONGFILESIZES present). */
  stripped: boolean;
}

export interface RpmSignatureInfo {
  sha1: string | null;
  sha256: string | null;
  /** Hex of the 16-byte MD5 over header+payload. */
  md5: string | null;
  /** Header+payload size (SIZE/LONGSIZE). */
  size: number | null;
  /** OpenPGP signatures present (raw packets, base64 for OPENPGP). */
  rsa: Uint8Array | null;
  dsa: Uint8Array | null;
  pgp: Uint8Array | null;
  gpg: Uint8Array | null;
  openpgp: string[];
  signed: boolean;
}

export interface RpmHeaderPackage extends PackageInfo {
  /** Source package (no SOURCERPM). */
  isSource: boolean;
  os: string;
  rpmversion: string;
  distribution: string;
  platform: string;
  cookie: string;
  orderwithrequires: Dependency[];
  files: RpmFile[];
  /** FILEDIGESTALGO (absent ⇒ 1, MD5). */
  fileDigestAlgo: number;
  scripts: Record<ScriptKind, RpmScript | null>;
  triggers: TriggerSet;
  fileTriggers: TriggerSet;
  transFileTriggers: TriggerSet;
  changelog: ChangelogEntry[];
  payload: RpmPayloadInfo;
  signature: RpmSignatureInfo;
  /** File offsets: main header `[start, end)` (createrepo_c's rpm:header-range); payload starts at end. */
  headerRange: { start: number; end: number };
  /** Lead major version (3, or 4 for rpm 6 "v6" packages). */
  leadMajor: number;
}
