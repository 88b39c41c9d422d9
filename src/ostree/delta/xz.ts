import { AtollError } from '../../errors/index.js';
import { runProgram } from '../../util/index.js';

/**
 * xz for delta parts, through Debian's `xz` (Node 20 has no lzma; see src/rpm/payload/
 * decompress.ts for why atoll runs the system program rather than a JS port). ostree reads
 * any .xz stream (lzma_stream_decoder), so the preset only changes sizes.
 */
export async function xzCompress(bytes: Uint8Array): Promise<Buffer> {
  const result = await runProgram('xz', ['-c', '-q', '-6', '--threads=1'], { input: bytes });
  if (result.status !== 0) throw new AtollError('DELTA_XZ', `xz failed to compress a delta part: ${result.stderr.trim()}`);
  return result.stdout;
}

export async function xzDecompress(bytes: Uint8Array, where: string): Promise<Buffer> {
  const result = await runProgram('xz', ['-d', '-c', '-q', '--format=xz'], { input: bytes });
  if (result.status !== 0) throw new AtollError('DELTA_CORRUPT', `invalid xz data in static delta ${where}: ${result.stderr.trim()}`);
  return result.stdout;
}
