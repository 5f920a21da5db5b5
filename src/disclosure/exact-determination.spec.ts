import { determinedModP, determinedUnknowns, PRIMES } from './exact-determination.js';
import type { UnknownRow } from './unknown-system.js';

const row = (terms: [number, 1 | -1][], constant = 0): UnknownRow => ({ terms, constant });

describe('determinedUnknowns', () => {
  it('a lone unknown in a relation is determined', () => {
    expect(determinedUnknowns([row([[7, 1]], 3)])).toEqual(new Set([7]));
  });

  it('two unknowns sharing one relation are not determined', () => {
    expect(
      determinedUnknowns([
        row(
          [
            [1, 1],
            [2, 1],
          ],
          5,
        ),
      ]),
    ).toEqual(new Set());
  });

  it('a 2×2 rectangle (rows and columns) is not determined', () => {
    const rows = [
      row([
        [0, 1],
        [1, 1],
      ]),
      row([
        [2, 1],
        [3, 1],
      ]),
      row([
        [0, 1],
        [2, 1],
      ]),
      row([
        [1, 1],
        [3, 1],
      ]),
    ];
    expect(determinedUnknowns(rows)).toEqual(new Set());
  });

  it('an L of three cells is determined (corner from its row, the others from their columns)', () => {
    const rows = [
      row([
        [0, 1],
        [1, 1],
      ]),
      row([
        [0, 1],
        [2, 1],
      ]),
      row([[1, 1]]),
      row([[2, 1]]),
    ];
    expect(determinedUnknowns(rows)).toEqual(new Set([0, 1, 2]));
  });

  it('finds a determined unknown that no single relation isolates (needs elimination)', () => {
    // x0 + x1 = a, x1 + x2 = b, x0 + x2 = c  → x0 = (a - b + c)/2 : all determined over the rationals
    const rows = [
      row([
        [0, 1],
        [1, 1],
      ]),
      row([
        [1, 1],
        [2, 1],
      ]),
      row([
        [0, 1],
        [2, 1],
      ]),
    ];
    expect(determinedUnknowns(rows)).toEqual(new Set([0, 1, 2]));
  });

  it('treats independent components separately', () => {
    const rows = [
      row([
        [0, 1],
        [1, 1],
      ]),
      row([[5, 1]]),
      row([
        [8, 1],
        [9, -1],
      ]),
    ];
    expect(determinedUnknowns(rows)).toEqual(new Set([5]));
  });

  it('the primes are distinct, below 2^26 (exact products) and prime', () => {
    const isPrime = (n: number) => {
      for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
      return n > 1;
    };
    expect(new Set(PRIMES).size).toBe(PRIMES.length);
    for (const p of PRIMES) {
      expect(p).toBeLessThan(2 ** 26);
      expect(isPrime(p)).toBe(true);
    }
  });

  it('modulo a prime dividing a denominator a determination can be missed — why two large primes are used', () => {
    // x0 + x1 = a, x1 + x2 = b, x0 + x2 = c has determinant 2: mod 2 it is rank-deficient and would
    // (wrongly) report nothing determined; mod the large primes all three are found.
    const rows = [
      row([
        [0, 1],
        [1, 1],
      ]),
      row([
        [1, 1],
        [2, 1],
      ]),
      row([
        [0, 1],
        [2, 1],
      ]),
    ];
    const columnOf = new Map([
      [0, 0],
      [1, 1],
      [2, 2],
    ]);
    expect(determinedModP(rows, columnOf, 3, PRIMES[0])).toEqual([true, true, true]);
    expect(determinedModP(rows, columnOf, 3, 2)).toEqual([false, false, false]);
  });
});
