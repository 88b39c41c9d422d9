/**
 * The declarative package description the RPM writer builds from (a TS object, or JSON/YAML
 * text through `parsePackageDescription`). Everything optional has an rpmbuild-like default;
 * nothing depends on the clock or the host, so one description always yields the same bytes.
 */
import type { Dependency } from '../package/index.js';
import type { ChangelogEntry, ScriptKind } from '../header/index.js';

export type { ChangelogEntry, ScriptKind };

export type PayloadCompressor = 'gzip' | 'xz' | 'zstd' | 'bzip2' | 'none';

/**
 * A dependency: the string form rpm's spec syntax uses (`foo`, `foo >= 1.0`, `(a or b)`), or
 * the header form `{ name, flags, evr }` (flags = RPMSENSE bits), optionally with spec-style
 * qualifiers that set the matching sense bits (`Requires(pre,post): foo`).
 */
export type DependencyInput = string | DependencyObject;
export interface DependencyObject {
  name: string;
  /** RPMSENSE bits (comparison and/or context bits); default 0, or derived from `op`. */
  flags?: number;
  /** Comparison operator, an alternative to the sense bits in `flags`. */
  op?: '<' | '<=' | '=' | '>=' | '>' | '==';
  evr?: string;
  /** `Requires(pre)` etc. */
  qualifiers?: Array<'pre' | 'post' | 'preun' | 'postun' | 'pretrans' | 'posttrans' | 'interp' | 'meta' | 'verify'>;
}

/**
 * Regular-file content: text (UTF-8), bytes, base64 (for JSON/YAML descriptions), or `size`
 * bytes of `fill` (a byte value or a repeated string; zeros by default). Size-filled content is
 * generated block by block while the payload streams into the compressor, so a real file of
 * 4 GiB or more (LONGFILESIZES, stripped cpio) costs time, not memory.
 */
export type FileContent = string | Uint8Array | { base64: string } | { size: number; fill?: number | string };

export type FileType = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo';

export interface FileFlagsInput {
  config?: boolean;
  noreplace?: boolean;
  missingok?: boolean;
  ghost?: boolean;
  doc?: boolean;
  license?: boolean;
  readme?: boolean;
  artifact?: boolean;
}

export interface FileInput extends FileFlagsInput {
  /** Absolute path (`/usr/bin/foo`); no `.`/`..`/empty components, no NUL. */
  path: string;
  /** Default: `symlink` when `target` is set, else `file` (directories say `dir`). */
  type?: FileType;
  content?: FileContent;
  /** Symlink target (kept verbatim). */
  target?: string;
  /** Path of another regular file of this package this one is a hardlink of (shares inode and content). */
  hardlink?: string;
  /** Permission bits incl. setuid/setgid/sticky (e.g. 0o4755); the type bits are added. */
  mode?: number;
  user?: string;
  group?: string;
  /** Default: the package buildtime (rpmbuild with mtime clamping). */
  mtime?: number;
  /** `cap_to_text` form, e.g. `cap_net_raw=ep`. */
  caps?: string;
  /** `%lang(xx)`. */
  lang?: string;
  /** FILEVERIFYFLAGS; default all bits (ghosts: without digest/size/linkto/mtime). */
  verifyFlags?: number;
  /**
   * libmagic's description (FILECLASS/CLASSDICT), informational; rpmbuild computes it, atoll
   * writes the tags only when some file of the package sets one.
   */
  fileClass?: string;
  /** Device number for char/block devices. */
  rdev?: { major: number; minor: number };
  /**
   * Header-level tests only: the size recorded in FILESIZES/LONGFILESIZES instead of the
   * content's real size (lets a test declare a ≥ 4 GiB file without generating 4 GiB; a real
   * one is `content: { size }`). The payload still carries the real content, so such a package
   * does not verify, install or unpack correctly.
   */
  sizeOverride?: number;
}

export interface ScriptInput {
  body?: string;
  /** Interpreter: `/bin/sh` (default), `<lua>`, or `[prog, ...args]`. */
  prog?: string | string[];
  /** SCRIPTFLAGS: 1 EXPAND, 2 QFORMAT, 4 CRITICAL. */
  flags?: number;
}

/** Scriptlet keys: the header reader's names (`prein`, `postin`...), plus the spec aliases `pre`/`post`. */
export type ScriptKey = ScriptKind | 'pre' | 'post';

export interface TriggerInput extends ScriptInput {
  type: 'prein' | 'in' | 'un' | 'postun';
  /** The packages (with optional version ranges) whose install/erase fires the trigger. */
  conditions: DependencyInput[];
}

export interface FileTriggerInput extends ScriptInput {
  type: 'in' | 'un' | 'postun';
  /** `transaction` = %transfiletrigger*. */
  scope?: 'file' | 'transaction';
  prefixes: string[];
  /** Default 1000000, as rpmbuild. */
  priority?: number;
}

export interface PackageDescription {
  name: string;
  epoch?: number | null;
  version: string;
  release: string;
  /** Default `noarch`. */
  arch?: string;
  summary?: string;
  description?: string;
  license?: string;
  url?: string;
  vendor?: string;
  packager?: string;
  group?: string;
  /** Default: SOURCE_DATE_EPOCH when set, else 1700000000 (never the clock). */
  buildtime?: number;
  buildhost?: string;
  /** PLATFORM (e.g. `x86_64-redhat-linux`) and OPTFLAGS: build-host facts rpmbuild records; omitted unless given. */
  platform?: string;
  optflags?: string;
  /** Default `NAME-VERSION-RELEASE.src.rpm`; null omits the tag. */
  sourcerpm?: string | null;
  provides?: DependencyInput[];
  requires?: DependencyInput[];
  conflicts?: DependencyInput[];
  obsoletes?: DependencyInput[];
  recommends?: DependencyInput[];
  suggests?: DependencyInput[];
  supplements?: DependencyInput[];
  enhances?: DependencyInput[];
  /** `OrderWithRequires:` (ORDERNAME/ORDERFLAGS/ORDERVERSION): ordering hints, not requirements. */
  orderWithRequires?: DependencyInput[];
  files?: FileInput[];
  scripts?: Partial<Record<ScriptKey, ScriptInput | string>>;
  triggers?: TriggerInput[];
  fileTriggers?: FileTriggerInput[];
  changelog?: ChangelogEntry[];
  payload?: { compressor?: PayloadCompressor; level?: number };
  /**
   * rpmbuild's automatic dependencies (default true): self-provide `NAME = EVR`, the ISA provide
   * for arch packages, `config(NAME) = EVR` provide+require when there are %config files, the
   * interpreter requires of scriptlets, and the `rpmlib(...)` feature requires.
   */
  autoDeps?: boolean;
  /**
   * rpmbuild's `AutoReqProv` (default true): the dependency generators' output, which here is
   * `config(NAME) = EVR` in Provides and Requires when the package has %config files. With
   * `AutoReqProv: no` rpmbuild still adds everything else `autoDeps` covers.
   */
  autoReqProv?: boolean;
}

/** A normalized dependency list entry, as the header stores it. */
export type { Dependency };
