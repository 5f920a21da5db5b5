import fc from 'fast-check';
import { syntheticTable } from '../../bench/synthetic-table.js';
import { DisclosureInputError } from './errors.js';
import { protectTable } from './protect-table.js';
import type { DimensionValue, TableInput } from './types.js';
import { decisionsFromWire, decisionsToWire, tableFromWire, tableToWire } from './wire.js';

const value: fc.Arbitrary<DimensionValue> = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.integer({ min: -3, max: 2030 }),
  fc.boolean(),
  fc.constantFrom(0, -0, '0', 'notSpecified'),
);

const table: fc.Arbitrary<TableInput> = fc.integer({ min: 0, max: 3 }).chain((D) =>
  fc.record({
    dimensions: fc.constant(Array.from({ length: D }, (_, d) => `d${d}`)),
    multiValued: fc.array(fc.boolean(), { minLength: D, maxLength: D }),
    domains: fc.option(
      fc.array(fc.option(fc.array(value), { nil: undefined }), { minLength: D, maxLength: D }),
      {
        nil: undefined,
      },
    ),
    cells: fc.array(
      fc.record({
        values: fc.array(value, { minLength: D, maxLength: D }),
        count: fc.integer({ min: 0, max: 99 }),
      }),
      { maxLength: 30 },
    ),
    margins: fc
      .constant(D >= 2 ? D : 0)
      .chain((n) =>
        fc.array(fc.array(fc.record({ value, count: fc.double() })), { minLength: n, maxLength: n }),
      ),
    total: fc.record({ count: fc.integer() }),
  }),
);

describe('the protection worker messages (wire.ts)', () => {
  it('carry a table exactly: every value (2018 and "2018", 0 and -0), count and order', () => {
    fc.assert(
      fc.property(table, (input) => {
        const { wire } = tableToWire(input);
        // As postMessage would deliver it (a structured clone).
        expect(tableFromWire(structuredClone(wire))).toEqual(input);
      }),
      { numRuns: 500 },
    );
  });

  it('carry the decisions exactly', () => {
    const { input } = syntheticTable({ sizes: [20, 6, 5], multi: 1, records: 3000, seed: 11 });
    const decided = protectTable(input, { k: 5 });
    expect(decisionsFromWire(structuredClone(decisionsToWire(decided).wire))).toEqual(decided);
  });

  it('refuse a malformed table as protectTable would (an input error)', () => {
    const bad = {
      dimensions: ['a'],
      multiValued: [false],
      cells: [{ values: [], count: 1 }],
      margins: [],
      total: { count: 1 },
    };
    expect(() => tableToWire(bad)).toThrow(DisclosureInputError);
    expect(() =>
      tableToWire({ ...bad, cells: [{ values: ['x'], count: '1' as unknown as number }] }),
    ).toThrow(DisclosureInputError);
  });
});
