import { mkdirSync, openSync, fsyncSync, closeSync, renameSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { AtollError } from '../../errors/index.js';
import { fsyncDirectory } from '../../util/index.js';
import { Header, readHeaderBlob, type RpmHeaders } from '../../rpm/index.js';
import { buildInstalledBlob, installDribbles } from './installed-blob.js';
import { INDEX_TABLES, indexRows } from './index-rows.js';

/**
 * Write rpm's sqlite rpmdb (rpmdb.md §7) for a set of installed packages: all 19 tables with
 * rpm 4.18's exact DDL, one installed-header blob per package, every index row, then the file
 * switched to rollback-journal mode (a WAL file without its -shm is unreadable on a read-only
 * /usr) and renamed into place atomically.
 */

type Database = import('better-sqlite3').Database;
const require = createRequire(import.meta.url);

export function openSqlite(path: string, options: { readonly?: boolean } = {}): Database {
  const Sqlite = require('better-sqlite3') as typeof import('better-sqlite3');
  return new Sqlite(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
}

/**
 * A package to record: either the headers of its package file (a fresh install: dribbles are
 * added with this transaction's times) or an installed blob read from another rpmdb (kept
 * verbatim, so client-side layering keeps the base image's install times and states).
 */
export type RpmdbPackage = { headers: Pick<RpmHeaders, 'signature' | 'main'> } | { installedBlob: Uint8Array };

export interface WriteRpmdbOptions {
  /** INSTALLTID of every package; INSTALLTIME is this + k for the k-th package (rpm-ostree's normaliser). */
  timestamp: number;
  /** INSTALLCOLOR (default 3, what rpm records on x86_64/aarch64 hosts). */
  installColor?: number;
  /** Use the same INSTALLTIME for every package (the reference export's normalisation). */
  constantInstallTime?: boolean;
}

export interface WriteRpmdbResult {
  path: string;
  packages: number;
  indexRows: number;
}

/**
 * The one documented time source for reproducible databases: `SOURCE_DATE_EPOCH` when set
 * (as rpm-ostree's `rpmdb-normalize`), else the newest BUILDTIME of the package set.
 */
export function rpmdbTimestamp(buildtimes: readonly number[], env: NodeJS.ProcessEnv = process.env): number {
  const sde = env['SOURCE_DATE_EPOCH'];
  if (sde !== undefined && sde !== '') {
    if (!/^\d+$/.test(sde)) throw new AtollError('ASSEMBLE_BAD_SOURCE_DATE_EPOCH', `SOURCE_DATE_EPOCH '${sde}' is not a decimal number of seconds`);
    return Number(sde);
  }
  return buildtimes.reduce((a, b) => Math.max(a, b), 0);
}

const CREATE_PACKAGES = "CREATE TABLE IF NOT EXISTS 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL)";

export function rpmdbSchema(): string[] {
  const out = [CREATE_PACKAGES];
  for (const t of INDEX_TABLES) {
    out.push(`CREATE TABLE IF NOT EXISTS '${t.table}' (key '${t.keyType}' NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL, FOREIGN KEY (hnum) REFERENCES 'Packages'(hnum))`);
    if (t.keyIndex) out.push(`CREATE INDEX IF NOT EXISTS '${t.table}_key_idx' ON '${t.table}'(key ASC)`);
    if (t.hnumIndex) out.push(`CREATE INDEX IF NOT EXISTS '${t.table}_hnum_idx' ON '${t.table}'(hnum ASC)`);
  }
  return out;
}

/** The installed blob of one package (exported for tests and for layering, which appends). */
export function installedBlob(pkg: { headers: Pick<RpmHeaders, 'signature' | 'main'> }, installTime: number, installTid: number, installColor = 3): Uint8Array {
  const main = pkg.headers.main;
  const fileCount = main.strings(1117)?.length ?? 0;
  const dribbles = installDribbles(pkg.headers.signature, fileCount, { installTime, installTid, installColor });
  return buildInstalledBlob(main.blob.bytes, dribbles);
}

/** Write `<dbDir>/rpmdb.sqlite` for `packages` in the given (transaction) order. */
export function writeRpmdb(dbDir: string, packages: readonly RpmdbPackage[], options: WriteRpmdbOptions): WriteRpmdbResult {
  mkdirSync(dbDir, { recursive: true });
  const final = join(dbDir, 'rpmdb.sqlite');
  const temp = join(dbDir, `.rpmdb.sqlite.tmp-${process.pid}`);
  for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(temp + suffix, { force: true });
  let rows = 0;
  let db: Database | undefined;
  try {
    db = openSqlite(temp);
    db.pragma('journal_mode = DELETE');
    // The database is built in a temporary file that is fsynced once and renamed into place:
    // sqlite's own per-statement syncs (each CREATE was its own durable transaction) only cost.
    db.pragma('synchronous = OFF');
    db.transaction(() => {
      for (const sql of rpmdbSchema()) db!.exec(sql);
    })();
    const insertPackage = db.prepare('INSERT INTO Packages(blob) VALUES (?)');
    const inserts = new Map(INDEX_TABLES.map((t) => [t.table, db!.prepare(`INSERT INTO '${t.table}' (key, hnum, idx) VALUES (?, ?, ?)`)]));
    const run = db.transaction(() => {
      let k = 0;
      packages.forEach((pkg) => {
        let blob: Uint8Array;
        if ('installedBlob' in pkg) blob = pkg.installedBlob;
        else {
          const time = options.constantInstallTime ? options.timestamp : options.timestamp + k++;
          blob = installedBlob(pkg, time, options.timestamp, options.installColor ?? 3);
        }
        const hnum = Number(insertPackage.run(Buffer.from(blob)).lastInsertRowid);
        const header = new Header(readHeaderBlob(blob, 0, 'main', { noMagic: true, exactRegion: false }));
        for (const row of indexRows(header)) {
          inserts.get(row.table)!.run(typeof row.key === 'string' ? row.key : Buffer.from(row.key), hnum, row.idx);
          rows++;
        }
      });
    });
    run();
    db.close();
    db = undefined;
    for (const suffix of ['-journal', '-wal', '-shm']) {
      if (existsSync(temp + suffix)) throw new AtollError('ASSEMBLE_RPMDB_WRITE', `sqlite left ${temp}${suffix} behind`);
    }
    const fd = openSync(temp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, final);
  } catch (error) {
    db?.close();
    for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(temp + suffix, { force: true });
    if (error instanceof AtollError) throw error;
    throw new AtollError('ASSEMBLE_RPMDB_WRITE', `cannot write rpmdb in ${dbDir}: ${(error as Error).message}`, { cause: error });
  }
  return { path: final, packages: packages.length, indexRows: rows };
}

export async function writeRpmdbDurable(dbDir: string, packages: readonly RpmdbPackage[], options: WriteRpmdbOptions): Promise<WriteRpmdbResult> {
  const result = writeRpmdb(dbDir, packages, options);
  await fsyncDirectory(dbDir);
  return result;
}
