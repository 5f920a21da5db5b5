import { DIMENSIONS, isMultiValued, type Dimension } from '../ctdc/index.js';

/** The aggregate allow-list comes from the data standard (ctdc/dimensions.ts); the limits are this endpoint's. */
export {
  DIMENSIONS,
  DIMENSION_NAMES,
  MAX_YEAR,
  MIN_YEAR,
  isMultiValued,
  type Dimension,
  type DimensionSpec,
} from '../ctdc/index.js';

/** At most this many dimensions per query (API.md). */
export const MAX_DIMENSIONS = 3;

/**
 * The most values one case can count under in this dimension: 1 for a single-valued dimension; for a
 * multi-valued one, every code of its list (a case may hold them all; `notSpecified` only for an empty
 * list). Nothing is clipped, so this is the sensitivity the accounting charges for (disclosure/zcdp.ts).
 */
export const maxValuesPerCase = (dimension: Dimension): number =>
  isMultiValued(dimension) ? DIMENSIONS[dimension].values.length - 1 : 1;
