import { mulberry32 } from '../src/util/index.js';

/** Seeded random choices over mulberry32, so generated inputs repeat exactly from run to run. */
export class SeededRandom {
  /** A float in [0, 1). */
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  /** Log-normal-ish sizes: most files small, a long tail, like a real OS tree. */
  fileSize(median: number): number {
    const u = Math.max(1e-9, this.next());
    const v = this.next();
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return Math.max(0, Math.round(median * Math.exp(1.3 * normal)));
  }
  bytes(length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    let i = 0;
    for (; i + 4 <= length; i += 4) out.writeUInt32LE((this.next() * 4294967296) >>> 0, i);
    for (; i < length; i++) out[i] = (this.next() * 256) | 0;
    return out;
  }
}
