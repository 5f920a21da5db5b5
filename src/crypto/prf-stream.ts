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
    if (count <= 32) return BigInt(this.upTo32(count));
    // The first (count - 32) bits are the high part: the same bits, in the same order, as one read.
    const high = this.upTo32(count - 32);
    return (BigInt(high) << 32n) | BigInt(this.upTo32(32));
  }

  /** The next `count` (1..32) bits as an unsigned 32-bit integer (bitwise operations only). */
  private upTo32(count: number): number {
    let out = 0;
    for (let left = count; left > 0;) {
      if (this.bitPos >= this.pool.length * 8) {
        this.pool = this.refill();
        this.bitPos = 0;
      }
      const byte = this.pool[this.bitPos >> 3];
      const offset = this.bitPos & 7;
      const take = Math.min(left, 8 - offset);
      const chunk = (byte >> (8 - offset - take)) & ((1 << take) - 1);
      // `out` holds at most 32 - take bits here, so the shift loses nothing; >>> 0 reads it unsigned.
      out = ((out << take) | chunk) >>> 0;
      this.bitPos += take;
      left -= take;
    }
    return out;
  }
}

const PREFIX = Buffer.from('ctr-noise-v2|', 'utf8');

/**
 * A deterministic stream of pseudo-random bits: the PRF HMAC-SHA256 under `key` in counter mode, keyed by
 * `label`: block i = HMAC(key, "ctr-noise-v2|" ‖ i as 8 bytes big-endian ‖ label as UTF-8). The prefix has a
 * fixed length, so distinct (i, label) are distinct inputs. The same (key, label) always gives the same
 * stream; without the key it is indistinguishable from uniform (HMAC is a PRF), and streams of different
 * labels are independent. One HMAC per 256 bits: a discrete Gaussian draw at σ = 10 takes about 70 bits, so
 * one HMAC per released count (v1 derived a per-label seed first: two).
 */
export function prfBitStream(key: Buffer, label: string): BitSource {
  assertKey(key, 'noise PRF key');
  const suffix = Buffer.from(label, 'utf8');
  const counter = Buffer.alloc(8);
  let next = 0n;
  return new BytePoolBits(() => {
    counter.writeBigUInt64BE(next++);
    return createHmac('sha256', key).update(PREFIX).update(counter).update(suffix).digest();
  });
}

/** Uniform bits from the operating system's CSPRNG (for measurements and simulations, not for answers). */
export function randomBitSource(): BitSource {
  return new BytePoolBits(() => randomBytes(4096));
}
