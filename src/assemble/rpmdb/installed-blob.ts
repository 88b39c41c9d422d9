import { RPM_TYPE, SIGTAG, TAG, TYPE_ALIGN, type Header } from '../../rpm/index.js';

/**
 * The header rpm stores in `Packages.blob` for an installed package (rpmdb.md §4): the main
 * header's index entries and data store verbatim (the region, and so the header digests, stay
 * valid), followed by the "dribble" entries rpm adds at install time, sorted by tag, their data
 * appended with type alignment relative to the data-store start. No 8-byte magic.
 */

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
  if (size !== undefined) out.push({ tag: TAG.SIGSIZE, type: RPM_TYPE.INT32, count: 1, data: i32(size) });
  copyRaw(SIGTAG.MD5, TAG.SIGMD5);
  copyRaw(SIGTAG.DSA, TAG.DSAHEADER);
  copyRaw(SIGTAG.RSA, TAG.RSAHEADER);
  copyRaw(SIGTAG.SHA1, TAG.SHA1HEADER);
  copyRaw(SIGTAG.LONGSIZE, TAG.LONGSIGSIZE);
  copyRaw(SIGTAG.LONGARCHIVESIZE, TAG.LONGARCHIVESIZE);
  copyRaw(SIGTAG.SHA256, TAG.SHA256HEADER);
  out.push({ tag: TAG.INSTALLTIME, type: RPM_TYPE.INT32, count: 1, data: i32(values.installTime) });
  if (fileCount > 0) out.push({ tag: TAG.FILESTATES, type: RPM_TYPE.CHAR, count: fileCount, data: new Uint8Array(fileCount) });
  const payloadSize = signature.number(SIGTAG.PAYLOADSIZE);
  if (payloadSize !== undefined) out.push({ tag: TAG.ARCHIVESIZE, type: RPM_TYPE.INT32, count: 1, data: i32(payloadSize) });
  out.push({ tag: TAG.INSTALLCOLOR, type: RPM_TYPE.INT32, count: 1, data: i32(values.installColor) });
  out.push({ tag: TAG.INSTALLTID, type: RPM_TYPE.INT32, count: 1, data: i32(values.installTid) });
  copyRaw(SIGTAG.FILESIGNATURES, TAG.FILESIGNATURES);
  copyRaw(SIGTAG.FILESIGNATURELENGTH, TAG.FILESIGNATURELENGTH);
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
