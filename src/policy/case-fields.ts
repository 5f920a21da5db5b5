/**
 * THE field-visibility policy of case records (shared/spec/DATA.md, "Field visibility").
 * Every response and every write goes through this one table; projection.ts derives from it
 * the columns to select, the shape to return and the fields a role may not write.
 *
 * `satisfies Record<CaseField, FieldRule>` makes a CaseField without a rule (or a rule for a
 * field that does not exist) a compile error.
 */
import type { CaseAttribute, DerivedAttribute } from '../ctdc/index.js';
import type { Role } from './roles.js';

export type CaseField =
  | 'id'
  | 'officeId'
  | 'pseudonym'
  | 'version'
  | 'createdAt'
  | 'createdBy'
  | 'updatedAt'
  | 'erasedAt'
  | 'subject'
  | 'narrative'
  | CaseAttribute
  | DerivedAttribute
  | 'consent';

export type FieldGroup = 'metadata' | 'identity' | 'narrative' | 'attribute' | 'derived' | 'consent';

export interface FieldRule {
  read: readonly Role[];
  write: readonly Role[];
  group: FieldGroup;
}

// Metadata: read by office staff and auditors; server-derived, so nobody writes it.
const METADATA = { read: ['caseworker', 'supervisor', 'auditor'], write: [], group: 'metadata' } as const;
// Attributes (CTDC profile): office staff read and write them. Researchers only see aggregates.
const ATTRIBUTE = {
  read: ['caseworker', 'supervisor'],
  write: ['caseworker', 'supervisor'],
  group: 'attribute',
} as const;
// Derived attributes: office staff read them; the server computes them, nobody writes them.
const DERIVED = { read: ['caseworker', 'supervisor'], write: [], group: 'derived' } as const;

export const CASE_FIELDS = {
  id: METADATA,
  officeId: METADATA,
  pseudonym: METADATA,
  version: METADATA,
  createdAt: METADATA,
  createdBy: METADATA,
  updatedAt: METADATA,
  erasedAt: METADATA,
  subject: { read: ['caseworker', 'supervisor'], write: ['caseworker', 'supervisor'], group: 'identity' },
  narrative: { read: ['caseworker', 'supervisor'], write: ['caseworker'], group: 'narrative' },
  registrationDate: ATTRIBUTE,
  gender: ATTRIBUTE,
  citizenship: ATTRIBUTE,
  countryOfExploitation: ATTRIBUTE,
  exploitationTypes: ATTRIBUTE,
  meansOfControl: ATTRIBUTE,
  labourSectors: ATTRIBUTE,
  sexualExploitationTypes: ATTRIBUTE,
  recruiterRelationships: ATTRIBUTE,
  isAbduction: ATTRIBUTE,
  ageBroad: DERIVED,
  majorityStatus: DERIVED,
  yearOfRegistration: DERIVED,
  consent: {
    read: ['caseworker', 'supervisor', 'auditor'],
    write: ['caseworker', 'supervisor'],
    group: 'consent',
  },
} as const satisfies Record<CaseField, FieldRule>;

/**
 * The fields of a case's `subject` (identity). Every one is encrypted at rest and redacted from logs;
 * the Subject type of cases/ and the log redaction are derived from this list.
 */
export const SUBJECT_FIELDS = [
  'givenName',
  'familyName',
  'dateOfBirth',
  'documentNumber',
  'phone',
  'address',
] as const;
export type SubjectField = (typeof SUBJECT_FIELDS)[number];

/** Every case field, in table order. */
export const CASE_FIELD_NAMES: readonly CaseField[] = Object.freeze(Object.keys(CASE_FIELDS) as CaseField[]);

export function isCaseField(v: unknown): v is CaseField {
  return typeof v === 'string' && Object.hasOwn(CASE_FIELDS, v);
}

/** The fields whose group is one of `groups`. */
export type FieldsOfGroup<G extends FieldGroup> = {
  [F in CaseField]: (typeof CASE_FIELDS)[F]['group'] extends G ? F : never;
}[CaseField];

/** The fields of the given groups, in table order (e.g. the attributes a write may carry). */
export function fieldsOfGroup<G extends FieldGroup>(...groups: G[]): readonly FieldsOfGroup<G>[] {
  return CASE_FIELD_NAMES.filter((field): field is FieldsOfGroup<G> =>
    (groups as FieldGroup[]).includes(CASE_FIELDS[field].group),
  );
}

/** The rule of a field, typed as the general FieldRule. */
export function fieldRule(field: CaseField): FieldRule {
  return CASE_FIELDS[field];
}
