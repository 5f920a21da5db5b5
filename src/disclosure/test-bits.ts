/**
 * A seeded, deterministic bit source (SplitMix64) for tests and simulations of the pure modules.
 * Not cryptographic: answers draw their bits from the keyed PRF stream of src/crypto.
 */
import type { RandomBits } from './discrete-gaussian.js';

const MASK = (1n << 64n) - 1n;

export function seededBits(seed: number): RandomBits {
  let state = BigInt.asUintN(64, BigInt(seed) * 0x9e3779b97f4a7c15n);
  let pool = 0n;
  let poolBits = 0;
  const next = (): bigint => {
    state = (state + 0x9e3779b97f4a7c15n) & MASK;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
    return z ^ (z >> 31n);
  };
  return {
    bits(count: number): bigint {
      if (poolBits < count) {
        pool = (pool << 64n) | next();
        poolBits += 64;
      }
      poolBits -= count;
      const out = pool >> BigInt(poolBits);
      pool &= (1n << BigInt(poolBits)) - 1n;
      return out;
    },
  };
}
