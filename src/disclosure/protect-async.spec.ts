import { syntheticTable } from '../../bench/synthetic-table.js';
import { DisclosureInputError, DisclosureRefusal } from './errors.js';
import { closeProtectionPool, protectTableAsync } from './protect-async.js';
import { protectTable } from './protect-table.js';
import type { TableInput } from './types.js';

const small: TableInput = {
  dimensions: ['gender'],
  multiValued: [false],
  domains: [['a', 'b', 'c']],
  cells: [
    { values: ['a'], count: 3 },
    { values: ['b'], count: 20 },
    { values: ['c'], count: 30 },
  ],
  margins: [],
  total: { count: 53 },
};

describe('protectTableAsync (worker threads)', () => {
  afterAll(async () => {
    await closeProtectionPool();
  });

  it('gives the same decisions as protectTable, computed in a worker (the worker file resolves under the test runner)', async () => {
    await expect(protectTableAsync(small, { k: 11 })).resolves.toEqual(protectTable(small, { k: 11 }));
  });

  it('passes errors back as the same classes', async () => {
    await expect(protectTableAsync({ ...small, total: { count: 52 } }, { k: 11 })).rejects.toBeInstanceOf(
      DisclosureInputError,
    );
    const two: TableInput = {
      ...small,
      dimensions: ['x', 'y'],
      multiValued: [true, true],
      domains: undefined,
      cells: [{ values: ['a', 'b'], count: 20 }],
      margins: [[{ value: 'a', count: 20 }], [{ value: 'b', count: 20 }]],
      total: { count: 20 },
    };
    await expect(protectTableAsync(two, { k: 11 })).rejects.toMatchObject({
      reason: 'multiple-multi-valued',
    });
  });

  it('over its time budget the answer is refused (time-budget) and the pool still answers afterwards', async () => {
    const { input } = syntheticTable({ sizes: [120, 14, 20], multi: 1, records: 60_000, seed: 3 });
    const refusal = await protectTableAsync(input, { k: 11, budgetMs: 1 }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(DisclosureRefusal);
    expect((refusal as DisclosureRefusal).reason).toBe('time-budget');
    await expect(protectTableAsync(small, { k: 11 })).resolves.toEqual(protectTable(small, { k: 11 }));
  });

  it('runs several answers concurrently through the bounded pool', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => protectTableAsync(small, { k: 11 })));
    for (const r of results) expect(r).toEqual(protectTable(small, { k: 11 }));
  });
});
