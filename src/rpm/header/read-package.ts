import { createHash } from 'node:crypto';
import { AtollError } from '../../errors/index.js';
import { Header, readHeaderBlob } from './header-blob.js';
import { signaturePadding } from './header-encode.js';
import { LEAD_SIZE, readLead, type Lead } from './lead.js';
import { RPM_TYPE, SIGTAG } from './tags.js';
import { decodePackage } from './decode-package.js';
import type { RpmHeaderPackage } from './rpm-header-package.js';

/**
 * Reading the non-payload part of a package file: lead, signature header (+ padding), main
 * header; signature values checked for shape and the header digest verified (rpm -qp does the
 * same before it trusts a header). The payload is not touched.
 */

export interface RpmHeaders {
  lead: Lead;
  signature: Header;
  main: Header;
  /** File offset of the main header and of the payload. */
  headerStart: number;
  payloadStart: number;
}

export interface ReadHeadersOptions {
  /** Verify SHA256HEADER (or SHA1HEADER when absent). Default true. */
  verifyHeaderDigest?: boolean;
}

const HEX = /^[0-9a-f]+$/;

function sigBad(message: string, tag: number): AtollError {
  return new AtollError('RPM_SIG_HEADER_BAD', `signature header: ${message}`, { data: { tag } });
}

/** rpm's rpmvs tag checks: digest strings of the right length, MD5 16 bytes, sizes integers. */
function checkSignatureValues(sig: Header): void {
  const expectHex = (tag: number, name: string, length: number): void => {
    const e = sig.entry(tag);
    if (!e) return;
    if (e.type !== RPM_TYPE.STRING) throw sigBad(`${name} has type ${e.type}, expected a string`, tag);
    const value = sig.string(tag)!;
    if (value.length !== length || !HEX.test(value.toLowerCase())) throw sigBad(`${name} is not ${length} hex digits`, tag);
  };
  expectHex(SIGTAG.SHA1, 'SHA1', 40);
  expectHex(SIGTAG.SHA256, 'SHA256', 64);
  const md5 = sig.entry(SIGTAG.MD5);
  if (md5 && (md5.type !== RPM_TYPE.BIN || md5.count !== 16)) throw sigBad('MD5 is not 16 bytes', SIGTAG.MD5);
  for (const [tag, type, name] of [
    [SIGTAG.SIZE, RPM_TYPE.INT32, 'SIZE'],
    [SIGTAG.PAYLOADSIZE, RPM_TYPE.INT32, 'PAYLOADSIZE'],
    [SIGTAG.LONGSIZE, RPM_TYPE.INT64, 'LONGSIZE'],
    [SIGTAG.LONGARCHIVESIZE, RPM_TYPE.INT64, 'LONGARCHIVESIZE'],
  ] as const) {
    const e = sig.entry(tag);
    if (e && (e.type !== type || e.count !== 1)) throw sigBad(`${name} has type ${e.type} count ${e.count}`, tag);
  }
  for (const [tag, name] of [
    [SIGTAG.RSA, 'RSA'],
    [SIGTAG.DSA, 'DSA'],
    [SIGTAG.PGP, 'PGP'],
    [SIGTAG.GPG, 'GPG'],
  ] as const) {
    const e = sig.entry(tag);
    if (e && e.type !== RPM_TYPE.BIN) throw sigBad(`${name} has type ${e.type}, expected BIN`, tag);
  }
}

/** Bytes needed to hold lead + signature + padding + main header, given a prefix of the file (or undefined when more is needed to tell). */
export function rpmHeadersLength(prefix: Uint8Array): number | undefined {
  const need = (n: number): boolean => prefix.length >= n;
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  if (!need(LEAD_SIZE + 16)) return undefined;
  const sigLength = 16 + 16 * view.getUint32(LEAD_SIZE + 8) + view.getUint32(LEAD_SIZE + 12);
  const headerStart = LEAD_SIZE + sigLength + signaturePadding(sigLength);
  if (!need(headerStart + 16)) return headerStart + 16;
  return headerStart + 16 + 16 * view.getUint32(headerStart + 8) + view.getUint32(headerStart + 12);
}

/** Parse and validate the headers at the start of `input` (which may hold the whole file or just the headers). */
export function readRpmHeaders(input: Uint8Array, options: ReadHeadersOptions = {}): RpmHeaders {
  const lead = readLead(input);
  const sigBlob = readHeaderBlob(input, LEAD_SIZE, 'signature');
  const signature = new Header(sigBlob);
  checkSignatureValues(signature);
  const headerStart = LEAD_SIZE + sigBlob.byteLength + signaturePadding(sigBlob.byteLength);
  if (input.length < headerStart) {
    throw new AtollError('RPM_HEADER_BAD', `main header: truncated: file ends in the signature padding at ${input.length}`);
  }
  // rpm reads the padding without looking at it; so do we.
  const mainBlob = readHeaderBlob(input, headerStart, 'main');
  const main = new Header(mainBlob);
  const payloadStart = headerStart + mainBlob.byteLength;
  if (options.verifyHeaderDigest !== false) verifyHeaderDigest(signature, mainBlob.bytes);
  return { lead, signature, main, headerStart, payloadStart };
}

/**
 * SHA256 of the main header bytes against the signature's SHA256 (SHA1 when SHA256 is absent):
 * the check rpm makes on every read. Returns the algorithm used, or null when the package
 * carries no header digest (pre-4.0 packages: no integrity at all).
 */
export function verifyHeaderDigest(signature: Header, mainBytes: Uint8Array): 'sha256' | 'sha1' | null {
  for (const [tag, algo] of [
    [SIGTAG.SHA256, 'sha256'],
    [SIGTAG.SHA1, 'sha1'],
  ] as const) {
    const expected = signature.string(tag);
    if (expected === undefined) continue;
    const actual = createHash(algo).update(mainBytes).digest('hex');
    if (actual !== expected.toLowerCase()) {
      throw new AtollError('RPM_DIGEST_MISMATCH', `header ${algo.toUpperCase()} digest mismatch: expected ${expected}, got ${actual}`, {
        hint: 'the package header is corrupt or was modified',
        data: { algo, expected, actual },
      });
    }
    return algo;
  }
  return null;
}

/** Headers → package model in one call (bytes must hold at least the headers). */
export function readRpmPackage(input: Uint8Array, options: ReadHeadersOptions = {}): { headers: RpmHeaders; pkg: RpmHeaderPackage } {
  const headers = readRpmHeaders(input, options);
  const pkg = decodePackage(headers.signature, headers.main, {
    headerStart: headers.headerStart,
    payloadStart: headers.payloadStart,
    leadMajor: headers.lead.major,
  });
  return { headers, pkg };
}
