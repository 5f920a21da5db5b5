/**
 * Pure functions derived from the CASE_FIELDS table: what a role reads (and therefore what is
 * selected from the database and returned) and what it may not write.
 */
import { CASE_FIELD_NAMES, fieldRule, isCaseField, type CaseField } from './case-fields.js';
import { ROLES, type Role } from './roles.js';

/** Each role's readable fields, worked out once from the (constant) table: project() asks for every row. */
const READABLE: ReadonlyMap<string, readonly CaseField[]> = new Map(
  ROLES.map((role) => [
    role,
    Object.freeze(CASE_FIELD_NAMES.filter((f) => fieldRule(f).read.includes(role))),
  ]),
);
const NOTHING: readonly CaseField[] = Object.freeze([]);

/** The fields `role` may read, in table order. An unknown role reads nothing. */
export function readableFields(role: Role): readonly CaseField[] {
  return READABLE.get(role) ?? NOTHING;
}

/** The fields `role` may write, in table order. */
export function writableFields(role: Role): readonly CaseField[] {
  return CASE_FIELD_NAMES.filter((f) => fieldRule(f).write.includes(role));
}

export function canRead(role: Role, field: CaseField): boolean {
  return fieldRule(field).read.includes(role);
}

export function canWrite(role: Role, field: CaseField): boolean {
  return fieldRule(field).write.includes(role);
}

/** Whether the role may read at least one field of a case. */
export function canReadCases(role: Role): boolean {
  return readableFields(role).length > 0;
}

/**
 * The record as `role` may see it: a fresh object with exactly the readable fields that are own
 * properties of `record`, in table order. Nothing else is ever copied.
 */
export function project<T extends Partial<Record<CaseField, unknown>>>(role: Role, record: T): Partial<T> {
  const out: Partial<Record<CaseField, unknown>> = {};
  for (const field of readableFields(role)) {
    if (Object.hasOwn(record, field)) out[field] = record[field];
  }
  return out as Partial<T>;
}

/**
 * Of the fields written, those `role` may not write (known case fields only: unknown fields are
 * rejected by validation). Server-derived fields are forbidden to everyone. No duplicates.
 */
export function forbiddenWrites(role: Role, fieldsWritten: readonly string[]): string[] {
  const out: string[] = [];
  for (const f of fieldsWritten) {
    if (isCaseField(f) && !canWrite(role, f) && !out.includes(f)) out.push(f);
  }
  return out;
}

/** Whether the role reads an encrypted field (subject or narrative), i.e. data keys must be unwrapped. */
export function needsDecryption(role: Role): boolean {
  return canRead(role, 'subject') || canRead(role, 'narrative');
}

/**
 * The database columns to select for `role`: the union of the columns of its readable fields,
 * in table order, without duplicates. Hidden fields are never fetched.
 */
export function selectedColumns(role: Role, columnsByField: Record<CaseField, readonly string[]>): string[] {
  const out = new Set<string>();
  for (const field of readableFields(role)) {
    for (const column of columnsByField[field]) out.add(column);
  }
  return [...out];
}
