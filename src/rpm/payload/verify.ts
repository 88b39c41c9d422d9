import { isAtollError } from '../../errors/index.js';
import { verifyHeaderDigest } from '../header/index.js';
import { readRpmFile } from './read-rpm-file.js';
import { readPayloadFiles } from './payload-files.js';
import { payloadCpioStream, type PayloadIntegrity } from './payload-stream.js';

export interface VerifyReport {
  ok: boolean;
  /** Checks that passed: header-sha256/header-sha1, size, payload-digest, md5, payload-digest-alt, archive-size, file-digests. */
  checked: string[];
  warnings: string[];
  error: { code: string; message: string } | null;
}

/**
 * Everything `rpm -K` checks short of OpenPGP signatures, plus what an install checks (file
 * digests, payload structure). Reads the whole file once, streaming. Never throws for a
 * corrupt package: the failure is in the report.
 */
export async function verifyRpmFile(path: string): Promise<VerifyReport> {
  const checked: string[] = [];
  const warnings: string[] = [];
  try {
    const { headers, pkg } = await readRpmFile(path, { verifyHeaderDigest: false });
    const algo = verifyHeaderDigest(headers.signature, headers.main.blob.bytes);
    if (algo) checked.push(`header-${algo}`);
    const integrity: PayloadIntegrity = { checked, warnings, compressedBytes: 0, archiveBytes: 0 };
    const cpio = payloadCpioStream(path, pkg, { mainHeader: headers.main.blob.bytes, payloadStart: headers.payloadStart, integrity, digests: 'all' });
    for await (const f of readPayloadFiles(pkg, cpio, { verifyFileDigests: true })) {
      for await (const _ of f.body) void _;
    }
    if (pkg.files.some((f) => f.digest !== '')) checked.push('file-digests');
    return { ok: true, checked, warnings, error: null };
  } catch (error) {
    if (!isAtollError(error)) throw error;
    return { ok: false, checked, warnings, error: { code: error.code, message: error.message } };
  }
}
