import { AtollError } from '../../errors/index.js';
import {
  ObjectType,
  contentChecksum,
  decodeCommitMeta,
  decodeDirMeta,
  decodeDirTree,
  sha256Hex,
  xattrsFromGVariant,
  isMetadataObject,
  type FileHeader,
} from '../objects/index.js';
import { bspatch } from './bsdiff.js';
import { DeltaOp, decodePartPayload, readVarUint, type DeltaPartHeader, type PartPayload } from './delta-format.js';
import { xzDecompress } from './xz.js';

/**
 * Executing static-delta parts (ostree-repo-static-delta-processing.c): open a part file
 * (checksum, compression byte, payload), then run its opcode stream, writing each object it
 * produces through a sink after verifying it (metadata re-hashed and decoded, content re-hashed
 * with its header), so a corrupt or hostile delta never writes an object under a wrong name.
 */

/** Where executed objects go (a transaction for apply-offline, the pull target for pulls). */
export interface DeltaObjectSink {
  has(checksum: string, type: ObjectType): Promise<boolean>;
  /** Verified bytes of a metadata object. */
  writeMetadata(type: ObjectType, checksum: string, bytes: Uint8Array): Promise<void>;
  /** A verified content object (data empty for symlinks). */
  writeContent(checksum: string, header: FileHeader, data: Uint8Array): Promise<void>;
  /** The data of a regular-file content object already in the repository (bsdiff/rollsum source). */
  readContentData(checksum: string): Promise<Uint8Array>;
}

export interface PartStats {
  metadata: number;
  content: number;
  contentBytes: number;
}

/** Checks a part file against its header checksum and decompresses its payload. */
export async function openDeltaPart(bytes: Uint8Array, expectedChecksum: string | undefined, where: string): Promise<PartPayload> {
  if (expectedChecksum !== undefined) {
    const actual = sha256Hex(bytes);
    if (actual !== expectedChecksum) {
      throw new AtollError('DELTA_CHECKSUM', `Checksum mismatch for static delta ${where}: expected ${expectedChecksum}, actual ${actual}`, {
        data: { expected: expectedChecksum, actual },
      });
    }
  }
  if (bytes.length === 0) throw new AtollError('DELTA_CORRUPT', `empty static delta ${where}`);
  const comp = bytes[0] as number;
  let payload: Uint8Array;
  if (comp === 0) payload = bytes.subarray(1);
  else if (comp === 0x78) payload = await xzDecompress(bytes.subarray(1), where);
  else throw new AtollError('DELTA_CORRUPT', `Invalid compression type '${comp}' in static delta ${where}`);
  return decodePartPayload(payload, where);
}

function verifyMetadata(type: ObjectType, checksum: string, bytes: Uint8Array, where: string): void {
  const actual = sha256Hex(bytes);
  if (actual !== checksum) {
    throw new AtollError('DELTA_CHECKSUM', `Corrupted metadata object in static delta ${where}; checksum expected='${checksum}' actual='${actual}'`, { data: { checksum, actual } });
  }
  try {
    if (type === ObjectType.DirTree) decodeDirTree(bytes);
    else if (type === ObjectType.DirMeta) decodeDirMeta(bytes);
    else if (type === ObjectType.CommitMeta) decodeCommitMeta(bytes);
  } catch (error) {
    throw new AtollError('DELTA_CORRUPT', `invalid ${type} object ${checksum} in static delta ${where}: ${(error as Error).message}`, { cause: error });
  }
}

/** Runs a part's operations; every object named in `header.objects` must be written, in order. */
export async function executeDeltaPart(sink: DeltaObjectSink, header: Pick<DeltaPartHeader, 'objects'>, part: PartPayload, where: string): Promise<PartStats> {
  const { ops, blob } = part;
  const stats: PartStats = { metadata: 0, content: 0, contentBytes: 0 };
  const bad = (why: string): AtollError => new AtollError('DELTA_CORRUPT', `invalid static delta ${where}: ${why}`);
  let pos = 0;
  let index = 0;
  let readSource: Uint8Array | undefined;
  let current: { checksum: string; header: FileHeader; size: number; chunks: Uint8Array[]; length: number; skip: boolean } | undefined;
  const varint = (): number => {
    const r = readVarUint(ops, pos);
    if (r === undefined) throw bad(`truncated operation stream at offset ${pos}`);
    pos = r.next;
    return r.value;
  };
  const slice = (offset: number, length: number): Uint8Array => {
    if (offset + length > blob.length) throw bad(`out of range: offset ${offset} length ${length} beyond payload of ${blob.length} bytes`);
    return blob.subarray(offset, offset + length);
  };
  const target = (): { type: ObjectType; checksum: string } => {
    const object = header.objects[index];
    if (object === undefined) throw bad('more objects written than the part header lists');
    return { type: object.type as ObjectType, checksum: object.checksum };
  };
  const contentHeader = (): FileHeader => {
    const modeIndex = varint();
    const xattrIndex = varint();
    const mode = part.modes[modeIndex];
    const xattrs = part.xattrs[xattrIndex];
    if (mode === undefined) throw bad(`mode index ${modeIndex} out of range`);
    if (xattrs === undefined) throw bad(`xattr index ${xattrIndex} out of range`);
    return { uid: mode.uid, gid: mode.gid, mode: mode.mode, rdev: 0, symlinkTarget: '', xattrs: xattrsFromGVariant(xattrs, where) };
  };
  const finishContent = async (checksum: string, header: FileHeader, data: Uint8Array): Promise<void> => {
    const actual = contentChecksum(header, data);
    if (actual !== checksum) {
      throw new AtollError('DELTA_CHECKSUM', `Corrupted file object in static delta ${where}; checksum expected='${checksum}' actual='${actual}'`, { data: { checksum, actual } });
    }
    await sink.writeContent(checksum, header, data);
    stats.content++;
    stats.contentBytes += data.length;
  };
  while (pos < ops.length) {
    const op = ops[pos++] as number;
    switch (op) {
      case DeltaOp.OpenSpliceAndClose: {
        const { type, checksum } = target();
        if (isMetadataObject(type)) {
          const length = varint();
          const offset = varint();
          const bytes = slice(offset, length);
          if (!(await sink.has(checksum, type))) {
            verifyMetadata(type, checksum, bytes, where);
            await sink.writeMetadata(type, checksum, bytes);
            stats.metadata++;
          }
        } else {
          const hdr = contentHeader();
          const size = varint();
          const offset = varint();
          const bytes = slice(offset, size);
          if (!(await sink.has(checksum, ObjectType.File))) {
            const fmt = hdr.mode & 0o170000;
            if (fmt === 0o120000) await finishContent(checksum, { ...hdr, symlinkTarget: Buffer.from(bytes).toString('utf8') }, new Uint8Array(0));
            else if (fmt === 0o100000) await finishContent(checksum, hdr, bytes);
            else throw bad(`object ${checksum} has mode ${hdr.mode.toString(8)}, not a regular file or symlink`);
          }
        }
        index++;
        break;
      }
      case DeltaOp.Open: {
        const { type, checksum } = target();
        if (type !== ObjectType.File) throw bad(`open of a ${type} object`);
        if (current) throw bad('open while another object is open');
        const hdr = contentHeader();
        if ((hdr.mode & 0o170000) !== 0o100000) throw bad(`open of object ${checksum}, which is not a regular file`);
        const size = varint();
        current = { checksum, header: hdr, size, chunks: [], length: 0, skip: await sink.has(checksum, ObjectType.File) };
        break;
      }
      case DeltaOp.Write: {
        const length = varint();
        const offset = varint();
        if (!current) throw bad('write without an open object');
        let bytes: Uint8Array;
        if (readSource) {
          if (offset + length > readSource.length) throw bad(`write beyond the read source (offset ${offset} length ${length})`);
          bytes = readSource.subarray(offset, offset + length);
        } else {
          bytes = slice(offset, length);
        }
        if (current.length + bytes.length > current.size) throw bad(`object ${current.checksum} receives more than its ${current.size} bytes`);
        current.chunks.push(bytes);
        current.length += bytes.length;
        break;
      }
      case DeltaOp.SetReadSource: {
        const offset = varint();
        const source = Buffer.from(slice(offset, 32)).toString('hex');
        readSource = await sink.readContentData(source);
        break;
      }
      case DeltaOp.UnsetReadSource:
        readSource = undefined;
        break;
      case DeltaOp.Close: {
        if (current) {
          const object = current;
          current = undefined;
          if (!object.skip) {
            if (object.length !== object.size) throw bad(`object ${object.checksum} got ${object.length} of its ${object.size} bytes`);
            await finishContent(object.checksum, object.header, Buffer.concat(object.chunks));
          }
        }
        index++;
        break;
      }
      case DeltaOp.Bspatch: {
        const offset = varint();
        const length = varint();
        if (!current) throw bad('bspatch without an open object');
        if (!readSource) throw bad('No read source for bspatch');
        if (current.length !== 0) throw bad('bspatch into a partly written object');
        const out = current.skip ? new Uint8Array(0) : bspatch(readSource, slice(offset, length), current.size);
        current.chunks.push(out);
        current.length += current.skip ? current.size : out.length;
        break;
      }
      default:
        throw bad(`unknown opcode ${op} at offset ${pos - 1}`);
    }
  }
  if (current) throw bad(`object ${current.checksum} left open`);
  if (index !== header.objects.length) throw bad(`wrote ${index} of the ${header.objects.length} objects its header lists`);
  return stats;
}
