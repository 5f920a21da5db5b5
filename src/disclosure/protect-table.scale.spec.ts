import fc from 'fast-check';
import { buildPerturbationTable } from './perturbation-table.js';
import { protectTable } from './protect-table.js';
import type { TableInput } from './types.js';

/** A full 3-dimensional table of sizes a×b×c with deterministic pseudo-random counts, margins and total consistent. */
function bigTable(sizes: [number, number, number], seed: number, smallShare: number): TableInput {
  const rng = fc.integer({ min: 0, max: 2 ** 31 - 1 });
  const draws = fc.sample(rng, { seed, numRuns: sizes[0] * sizes[1] * sizes[2] * 2 });
  const cells: TableInput['cells'][number][] = [];
  const margins = sizes.map((n) => Array.from({ length: n }, () => ({ count: 0, keySum: 0 })));
  let i = 0;
  for (let a = 0; a < sizes[0]; a++) {
    for (let b = 0; b < sizes[1]; b++) {
      for (let c = 0; c < sizes[2]; c++) {
        const r = draws[i++] / 2 ** 31;
        const count = r < smallShare ? 1 + (draws[i] % 10) : 11 + (draws[i] % 30);
        const keySum = draws[i++] * 3;
        cells.push({ values: [`c${a}`, 2000 + b, `g${c}`], count, keySum });
        [a, b, c].forEach((v, d) => {
          margins[d][v].count += count;
          margins[d][v].keySum += keySum;
        });
      }
    }
  }
  const value = (d: number, v: number) => (d === 0 ? `c${v}` : d === 1 ? 2000 + v : `g${v}`);
  return {
    dimensions: ['citizenship', 'yearOfRegistration', 'gender'],
    multiValued: [false, false, false],
    cells,
    margins: margins.map((list, d) => list.map((m, v) => ({ value: value(d, v), ...m }))),
    total: {
      count: margins[0].reduce((a, m) => a + m.count, 0),
      keySum: margins[0].reduce((a, m) => a + m.keySum, 0),
    },
  };
}

/** A sparse n×n table with `cells` non-empty cells (a fixed linear congruential sequence), margins and total consistent. */
function sparse2d(n: number, cells: number, smallShare: number, seed: number): TableInput {
  let state = seed;
  const rnd = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const byId = new Map<string, { values: [string, string]; count: number; keySum: number }>();
  while (byId.size < cells) {
    const a = Math.floor(rnd() * n);
    const b = Math.floor(rnd() * n);
    const count = rnd() < smallShare ? 1 + Math.floor(rnd() * 10) : 11 + Math.floor(rnd() * 30);
    byId.set(`${a},${b}`, { values: [`a${a}`, `b${b}`], count, keySum: Math.floor(rnd() * 2 ** 32) });
  }
  const list = [...byId.values()];
  const margins = [0, 1].map(() => new Map<string, { count: number; keySum: number }>());
  for (const c of list) {
    c.values.forEach((v, d) => {
      const e = margins[d].get(v) ?? { count: 0, keySum: 0 };
      e.count += c.count;
      e.keySum += c.keySum;
      margins[d].set(v, e);
    });
  }
  return {
    dimensions: ['citizenship', 'countryOfExploitation'],
    multiValued: [false, false],
    cells: list,
    margins: margins.map((m) => [...m].map(([value, e]) => ({ value, ...e }))),
    total: { count: list.reduce((a, c) => a + c.count, 0), keySum: list.reduce((a, c) => a + c.keySum, 0) },
  };
}

// How long these take is measured by the suppression benchmark in bench/, not asserted here.
describe('protectTable — scale', () => {
  it.each([[0.1], [0.3], [0.9]])(
    'protects a sparse 200×200 table (5,000 cells, share %d small, 402 relations)',
    (smallShare) => {
      const k = 11;
      const input = sparse2d(200, 5000, smallShare, 7);
      const out = protectTable(input, { k, ptable: buildPerturbationTable({ k }) });
      expect(out.summary.relationsChecked).toBe(402);
    },
  );

  it.each([
    [[50, 10, 10], 0.3],
    [[50, 10, 10], 0.05],
    [[200, 25, 1], 0.3],
  ] as [[number, number, number], number][])(
    'protects a %j table (5,000 cells, %d small)',
    (sizes, smallShare) => {
      const k = 11;
      const input = bigTable(sizes, 42, smallShare);
      const out = protectTable(input, { k, ptable: buildPerturbationTable({ k }) });
      expect(out.cells).toHaveLength(5000);
      expect(out.summary.primary).toBeGreaterThan(0);
    },
  );
});
