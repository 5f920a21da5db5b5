import { DisclosureInputError, DisclosureRefusal } from './errors.js';
import { protectTable } from './protect-table.js';
import type { MemberStatus, ProtectedCount, TableInput } from './types.js';

const k = 11;
const protect = (input: TableInput) => protectTable(input, { k });
const statuses = (list: readonly ProtectedCount[]): MemberStatus[] => list.map((c) => c.status);

/** A 1-dimensional table: cells named v0.. by their counts (0 = absent), total their sum. */
function oneDim(
  counts: number[],
  multiValued = false,
  total = counts.reduce((a, b) => a + b, 0),
): TableInput {
  return {
    dimensions: ['gender'],
    multiValued: [multiValued],
    domains: [counts.map((_, i) => `v${i}`)],
    cells: counts.flatMap((count, i) => (count > 0 ? [{ values: [`v${i}`], count }] : [])),
    margins: [],
    total: { count: total },
  };
}

/** A 2-dimensional single-valued table from a rows × columns matrix of counts (0 = absent). */
function twoDim(matrix: number[][]): TableInput {
  const rowSums = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const colSums = matrix[0].map((_, c) => matrix.reduce((a, row) => a + row[c], 0));
  return {
    dimensions: ['citizenship', 'yearOfRegistration'],
    multiValued: [false, false],
    domains: [matrix.map((_, r) => `r${r}`), matrix[0].map((_, c) => 2000 + c)],
    cells: matrix.flatMap((row, r) =>
      row.flatMap((count, c) => (count > 0 ? [{ values: [`r${r}`, 2000 + c], count }] : [])),
    ),
    margins: [
      rowSums.flatMap((count, r) => (count > 0 ? [{ value: `r${r}`, count }] : [])),
      colSums.flatMap((count, c) => (count > 0 ? [{ value: 2000 + c, count }] : [])),
    ],
    total: { count: rowSums.reduce((a, b) => a + b, 0) },
  };
}

describe('protectTable — table-driven cases', () => {
  it('1 dimension: one small cell and the total shown → the smallest other cell is suppressed too', () => {
    const out = protect(oneDim([3, 20, 30]));
    expect(statuses(out.cells)).toEqual(['unlisted', 'suppressed', 'released']);
    expect(out.total.status).toBe('released');
    expect(out.summary).toEqual({ complementary: 1, gridSize: 3 });
  });

  it('1 dimension: an absent value is a zero the reader cannot see; it is protected like a small count', () => {
    // v2 is absent (0): with v0 and v1 released and the total shown it would be pinned to 0.
    const out = protect(oneDim([20, 30, 0]));
    expect(statuses(out.cells)).toEqual(['suppressed', 'released']);
  });

  it('a true 0 and a true 1..k-1 give the identical decision object', () => {
    const small = protect(oneDim([20, 30, 5]));
    expect(small.cells[2]).toEqual({ status: 'unlisted', suppressed: true });
    const zero = protect({ ...oneDim([20, 30, 0]), cells: [...oneDim([20, 30, 0]).cells] });
    expect(zero.cells).toHaveLength(2); // the zero has no input cell and no output: not listed either way
    expect(JSON.stringify(small.cells[2])).not.toMatch(/\d/);
  });

  it('2×2 with one small cell, margins and total → a rectangle of 4 cells, margins and total released', () => {
    const out = protect(
      twoDim([
        [3, 20],
        [25, 30],
      ]),
    );
    expect(statuses(out.cells)).toEqual(['unlisted', 'suppressed', 'suppressed', 'suppressed']);
    expect(out.margins.flat().every((m) => m.status === 'released')).toBe(true);
    expect(out.total.status).toBe('released');
  });

  it('a multi-valued dimension: a line of one value only would pin notSpecified through max ≤ N − ns', () => {
    // 1-D multi-valued {a, b} + notSpecified: every case has a (a = total = 40), so notSpecified = 0 is pinned
    // (ns = total − records with a value ≤ 40 − 40) unless a is withheld and the total with it.
    const input: TableInput = {
      dimensions: ['exploitationTypes'],
      multiValued: [true],
      domains: [['a', 'b', 'notSpecified']],
      cells: [
        { values: ['a'], count: 40 },
        { values: ['b'], count: 25 },
      ],
      margins: [],
      total: { count: 40 },
    };
    const out = protect(input);
    expect(out.cells.map((c) => c.status)).not.toEqual(['released', 'released']);
  });

  it('refuses two multi-valued dimensions, and inconsistent input', () => {
    const two: TableInput = {
      dimensions: ['exploitationTypes', 'meansOfControl'],
      multiValued: [true, true],
      cells: [{ values: ['a', 'x'], count: 20 }],
      margins: [[{ value: 'a', count: 20 }], [{ value: 'x', count: 20 }]],
      total: { count: 20 },
    };
    expect(() => protect(two)).toThrow(DisclosureRefusal);
    expect(() => protect(oneDim([20, 30], false, 49))).toThrow(DisclosureInputError);
    expect(() => protect({ ...oneDim([20, 30]), domains: [['v0']] })).toThrow(DisclosureInputError);
    expect(() => protectTable(oneDim([20, 30]), { k: 1 })).toThrow(RangeError);
  });

  it('a total below k: everything is unlisted and nothing more is needed', () => {
    const out = protect(oneDim([3, 4, 0]));
    expect(statuses(out.cells)).toEqual(['unlisted', 'unlisted']);
    expect(out.total.status).toBe('unlisted');
  });
});
