import type { PackageInfo } from '../rpm/index.js';

/** A file as repository metadata lists it: path and kind (`file` covers regular files, symlinks, devices). */
export interface RepoFileEntry {
  path: string;
  type: 'file' | 'dir' | 'ghost';
}

/**
 * A package as primary.xml describes it: the shared model plus what only a repository knows
 * (where the file is, its digest, its size, where its header sits in the file).
 *
 * Mapping choices (rpm-md.md §3): `epoch="0"` reads as `null` (createrepo_c writes 0 when the
 * header has no EPOCH, so absent and 0 cannot be told apart; dnf treats them alike);
 * `pre="1"` sets `RPMSENSE.PREREQ` on the requirement; `flags` map to the comparison bits.
 */
export interface RepoPackage extends PackageInfo {
  /** Hex digest of the whole .rpm file (primary's `<checksum pkgid="YES">`). */
  pkgid: string;
  /** Digest algorithm of `pkgid`, as written (`sha256`, `sha`, `md5`, ...). */
  checksumType: string;
  /** Path relative to the repository root (or to `locationBase`). */
  locationHref: string;
  /** `xml:base` of the location, when the package lives elsewhere. */
  locationBase: string | null;
  /** mtime of the .rpm file when the repository was generated. */
  fileTime: number;
  /** Bytes of the .rpm file. */
  packageSize: number;
  /** Bytes of the uncompressed payload. */
  archiveSize: number;
  /** File offsets of the main header and of the payload. */
  headerStart: number;
  headerEnd: number;
  /**
   * Files listed in primary (only "primary" paths: /etc/*, *bin/*, /usr/lib/sendmail) until
   * `filelistsLoaded` is true, then the complete list from filelists.xml.
   */
  files: RepoFileEntry[];
  filelistsLoaded: boolean;
}

/** One `<data>` record of repomd.xml. */
export interface RepomdRecord {
  type: string;
  locationHref: string;
  locationBase: string | null;
  checksum: { type: string; value: string } | null;
  openChecksum: { type: string; value: string } | null;
  size: number | null;
  openSize: number | null;
  timestamp: number | null;
  databaseVersion: number | null;
}

export interface Repomd {
  revision: string | null;
  distroTags: Array<{ cpeid: string | null; name: string }>;
  contentTags: string[];
  repoTags: string[];
  records: RepomdRecord[];
}

/** A changelog entry from other.xml. */
export interface ChangelogEntry {
  author: string;
  date: number;
  text: string;
}
