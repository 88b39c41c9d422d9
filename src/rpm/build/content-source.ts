/**
 * File content that is produced when the payload is written, not held in memory: a declared
 * `{ size, fill }` file of 4 GiB + 1 byte costs one 1 MiB block, so real large-file packages
 * (LONGFILESIZES, the stripped cpio format) can be built without 4 GiB of RAM.
 */
export interface ContentSource {
  readonly size: number;
  /** The content in order; chunks may be reused buffers, so consume each before the next. */
  chunks(): Iterable<Uint8Array>;
}

export function bytesSource(bytes: Uint8Array): ContentSource {
  return { size: bytes.length, chunks: () => (bytes.length === 0 ? [] : [bytes]) };
}

const BLOCK = 1024 * 1024;

/** `size` bytes repeating `pattern` (empty pattern = zeros). */
export function fillSource(size: number, pattern: Uint8Array): ContentSource {
  const unit = pattern.length === 0 ? new Uint8Array(1) : pattern;
  // One block holding a whole number of pattern repetitions, so every block starts in phase.
  const reps = Math.max(1, Math.floor(BLOCK / unit.length));
  const blockLength = reps * unit.length;
  return {
    size,
    *chunks() {
      if (size === 0) return;
      const block = new Uint8Array(Math.min(blockLength, Math.ceil(size / unit.length) * unit.length));
      for (let i = 0; i < block.length; i += unit.length) block.set(unit, i);
      let left = size;
      while (left > 0) {
        const n = Math.min(left, block.length);
        yield block.subarray(0, n);
        left -= n;
      }
    },
  };
}

/** The whole content in one buffer (for small sources and tests). */
export function readAll(source: ContentSource): Uint8Array {
  const out = new Uint8Array(source.size);
  let at = 0;
  for (const chunk of source.chunks()) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
