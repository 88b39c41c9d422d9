import { RPM_TYPE, SIGTAG, TYPE_ALIGN, type Header } from '../../rpm/index.js';

/**
 * The header rpm stores in `Packages.blob` for an installed package (rpmdb.md §4): the main
 * header's index entries and data store verbatim (the region, and so the header digests, stay
 * valid), followed by the "dribble" entries rpm adds at install time, sorted by tag, their data
 * appended with type alignment relative to the data-store start. No 8-byte magic.
 */

export const INSTALL_TAG = {
  SIGSIZE: 257,
  SIGMD5: 261,
  DSAHEADER: 267,
  RSAHEADER: 268,
  SHA1HEADER: 269,
  LONGSIGSIZE: 270,
  LONGARCHIVESIZE: 271,
  SHA256HEADER: 273,
  INSTALLTIME: 1008,
  FILESTATES: 1029,
  ARCHIVESIZE: 1046,
  INSTALLCOLOR: 1127,
  INSTALLTID: 1128,
  FILESIGNATURES: 5090,
  FILESIGNATURELENGTH: 5091,
} as const;

export interface InstallValues {
  installTime: number;
  installTid: number;
  /** Transaction color rpm records (3 on x86_64/aarch64 hosts, for noarch packages too). */
  installColor: number;
}

export interface Dribble {
  tag: number;
  type: number;
  count: number;
  data: Uint8Array;
}

function i32(value: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0);
  return b;
}

/** The dribbles rpm 4.18 appends (rpmdb.md §4.2), from the signature header and install values. */
export function installDribbles(signature: Header, fileCount: number, values: InstallValues): Dribble[] {
  const out: Dribble[] = [];
  const copyRaw = (sigTag: number, tag: number): void => {
    const e = signature.entry(sigTag);
    const raw = signature.raw(sigTag);
    if (e && raw) out.push({ tag, type: e.type, count: e.count, data: raw });
  };
  const size = signature.number(SIGTAG.SIZE);
  if (size !== undefined) out.push({ tag: INSTALL_TAG.SIGSIZE, type: RPM_TYPE.INT32, count: 1, data: i32(size) });
  copyRaw(SIGTAG.MD5, INSTALL_TAG.SIGMD5);
  copyRaw(SIGTAG.DSA, INSTALL_TAG.DSAHEADER);
  copyRaw(SIGTAG.RSA, INSTALL_TAG.RSAHEADER);
  copyRaw(SIGTAG.SHA1, INSTALL_TAG.SHA1HEADER);
  copyRaw(SIGTAG.LONGSIZE, INSTALL_TAG.LONGSIGSIZE);
  copyRaw(SIGTAG.LONGARCHIVESIZE, INSTALL_TAG.LONGARCHIVESIZE);
  copyRaw(SIGTAG.SHA256, INSTALL_TAG.SHA256HEADER);
  out.push({ tag: INSTALL_TAG.INSTALLTIME, type: RPM_TYPE.INT32, count: 1, data: i32(values.installTime) });
  if (fileCount > 0) out.push({ tag: INSTALL_TAG.FILESTATES, type: RPM_TYPE.CHAR, count: fileCount, data: new Uint8Array(fileCount) });
  const payloadSize = signature.number(SIGTAG.PAYLOADSIZE);
  if (payloadSize !== undefined) out.push({ tag: INSTALL_TAG.ARCHIVESIZE, type: RPM_TYPE.INT32, count: 1, data: i32(payloadSize) });
  out.push({ tag: INSTALL_TAG.INSTALLCOLOR, type: RPM_TYPE.INT32, count: 1, data: i32(values.installColor) });
  out.push({ tag: INSTALL_TAG.INSTALLTID, type: RPM_TYPE.INT32, count: 1, data: i32(values.installTid) });
  copyRaw(SIGTAG.FILESIGNATURES, INSTALL_TAG.FILESIGNATURES);
  copyRaw(SIGTAG.FILESIGNATURELENGTH, INSTALL_TAG.FILESIGNATURELENGTH);
  return out.sort((a, b) => a.tag - b.tag);
}

/** Build the installed-header blob (rpmdb.md §4.1). `mainBytes` is the main header with magic. */
export function buildInstalledBlob(mainBytes: Uint8Array, dribbles: readonly Dribble[]): Uint8Array {
  const view = new DataView(mainBytes.buffer, mainBytes.byteOffset, mainBytes.byteLength);
  const il = view.getUint32(8);
  const dl = view.getUint32(12);
  const index = mainBytes.subarray(16, 16 + 16 * il);
  const store = mainBytes.subarray(16 + 16 * il, 16 + 16 * il + dl);
  const entries: Uint8Array[] = [];
  const data: Uint8Array[] = [];
  let offset = dl;
  for (const d of dribbles) {
    const align = TYPE_ALIGN[d.type] ?? 1;
    const pad = (align - (offset % align)) % align;
    if (pad > 0) data.push(new Uint8Array(pad));
    offset += pad;
    const e = Buffer.alloc(16);
    e.writeUInt32BE(d.tag, 0);
    e.writeUInt32BE(d.type, 4);
    e.writeInt32BE(offset, 8);
    e.writeUInt32BE(d.count, 12);
    entries.push(e);
    data.push(d.data);
    offset += d.data.length;
  }
  const head = Buffer.alloc(8);
  head.writeUInt32BE(il + dribbles.length, 0);
  head.writeUInt32BE(offset, 4);
  return Buffer.concat([head, index, ...entries, store, ...data]);
}
