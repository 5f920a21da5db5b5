import {
  AGE_BROAD,
  COUNTRY_OR_UNKNOWN,
  EXPLOITATION_TYPES,
  GENDERS,
  LABOUR_SECTORS,
  MAJORITY_STATUS,
  MEANS_OF_CONTROL,
  NOT_SPECIFIED,
  RECRUITER_RELATIONSHIPS,
  SEXUAL_EXPLOITATION_TYPES,
  UNKNOWN,
} from '../ctdc/index.js';

interface DimensionSpec {
  /** The column of `cases` (a fixed identifier: never built from input). */
  column: string;
  kind: 'code' | 'year' | 'boolean' | 'multi';
  /** The values a filter on this dimension may name (years are checked by range instead). */
  values: readonly (string | boolean)[];
}

/**
 * The allow-list of aggregate dimensions and filters (DATA.md). Multi-valued attributes count a case once
 * per value; an empty list counts as `notSpecified`. `isAbduction` values are true, false or "unknown".
 */
export const DIMENSIONS = {
  gender: { column: 'gender', kind: 'code', values: GENDERS },
  ageBroad: { column: 'age_broad', kind: 'code', values: AGE_BROAD },
  majorityStatus: { column: 'majority_status', kind: 'code', values: MAJORITY_STATUS },
  citizenship: { column: 'citizenship', kind: 'code', values: COUNTRY_OR_UNKNOWN },
  countryOfExploitation: { column: 'country_of_exploitation', kind: 'code', values: COUNTRY_OR_UNKNOWN },
  yearOfRegistration: { column: 'year_of_registration', kind: 'year', values: [] },
  exploitationTypes: {
    column: 'exploitation_types',
    kind: 'multi',
    values: [...EXPLOITATION_TYPES, NOT_SPECIFIED],
  },
  labourSectors: { column: 'labour_sectors', kind: 'multi', values: [...LABOUR_SECTORS, NOT_SPECIFIED] },
  sexualExploitationTypes: {
    column: 'sexual_exploitation_types',
    kind: 'multi',
    values: [...SEXUAL_EXPLOITATION_TYPES, NOT_SPECIFIED],
  },
  meansOfControl: { column: 'means_of_control', kind: 'multi', values: [...MEANS_OF_CONTROL, NOT_SPECIFIED] },
  recruiterRelationships: {
    column: 'recruiter_relationships',
    kind: 'multi',
    values: [...RECRUITER_RELATIONSHIPS, NOT_SPECIFIED],
  },
  isAbduction: { column: 'is_abduction', kind: 'boolean', values: [true, false, UNKNOWN] },
} as const satisfies Record<string, DimensionSpec>;

export type Dimension = keyof typeof DIMENSIONS;
export const DIMENSION_NAMES = Object.keys(DIMENSIONS) as Dimension[];
export const MAX_DIMENSIONS = 3;
export { MAX_YEAR, MIN_YEAR } from '../ctdc/index.js';

export const isMultiValued = (dimension: Dimension): boolean => DIMENSIONS[dimension].kind === 'multi';
