/**
 * A 2-D answer of two single-valued dimensions (`a` = r0.., `b` = c0..) from a full grid of true counts, for the
 * property tests of src/disclosure: zero cells and zero margins are left out, as the aggregate SQL gives them;
 * the domains are the whole grid.
 */
import type { TableInput } from '../src/disclosure/types.js';

export function gridTable(grid: readonly (readonly number[])[]): TableInput {
  const cells = grid.flatMap((row, r) =>
    row.flatMap((count, c) => (count > 0 ? [{ values: [`r${r}`, `c${c}`], count }] : [])),
  );
  const rows = grid.map((row) => row.reduce((a, b) => a + b, 0));
  const cols = grid[0].map((_, c) => grid.reduce((a, row) => a + row[c], 0));
  return {
    dimensions: ['a', 'b'],
    multiValued: [false, false],
    domains: [grid.map((_, r) => `r${r}`), grid[0].map((_, c) => `c${c}`)],
    cells,
    margins: [
      rows.flatMap((count, r) => (count > 0 ? [{ value: `r${r}`, count }] : [])),
      cols.flatMap((count, c) => (count > 0 ? [{ value: `c${c}`, count }] : [])),
    ],
    total: { count: rows.reduce((a, b) => a + b, 0) },
  };
}
