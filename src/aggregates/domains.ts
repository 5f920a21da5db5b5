/**
 * The domain of each dimension of an answer, as a reader knows it: the dimension's code list (years:
 * MIN_YEAR..MAX_YEAR) restricted by the query's filter on that dimension. Disclosure control protects every
 * combination of this grid, absent ones included (they are zeros the reader cannot see).
 *
 * A filter on another attribute of the same family (a country and its M49 regions; age band and majority
 * status, both derived from the date of birth) makes some values structurally impossible; a reader knows
 * those are zero, so they must not count as unknowns: the domain is then left to the values present
 * (undefined). Two dimensions of one family in a query would put structural zeros inside the grid: refused.
 */
import type { DimensionValue } from '../disclosure/index.js';
import { validationFailed } from '../common/errors.js';
import { DIMENSIONS, MAX_YEAR, MIN_YEAR, type Dimension } from './dimensions.js';
import type { AggregateFiltersDto, YearRange } from './dto/aggregate-query.dto.js';

const family = (d: Dimension): string => {
  const column = DIMENSIONS[d].column;
  return column === 'age_broad' || column === 'majority_status' ? 'age' : column;
};

export function domainsFor(
  dimensions: readonly Dimension[],
  filters: AggregateFiltersDto = {},
): (readonly DimensionValue[] | undefined)[] {
  const families = dimensions.map(family);
  if (new Set(families).size < families.length) {
    throw validationFailed(
      'Validation failed: dimensions must describe different attributes (e.g. not a country and its region)',
    );
  }
  const filtered = (Object.entries(filters) as [Dimension, unknown][]).filter(([, v]) => v !== undefined);
  return dimensions.map((d) => {
    if (filtered.some(([f]) => f !== d && family(f) === family(d))) return undefined;
    const own = filtered.find(([f]) => f === d)?.[1];
    const spec = DIMENSIONS[d];
    if (spec.kind === 'year') {
      if (Array.isArray(own)) return own as number[];
      const { gte = MIN_YEAR, lte = MAX_YEAR } = (own ?? {}) as YearRange;
      const years: number[] = [];
      for (let y = Math.max(gte, MIN_YEAR); y <= Math.min(lte, MAX_YEAR); y++) years.push(y);
      return years;
    }
    const values: readonly DimensionValue[] = spec.values;
    if (!Array.isArray(own)) return values;
    const allowed = new Set<DimensionValue>(own as DimensionValue[]);
    return values.filter((v) => allowed.has(v));
  });
}
