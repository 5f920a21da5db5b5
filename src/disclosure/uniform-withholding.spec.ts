import fc from 'fast-check';
import { gridTable } from '../../test/disclosure-grid.js';
import { DisclosureRefusal } from './errors.js';
import { protectTable } from './protect-table.js';
import type { ProtectedCount, ProtectedTable, TableInput } from './types.js';
import { withholdUniformly } from './uniform-withholding.js';

const table = gridTable;

/** What a reader sees: for every listed member (true ≥ k), whether it is withheld. Keyed by label. */
function visible(input: TableInput, k: number, domain: number[]): Map<string, boolean> {
  return seenOf(input, k, withholdUniformly(input, k, domain));
}

/** The same for the answer path: the line rule followed by the exact check (protectTable). */
function visibleProtected(input: TableInput, k: number, domain: number[]): Map<string, boolean> {
  const domains = input.dimensions.map((_, d) =>
    Array.from({ length: domain[d] }, (__, i) => (d === 0 ? `r${i}` : `c${i}`)),
  );
  return seenOf(input, k, protectTable({ ...input, domains }, { k }));
}

function seenOf(input: TableInput, k: number, out: ProtectedTable): Map<string, boolean> {
  const seen = new Map<string, boolean>();
  input.cells.forEach((c, i) => c.count >= k && seen.set(`c:${c.values.join(',')}`, out.cells[i].suppressed));
  input.margins.forEach((list, d) =>
    list.forEach(
      (e, i) => e.count >= k && seen.set(`m${d}:${String(e.value)}`, out.margins[d][i].suppressed),
    ),
  );
  if (input.total.count >= k) seen.set('total', out.total.suppressed);
  return seen;
}

const K = 5;
const gridArb = fc
  .tuple(fc.integer({ min: 2, max: 5 }), fc.integer({ min: 2, max: 4 }))
  .chain(([rows, cols]) =>
    fc.array(
      fc.array(fc.oneof(fc.constant(0), fc.integer({ min: K, max: 60 })), {
        minLength: cols,
        maxLength: cols,
      }),
      { minLength: rows, maxLength: rows },
    ),
  );

describe('uniform complementary withholding', () => {
  it('property: whether an unlisted cell is 0 or small (1..k-1) changes nothing a reader sees (what is listed, what is withheld)', () => {
    let compared = 0;
    fc.assert(
      fc.property(gridArb, fc.nat(), fc.integer({ min: 1, max: K - 1 }), (grid, pick, small) => {
        const zeros = grid.flatMap((row, r) => row.flatMap((v, c) => (v === 0 ? [[r, c]] : [])));
        if (zeros.length === 0) return;
        const [r, c] = zeros[pick % zeros.length];
        const withSmall = grid.map((row) => [...row]);
        withSmall[r][c] = small;
        const a = table(grid);
        const b = table(withSmall);
        // The contract's threshold on true counts is the one thing allowed to differ: skip when a margin or
        // the total crosses k.
        const listed = (t: TableInput) =>
          JSON.stringify([
            t.margins.map((l) => l.filter((e) => e.count >= K).map((e) => e.value)),
            t.total.count >= K,
          ]);
        if (listed(a) !== listed(b)) return;
        compared++;
        const domain = [grid.length, grid[0].length];
        expect(visible(b, K, domain)).toEqual(visible(a, K, domain));
      }),
      { numRuns: 400 },
    );
    expect(compared).toBeGreaterThan(100);
  });

  it('property: no line with an unlisted part has all its listed members released, and no line has exactly one hidden member', () => {
    fc.assert(
      fc.property(gridArb, (grid) => {
        const input = table(grid);
        const out = withholdUniformly(input, K, [grid.length, grid[0].length]);
        const hidden = (count: number, d: ProtectedCount) => count < K || d.status !== 'released';
        const rows = grid.map((row, r) => ({
          whole: input.margins[0].findIndex((e) => e.value === `r${r}`),
          parts: row.map((_, c) =>
            input.cells.findIndex((x) => x.values[0] === `r${r}` && x.values[1] === `c${c}`),
          ),
        }));
        for (const { whole, parts } of rows) {
          const wholeHidden = whole < 0 || hidden(input.margins[0][whole].count, out.margins[0][whole]);
          const partHidden = parts.map((i) => i < 0 || hidden(input.cells[i].count, out.cells[i]));
          const n = partHidden.filter(Boolean).length + (wholeHidden ? 1 : 0);
          expect(n).not.toBe(1);
          const unlistedPart = parts.some((i) => i < 0 || input.cells[i].count < K);
          if (!wholeHidden && unlistedPart) {
            expect(parts.some((i) => i >= 0 && input.cells[i].count >= K && out.cells[i].suppressed)).toBe(
              true,
            );
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('no line with an unlisted part keeps its whole and all its listed parts released', () => {
    const input = table([
      [20, 0],
      [30, 40],
    ]);
    const out = withholdUniformly(input, K, [2, 2]);
    // Row r0 has an unlisted part (a zero): one of its listed members is withheld, and the singleton rule
    // then spreads the withholding so that no line has a single hidden member.
    expect(out.cells[0].status === 'suppressed' || out.margins[0][0].status === 'suppressed').toBe(true);
  });
});

/** Zeros, small counts (1..k-1) and counts of k and more. */
const gridWithSmallArb = fc
  .tuple(fc.integer({ min: 2, max: 5 }), fc.integer({ min: 2, max: 5 }))
  .chain(([rows, cols]) =>
    fc.array(
      fc.array(
        fc.oneof(
          { weight: 3, arbitrary: fc.constant(0) },
          { weight: 2, arbitrary: fc.integer({ min: 1, max: K - 1 }) },
          { weight: 5, arbitrary: fc.integer({ min: K, max: 40 }) },
        ),
        { minLength: cols, maxLength: cols },
      ),
      { minLength: rows, maxLength: rows },
    ),
  );

/** Σ coef·x_member = constant over the hidden members of one relation. */
interface UnknownRow {
  terms: [member: number, coef: 1 | -1][];
  constant: number;
}

/**
 * The unknowns a linear system pins down: x_j is determined iff e_j is in the row space (Gauss–Jordan mod a
 * prime below 2^26, exact for these 0/±1 incidence matrices of two single-valued dimensions).
 */
function determinedUnknowns(rows: readonly UnknownRow[]): Set<number> {
  const P = 67108859;
  const cols = [...new Set(rows.flatMap((r) => r.terms.map(([m]) => m)))];
  const at = new Map(cols.map((m, i) => [m, i]));
  const a = rows.map((r) => {
    const v = new Array<number>(cols.length).fill(0);
    for (const [m, c] of r.terms) v[at.get(m)!] = (v[at.get(m)!] + c + P) % P;
    return v;
  });
  const mul = (x: number, y: number) => Number((BigInt(x) * BigInt(y)) % BigInt(P));
  const inv = (x: number) => {
    let [r, result, e] = [x, 1, P - 2];
    while (e > 0) {
      if (e & 1) result = mul(result, r);
      r = mul(r, r);
      e >>= 1;
    }
    return result;
  };
  let row = 0;
  for (let c = 0; c < cols.length && row < a.length; c++) {
    const pivot = a.findIndex((v, i) => i >= row && v[c] !== 0);
    if (pivot < 0) continue;
    [a[row], a[pivot]] = [a[pivot], a[row]];
    const f = inv(a[row][c]);
    a[row] = a[row].map((x) => mul(x, f));
    for (let i = 0; i < a.length; i++) {
      if (i !== row && a[i][c] !== 0) {
        const g = a[i][c];
        a[i] = a[i].map((x, j) => (x - mul(g, a[row][j]) + P) % P);
      }
    }
    row++;
  }
  const determined = new Set<number>();
  for (const v of a) {
    const nonzero = v.flatMap((x, j) => (x !== 0 ? [j] : []));
    if (nonzero.length === 1) determined.add(cols[nonzero[0]]);
  }
  return determined;
}

describe('uniform withholding against exact recomputation', () => {
  /**
   * The attacker's model of the listing rule, built independently over the FULL grid: every unlisted
   * combination (absent zeros included) and every withheld count is an unknown; released counts are known
   * exactly (conservative: they are noisy in fact). Rows, columns and the total are the exact relations.
   */
  function attackerRows(
    grid: number[][],
    hidden: (member: string) => boolean,
  ): { rows: UnknownRow[]; ids: string[] } {
    const ids: string[] = [];
    const id = (name: string) => {
      const at = ids.indexOf(name);
      if (at >= 0) return at;
      ids.push(name);
      return ids.length - 1;
    };
    const value = new Map<string, number>();
    grid.forEach((row, r) => row.forEach((v, c) => value.set(`c:r${r},c${c}`, v)));
    grid.forEach((row, r) =>
      value.set(
        `m0:r${r}`,
        row.reduce((a, b) => a + b, 0),
      ),
    );
    grid[0].forEach((_, c) =>
      value.set(
        `m1:c${c}`,
        grid.reduce((a, row) => a + row[c], 0),
      ),
    );
    value.set(
      'total',
      grid.flat().reduce((a, b) => a + b, 0),
    );
    const relation = (whole: string, parts: string[]): UnknownRow => {
      const terms: [number, 1 | -1][] = [];
      let constant = 0;
      for (const [name, coef] of [[whole, -1], ...parts.map((p) => [p, 1])] as [string, 1 | -1][]) {
        if (hidden(name)) terms.push([id(name), coef]);
        else constant -= coef * (value.get(name) ?? 0);
      }
      return { terms, constant };
    };
    const rows = [
      ...grid.map((row, r) =>
        relation(
          `m0:r${r}`,
          row.map((_, c) => `c:r${r},c${c}`),
        ),
      ),
      ...grid[0].map((_, c) =>
        relation(
          `m1:c${c}`,
          grid.map((__, r) => `c:r${r},c${c}`),
        ),
      ),
      relation(
        'total',
        grid.map((_, r) => `m0:r${r}`),
      ),
      relation(
        'total',
        grid[0].map((_, c) => `m1:c${c}`),
      ),
    ].filter((row) => row.terms.length > 0);
    return { rows, ids };
  }

  it('the line rule alone is not exact: a random search finds a pinned count, which protectTable (the answer path) repairs', () => {
    const pinned = (grid: number[][], seen: Map<string, boolean>) => {
      const hidden = (name: string) => !seen.has(name) || seen.get(name) === true;
      const { rows, ids } = attackerRows(grid, hidden);
      const withheld = [...seen].filter(([, w]) => w).map(([name]) => name);
      return [...determinedUnknowns(rows)].map((m) => ids[m]).filter((name) => withheld.includes(name));
    };
    const dims = (grid: number[][]) => [grid.length, grid[0].length];
    const search = fc.check(
      fc.property(gridWithSmallArb, (grid) => pinned(grid, visible(table(grid), K, dims(grid))).length === 0),
      { numRuns: 5000, seed: 20261201 },
    );
    expect(search.failed).toBe(true);
    const [grid] = search.counterexample as [number[][]];
    expect(pinned(grid, visibleProtected(table(grid), K, dims(grid)))).toEqual([]);
  });

  it('property: no withheld count (≥ k) in the answer of protectTable is determined by the exact relations', () => {
    let tablesWithWithheld = 0;
    fc.assert(
      fc.property(gridArb, (grid) => {
        const input = table(grid);
        let seen: Map<string, boolean>;
        try {
          seen = visibleProtected(input, K, [grid.length, grid[0].length]);
        } catch (error) {
          if (error instanceof DisclosureRefusal) return; // fail closed: nothing released
          throw error;
        }
        const hidden = (name: string) => !seen.has(name) || seen.get(name) === true;
        const { rows, ids } = attackerRows(grid, hidden);
        const withheld = [...seen].filter(([, w]) => w).map(([name]) => name);
        if (withheld.length > 0) tablesWithWithheld++;
        const determined = [...determinedUnknowns(rows)].map((m) => ids[m]);
        expect(determined.filter((name) => withheld.includes(name))).toEqual([]);
      }),
      { numRuns: 400 },
    );
    expect(tablesWithWithheld).toBeGreaterThan(100);
  });
});
