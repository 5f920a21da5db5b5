import fc from 'fast-check';
import {
  allMembers,
  countOf,
  feasibleValues,
  memberKey,
  type OracleRecord,
  type OracleStatus,
  type OracleTable,
} from '../../test/disclosure-oracle.js';
import { DisclosureRefusal } from './errors.js';
import { protectTable } from './protect-table.js';
import type { DimensionValue, ProtectedTable, TableInput } from './types.js';

// ---- small random populations of records, and the answer they give ----

export interface Scenario {
  table: OracleTable;
  records: OracleRecord[];
}

const dimArb = fc.record({
  size: fc.integer({ min: 1, max: 3 }),
  multi: fc.integer({ min: 0, max: 2 }).map((x) => x === 0),
  ns: fc.boolean(),
});

/** 0-3 dimensions, at most one multi-valued, grids small enough for exhaustive enumeration. */
export const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    k: fc.integer({ min: 2, max: 4 }),
    dims: fc.array(dimArb, { minLength: 0, maxLength: 3 }),
  })
  .filter(({ dims }) => dims.filter((d) => d.multi).length <= 1)
  .map(({ k, dims }) => {
    const sizes = dims.map((d) => (d.multi ? Math.min(d.size, 2) + (d.ns ? 1 : 0) : d.size));
    const table: OracleTable = {
      k,
      sizes,
      multi: dims.map((d) => d.multi),
      nsValue: dims.map((d, i) => (d.multi && d.ns ? sizes[i] - 1 : -1)),
    };
    return table;
  })
  .filter((t) => t.sizes.reduce((a, b) => a * b, 1) <= 12)
  .chain((table) => {
    const valueArb = (d: number): fc.Arbitrary<number[]> => {
      if (!table.multi[d]) return fc.integer({ min: 0, max: table.sizes[d] - 1 }).map((v): number[] => [v]);
      const real = Array.from({ length: table.sizes[d] }, (_, v) => v).filter((v) => v !== table.nsValue[d]);
      const sets = fc.subarray(real, { minLength: 1 }).map((s) => [...s].sort((a, b) => a - b));
      return table.nsValue[d] >= 0 ? fc.oneof(sets, fc.constant<number[]>([table.nsValue[d]])) : sets;
    };
    return fc
      .array(fc.tuple(...table.sizes.map((_, d) => valueArb(d))), { maxLength: 14 })
      .map((records) => ({ table, records: records as OracleRecord[] }));
  });

const valueName = (t: OracleTable, d: number, v: number): DimensionValue =>
  v === t.nsValue[d] ? 'notSpecified' : d === 1 ? 2000 + v : `d${d}v${v}`;

export function toInput({ table: t, records }: Scenario): TableInput {
  const D = t.sizes.length;
  const members = allMembers(t);
  const cells = members.flatMap((m) => {
    if (m.kind !== 'cell') return [];
    const count = countOf(records, m);
    return count > 0 ? [{ values: m.values.map((v, d) => valueName(t, d, v)), count }] : [];
  });
  const margins =
    D >= 2
      ? t.sizes.map((n, dim) =>
          Array.from({ length: n }, (_, value) => ({
            value: valueName(t, dim, value),
            count: countOf(records, { kind: 'margin', dim, value }),
          })).filter((e) => e.count > 0),
        )
      : [];
  return {
    dimensions: t.sizes.map((_, d) => `dim${d}`),
    multiValued: t.multi,
    domains: t.sizes.map((n, d) => Array.from({ length: n }, (_, v) => valueName(t, d, v))),
    cells,
    margins,
    total: { count: records.length },
  };
}

/** The status of every member of the grid (absent combinations: as the service lists them, unlisted). */
export function statusesOf(s: Scenario, input: TableInput, out: ProtectedTable): Map<string, OracleStatus> {
  const t = s.table;
  const index = t.sizes.map((n, d) => new Map(Array.from({ length: n }, (_, v) => [valueName(t, d, v), v])));
  const map = new Map<string, OracleStatus>();
  input.cells.forEach((c, i) =>
    map.set(
      memberKey({ kind: 'cell', values: c.values.map((v, d) => index[d].get(v) as number) }),
      out.cells[i].status,
    ),
  );
  input.margins.forEach((list, dim) =>
    list.forEach((e, i) =>
      map.set(
        memberKey({ kind: 'margin', dim, value: index[dim].get(e.value) as number }),
        out.margins[dim][i].status,
      ),
    ),
  );
  map.set('t', out.total.status);
  return map;
}

/** Withheld members that every consistent population gives the same count (null: search too large). */
export function pinnedMembers(s: Scenario, status: Map<string, OracleStatus>): string[] | null {
  const values = feasibleValues(s.table, s.records, status);
  if (values === null) return null;
  return [...values].filter(([, set]) => set.size < 2).map(([key]) => key);
}

describe('protectTable — against exhaustive enumeration of populations', () => {
  it('the oracle finds a pinned member when only primary suppression is applied (1-D, total shown)', () => {
    const s: Scenario = {
      table: { k: 3, sizes: [3], multi: [false], nsValue: [-1] },
      records: [[[0]], [[1]], [[1]], [[1]], [[2]], [[2]], [[2]]],
    };
    const status = new Map<string, OracleStatus>([
      ['c:0', 'unlisted'],
      ['c:1', 'released'],
      ['c:2', 'released'],
      ['t', 'released'],
    ]);
    expect(pinnedMembers(s, status)).toEqual(['c:0']);
  });

  it('the oracle sees the multi-valued relation max ≤ N − ns ≤ Σ (a withheld cell pinned through it)', () => {
    // 1-D multi-valued {a, b} + notSpecified; 4 records all holding a; b withheld, ns released as 0 → N − ns = 4 =
    // max → nothing pins b by the sum alone, but the released total and cells bound it.
    const s: Scenario = {
      table: { k: 2, sizes: [3], multi: [true], nsValue: [2] },
      records: [[[0]], [[0]], [[0]], [[0, 1]]],
    };
    const status = new Map<string, OracleStatus>([
      ['c:0', 'released'],
      ['c:1', 'unlisted'],
      ['c:2', 'unlisted'],
      ['t', 'released'],
    ]);
    // b in [0,1], ns in [0,1] with ns + (records with real values) = 4 and a = 4 → ns = 0 pinned, b free.
    expect(pinnedMembers(s, status)).toEqual(['c:2']);
  });

  it('no withheld member (absent combinations, small counts, suppressed counts) is pinned, and refusals are rare', () => {
    const stats = { runs: 0, refused: 0, inconclusive: 0, withComplementary: 0, multi: 0, threeDims: 0 };
    fc.assert(
      fc.property(scenarioArb, (s) => {
        stats.runs++;
        const input = toInput(s);
        let out: ProtectedTable;
        try {
          out = protectTable(input, { k: s.table.k });
        } catch (error) {
          if (error instanceof DisclosureRefusal && error.reason === 'not-protectable') {
            stats.refused++;
            return;
          }
          throw error;
        }
        if (out.summary.complementary > 0) stats.withComplementary++;
        if (s.table.multi.some(Boolean)) stats.multi++;
        if (s.table.sizes.length === 3) stats.threeDims++;
        const status = statusesOf(s, input, out);
        const pinned = pinnedMembers(s, status);
        if (pinned === null) {
          stats.inconclusive++;
          return;
        }
        expect(pinned).toEqual([]);
      }),
      { numRuns: 1500, seed: 20261201 },
    );
    // Refused: tiny populations near k where no pattern exists (every 2-D single-valued refusal) or where the
    // certifier (sufficient, not necessary) finds no witness; fail closed.
    expect(stats.refused).toBeLessThan(stats.runs / 16);
    expect(stats.inconclusive).toBeLessThan(stats.runs / 50);
    expect(stats.withComplementary).toBeGreaterThan(stats.runs / 10);
    expect(stats.multi).toBeGreaterThan(stats.runs / 10);
    expect(stats.threeDims).toBeGreaterThan(stats.runs / 20);
  });

  it('a member is unlisted iff its true count is below k', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const input = toInput(s);
        let out: ProtectedTable;
        try {
          out = protectTable(input, { k: s.table.k });
        } catch (error) {
          if (error instanceof DisclosureRefusal) return;
          throw error;
        }
        const status = statusesOf(s, input, out);
        for (const m of allMembers(s.table)) {
          const count = countOf(s.records, m);
          const st = status.get(memberKey(m)) ?? 'unlisted';
          expect(st === 'unlisted').toBe(count < s.table.k);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('decisions do not depend on the order of cells, margins and domain values', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const input = toInput(s);
        let out: ProtectedTable;
        try {
          out = protectTable(input, { k: s.table.k });
        } catch (error) {
          if (error instanceof DisclosureRefusal) return;
          throw error;
        }
        const reversed: TableInput = {
          ...input,
          cells: [...input.cells].reverse(),
          margins: input.margins.map((list) => [...list].reverse()),
          domains: input.domains?.map((list) => (list ? [...list].reverse() : list)),
        };
        const again = protectTable(reversed, { k: s.table.k });
        expect([...again.cells].reverse()).toEqual(out.cells);
        expect(again.margins.map((list) => [...list].reverse())).toEqual(out.margins);
        expect(again.total).toEqual(out.total);
      }),
      { numRuns: 200 },
    );
  });
});
