import fc from 'fast-check';
import {
  answerRhoNano,
  decideCharge,
  groupingCosts,
  NANO,
  type AccountedDimension,
  type BudgetState,
} from './zcdp.js';

const dimensionArb: fc.Arbitrary<AccountedDimension[]> = fc.uniqueArray(
  fc.record({
    name: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
    maxValuesPerCase: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 6 })),
  }),
  { maxLength: 3, selector: (d) => d.name },
);

/** All counts of an answer for a set of records (cells, margins, total), as the contract defines them. */
function counts(dims: AccountedDimension[], records: number[][][]): Map<string, number> {
  const out = new Map<string, number>();
  const add = (key: string) => out.set(key, (out.get(key) ?? 0) + 1);
  for (const r of records) {
    add('total');
    if (dims.length >= 2) r.forEach((values, d) => values.forEach((v) => add(`m${d}:${v}`)));
    if (dims.length >= 1) {
      const combos = r.reduce<number[][]>((acc, vs) => acc.flatMap((p) => vs.map((v) => [...p, v])), [[]]);
      for (const c of combos) add(`c:${c.join(',')}`);
    }
  }
  return out;
}

const recordArb = (dims: AccountedDimension[]) =>
  fc.tuple(
    ...dims.map((d) =>
      fc.uniqueArray(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: d.maxValuesPerCase }),
    ),
  ) as fc.Arbitrary<number[][]>;

describe('zCDP accounting', () => {
  it('a 2-D answer of single-valued dimensions has 4 groupings and costs 2/σ² (0.02 at σ = 10)', () => {
    const dims = [
      { name: 'citizenship', maxValuesPerCase: 1 },
      { name: 'yearOfRegistration', maxValuesPerCase: 1 },
    ];
    expect(groupingCosts(dims).map((g) => g.grouping)).toEqual([
      'cells',
      'margin:citizenship',
      'margin:yearOfRegistration',
      'total',
    ]);
    expect(answerRhoNano(dims, 10)).toBe(0.02 * NANO);
    expect(answerRhoNano([], 10)).toBe(0.005 * NANO);
  });

  it('a multi-valued dimension is charged for every value a case can hold (Δ² = Π L)', () => {
    const dims = [
      { name: 'gender', maxValuesPerCase: 1 },
      { name: 'exploitationTypes', maxValuesPerCase: 7 },
    ];
    expect(groupingCosts(dims).map((g) => g.sensitivitySquared)).toEqual([7, 1, 7, 1]);
  });

  it('property: adding one case changes the released counts by at most the accounted sensitivity (L2)', () => {
    fc.assert(
      fc.property(
        dimensionArb.chain((dims) =>
          fc.tuple(fc.constant(dims), fc.array(recordArb(dims), { maxLength: 20 }), recordArb(dims)),
        ),
        ([dims, records, extra]) => {
          const before = counts(dims, records);
          const after = counts(dims, [...records, extra]);
          let squared = 0;
          for (const key of new Set([...before.keys(), ...after.keys()])) {
            squared += ((after.get(key) ?? 0) - (before.get(key) ?? 0)) ** 2;
          }
          const accounted = groupingCosts(dims).reduce((a, g) => a + g.sensitivitySquared, 0);
          expect(squared).toBeLessThanOrEqual(accounted);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: the charge is never below ρ = Σ Δ²/(2σ²), and a larger σ never costs more', () => {
    fc.assert(
      fc.property(
        dimensionArb,
        fc.integer({ min: 500, max: 1_000_000 }).map((m) => m / 1000),
        (dims, sigma) => {
          const s = groupingCosts(dims).reduce((a, g) => a + g.sensitivitySquared, 0);
          const nano = answerRhoNano(dims, sigma);
          expect(nano / NANO).toBeGreaterThanOrEqual(s / (2 * sigma * sigma));
          expect(answerRhoNano(dims, sigma * 2)).toBeLessThanOrEqual(nano);
        },
      ),
    );
  });

  it('property: no sequence of queries spends more than the researcher budget or the global cap', () => {
    const queryArb = fc.record({
      researcher: fc.integer({ min: 0, max: 3 }),
      dims: dimensionArb,
      sigma: fc.constantFrom(1, 3, 10, 20, 50),
      fresh: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(queryArb, { maxLength: 200 }),
        fc.integer({ min: 1, max: NANO }),
        fc.integer({ min: 1, max: 3 * NANO }),
        (queries, perResearcher, cap) => {
          const ledgers: BudgetState[] = [0, 1, 2, 3].map(() => ({ spentNano: 0, totalNano: perResearcher }));
          let global: BudgetState = { spentNano: 0, totalNano: cap };
          const spentByQueries = [0, 0, 0, 0];
          let globalByQueries = 0;
          for (const q of queries) {
            const cost = answerRhoNano(q.dims, q.sigma);
            const decision = decideCharge(cost, ledgers[q.researcher], q.fresh ? global : null);
            if (!decision.allowed) continue;
            ledgers[q.researcher] = decision.researcher;
            spentByQueries[q.researcher] += cost;
            if (q.fresh && decision.global) {
              global = decision.global;
              globalByQueries += cost;
            }
          }
          ledgers.forEach((l, r) => {
            expect(l.spentNano).toBeLessThanOrEqual(perResearcher);
            expect(l.spentNano).toBe(spentByQueries[r]);
          });
          expect(global.spentNano).toBeLessThanOrEqual(cap);
          expect(global.spentNano).toBe(globalByQueries);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a charge that would exceed either budget, naming which', () => {
    expect(decideCharge(11, { spentNano: 90, totalNano: 100 }, null)).toEqual({
      allowed: false,
      exhausted: 'researcher',
    });
    expect(decideCharge(10, { spentNano: 90, totalNano: 100 }, { spentNano: 995, totalNano: 1000 })).toEqual({
      allowed: false,
      exhausted: 'global',
    });
    expect(decideCharge(10, { spentNano: 90, totalNano: 100 }, null)).toMatchObject({ allowed: true });
  });
});
