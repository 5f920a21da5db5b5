/**
 * THE table of case attributes (the CTDC profile, shared/spec/DATA.md). Validation of create and update
 * bodies, the OpenAPI schema of case bodies and views, the aggregate dimensions, the create defaults and
 * the columns erasure clears are all derived from it, so adding an attribute is: a row here, a row in the
 * field-visibility policy (policy/case-fields.ts, a compile error until it exists), an entity column
 * (a unit test holds the entity against this table) and a migration.
 */
import {
  AGE_BROAD,
  COUNTRY_OR_UNKNOWN,
  EXPLOITATION_TYPES,
  GENDERS,
  LABOUR_SECTORS,
  MAJORITY_STATUS,
  MEANS_OF_CONTROL,
  RECRUITER_RELATIONSHIPS,
  SEXUAL_EXPLOITATION_TYPES,
  UNKNOWN,
} from './codes.js';

/**
 * - `code`: one value of `codes`; `country`: an ISO 3166-1 alpha-2 code or `unknown`;
 * - `multi`: a list of distinct values of `codes` (a case counts once per value in aggregates);
 * - `boolean`: true/false, or null when not recorded (`nullable`); `date`: YYYY-MM-DD.
 */
export type AttributeKind = 'code' | 'country' | 'multi' | 'boolean' | 'date';

interface AttributeSpecBase {
  /** The column of `cases` (a fixed identifier, never built from input). */
  column: string;
  kind: AttributeKind;
  /** Required in a create body; a required attribute has no default and is never null while live. */
  required: boolean;
  /** May be null (cleared) while the case is live. */
  nullable: boolean;
  /** Whether researchers may count by it (an aggregate dimension and filter, DATA.md). */
  dimension: boolean;
  /** OpenAPI example value. */
  example?: unknown;
}

export type AttributeSpec =
  | (AttributeSpecBase & { kind: 'code' | 'country'; codes: readonly string[]; default?: string })
  | (AttributeSpecBase & { kind: 'multi'; codes: readonly string[]; default: readonly [] })
  | (AttributeSpecBase & { kind: 'boolean'; default?: null })
  | (AttributeSpecBase & { kind: 'date' });

export const CASE_ATTRIBUTES = {
  registrationDate: {
    column: 'registration_date',
    kind: 'date',
    dimension: false,
    required: true,
    nullable: false,
    example: '2021-03-02',
  },
  gender: {
    column: 'gender',
    kind: 'code',
    codes: GENDERS,
    required: true,
    nullable: false,
    dimension: true,
  },
  citizenship: {
    column: 'citizenship',
    kind: 'country',
    codes: COUNTRY_OR_UNKNOWN,
    default: UNKNOWN,
    required: false,
    nullable: false,
    dimension: true,
    example: 'PH',
  },
  countryOfExploitation: {
    column: 'country_of_exploitation',
    kind: 'country',
    codes: COUNTRY_OR_UNKNOWN,
    default: UNKNOWN,
    required: false,
    nullable: false,
    dimension: true,
    example: 'MY',
  },
  exploitationTypes: {
    column: 'exploitation_types',
    kind: 'multi',
    codes: EXPLOITATION_TYPES,
    default: [],
    required: false,
    nullable: false,
    dimension: true,
  },
  meansOfControl: {
    column: 'means_of_control',
    kind: 'multi',
    codes: MEANS_OF_CONTROL,
    default: [],
    required: false,
    nullable: false,
    dimension: true,
  },
  labourSectors: {
    column: 'labour_sectors',
    kind: 'multi',
    codes: LABOUR_SECTORS,
    default: [],
    required: false,
    nullable: false,
    dimension: true,
  },
  sexualExploitationTypes: {
    column: 'sexual_exploitation_types',
    kind: 'multi',
    codes: SEXUAL_EXPLOITATION_TYPES,
    default: [],
    required: false,
    nullable: false,
    dimension: true,
  },
  recruiterRelationships: {
    column: 'recruiter_relationships',
    kind: 'multi',
    codes: RECRUITER_RELATIONSHIPS,
    default: [],
    required: false,
    nullable: false,
    dimension: true,
  },
  isAbduction: {
    column: 'is_abduction',
    kind: 'boolean',
    default: null,
    required: false,
    nullable: true,
    dimension: true,
  },
} as const satisfies Record<string, AttributeSpec>;

export type CaseAttribute = keyof typeof CASE_ATTRIBUTES;
export const CASE_ATTRIBUTE_NAMES = Object.freeze(Object.keys(CASE_ATTRIBUTES) as CaseAttribute[]);

/** Attributes the server derives (never accepted from a client): kind `year` is an integer year. */
export const DERIVED_ATTRIBUTES = {
  ageBroad: { column: 'age_broad', kind: 'code', codes: AGE_BROAD },
  majorityStatus: { column: 'majority_status', kind: 'code', codes: MAJORITY_STATUS },
  yearOfRegistration: { column: 'year_of_registration', kind: 'year' },
} as const satisfies Record<string, { column: string; kind: 'code' | 'year'; codes?: readonly string[] }>;

export type DerivedAttribute = keyof typeof DERIVED_ATTRIBUTES;
export const DERIVED_ATTRIBUTE_NAMES = Object.freeze(Object.keys(DERIVED_ATTRIBUTES) as DerivedAttribute[]);

/** The value type of an attribute as stored and returned. */
export type AttributeValue<A extends CaseAttribute> = (typeof CASE_ATTRIBUTES)[A] extends {
  kind: 'multi';
  codes: readonly (infer C)[];
}
  ? C[]
  : (typeof CASE_ATTRIBUTES)[A] extends { kind: 'code'; codes: readonly (infer C)[] }
    ? C
    : (typeof CASE_ATTRIBUTES)[A] extends { kind: 'boolean' }
      ? boolean | null
      : string;

export type AttributeValues = { [A in CaseAttribute]: AttributeValue<A> };

/** A multi-valued attribute (a case counts once per value; an empty list counts as `notSpecified`). */
export type MultiValuedAttribute = {
  [A in CaseAttribute]: (typeof CASE_ATTRIBUTES)[A]['kind'] extends 'multi' ? A : never;
}[CaseAttribute];

/** The rule of an attribute, typed as the general AttributeSpec. */
export const attributeSpec = (attribute: CaseAttribute): AttributeSpec => CASE_ATTRIBUTES[attribute];

/**
 * The stored values of a new case's attributes: the given ones, and each optional attribute's default
 * where absent. Required attributes are the caller's to validate first.
 */
export function withDefaults(input: Partial<AttributeValues>): AttributeValues {
  const out: Record<string, unknown> = {};
  for (const name of CASE_ATTRIBUTE_NAMES) {
    const spec = attributeSpec(name);
    const given = input[name];
    out[name] = given !== undefined ? given : 'default' in spec ? copy(spec.default) : undefined;
  }
  return out as AttributeValues;
}

const copy = (value: unknown): unknown => (Array.isArray(value) ? [...(value as unknown[])] : value);

/** Every attribute (given and derived) set to null: what erasure leaves of a case's profile. */
export function erasedAttributes(): Record<CaseAttribute | DerivedAttribute, null> {
  return Object.fromEntries(
    [...CASE_ATTRIBUTE_NAMES, ...DERIVED_ATTRIBUTE_NAMES].map((name) => [name, null]),
  ) as Record<CaseAttribute | DerivedAttribute, null>;
}

/** The code list of a code, country or multi-valued attribute (empty for booleans and dates). */
export function codesOf(attribute: CaseAttribute): readonly string[] {
  const spec = attributeSpec(attribute);
  return 'codes' in spec ? spec.codes : [];
}
