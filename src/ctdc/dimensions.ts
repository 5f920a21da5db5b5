/**
 * The aggregate dimensions and filters (DATA.md's allow-list), derived from the attribute table: every
 * attribute marked `dimension` and every derived attribute. Multi-valued attributes count a case once per
 * value and an empty list as `notSpecified`; `isAbduction` counts true, false or `unknown` (not recorded).
 *
 * Each country attribute also gives two geographic groupings (regions.ts): `<attribute>Region` (UN M49
 * region) and `<attribute>Subregion` (UN M49 sub-region), e.g. `citizenshipRegion`, counted by mapping the
 * country column to its grouping in the query.
 */
import {
  CASE_ATTRIBUTE_NAMES,
  CASE_ATTRIBUTES,
  DERIVED_ATTRIBUTE_NAMES,
  DERIVED_ATTRIBUTES,
  attributeSpec,
  type CaseAttribute,
  type DerivedAttribute,
} from './attributes.js';
import { NOT_SPECIFIED, UNKNOWN } from './codes.js';
import { REGION_CODES, REGION_LEVELS, type RegionLevel } from './regions.js';

export interface DimensionSpec {
  /** The column of `cases` (a fixed identifier: never built from input). */
  column: string;
  kind: 'code' | 'year' | 'boolean' | 'multi';
  /** The values a filter on this dimension may name (years are checked by range instead). */
  values: readonly (string | boolean)[];
  /** A grouping of the country column `column`: its values are the M49 codes of this level. */
  grouping?: RegionLevel;
}

/** Country attributes that are dimensions: each has region and sub-region groupings. */
type CountryDimension = {
  [A in CaseAttribute]: (typeof CASE_ATTRIBUTES)[A] extends { kind: 'country'; dimension: true } ? A : never;
}[CaseAttribute];

/** `citizenshipRegion`, `citizenshipSubregion`, `countryOfExploitationRegion`, … */
export type RegionDimension = `${CountryDimension}${'Region' | 'Subregion'}`;

const GROUPING_SUFFIX: Record<RegionLevel, 'Region' | 'Subregion'> = {
  region: 'Region',
  subregion: 'Subregion',
};

export type Dimension =
  | {
      [A in CaseAttribute]: (typeof CASE_ATTRIBUTES)[A]['dimension'] extends true ? A : never;
    }[CaseAttribute]
  | DerivedAttribute
  | RegionDimension;

function attributeDimension(name: CaseAttribute): DimensionSpec | null {
  const spec = attributeSpec(name);
  if (!spec.dimension) return null;
  switch (spec.kind) {
    case 'code':
    case 'country':
      return { column: spec.column, kind: 'code', values: spec.codes };
    case 'multi':
      return { column: spec.column, kind: 'multi', values: [...spec.codes, NOT_SPECIFIED] };
    case 'boolean':
      return { column: spec.column, kind: 'boolean', values: [true, false, UNKNOWN] };
    case 'date':
      throw new Error(`attribute ${name}: a date is not a dimension (derive a year from it)`);
  }
}

function derivedDimension(name: DerivedAttribute): DimensionSpec {
  const spec: { column: string; kind: 'code' | 'year'; codes?: readonly string[] } = DERIVED_ATTRIBUTES[name];
  return { column: spec.column, kind: spec.kind, values: spec.codes ?? [] };
}

export const DIMENSIONS: Readonly<Record<Dimension, DimensionSpec>> = Object.freeze(
  Object.fromEntries([
    ...CASE_ATTRIBUTE_NAMES.flatMap((name) => {
      const dimension = attributeDimension(name);
      return dimension ? [[name, dimension] as const] : [];
    }),
    ...DERIVED_ATTRIBUTE_NAMES.map((name) => [name, derivedDimension(name)] as const),
    ...CASE_ATTRIBUTE_NAMES.flatMap((name) => {
      const spec = attributeSpec(name);
      if (spec.kind !== 'country' || !spec.dimension) return [];
      return REGION_LEVELS.map(
        (level) =>
          [
            `${name}${GROUPING_SUFFIX[level]}`,
            { column: spec.column, kind: 'code', values: REGION_CODES[level], grouping: level },
          ] as const,
      );
    }),
  ]) as Record<Dimension, DimensionSpec>,
);

export const DIMENSION_NAMES = Object.freeze(Object.keys(DIMENSIONS) as Dimension[]);

export const isMultiValued = (dimension: Dimension): boolean => DIMENSIONS[dimension].kind === 'multi';
