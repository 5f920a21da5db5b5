import fc from 'fast-check';
import { buildPerturbationTable } from './perturbation-table.js';
import { protectTable } from './protect-table.js';
import type { DimensionValue, ProtectedCount, ProtectedTable, TableInput } from './types.js';

// ---- random tables built from random records, so every relation truly holds ----

interface Scenario {
  k: number;
  domains: number[];
  multiValued: boolean[];
  records: { values: number[][]; key: number }[];
}

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    k: fc.integer({ min: 2, max: 12 }),
    dims: fc.array(
      fc.record({
        domain: fc.integer({ min: 1, max: 5 }),
        multi: fc.integer({ min: 0, max: 3 }).map((x) => x === 0),
      }),
      {
        minLength: 1,
        maxLength: 3,
      },
    ),
  })
  .chain(({ k, dims }) =>
    fc
      .array(
        fc.record({
          values: fc.tuple(
            ...dims.map(({ domain, multi }) =>
              multi
                ? fc.uniqueArray(fc.integer({ min: 0, max: domain - 1 }), { minLength: 1, maxLength: domain })
                : fc.integer({ min: 0, max: domain - 1 }).map((v) => [v]),
            ),
          ),
          key: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        }),
        { maxLength: 120, size: 'max' },
      )
      .map((records) => ({
        k,
        domains: dims.map((d) => d.domain),
        multiValued: dims.map((d) => d.multi),
        records,
      })),
  );

/** Dimension value of index i in dimension d: strings, numbers (years) and strings again. */
const dimValue = (d: number, i: number): DimensionValue => (d === 1 ? 2000 + i : `d${d}v${i}`);

function product(lists: number[][]): number[][] {
  return lists.reduce<number[][]>((acc, list) => acc.flatMap((p) => list.map((v) => [...p, v])), [[]]);
}

function toInput(s: Scenario): TableInput {
  const dims = s.domains.length;
  const cells = new Map<string, { values: number[]; count: number; keySum: number }>();
  const margins = s.domains.map(() => new Map<number, { count: number; keySum: number }>());
  for (const r of s.records) {
    for (const combo of product(r.values)) {
      const id = combo.join(',');
      const c = cells.get(id) ?? { values: combo, count: 0, keySum: 0 };
      c.count++;
      c.keySum += r.key;
      cells.set(id, c);
    }
    r.values.forEach((vs, d) =>
      vs.forEach((v) => {
        const m = margins[d].get(v) ?? { count: 0, keySum: 0 };
        m.count++;
        m.keySum += r.key;
        margins[d].set(v, m);
      }),
    );
  }
  return {
    dimensions: s.domains.map((_, d) => `dim${d}`),
    multiValued: s.multiValued,
    cells: [...cells.values()].map((c) => ({ ...c, values: c.values.map((v, d) => dimValue(d, v)) })),
    margins:
      dims >= 2
        ? margins.map((m, d) => [...m.entries()].map(([v, e]) => ({ value: dimValue(d, v), ...e })))
        : [],
    total: { count: s.records.length, keySum: s.records.reduce((a, r) => a + r.key, 0) },
  };
}

// ---- an independent model of what an attacker can solve ----

/** Counts of the answer as a flat list (cells, margins, total) with their released form. */
function flatten(input: TableInput, out: ProtectedTable): { truth: number[]; released: ProtectedCount[] } {
  return {
    truth: [
      ...input.cells.map((c) => c.count),
      ...input.margins.flat().map((m) => m.count),
      input.total.count,
    ],
    released: [...out.cells, ...out.margins.flat(), out.total],
  };
}

/** Equations Σ coef·x = 0 that hold for the true counts, derived here from the records' semantics. */
function equations(input: TableInput): Map<number, number>[] {
  const dims = input.dimensions.length;
  const nCells = input.cells.length;
  const marginOffset: number[] = [];
  let offset = nCells;
  for (const list of input.margins) {
    marginOffset.push(offset);
    offset += list.length;
  }
  const total = offset;
  const eqs: Map<number, number>[] = [];
  const single = input.multiValued.map((m) => !m);
  if (dims === 1 && single[0]) {
    eqs.push(new Map([[total, -1], ...input.cells.map((_, i) => [i, 1] as [number, number])]));
  }
  if (dims >= 2) {
    for (let d = 0; d < dims; d++) {
      if (single[d]) {
        eqs.push(
          new Map([
            [total, -1],
            ...input.margins[d].map((_, j) => [marginOffset[d] + j, 1] as [number, number]),
          ]),
        );
      }
      if (!single.every((s, e) => s || e === d)) continue;
      input.margins[d].forEach((m, j) => {
        const eq = new Map<number, number>([[marginOffset[d] + j, -1]]);
        input.cells.forEach((c, i) => {
          if (c.values[d] === m.value) eq.set(i, 1);
        });
        eqs.push(eq);
      });
    }
  }
  return eqs;
}

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Rank over the rationals, by fraction-free elimination on BigInt rows. */
function rationalRank(rows: bigint[][]): number {
  const m = rows.map((r) => [...r]);
  let rank = 0;
  const cols = m[0]?.length ?? 0;
  for (let c = 0; c < cols && rank < m.length; c++) {
    const p = m.findIndex((row, i) => i >= rank && row[c] !== 0n);
    if (p < 0) continue;
    [m[rank], m[p]] = [m[p], m[rank]];
    for (let i = rank + 1; i < m.length; i++) {
      if (m[i][c] === 0n) continue;
      const f = m[i][c];
      const g = m[rank][c];
      m[i] = m[i].map((x, j) => x * g - m[rank][j] * f);
      const div = m[i].reduce((acc, x) => gcd(acc, x), 0n);
      if (div > 1n) m[i] = m[i].map((x) => x / div);
    }
    rank++;
  }
  return rank;
}

/**
 * Suppressed members an attacker could recompute exactly: x_s is determined by the equations with the
 * released members known iff adding the row e_s does not raise the rank of the matrix restricted to
 * the suppressed unknowns.
 */
function recomputable(input: TableInput, out: ProtectedTable): number[] {
  const { released } = flatten(input, out);
  const unknowns = released.flatMap((r, i) => (r.suppressed ? [i] : []));
  const rows = equations(input).map((eq) => unknowns.map((u) => BigInt(eq.get(u) ?? 0)));
  const base = rationalRank(rows);
  return unknowns.filter(
    (_, j) => rationalRank([...rows, unknowns.map((__, l) => (l === j ? 1n : 0n))]) === base,
  );
}

function run(s: Scenario): { input: TableInput; out: ProtectedTable; D: number } {
  const ptable = buildPerturbationTable({ k: s.k });
  const input = toInput(s);
  return { input, out: protectTable(input, { k: s.k, ptable }), D: ptable.maxPerturbation };
}

describe('protectTable — properties over random 1–3 dimensional tables', () => {
  it('the independent checker does catch a recomputable cell (primary suppression alone)', () => {
    const input: TableInput = {
      dimensions: ['gender'],
      multiValued: [false],
      cells: [3, 20, 30].map((count, i) => ({ values: [`v${i}`], count, keySum: i })),
      margins: [],
      total: { count: 53, keySum: 0 },
    };
    const released = (count: number): ProtectedCount => ({ count, suppressed: false });
    const primaryOnly: ProtectedTable = {
      cells: [{ count: null, suppressed: true, reason: 'primary' }, released(20), released(30)],
      margins: [],
      total: released(53),
      summary: { primary: 1, complementary: 0, relationsChecked: 1 },
    };
    expect(recomputable(input, primaryOnly)).toEqual([0]);
  });

  it('the random tables exercise complementary suppression', () => {
    const stats = { tables: 0, withComplementary: 0, threeDims: 0, allSuppressed: 0 };
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { out } = run(s);
        stats.tables++;
        if (out.summary.complementary > 0) stats.withComplementary++;
        const all = [...out.cells, ...out.margins.flat(), out.total];
        if (all.every((c) => c.suppressed || c.count === 0)) stats.allSuppressed++;
        if (s.domains.length === 3) stats.threeDims++;
      }),
      { numRuns: 300, seed: 1 },
    );
    expect(stats.withComplementary).toBeGreaterThan(stats.tables / 10);
    expect(stats.allSuppressed).toBeLessThan(stats.tables / 4);
    expect(stats.threeDims).toBeGreaterThan(stats.tables / 5);
  });

  it('the generated relations really hold (sanity of the independent model)', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const input = toInput(s);
        const truth = flatten(input, run(s).out).truth;
        for (const eq of equations(input)) {
          expect([...eq].reduce((acc, [i, c]) => acc + c * truth[i], 0)).toBe(0);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('no released count has a true count in 1..k-1, and every released count is 0 or >= k', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { input, out } = run(s);
        const { truth, released } = flatten(input, out);
        released.forEach((r, i) => {
          if (truth[i] >= 1 && truth[i] < s.k)
            expect(r).toEqual({ count: null, suppressed: true, reason: 'primary' });
          if (!r.suppressed) expect(r.count === 0 || (r.count ?? 0) >= s.k).toBe(true);
          if (truth[i] === 0) expect(r).toEqual({ count: 0, suppressed: false });
        });
      }),
      { numRuns: 300 },
    );
  });

  it('no suppressed count can be recomputed from the released true counts (independent rational rank check)', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { input, out } = run(s);
        expect(recomputable(input, out)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('complementary suppression only happens where a relation needs it, and summary counts match', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { input, out } = run(s);
        const { released } = flatten(input, out);
        if (equations(input).length === 0) expect(out.summary.complementary).toBe(0);
        expect(out.summary.primary).toBe(released.filter((r) => r.reason === 'primary').length);
        expect(out.summary.complementary).toBe(released.filter((r) => r.reason === 'complementary').length);
      }),
      { numRuns: 200 },
    );
  });

  it('no exact relation is left with exactly one suppressed member', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { input, out } = run(s);
        const { released } = flatten(input, out);
        for (const eq of equations(input)) {
          expect([...eq.keys()].filter((i) => released[i].suppressed).length).not.toBe(1);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('is deterministic: the same input gives the same output', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        expect(run(s).out).toEqual(run(s).out);
      }),
      { numRuns: 100 },
    );
  });

  it('does not depend on the order of cells and margin entries (re-running a query cannot reveal more)', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { input, out } = run(s);
        const reversed: TableInput = {
          ...input,
          cells: [...input.cells].reverse(),
          margins: input.margins.map((m) => [...m].reverse()),
        };
        const again = protectTable(reversed, { k: s.k, ptable: buildPerturbationTable({ k: s.k }) });
        expect([...again.cells].reverse()).toEqual(out.cells);
        expect(again.margins.map((m) => [...m].reverse())).toEqual(out.margins);
        expect(again.total).toEqual(out.total);
      }),
      { numRuns: 100 },
    );
  });

  it('every released count is within D of its true count', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { input, out, D } = run(s);
        const { truth, released } = flatten(input, out);
        released.forEach((r, i) => {
          if (!r.suppressed) expect(Math.abs((r.count ?? NaN) - truth[i])).toBeLessThanOrEqual(D);
        });
      }),
      { numRuns: 200 },
    );
  });
});
