/**
 * From a stored row to the response: which entity columns each case field needs (fed to the policy's
 * selectedColumns, so hidden fields are never fetched), and the record handed to the policy's project().
 * Pure: no Nest, no database, no crypto.
 */
import {
  fieldsOfGroup,
  needsDecryption,
  project,
  selectedColumns,
  type CaseField,
  type Role,
  type SubjectField,
} from '../policy/index.js';
import {
  CASE_ATTRIBUTE_NAMES,
  DERIVED_ATTRIBUTE_NAMES,
  type CaseAttribute,
  type DerivedAttribute,
} from '../ctdc/index.js';
import type { CaseEntity } from './case.entity.js';

/** A decrypted subject: every SUBJECT_FIELDS key, only givenName required. */
export type Subject = { givenName: string } & Record<Exclude<SubjectField, 'givenName'>, string | null>;

/** The decrypted parts of a case. */
export interface OpenedCase {
  subject: Subject;
  narrative: string | null;
}

export type CaseColumn = keyof CaseEntity;
export type CaseRow = Pick<CaseEntity, 'id' | 'officeId' | 'erasedAt' | 'version'> & Partial<CaseEntity>;
export type CaseView = Partial<Record<CaseField, unknown>>;

const ENCRYPTED = ['keyId', 'wrappedKey'] as const;

/** Attributes and derived attributes are stored in entity columns of their own name. */
const ATTRIBUTE_SELF_COLUMNS = Object.fromEntries(
  [...CASE_ATTRIBUTE_NAMES, ...DERIVED_ATTRIBUTE_NAMES].map((name): [string, readonly string[]] => [
    name,
    [name],
  ]),
) as { [A in CaseAttribute | DerivedAttribute]: readonly [A] };

/** The entity columns behind each case field. */
export const COLUMNS_BY_FIELD = {
  id: ['id'],
  officeId: ['officeId'],
  pseudonym: ['pseudonym'],
  version: ['version'],
  createdAt: ['createdAt'],
  createdBy: ['createdBy'],
  updatedAt: ['updatedAt'],
  erasedAt: ['erasedAt'],
  subject: ['subjectCt', ...ENCRYPTED],
  narrative: ['narrativeCt', ...ENCRYPTED],
  ...ATTRIBUTE_SELF_COLUMNS,
  consent: ['consentResearch'],
} as const satisfies Record<CaseField, readonly CaseColumn[]>;

/** Columns every query path needs to scope, version and recognise erased rows (all metadata). */
const ALWAYS: readonly CaseColumn[] = ['id', 'officeId', 'erasedAt', 'version'];

/** The columns to fetch for `role`: the policy's selection plus the bookkeeping metadata. */
export function columnsFor(role: Role): CaseColumn[] {
  return [...new Set<CaseColumn>([...ALWAYS, ...(selectedColumns(role, COLUMNS_BY_FIELD) as CaseColumn[])])];
}

/** Attributes and derived attributes: stored in columns of the same name. */
const ATTRIBUTE_COLUMNS = fieldsOfGroup('attribute', 'derived') satisfies readonly CaseColumn[];

const iso = (d: Date | null | undefined) => (d instanceof Date ? d.toISOString() : (d ?? null));

/**
 * The full record of the fetched columns (a field whose columns were not fetched is absent). An erased
 * case is metadata only. `opened` is given only when the caller may read subject or narrative.
 */
export function caseRecord(row: CaseRow, opened: OpenedCase | null): CaseView {
  const record: CaseView = { id: row.id, officeId: row.officeId };
  if (row.pseudonym !== undefined) record.pseudonym = row.pseudonym;
  record.version = row.version;
  if (row.createdAt !== undefined) record.createdAt = iso(row.createdAt);
  if (row.createdBy !== undefined) record.createdBy = row.createdBy;
  if (row.updatedAt !== undefined) record.updatedAt = iso(row.updatedAt);
  record.erasedAt = iso(row.erasedAt);
  if (row.erasedAt !== null) return record;
  if (opened !== null) {
    record.subject = { ...opened.subject };
    record.narrative = opened.narrative;
  }
  for (const column of ATTRIBUTE_COLUMNS) {
    if (row[column] !== undefined) record[column] = row[column];
  }
  if (row.consentResearch !== undefined) record.consent = { research: row.consentResearch };
  return record;
}

/** The case as `role` may see it. */
export function caseView(role: Role, row: CaseRow, opened: OpenedCase | null): CaseView {
  return project(role, caseRecord(row, opened));
}

/**
 * The fields of `role`'s view of a case, live or erased: what a read's audit event lists. They depend on the
 * role and the erasure only (never on values: every fetched column is present, null or not), so a read can
 * name them before it has the row.
 */
export function viewFields(role: Role, erased: boolean): readonly string[] {
  const key = `${role}:${erased}`;
  let fields = viewFieldsCache.get(key);
  if (fields === undefined) {
    fields = Object.freeze(fieldsOfView(role, erased));
    viewFieldsCache.set(key, fields);
  }
  return fields;
}

const viewFieldsCache = new Map<string, readonly string[]>();

function fieldsOfView(role: Role, erased: boolean): string[] {
  const row = Object.fromEntries(columnsFor(role).map((column) => [column, null])) as unknown as CaseRow;
  row.erasedAt = erased ? new Date(0) : null;
  const opened: OpenedCase | null = needsDecryption(role)
    ? { subject: { givenName: '' } as Subject, narrative: null }
    : null;
  return Object.keys(caseView(role, row, opened));
}
