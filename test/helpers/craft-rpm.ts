import { spawnSync } from 'node:child_process';
// A minimal RPM writer for hostile-input tests: builds a structurally valid package (lead,
// signature header with SHA256 + SIZE, main header, gzip'd newc cpio) from a file list, with
// hooks to corrupt any part. Not the project's writer (rpm/build); just enough to craft attacks.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { encodeHeader, encodeLead, RPM_TYPE, SIGTAG, TAG, signaturePadding, type HeaderEntryInput } from '../../src/rpm/index.js';

export interface CraftFile {
  path: string;
  mode: number;
  content?: string | Uint8Array;
  linkto?: string;
  flags?: number;
  inode?: number;
  user?: string;
  group?: string;
  mtime?: number;
  caps?: string;
}

export interface CpioItem {
  name: string;
  mode: number;
  ino: number;
  nlink: number;
  mtime: number;
  data: Uint8Array;
}

export interface CraftOptions {
  name?: string;
  files: CraftFile[];
  /** Rewrite the cpio entry list before encoding (names, data...). */
  cpio?: (items: CpioItem[]) => CpioItem[];
  /** Replace the whole uncompressed cpio stream. */
  rawCpio?: Uint8Array;
  /** Extra/overriding main header entries. */
  mainExtra?: HeaderEntryInput[];
  compress?: boolean;
  /** Payload compressor (default gzip, in-process); xz and zstd run Debian's programs. */
  compressor?: 'gzip' | 'xz' | 'zstd';
  /** Write LONGFILESIZES and rpm's stripped 07070X payload (as rpm does for files ≥ 4 GiB and rpm 6). */
  stripped?: boolean;
}

/** rpm's stripped large-file cpio: `07070X` + file index, data, newc trailer. */
export function encodeStrippedCpio(entries: readonly { index: number; data: Uint8Array }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let off = 0;
  const push = (b: Uint8Array): void => {
    parts.push(b);
    off += b.length;
  };
  for (const e of entries) {
    push(enc.encode(`07070X${hex8(e.index)}\0\0`));
    push(e.data);
    const p = (4 - (off % 4)) % 4;
    if (p) push(new Uint8Array(p));
  }
  push(encodeCpio([]));
  return Buffer.concat(parts);
}

const enc = new TextEncoder();

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

export function encodeCpio(items: readonly CpioItem[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let off = 0;
  const push = (b: Uint8Array): void => {
    parts.push(b);
    off += b.length;
  };
  const pad = (): void => {
    const p = (4 - (off % 4)) % 4;
    if (p) push(new Uint8Array(p));
  };
  for (const it of [...items, { name: 'TRAILER!!!', mode: 0, ino: 0, nlink: 1, mtime: 0, data: new Uint8Array(0) }]) {
    const name = enc.encode(`${it.name}\0`);
    const fields = [it.ino, it.mode, 0, 0, it.nlink, it.mtime, it.data.length, 0, 0, 0, 0, name.length, 0];
    push(enc.encode(`070701${fields.map(hex8).join('')}`));
    push(name);
    pad();
    push(it.data);
    pad();
  }
  const out = new Uint8Array(off);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function compressWith(program: 'xz' | 'zstd', data: Uint8Array): Uint8Array {
  const run = spawnSync(program, program === 'xz' ? ['-c', '-1'] : ['-c', '-q', '-1'], { input: data, maxBuffer: 1 << 30 });
  if (run.status !== 0) throw new Error(`${program} failed: ${run.stderr.toString()}`);
  return run.stdout;
}

export function craftRpm(options: CraftOptions): Uint8Array {
  const name = options.name ?? 'crafted';
  const files = [...options.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const dirnames: string[] = [];
  const dirindexes: number[] = [];
  const basenames: string[] = [];
  for (const f of files) {
    const cut = f.path.lastIndexOf('/') + 1;
    const dir = f.path.slice(0, cut);
    let di = dirnames.indexOf(dir);
    if (di < 0) di = dirnames.push(dir) - 1;
    dirindexes.push(di);
    basenames.push(f.path.slice(cut));
  }
  const data = files.map((f) => (f.linkto !== undefined ? enc.encode(f.linkto) : typeof f.content === 'string' ? enc.encode(f.content) : (f.content ?? new Uint8Array(0))));
  const isReg = (f: CraftFile): boolean => (f.mode & 0o170000) === 0o100000;
  const inodes = files.map((f, i) => f.inode ?? i + 1);
  let items: CpioItem[] = files.map((f, i) => ({
    name: `.${f.path}`,
    mode: f.mode,
    ino: inodes[i]!,
    nlink: 1,
    mtime: f.mtime ?? 1700000000,
    data: data[i]!,
  }));
  if (options.cpio) items = options.cpio(items);
  const cpio =
    options.rawCpio ??
    (options.stripped ? encodeStrippedCpio(files.map((_, i) => ({ index: i, data: data[i]! }))) : encodeCpio(items));
  const compressor = options.compressor ?? 'gzip';
  const payload = options.compress === false ? cpio : compressor === 'gzip' ? gzipSync(cpio) : compressWith(compressor, cpio);
  const main: HeaderEntryInput[] = [
    { tag: TAG.NAME, type: RPM_TYPE.STRING, value: name },
    { tag: TAG.VERSION, type: RPM_TYPE.STRING, value: '1.0' },
    { tag: TAG.RELEASE, type: RPM_TYPE.STRING, value: '1' },
    { tag: TAG.SUMMARY, type: RPM_TYPE.I18NSTRING, value: ['crafted'] },
    { tag: TAG.BUILDTIME, type: RPM_TYPE.INT32, value: [1700000000] },
    { tag: TAG.OS, type: RPM_TYPE.STRING, value: 'linux' },
    { tag: TAG.ARCH, type: RPM_TYPE.STRING, value: 'noarch' },
    { tag: TAG.SOURCERPM, type: RPM_TYPE.STRING, value: `${name}-1.0-1.src.rpm` },
    { tag: TAG.PAYLOADFORMAT, type: RPM_TYPE.STRING, value: 'cpio' },
    { tag: TAG.PAYLOADCOMPRESSOR, type: RPM_TYPE.STRING, value: options.compress === false ? 'identity' : compressor },
    { tag: TAG.PAYLOADDIGEST, type: RPM_TYPE.STRING_ARRAY, value: [createHash('sha256').update(payload).digest('hex')] },
    { tag: TAG.PAYLOADDIGESTALGO, type: RPM_TYPE.INT32, value: [8] },
    { tag: TAG.FILEDIGESTALGO, type: RPM_TYPE.INT32, value: [8] },
  ];
  if (options.compress === false) main.splice(main.findIndex((e) => e.tag === TAG.PAYLOADCOMPRESSOR), 1);
  if (files.length > 0) {
    main.push(
      { tag: TAG.DIRNAMES, type: RPM_TYPE.STRING_ARRAY, value: dirnames },
      { tag: TAG.DIRINDEXES, type: RPM_TYPE.INT32, value: dirindexes },
      { tag: TAG.BASENAMES, type: RPM_TYPE.STRING_ARRAY, value: basenames },
      { tag: TAG.FILEMODES, type: RPM_TYPE.INT16, value: files.map((f) => f.mode) },
      options.stripped
        ? { tag: TAG.LONGFILESIZES, type: RPM_TYPE.INT64, value: data.map((d) => d.length) }
        : { tag: TAG.FILESIZES, type: RPM_TYPE.INT32, value: data.map((d) => d.length) },
      { tag: TAG.FILEMTIMES, type: RPM_TYPE.INT32, value: files.map((f) => f.mtime ?? 1700000000) },
      { tag: TAG.FILEDIGESTS, type: RPM_TYPE.STRING_ARRAY, value: files.map((f, i) => (isReg(f) ? createHash('sha256').update(data[i]!).digest('hex') : '')) },
      { tag: TAG.FILELINKTOS, type: RPM_TYPE.STRING_ARRAY, value: files.map((f) => f.linkto ?? '') },
      { tag: TAG.FILEFLAGS, type: RPM_TYPE.INT32, value: files.map((f) => f.flags ?? 0) },
      { tag: TAG.FILEUSERNAME, type: RPM_TYPE.STRING_ARRAY, value: files.map((f) => f.user ?? 'root') },
      { tag: TAG.FILEGROUPNAME, type: RPM_TYPE.STRING_ARRAY, value: files.map((f) => f.group ?? 'root') },
      { tag: TAG.FILEINODES, type: RPM_TYPE.INT32, value: inodes },
      { tag: TAG.FILEDEVICES, type: RPM_TYPE.INT32, value: files.map(() => 1) },
    );
    if (files.some((f) => f.caps)) main.push({ tag: TAG.FILECAPS, type: RPM_TYPE.STRING_ARRAY, value: files.map((f) => f.caps ?? '') });
  }
  for (const extra of options.mainExtra ?? []) {
    const at = main.findIndex((e) => e.tag === extra.tag);
    if (at >= 0) main.splice(at, 1);
    main.push(extra);
  }
  const mainBytes = encodeHeader(main, 63);
  const sig = encodeHeader(
    [
      { tag: SIGTAG.SHA256, type: RPM_TYPE.STRING, value: createHash('sha256').update(mainBytes).digest('hex') },
      { tag: SIGTAG.SIZE, type: RPM_TYPE.INT32, value: [mainBytes.length + payload.length] },
      { tag: SIGTAG.PAYLOADSIZE, type: RPM_TYPE.INT32, value: [cpio.length] },
    ],
    62,
  );
  const lead = encodeLead({ name: `${name}-1.0-1`, source: false });
  const pad = signaturePadding(sig.length);
  const out = new Uint8Array(lead.length + sig.length + pad + mainBytes.length + payload.length);
  out.set(lead, 0);
  out.set(sig, lead.length);
  out.set(mainBytes, lead.length + sig.length + pad);
  out.set(payload, lead.length + sig.length + pad + mainBytes.length);
  return out;
}
