import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AtollError } from '../../errors/index.js';
import { Header, readHeaderBlob } from '../../rpm/index.js';
import { openSqlite } from './write-rpmdb.js';
import type { PkglistEntry } from './pkglist.js';

/**
 * Reading the package list back from an rpmdb.sqlite (the fallback of `db diff` when a commit
 * lacks `rpmostree.rpmdb.pkglist`). Read-only; gpg-pubkey pseudo-packages are left out as
 * rpm-ostree does.
 */

export interface InstalledHeader {
  hnum: number;
  header: Header;
  blob: Uint8Array;
}

export function readRpmdbHeaders(dbDir: string): InstalledHeader[] {
  const file = join(dbDir, 'rpmdb.sqlite');
  if (!existsSync(file)) throw new AtollError('ASSEMBLE_RPMDB_MISSING', `no rpmdb.sqlite in ${dbDir}`);
  let db;
  try {
    db = openSqlite(file, { readonly: true });
    const rows = db.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum').all() as Array<{ hnum: number; blob: Buffer }>;
    return rows.map(({ hnum, blob }) => {
      try {
        return { hnum, blob, header: new Header(readHeaderBlob(blob, 0, 'main', { noMagic: true, exactRegion: false })) };
      } catch (error) {
        throw new AtollError('ASSEMBLE_RPMDB_CORRUPT', `rpmdb ${file}: header #${hnum} is corrupt: ${(error as Error).message}`, { cause: error });
      }
    });
  } catch (error) {
    if (error instanceof AtollError) throw error;
    throw new AtollError('ASSEMBLE_RPMDB_CORRUPT', `cannot read rpmdb ${file}: ${(error as Error).message}`, { cause: error });
  } finally {
    db?.close();
  }
}

/** (name, epoch, version, release, arch) of every installed package except gpg-pubkey. */
export function readRpmdbPackages(dbDir: string): PkglistEntry[] {
  return readRpmdbHeaders(dbDir)
    .map(({ header }) => ({
      name: header.string(1000) ?? '',
      epoch: header.number(1003) ?? null,
      version: header.string(1001) ?? '',
      release: header.string(1002) ?? '',
      arch: header.string(1022) ?? '(none)',
    }))
    .filter((p) => p.name !== 'gpg-pubkey');
}
