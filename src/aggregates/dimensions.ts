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
