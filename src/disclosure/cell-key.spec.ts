import fc from 'fast-check';
import { cellKey, reduceKeySum } from './cell-key.js';

describe('cellKey', () => {
  it.each([
    [0, 0],
    [1, 1 / 2 ** 32],
    [2 ** 32 - 1, (2 ** 32 - 1) / 2 ** 32],
    [2 ** 32, 0],
    [2 ** 32 + 5, 5 / 2 ** 32],
    [2 ** 53 - 1, (2 ** 32 - 1) / 2 ** 32],
    [-1, (2 ** 32 - 1) / 2 ** 32],
  ])('cellKey(%d) = %d', (keySum, expected) => {
    expect(cellKey(keySum)).toBe(expected);
  });

  it('reduces any safe-integer key sum exactly mod 2^32 into [0, 1)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.maxSafeInteger(), fc.integer()), (keySum) => {
        const key = cellKey(keySum);
        expect(key).toBeGreaterThanOrEqual(0);
        expect(key).toBeLessThan(1);
        expect(BigInt(key * 2 ** 32)).toBe(BigInt.asUintN(32, BigInt(keySum)));
      }),
    );
  });

  it('is the key of the sum of record keys: adding a multiple of 2^32 never changes it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 2 ** 20 }), (r, q) => {
        expect(cellKey(r + q * 2 ** 32)).toBe(cellKey(r));
      }),
    );
  });

  it.each([[1.5], [Number.NaN], [Infinity], [2 ** 53]])('rejects %d (not a safe integer)', (bad) => {
    expect(() => reduceKeySum(bad)).toThrow(RangeError);
  });
});
