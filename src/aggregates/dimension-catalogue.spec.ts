import { DIMENSION_NAMES, DIMENSIONS } from './dimensions.js';
import { dimensionsCatalogue, hasNameColumn, valueLabel } from './dimension-catalogue.js';

describe('dimensions catalogue', () => {
  const catalogue = dimensionsCatalogue({ maxCells: 5000 });
  const byName = new Map(catalogue.dimensions.map((d) => [d.name, d]));

  it('lists every dimension of the allow-list once, with the limits', () => {
    expect(catalogue.dimensions.map((d) => d.name)).toEqual([...DIMENSION_NAMES]);
    expect(catalogue.limits).toEqual({ maxDimensions: 3, maxCells: 5000 });
  });

  it('gives every code of every coded dimension a label, and years a range', () => {
    for (const listing of catalogue.dimensions) {
      if (listing.kind === 'year') {
        expect(listing.years).toEqual({ min: 1900, max: 2100 });
        continue;
      }
      expect(listing.codes?.map((c) => c.code)).toEqual([...DIMENSIONS[listing.name].values]);
      for (const { label } of listing.codes ?? []) expect(label.length).toBeGreaterThan(0);
    }
  });

  it('states the kinds: single, multi-valued, year, boolean', () => {
    expect(byName.get('gender')?.kind).toBe('single');
    expect(byName.get('exploitationTypes')?.kind).toBe('multiValued');
    expect(byName.get('yearOfRegistration')).toMatchObject({ kind: 'year', filter: 'yearsOrRange' });
    expect(byName.get('isAbduction')?.codes).toEqual([
      { code: true, label: 'Yes' },
      { code: false, label: 'No' },
      { code: 'unknown', label: 'Unknown' },
    ]);
  });

  it('labels countries by ISO name and groupings by M49 name, saying what they group', () => {
    expect(byName.get('citizenship')?.codes).toContainEqual({ code: 'PH', label: 'Philippines' });
    expect(byName.get('citizenshipSubregion')?.codes).toContainEqual({
      code: '035',
      label: 'South-eastern Asia',
    });
    expect(byName.get('countryOfExploitationRegion')?.groups).toMatchObject({
      dimension: 'countryOfExploitation',
      level: 'region',
    });
    expect(byName.get('exploitationTypes')?.codes).toContainEqual({
      code: 'forcedLabour',
      label: 'Forced labour',
    });
  });

  it('labels values for CSV name columns (countries and groupings only get a name column)', () => {
    expect(valueLabel('citizenshipRegion', '002')).toBe('Africa');
    expect(valueLabel('yearOfRegistration', 2021)).toBeUndefined();
    expect(hasNameColumn('citizenship')).toBe(true);
    expect(hasNameColumn('citizenshipSubregion')).toBe(true);
    expect(hasNameColumn('gender')).toBe(false);
  });
});
