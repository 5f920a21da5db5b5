import { canonicalJson } from '../common/canonical-json.js';
import { sha256Hex } from '../crypto/index.js';
import { DIMENSIONS, MAX_YEAR, MIN_YEAR, type Dimension } from './dimensions.js';
import {
  ACCURACY_PRESETS,
  type AggregateFiltersDto,
  type AggregateQueryDto,
  type YearRange,
} from './dto/aggregate-query.dto.js';

/**
 * The canonical form of a query: what it asks, independent of how it was written. Dimensions in name order,
 * filter values sorted, a year range as its list of years, the accuracy as σ. Two queries with the same
 * canonical form ask the same question: they get the same stored answer (and the same noise) for the
 * same data version. Any difference in the form is a different release, charged on its own.
 */
export interface CanonicalQuery {
  dimensions: Dimension[];
  filters: Record<string, (string | number | boolean)[]>;
  sigma: number;
  /** canonicalJson of the three above. */
  text: string;
  /** SHA-256 of `text` (the stored answer's key). */
  hash: string;
}

const sortValues = (values: readonly (string | number | boolean)[]) =>
  [...values].sort((a, b) => {
    const x = `${typeof a}:${String(a)}`;
    const y = `${typeof b}:${String(b)}`;
    return x < y ? -1 : x > y ? 1 : 0;
  });

function yearsOf(filter: number[] | YearRange): number[] {
  if (Array.isArray(filter)) return [...filter].sort((a, b) => a - b);
  const { gte = MIN_YEAR, lte = MAX_YEAR } = filter;
  return Array.from({ length: lte - gte + 1 }, (_, i) => gte + i);
}

export function sigmaOf(query: AggregateQueryDto, defaultSigma: number): number {
  const { accuracy } = query;
  if (accuracy === undefined) return defaultSigma;
  return typeof accuracy === 'string' ? ACCURACY_PRESETS[accuracy] : accuracy.sigma;
}

export function canonicalQuery(query: AggregateQueryDto, defaultSigma: number): CanonicalQuery {
  const dimensions = [...query.dimensions].sort();
  const filters: Record<string, (string | number | boolean)[]> = {};
  for (const [name, value] of Object.entries(query.filters ?? ({} as AggregateFiltersDto))) {
    if (value === undefined) continue;
    filters[name] =
      DIMENSIONS[name as Dimension].kind === 'year'
        ? yearsOf(value as number[] | YearRange)
        : sortValues(value as (string | boolean)[]);
  }
  const sigma = sigmaOf(query, defaultSigma);
  const text = canonicalJson({ v: 1, dimensions, filters, sigma });
  return { dimensions, filters, sigma, text, hash: sha256Hex(text) };
}

/** The filters of a canonical query as the SQL builder takes them (years as a list). */
export const filtersOf = (canonical: CanonicalQuery): AggregateFiltersDto =>
  canonical.filters as unknown as AggregateFiltersDto;
