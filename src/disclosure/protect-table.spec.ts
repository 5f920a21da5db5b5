import { buildPerturbationTable } from './perturbation-table.js';
import { protectTable } from './protect-table.js';
import { DisclosureInputError } from './errors.js';
import type { ProtectedCount, TableInput } from './types.js';

const k = 11;
const ptable = buildPerturbationTable({ k });
const protect = (input: TableInput) => protectTable(input, { k, ptable });
const reasons = (list: readonly ProtectedCount[]) => list.map((c) => c.reason ?? 'released');

/** A 1-dimensional single-valued table: cells named by their counts, total their sum. */
function oneDim(
  counts: number[],
  multiValued = false,
  total = counts.reduce((a, b) => a + b, 0),
): TableInput {
  return {
    dimensions: ['gender'],
    multiValued: [multiValued],
    cells: counts.map((count, i) => ({ values: [`v${i}`], count, keySum: 1000 * i + count })),
    margins: [],
    total: { count: total, keySum: 99 },
  };
}

/** A 2-dimensional table from a rows × columns matrix of counts (0 = absent), with margins and total. */
function twoDim(matrix: number[][], multiValued: [boolean, boolean] = [false, false]): TableInput {
  const cells = matrix.flatMap((row, r) =>
    row.flatMap((count, c) => (count > 0 ? [{ values: [`r${r}`, c + 2000], count, keySum: 7 * r + c }] : [])),
  );
  const rowSums = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const colSums = matrix[0].map((_, c) => matrix.reduce((a, row) => a + row[c], 0));
  const total = rowSums.reduce((a, b) => a + b, 0);
  return {
    dimensions: ['citizenship', 'yearOfRegistration'],
    multiValued,
    cells,
    margins: [
      rowSums.flatMap((count, r) => (count > 0 ? [{ value: `r${r}`, count, keySum: r }] : [])),
      colSums.flatMap((count, c) => (count > 0 ? [{ value: c + 2000, count, keySum: c }] : [])),
    ],
    total: { count: total, keySum: 5 },
  };
}

describe('protectTable — table-driven cases', () => {
  it('1 dimension: one small cell and the total shown → the smallest other cell is suppressed too', () => {
    const out = protect(oneDim([3, 20, 30]));
    expect(reasons(out.cells)).toEqual(['primary', 'complementary', 'released']);
    expect(out.total.suppressed).toBe(false);
    expect(out.cells[0]).toEqual({ count: null, suppressed: true, reason: 'primary' });
    expect(out.summary).toEqual({ primary: 1, complementary: 1, relationsChecked: 1 });
  });

  it('1 dimension: two cells of 1 would be pinned by their sum and the public bound >= 1 → a third is suppressed', () => {
    const out = protect(oneDim([1, 1, 50]));
    expect(reasons(out.cells)).toEqual(['primary', 'primary', 'complementary']);
    expect(out.total.suppressed).toBe(false);
  });

  it('1 dimension: the labels would pin the cells (1 primary + 11 complementary = 12) → the total is suppressed too', () => {
    const out = protect(oneDim([1, 11]));
    expect(reasons(out.cells)).toEqual(['primary', 'complementary']);
    expect(out.total).toEqual({ count: null, suppressed: true, reason: 'complementary' });
  });

  it('2×2 with one small cell, margins and total → a rectangle of 4 cells, margins and total released', () => {
    const out = protect(
      twoDim([
        [3, 20],
        [25, 30],
      ]),
    );
    expect(reasons(out.cells)).toEqual(['primary', 'complementary', 'complementary', 'complementary']);
    expect(out.margins.flat().every((m) => !m.suppressed)).toBe(true);
    expect(out.total.suppressed).toBe(false);
  });

  it('2 dimensions: a small margin entry is suppressed as primary and protected in the margin relation', () => {
    const out = protect(
      twoDim([
        [2, 3, 0],
        [20, 30, 40],
        [25, 35, 45],
      ]),
    );
    expect(out.margins[0][0].reason).toBe('primary');
    expect(
      out.margins[0].filter((m) => m.suppressed).length + (out.total.suppressed ? 1 : 0),
    ).toBeGreaterThan(1);
    expect(reasons(out.cells).slice(0, 2)).toEqual(['primary', 'primary']);
  });

  it('a small total is suppressed as primary (and so are its cells)', () => {
    const out = protect(oneDim([2, 3]));
    expect(out.total).toEqual({ count: null, suppressed: true, reason: 'primary' });
    expect(reasons(out.cells)).toEqual(['primary', 'primary']);
  });

  it.each([
    [0, { count: 0, suppressed: false }],
    [5, { count: null, suppressed: true, reason: 'primary' }],
    [11, { count: 11, suppressed: false }],
  ])('zero dimensions: total %d → %j', (count, expected) => {
    const out = protect({
      dimensions: [],
      multiValued: [],
      cells: [],
      margins: [],
      total: { count, keySum: 42 },
    });
    expect(out.total).toEqual(expected);
    expect(out.summary.relationsChecked).toBe(0);
  });

  it('zero dimensions: a large total is perturbed within D and never below k', () => {
    const out = protect({
      dimensions: [],
      multiValued: [],
      cells: [],
      margins: [],
      total: { count: 500, keySum: 7 },
    });
    expect(Math.abs((out.total.count ?? NaN) - 500)).toBeLessThanOrEqual(3);
  });

  it('1 multi-valued dimension: cells do not sum to the total, so no relation and no complementary suppression', () => {
    const out = protect(oneDim([3, 20, 30], true, 40));
    expect(reasons(out.cells)).toEqual(['primary', 'released', 'released']);
    expect(out.summary.relationsChecked).toBe(0);
  });

  it('2 dimensions with a multi-valued one: only the relations that are equalities are used', () => {
    // Column dimension multi-valued: rows (citizenship) still sum cells per column value, margins of
    // the single-valued row dimension still sum to the total; nothing else.
    const input = twoDim(
      [
        [3, 20],
        [25, 30],
      ],
      [false, true],
    );
    const out = protect(input);
    // relations: one per column value (its cells sum to the column margin) + Σ row margins = total
    expect(out.summary.relationsChecked).toBe(3);
    expect(reasons(out.cells)).toEqual(['primary', 'released', 'complementary', 'released']);
  });

  it('every released count is perturbed on its own: margins and total are not sums of released cells', () => {
    const out = protect(
      twoDim([
        [120, 90],
        [80, 300],
      ]),
    );
    for (const c of [...out.cells, ...out.margins.flat(), out.total]) expect(c.suppressed).toBe(false);
    const truth = [120, 90, 80, 300, 210, 380, 200, 390, 590];
    const released = [...out.cells, ...out.margins.flat(), out.total].map((c) => c.count ?? NaN);
    released.forEach((r, i) => expect(Math.abs(r - truth[i])).toBeLessThanOrEqual(3));
  });

  it.each<[string, TableInput]>([
    ['an inconsistent total', oneDim([20, 30], false, 51)],
    [
      'a duplicate cell',
      { ...oneDim([20, 30]), cells: oneDim([20, 20]).cells.map((c) => ({ ...c, values: ['x'] })) },
    ],
    ['a zero cell', oneDim([0, 30])],
    [
      'four dimensions',
      {
        dimensions: ['a', 'b', 'c', 'd'],
        multiValued: [false, false, false, false],
        cells: [],
        margins: [[], [], [], []],
        total: { count: 0, keySum: 0 },
      },
    ],
    ['missing margins', { ...twoDim([[20]]), margins: [] }],
    [
      'a cell whose value has no margin entry',
      { ...twoDim([[20, 30]]), margins: [[], twoDim([[20, 30]]).margins[1]] },
    ],
  ])('fails closed on %s', (_, input) => {
    expect(() => protect(input)).toThrow(DisclosureInputError);
  });

  it('rejects a perturbation table built for another k', () => {
    expect(() => protectTable(oneDim([20]), { k: 5, ptable })).toThrow(RangeError);
  });
});
