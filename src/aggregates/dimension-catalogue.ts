/**
 * GET /v1/aggregates/dimensions: every dimension and filter with its kind, codes and labels, and the limits
 * of a query. Derived from the allow-list (ctdc/dimensions.ts) and the labels of the standard; pure.
 */
import {
  codeLabel,
  countryName,
  M49_AREAS,
  MAX_YEAR,
  MIN_YEAR,
  REGION_SOURCE,
  regionName,
} from '../ctdc/index.js';
import { DIMENSION_NAMES, DIMENSIONS, MAX_DIMENSIONS, type Dimension } from './dimensions.js';

/** `single`: one code per case; `multiValued`: a list (a case counts once per value); `year`; `boolean`. */
export type DimensionKind = 'single' | 'multiValued' | 'year' | 'boolean';

export interface CodeListing {
  code: string | boolean;
  label: string;
}

export interface DimensionListing {
  name: Dimension;
  kind: DimensionKind;
  /** How a filter on it is written: a list of codes, or for years a list or `{gte, lte}`. */
  filter: 'codes' | 'yearsOrRange';
  /** The codes a dimension's values and filters use (absent for years: see `years`). */
  codes?: CodeListing[];
  years?: { min: number; max: number };
  /** For a geographic grouping: the country dimension it groups and the M49 level. */
  groups?: { dimension: Dimension; level: 'region' | 'subregion'; source: string };
  description: string;
}

export interface DimensionsCatalogue {
  dimensions: DimensionListing[];
  limits: { maxDimensions: number; maxCells: number };
  notes: string[];
}

const KIND: Record<(typeof DIMENSIONS)[Dimension]['kind'], DimensionKind> = {
  code: 'single',
  multi: 'multiValued',
  year: 'year',
  boolean: 'boolean',
};

function labelFor(dimension: Dimension, code: string | boolean): string {
  const spec = DIMENSIONS[dimension];
  const label =
    typeof code === 'boolean'
      ? codeLabel(code)
      : spec.grouping
        ? regionName(code)
        : dimension === 'citizenship' || dimension === 'countryOfExploitation'
          ? countryName(code)
          : codeLabel(code);
  if (label === undefined) throw new Error(`no label for ${dimension} code ${String(code)}`);
  return label;
}

/** The label of a value of a dimension (for CSV name columns), or undefined for years. */
export function valueLabel(dimension: Dimension, value: string | number | boolean): string | undefined {
  return typeof value === 'number' ? undefined : labelFor(dimension, value);
}

/** Whether a dimension's codes are opaque enough to deserve a name column in CSV answers. */
export const hasNameColumn = (dimension: Dimension): boolean =>
  Boolean(DIMENSIONS[dimension].grouping) ||
  dimension === 'citizenship' ||
  dimension === 'countryOfExploitation';

/** The country dimension a grouping groups (the one over the same column that is not a grouping). */
function groupedDimension(grouping: Dimension): Dimension {
  const { column } = DIMENSIONS[grouping];
  const found = DIMENSION_NAMES.find((d) => DIMENSIONS[d].column === column && !DIMENSIONS[d].grouping);
  if (!found) throw new Error(`grouping ${grouping} groups no dimension`);
  return found;
}

function describe(dimension: Dimension): string {
  const spec = DIMENSIONS[dimension];
  if (spec.grouping) {
    const of = groupedDimension(dimension);
    const level = spec.grouping === 'region' ? 'region' : 'sub-region';
    return (
      `UN M49 ${level} of ${of} (${M49_AREAS[spec.grouping].length} ${level}s), by M49 code; ` +
      `"unknown" when ${of} is unknown, "notClassified" for codes M49 assigns to no ${level}`
    );
  }
  switch (spec.kind) {
    case 'multi':
      return 'Multi-valued: a case counts once per value, in cells and in this margin; an empty list counts as notSpecified';
    case 'year':
      return `Year of registration (${MIN_YEAR}–${MAX_YEAR}); filter by a list of years or {gte, lte}`;
    case 'boolean':
      return 'true, false, or "unknown" when not recorded';
    default:
      return dimension === 'citizenship' || dimension === 'countryOfExploitation'
        ? 'ISO 3166-1 alpha-2 code, or "unknown"'
        : 'One CTDC code per case';
  }
}

/** The listing, built once: it depends only on the fixed tables. */
export function dimensionsCatalogue(limits: { maxCells: number }): DimensionsCatalogue {
  const dimensions = DIMENSION_NAMES.map((name): DimensionListing => {
    const spec = DIMENSIONS[name];
    const listing: DimensionListing = {
      name,
      kind: KIND[spec.kind],
      filter: spec.kind === 'year' ? 'yearsOrRange' : 'codes',
      description: describe(name),
    };
    if (spec.kind === 'year') listing.years = { min: MIN_YEAR, max: MAX_YEAR };
    else listing.codes = spec.values.map((code) => ({ code, label: labelFor(name, code) }));
    if (spec.grouping) {
      const of = (DIMENSION_NAMES as readonly string[]).find(
        (d) =>
          d !== name &&
          DIMENSIONS[d as Dimension].column === spec.column &&
          !DIMENSIONS[d as Dimension].grouping,
      ) as Dimension;
      listing.groups = { dimension: of, level: spec.grouping, source: REGION_SOURCE };
    }
    return listing;
  });
  return {
    dimensions,
    limits: { maxDimensions: MAX_DIMENSIONS, maxCells: limits.maxCells },
    notes: [
      'Every dimension is also a filter (a list of its codes; years also as {gte, lte}).',
      'With two or more dimensions an answer has one margin per dimension; zero dimensions give only the total.',
      'maxCells counts the non-empty combinations of the dimensions asked, after filters.',
    ],
  };
}
