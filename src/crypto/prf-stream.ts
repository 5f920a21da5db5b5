import { createHmac, randomBytes } from 'node:crypto';
import { assertKey } from './keys.js';

/** A source of uniform random bits (the interface of src/disclosure's samplers). */
export interface BitSource {
  bits(count: number): bigint;
}

/** Reads bits MSB-first from a refillable byte pool. */
class BytePoolBits implements BitSource {
  private pool: Buffer = Buffer.alloc(0);
  private bitPos = 0;

  constructor(private readonly refill: () => Buffer) {}

  bits(count: number): bigint {
    if (!Number.isInteger(count) || count < 1 || count > 64)
      throw new RangeError('bits: count must be 1..64');
    let out = 0n;
    for (let left = count; left > 0;) {
      if (this.bitPos >= this.pool.length * 8) {
        this.pool = this.refill();
        this.bitPos = 0;
      }
      const byte = this.pool[this.bitPos >> 3];
      const offset = this.bitPos & 7;
      const take = Math.min(left, 8 - offset);
      const chunk = (byte >> (8 - offset - take)) & ((1 << take) - 1);
      out = (out << BigInt(take)) | BigInt(chunk);
      this.bitPos += take;
      left -= take;
    }
    return out;
  }
}

/**
 * A deterministic stream of pseudo-random bits: the PRF HMAC-SHA256 under `key` in counter mode, keyed by
 * `label`. seed = HMAC(key, "ctr-noise-v1|" + label); block i = HMAC(seed, i as 8 bytes big-endian).
 * The same (key, label) always gives the same stream; without the key it is indistinguishable from
 * uniform (HMAC is a PRF), and streams of different labels are independent.
 */
export function prfBitStream(key: Buffer, label: string): BitSource {
  assertKey(key, 'noise PRF key');
  const seed = createHmac('sha256', key).update(`ctr-noise-v1|${label}`, 'utf8').digest();
  let counter = 0n;
  return new BytePoolBits(() => {
    const block = Buffer.alloc(8);
    block.writeBigUInt64BE(counter++);
    return createHmac('sha256', seed).update(block).digest();
  });
}

/** Uniform bits from the operating system's CSPRNG (for measurements and simulations, not for answers). */
export function randomBitSource(): BitSource {
  return new BytePoolBits(() => randomBytes(4096));
}
