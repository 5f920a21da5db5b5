import { describeDisclosureControl } from './describe.js';
import { groupingCosts } from './zcdp.js';

describe('describeDisclosureControl', () => {
  const described = describeDisclosureControl({
    k: 11,
    sigma: 10,
    halfWidth95: 20,
    rhoCharged: 0.02,
    rhoOfRelease: 0.02,
    groupings: groupingCosts([
      { name: 'citizenship', maxValuesPerCase: 1 },
      { name: 'gender', maxValuesPerCase: 1 },
    ]),
    complementarySuppressed: 3,
    budget: { total: 0.32, remaining: 0.3, periodEnd: '2027-06-30' },
    dataVersion: '2026-12-01/1764547200000',
    countedAt: '2026-12-01T10:00:00.000Z',
  });

  it('names k, the methods, the noise parameters, the budget, the population and the data version', () => {
    expect(described).toMatchObject({
      k: 11,
      complementarySuppressed: 3,
      noise: { sigma: 10, halfWidth95: 20, rhoCharged: 0.02 },
      budget: { total: 0.32, remaining: 0.3, periodEnd: '2027-06-30' },
      dataVersion: '2026-12-01/1764547200000',
    });
    expect(described.statement).toContain('discrete Gaussian');
    expect(described.statement).toContain('possibly none');
    expect(described.references).toEqual(expect.arrayContaining([expect.stringContaining('Canonne')]));
  });

  it('never says how many counts were small (primary suppression is indistinguishable from zero)', () => {
    expect(JSON.stringify(described)).not.toMatch(/primary"|primarySuppressed/);
  });
});
