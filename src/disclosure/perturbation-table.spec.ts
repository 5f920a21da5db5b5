import fc from 'fast-check';
import { cellKey } from './cell-key.js';
import { buildPerturbationTable, perturb, type PerturbationTable } from './perturbation-table.js';

const KEYS = Array.from({ length: 4096 }, (_, i) => (i + 0.5) / 4096).concat([0, 1 - 2 ** -32]);

function rowMean(row: PerturbationTable['rows'][number]): number {
  return row.values.reduce((acc, v, i) => acc + v * row.probabilities[i], 0);
}
function rowVariance(row: PerturbationTable['rows'][number]): number {
  return row.values.reduce((acc, v, i) => acc + v * v * row.probabilities[i], 0);
}

describe('buildPerturbationTable', () => {
  const configs = [
    { k: 11, maxPerturbation: 3, variance: 2 },
    { k: 2, maxPerturbation: 2, variance: 1 },
    { k: 5, maxPerturbation: 5, variance: 3 },
    { k: 11, maxPerturbation: 1, variance: 0.5 },
  ];

  it('defaults to D = 3, V = 2 and derives a deterministic id from the parameters', () => {
    const t = buildPerturbationTable({ k: 11 });
    expect(t).toMatchObject({ id: 'ctr-ckm-v1-k11-D3-V2', k: 11, maxPerturbation: 3, variance: 2, js: 10 });
    expect(buildPerturbationTable({ k: 11, maxPerturbation: 3, variance: 2 }).id).toBe(t.id);
    expect(buildPerturbationTable({ k: 5, maxPerturbation: 2, variance: 1.5 }).id).toBe(
      'ctr-ckm-v1-k5-D2-V1.5',
    );
  });

  it('has one row per count k..k+D-1 and one shared row for counts >= k+D', () => {
    const t = buildPerturbationTable({ k: 11 });
    expect(t.rows.map((r) => [r.fromCount, r.toCount])).toEqual([
      [11, 11],
      [12, 12],
      [13, 13],
      [14, null],
    ]);
  });

  it.each(configs)(
    'exhaustively over counts 0..200 and many cell keys (%j): zero stays zero, |noise| <= D, nothing lands in 1..js',
    (params) => {
      const t = buildPerturbationTable(params);
      const violations: string[] = [];
      for (let c = 0; c <= 200; c++) {
        for (const key of KEYS) {
          const n = t.noise(c, key);
          const ok =
            Number.isInteger(n) &&
            (c < t.k
              ? n === 0
              : Math.abs(n) <= Math.min(t.maxPerturbation, c - t.k) && c + n >= t.k && c + n > t.js);
          if (!ok) violations.push(`noise(${c}, ${key}) = ${n}`);
        }
      }
      expect(violations).toEqual([]);
    },
  );

  it.each(configs)('every row has mean exactly 0 and is symmetric (%j)', (params) => {
    const t = buildPerturbationTable(params);
    for (const row of t.rows) {
      expect(Math.abs(rowMean(row))).toBeLessThanOrEqual(1e-12);
      const n = row.values.length;
      row.probabilities.forEach((p, i) => expect(p).toBe(row.probabilities[n - 1 - i]));
      expect(row.cumulative[n - 1]).toBe(2 ** 32);
      expect(row.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
  });

  it.each(configs)(
    'row variance is V where the truncation allows, else the most it allows (%j)',
    (params) => {
      const t = buildPerturbationTable(params);
      t.rows.forEach((row, m) => {
        expect(rowVariance(row)).toBeCloseTo(Math.min(params.variance, m * m), 6);
      });
    },
  );

  it('count k gets noise 0 for every cell key', () => {
    const t = buildPerturbationTable({ k: 11 });
    expect(new Set(KEYS.map((key) => t.noise(11, key)))).toEqual(new Set([0]));
  });

  it('the noise of a large count averages to ~0 over a fine uniform grid of cell keys', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 2, max: 15 }), (c, k) => {
        const t = buildPerturbationTable({ k });
        const N = 1 << 14;
        let sum = 0;
        for (let i = 0; i < N; i++) sum += t.noise(c, i / N);
        expect(Math.abs(sum / N)).toBeLessThan(1e-3);
      }),
      { numRuns: 50 },
    );
  });

  it('no averaging attack: the same (count, keySum) always gives the same released count', () => {
    const t = buildPerturbationTable({ k: 11 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.maxSafeInteger(), (count, keySum) => {
        const first = perturb(t, { count, keySum });
        const again = Array.from({ length: 5 }, () =>
          perturb(buildPerturbationTable({ k: 11 }), { count, keySum }),
        );
        expect(again).toEqual(Array(5).fill(first));
        expect(first).toBe(count + t.noise(count, cellKey(keySum)));
      }),
    );
  });

  it('different key sums give varied noise (every value -D..D occurs for a large count)', () => {
    const t = buildPerturbationTable({ k: 11 });
    const seen = new Set<number>();
    for (let keySum = 0; keySum < 2 ** 32; keySum += 7_919_993) seen.add(t.noise(100, cellKey(keySum)));
    expect([...seen].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
  });

  it.each([
    [{ k: 0 }],
    [{ k: 1.5 }],
    [{ k: 11, maxPerturbation: -1 }],
    [{ k: 11, maxPerturbation: 1.5 }],
    [{ k: 11, variance: -1 }],
    [{ k: 11, variance: Number.NaN }],
  ])('rejects invalid parameters %j', (params) => {
    expect(() => buildPerturbationTable(params)).toThrow(RangeError);
  });

  it.each([
    [-1, 0.5],
    [1.5, 0.5],
    [20, 1],
    [20, -0.1],
    [20, Number.NaN],
  ])('noise(%d, %d) rejects invalid inputs', (count, key) => {
    expect(() => buildPerturbationTable({ k: 11 }).noise(count, key)).toThrow(RangeError);
  });
});
