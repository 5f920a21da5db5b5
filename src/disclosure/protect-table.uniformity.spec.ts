import fc from 'fast-check';
import { gridTable } from '../../test/disclosure-grid.js';
import { DisclosureRefusal } from './errors.js';
import { protectTraced } from './protect-table.js';
import type { ProtectedTable, TableInput } from './types.js';

/**
 * What the exact check (step 2 of protectTable) costs in uniformity: on random 2-D answers with zeros, small
 * counts and counts of k and more, how often it changes the uniform pattern, and that where it does not, a
 * reader cannot tell a zero from a small count by anything the answer lists.
 */
const K = 5;

const table = gridTable;

/** Everything a reader sees of the pattern: per listed member (true count >= k), whether it is withheld. */
function visible(input: TableInput, out: ProtectedTable): string[] {
  const seen: string[] = [];
  input.cells.forEach((c, i) => c.count >= K && seen.push(`c:${c.values.join(',')}=${out.cells[i].status}`));
  input.margins.forEach((list, d) =>
    list.forEach((e, i) => e.count >= K && seen.push(`m${d}:${String(e.value)}=${out.margins[d][i].status}`)),
  );
  if (input.total.count >= K) seen.push(`t=${out.total.status}`);
  return seen.sort();
}

const countArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: K - 1 }) },
  { weight: 5, arbitrary: fc.integer({ min: K, max: 40 }) },
);
const gridArb = fc
  .tuple(fc.integer({ min: 2, max: 5 }), fc.integer({ min: 2, max: 5 }))
  .chain(([rows, cols]) =>
    fc.array(fc.array(countArb, { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows }),
  );

function attempt(grid: number[][]): { input: TableInput; out: ProtectedTable; repaired: boolean } | null {
  const input = table(grid);
  try {
    const { table: out, repaired } = protectTraced(input, { k: K });
    return { input, out, repaired };
  } catch (error) {
    if (error instanceof DisclosureRefusal) return null;
    throw error;
  }
}

describe('protectTable — the exact check and uniformity', () => {
  it('property: the exact check changes the uniform pattern of fewer than 1 in 8 dense random 2-D answers (k = 5)', () => {
    const stats = { runs: 0, repaired: 0, refused: 0 };
    fc.assert(
      fc.property(gridArb, (grid) => {
        stats.runs++;
        const got = attempt(grid);
        if (!got) stats.refused++;
        else if (got.repaired) stats.repaired++;
      }),
      { numRuns: 2000 },
    );
    // Measured 153 of 2,000 (7.7%, none refused) when written; these tables are far denser in small counts
    // than research answers (bench/results/suppression.md: no repair on the synthetic research shapes).
    expect(stats.repaired + stats.refused).toBeLessThan(stats.runs / 8);
  });

  it('property: where the check does not act, an unlisted count of 0 or of 1..k-1 gives the same listing', () => {
    let compared = 0;
    fc.assert(
      fc.property(gridArb, fc.nat(), fc.integer({ min: 0, max: K - 1 }), (grid, pick, value) => {
        const small = grid.flatMap((row, r) => row.flatMap((v, c) => (v < K ? [[r, c]] : [])));
        if (small.length === 0) return;
        const [r, c] = small[pick % small.length];
        if (grid[r][c] === value) return;
        const other = grid.map((row) => [...row]);
        other[r][c] = value;
        const a = attempt(grid);
        const b = attempt(other);
        if (!a || !b || a.repaired || b.repaired) return;
        const listedA = visible(a.input, a.out).map((s) => s.split('=')[0]);
        const listedB = visible(b.input, b.out).map((s) => s.split('=')[0]);
        // A margin crossing k is primary suppression (the contract's k), not what this compares.
        if (listedA.join() !== listedB.join()) return;
        compared++;
        expect(visible(b.input, b.out)).toEqual(visible(a.input, a.out));
      }),
      { numRuns: 2000 },
    );
    expect(compared).toBeGreaterThan(500);
  });
});
