import { isRichDependency, parseRichDependency, RPMSENSE, type Header, type RichExpr } from '../../rpm/index.js';

/**
 * The index-table rows rpm inserts for one installed header (rpmdb.md §5): which tag feeds
 * which table, the transient-require filter, distinct trigger names, file-trigger script
 * indexes, and the extra rows for the simple names inside rich dependencies.
 */

export interface IndexRow {
  table: string;
  key: string | Uint8Array;
  idx: number;
}

/** Table name, source tag, key type, whether it gets an hnum index (DDL order of rpm 4.18). */
export const INDEX_TABLES: ReadonlyArray<{ table: string; tag: number; keyType: 'TEXT' | 'BLOB'; keyIndex: boolean; hnumIndex: boolean }> = [
  { table: 'Name', tag: 1000, keyType: 'TEXT', keyIndex: true, hnumIndex: false },
  { table: 'Basenames', tag: 1117, keyType: 'TEXT', keyIndex: true, hnumIndex: true },
  { table: 'Group', tag: 1016, keyType: 'TEXT', keyIndex: true, hnumIndex: false },
  { table: 'Requirename', tag: 1049, keyType: 'TEXT', keyIndex: true, hnumIndex: true },
  { table: 'Providename', tag: 1047, keyType: 'TEXT', keyIndex: true, hnumIndex: true },
  { table: 'Conflictname', tag: 1054, keyType: 'TEXT', keyIndex: true, hnumIndex: true },
  { table: 'Obsoletename', tag: 1090, keyType: 'TEXT', keyIndex: true, hnumIndex: true },
  { table: 'Triggername', tag: 1066, keyType: 'TEXT', keyIndex: true, hnumIndex: true },
  { table: 'Dirnames', tag: 1118, keyType: 'TEXT', keyIndex: true, hnumIndex: true },
  { table: 'Installtid', tag: 1128, keyType: 'BLOB', keyIndex: false, hnumIndex: false },
  { table: 'Sigmd5', tag: 261, keyType: 'BLOB', keyIndex: false, hnumIndex: false },
  { table: 'Sha1header', tag: 269, keyType: 'TEXT', keyIndex: true, hnumIndex: false },
  { table: 'Filetriggername', tag: 5069, keyType: 'TEXT', keyIndex: true, hnumIndex: true },
  { table: 'Transfiletriggername', tag: 5079, keyType: 'TEXT', keyIndex: true, hnumIndex: true },
  { table: 'Recommendname', tag: 5046, keyType: 'TEXT', keyIndex: true, hnumIndex: true },
  { table: 'Suggestname', tag: 5049, keyType: 'TEXT', keyIndex: true, hnumIndex: true },
  { table: 'Supplementname', tag: 5052, keyType: 'TEXT', keyIndex: true, hnumIndex: true },
  { table: 'Enhancename', tag: 5055, keyType: 'TEXT', keyIndex: true, hnumIndex: true },
];

const REQUIREFLAGS = 1048;
const FILETRIGGERINDEX = 5070;
const TRANSFILETRIGGERINDEX = 5080;
const RICH_TABLES = new Set(['Requirename', 'Conflictname', 'Recommendname', 'Suggestname', 'Supplementname', 'Enhancename']);

/** rpm's isInstallPreReq-style filter: requirements only needed while installing are not indexed. */
export function isTransientRequire(flags: number): boolean {
  const installOnly = RPMSENSE.SCRIPT_PRE | RPMSENSE.SCRIPT_POST | RPMSENSE.RPMLIB | RPMSENSE.KEYRING | RPMSENSE.PRETRANS | RPMSENSE.POSTTRANS;
  const erase = RPMSENSE.SCRIPT_PREUN | RPMSENSE.SCRIPT_POSTUN;
  return (flags & installOnly) !== 0 && (flags & erase) === 0 && (flags & RPMSENSE.META) === 0;
}

/** The simple names inside a rich dependency, as rpm indexes them (`!` marks names in a condition). */
export function richDependencyKeys(text: string): string[] {
  let expr: RichExpr;
  try {
    expr = parseRichDependency(text);
  } catch {
    return []; // rpm indexes only the whole string when the expression does not parse
  }
  const out: string[] = [];
  const walk = (e: RichExpr, neg: boolean, into: string[]): void => {
    if (e.kind === 'simple') {
      if (!e.name.startsWith('rpmlib(')) into.push((neg ? '!' : ' ') + e.name);
      return;
    }
    if (e.op === 'if' || e.op === 'unless') {
      walk(e.left, neg, into);
      const condition: string[] = [];
      walk(e.right, true, condition);
      into.push(...condition);
      if (e.otherwise !== undefined) {
        for (const c of condition) into.push((c.startsWith('!') ? ' ' : '!') + c.slice(1));
        walk(e.otherwise, neg, into);
      }
      return;
    }
    walk(e.left, neg, into);
    walk(e.right, neg, into);
  };
  walk(expr, false, out);
  return [...new Set(out)].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))).map((k) => (k.startsWith(' ') ? k.slice(1) : k));
}

/** Every index row for `blobHeader` (the installed blob, so dribbles such as INSTALLTID are visible). */
export function indexRows(header: Header): IndexRow[] {
  const rows: IndexRow[] = [];
  for (const { table, tag } of INDEX_TABLES) {
    if (!header.has(tag)) {
      if (table === 'Group') rows.push({ table, key: 'Unknown', idx: 0 });
      continue;
    }
    switch (table) {
      case 'Installtid': {
        const value = header.number(tag)!;
        const key = Buffer.alloc(4);
        // Host byte order; every architecture atoll composes for is little-endian.
        key.writeUInt32LE(value >>> 0);
        rows.push({ table, key, idx: 0 });
        continue;
      }
      case 'Sigmd5':
        rows.push({ table, key: Uint8Array.from(header.raw(tag)!), idx: 0 });
        continue;
      case 'Name':
      case 'Group':
      case 'Sha1header':
        rows.push({ table, key: header.strings(tag)![0]!, idx: 0 });
        continue;
      default:
        break;
    }
    const names = header.strings(tag)!;
    if (table === 'Triggername') {
      const seen = new Set<string>();
      names.forEach((name, idx) => {
        if (seen.has(name)) return;
        seen.add(name);
        rows.push({ table, key: name, idx });
      });
      continue;
    }
    if (table === 'Filetriggername' || table === 'Transfiletriggername') {
      const scriptIndex = header.numbers(table === 'Filetriggername' ? FILETRIGGERINDEX : TRANSFILETRIGGERINDEX) ?? [];
      names.forEach((name, i) => rows.push({ table, key: name, idx: scriptIndex[i] ?? i }));
      continue;
    }
    const flags = table === 'Requirename' ? (header.numbers(REQUIREFLAGS) ?? []) : [];
    names.forEach((name, idx) => {
      if (table === 'Requirename' && isTransientRequire(flags[idx] ?? 0)) return;
      rows.push({ table, key: name, idx });
      if (RICH_TABLES.has(table) && isRichDependency(name)) {
        for (const key of richDependencyKeys(name)) rows.push({ table, key, idx });
      }
    });
  }
  return rows;
}
