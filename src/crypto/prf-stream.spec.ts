import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { prfBitStream, randomBitSource } from './prf-stream.js';

const key = Buffer.alloc(32, 7);
const take = (source: { bits(n: number): bigint }, n: number) =>
  Array.from({ length: n }, () => source.bits(13).toString(16)).join(',');

describe('keyed PRF bit stream', () => {
  it('is deterministic for the same key and label, and differs for another label or key', () => {
    expect(take(prfBitStream(key, 'q|v1'), 50)).toBe(take(prfBitStream(key, 'q|v1'), 50));
    expect(take(prfBitStream(key, 'q|v1'), 50)).not.toBe(take(prfBitStream(key, 'q|v2'), 50));
    expect(take(prfBitStream(Buffer.alloc(32, 8), 'q|v1'), 50)).not.toBe(take(prfBitStream(key, 'q|v1'), 50));
  });

  it('reads bits MSB-first across block boundaries, so any split of the stream gives the same bits', () => {
    const a = prfBitStream(key, 'split');
    const b = prfBitStream(key, 'split');
    let left = 0n;
    for (let i = 0; i < 100; i++) left = (left << 64n) | a.bits(64);
    let right = 0n;
    for (let i = 0; i < 800; i++) right = (right << 8n) | b.bits(8);
    expect(left).toBe(right);
  });

  it('looks uniform: about half the bits are set', () => {
    for (const source of [prfBitStream(key, 'u'), randomBitSource()]) {
      let ones = 0;
      for (let i = 0; i < 20_000; i++) ones += Number(source.bits(1));
      expect(Math.abs(ones - 10_000)).toBeLessThan(500);
    }
  });

  it('refuses a key of the wrong length and a bad bit count', () => {
    expect(() => prfBitStream(Buffer.alloc(16), 'x')).toThrow();
    expect(() => prfBitStream(key, 'x').bits(0)).toThrow(RangeError);
    expect(() => prfBitStream(key, 'x').bits(65)).toThrow(RangeError);
  });
});

describe('keyed PRF bit stream: construction', () => {
  const block = (i: number, label: string) => {
    const counter = Buffer.alloc(8);
    counter.writeBigUInt64BE(BigInt(i));
    return createHmac('sha256', key)
      .update(Buffer.concat([Buffer.from('ctr-noise-v2|'), counter, Buffer.from(label, 'utf8')]))
      .digest();
  };

  it('is HMAC-SHA256(key, "ctr-noise-v2|" ‖ counter (8 bytes, big-endian) ‖ label), read MSB-first', () => {
    for (const label of ['q|v1|cells:["PH",2021]', 'é|total', '']) {
      const source = prfBitStream(key, label);
      const expected = Buffer.concat([block(0, label), block(1, label), block(2, label)]);
      const read: string[] = [];
      for (let i = 0; i < 96; i++) read.push(source.bits(8).toString(16).padStart(2, '0'));
      expect(read.join('')).toBe(expected.toString('hex'));
    }
  });

  it('any mix of read sizes (1..64 bits) gives the same bits as reading them one by one', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 40 }), (sizes) => {
        const mixed = prfBitStream(key, 'mix');
        const single = prfBitStream(key, 'mix');
        for (const size of sizes) {
          let bits = 0n;
          for (let i = 0; i < size; i++) bits = (bits << 1n) | single.bits(1);
          expect(mixed.bits(size)).toBe(bits);
        }
      }),
    );
  });
});
