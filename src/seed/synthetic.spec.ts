import { validateBody } from '../common/validation.js';
import { deriveAttributes } from '../ctdc/index.js';
import { CreateCaseDto } from '../cases/dto/case.dto.js';
import { officePicker, SyntheticCases, type SyntheticCase } from './synthetic.js';

const sample = (seed: number, n: number): SyntheticCase[] => {
  const generator = new SyntheticCases(seed);
  return Array.from({ length: n }, () => generator.next());
};

const share = (cases: SyntheticCase[], predicate: (c: SyntheticCase) => boolean) =>
  cases.filter(predicate).length / cases.length;

describe('SyntheticCases', () => {
  const cases = sample(7, 3000);

  it('every synthetic case is a valid POST /v1/cases body whose attributes derive', async () => {
    for (const c of cases.slice(0, 600)) {
      await expect(validateBody(CreateCaseDto, c)).resolves.toBeDefined();
    }
    for (const c of cases) {
      expect(() => deriveAttributes(c.registrationDate, c.subject.dateOfBirth)).not.toThrow();
    }
  });

  it('is deterministic for a seed and differs between seeds', () => {
    expect(sample(7, 50)).toEqual(cases.slice(0, 50));
    expect(sample(8, 50)).not.toEqual(cases.slice(0, 50));
  });

  it('about 10% withhold research consent', () => {
    const without = share(cases, (c) => !c.consent.research);
    expect(without).toBeGreaterThan(0.07);
    expect(without).toBeLessThan(0.13);
  });

  it('citizenship is skewed (a few countries dominate) with a long tail and unknowns', () => {
    const counts = new Map<string, number>();
    for (const c of cases) counts.set(c.citizenship, (counts.get(c.citizenship) ?? 0) + 1);
    const ranked = [...counts.values()].sort((a, b) => b - a);
    expect(ranked[0] / cases.length).toBeGreaterThan(0.1);
    expect(counts.size).toBeGreaterThan(40);
    expect(counts.get('unknown') ?? 0).toBeGreaterThan(0);
    expect(ranked.filter((n) => n === 1).length).toBeGreaterThan(5);
  });

  it('attributes are correlated: sexual exploitation mostly of women, forced labour mostly of men', () => {
    const sexual = cases.filter((c) => c.exploitationTypes.includes('sexualExploitation'));
    const labour = cases.filter((c) => c.exploitationTypes.includes('forcedLabour'));
    expect(share(sexual, (c) => c.gender === 'female')).toBeGreaterThan(0.85);
    expect(share(labour, (c) => c.gender === 'male')).toBeGreaterThan(0.3);
    expect(share(labour, (c) => c.labourSectors.length > 0)).toBeGreaterThan(0.8);
    expect(
      cases
        .filter((c) => !c.exploitationTypes.includes('forcedLabour'))
        .every((c) => c.labourSectors.length === 0),
    ).toBe(true);
  });

  it('multi-valued fields hold several values in some cases, none in others', () => {
    expect(share(cases, (c) => c.exploitationTypes.length > 1)).toBeGreaterThan(0.02);
    expect(share(cases, (c) => c.meansOfControl.length > 2)).toBeGreaterThan(0.1);
    expect(share(cases, (c) => c.meansOfControl.length === 0)).toBeGreaterThan(0.05);
    expect(share(cases, (c) => c.recruiterRelationships.length === 0)).toBeGreaterThan(0.2);
  });

  it('rare combinations exist (types below 1%)', () => {
    const rare = share(
      cases,
      (c) => c.exploitationTypes.includes('organRemoval') || c.exploitationTypes.includes('forcedMilitary'),
    );
    expect(rare).toBeGreaterThan(0);
    expect(rare).toBeLessThan(0.02);
  });
});

describe('officePicker', () => {
  it('spreads cases over every office, the first the busiest', () => {
    const pick = officePicker(5);
    const counts = [0, 0, 0, 0, 0];
    for (let n = 0; n < 10_000; n++) counts[pick(n)] += 1;
    expect(Math.min(...counts)).toBeGreaterThan(0);
    expect(counts[0]).toBe(Math.max(...counts));
  });
});
