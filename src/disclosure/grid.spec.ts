import fc from 'fast-check';
import { syntheticTable } from '../../bench/synthetic-table.js';
import { buildModel, lineStats } from './grid.js';

describe('buildModel — latent line totals of a 3-D answer with a multi-valued dimension', () => {
  it('are a table consistent with the answer: rows and columns sum to the margins, each line in its range', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 4, max: 6 }), // a record has up to 3 values: at least 3 real ones and notSpecified
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (a, v, b, multi, records, seed) => {
          const sizes = [a, b, b];
          sizes[multi] = v;
          const { input } = syntheticTable({ sizes, multi, records, seed });
          const m = buildModel(input, 3);
          const L = lineStats(m);
          const [e, f] = [0, 1, 2].filter((d) => d !== multi);
          const rows = new Array<number>(m.sizes[e]).fill(0);
          const cols = new Array<number>(m.sizes[f]).fill(0);
          for (let w = 0; w < L.n; w++) {
            const N = m.lineTotals[w];
            expect(N).toBeGreaterThanOrEqual(L.nsCount[w] + L.max[w]);
            expect(N).toBeLessThanOrEqual(L.nsCount[w] + L.sum[w]);
            const c = m.strides.map((s, d) => Math.floor(L.lineBase[w] / s) % m.sizes[d]);
            rows[c[e]] += N;
            cols[c[f]] += N;
          }
          rows.forEach((n, i) => expect(n).toBe(m.count[m.marginOffset[e] + i]));
          cols.forEach((n, i) => expect(n).toBe(m.count[m.marginOffset[f] + i]));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('lie inside their ranges where the margins allow it (a record can leave a line, or lose a value)', () => {
    // Four lines (e × f), each with one count of each of x, y, z: each line total lies in [1, 3]. The margins
    // (4 records per value of e and of f) leave one degree of freedom, N11 = N22 = 4 - N12 = 4 - N21; the
    // interior choice is 2 everywhere (at 1 or 3 a line could neither lose a record nor a value).
    const line = (a: string, b: string) => ['x', 'y', 'z'].map((v) => ({ values: [a, v, b], count: 1 }));
    const input = {
      dimensions: ['e', 'm', 'f'],
      multiValued: [false, true, false],
      domains: [
        ['a1', 'a2'],
        ['x', 'y', 'z', 'notSpecified'],
        ['b1', 'b2'],
      ],
      cells: [...line('a1', 'b1'), ...line('a1', 'b2'), ...line('a2', 'b1'), ...line('a2', 'b2')],
      margins: [
        [
          { value: 'a1', count: 4 },
          { value: 'a2', count: 4 },
        ],
        ['x', 'y', 'z'].map((value) => ({ value, count: 4 })),
        [
          { value: 'b1', count: 4 },
          { value: 'b2', count: 4 },
        ],
      ],
      total: { count: 8 },
    };
    const m = buildModel(input, 2);
    expect([...m.lineTotals]).toEqual([2, 2, 2, 2]);
  });
});
