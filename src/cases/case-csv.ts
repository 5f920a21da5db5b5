/**
 * The CSV form of a case, shared by export and import. Pure: no Nest, no database, no crypto.
 *
 * Columns, in order: metadata, then the CTDC attributes under the CTDC data standard's column names and
 * codes (each multi-valued attribute as one 0/1 column per code, as CTDC publishes them), then the
 * attributes CTDC has no column for (`registrationDate`, `consentResearch`), then identity and narrative.
 * Only the columns of fields the caller's role may read are written (policy/readableFields).
 */
import {
  readableFields,
  SUBJECT_FIELDS,
  type CaseField,
  type Role,
  type SubjectField,
} from '../policy/index.js';
import { codesOf, type MultiValuedAttribute } from '../ctdc/index.js';
import type { CaseView } from './case-view.js';

const capitalize = (code: string) => code.charAt(0).toUpperCase() + code.slice(1);

/** Exploitation type codes whose CTDC column is not `is` + the code (CTDC codebook: isSexualExploit, isOtherExploit). */
const EXPLOITATION_COLUMN: Partial<Record<string, string>> = {
  sexualExploitation: 'isSexualExploit',
  other: 'isOtherExploit',
};

/** CTDC's column name for one code of a multi-valued attribute. */
const CODE_COLUMN: Record<MultiValuedAttribute, (code: string) => string> = {
  exploitationTypes: (code) => EXPLOITATION_COLUMN[code] ?? `is${capitalize(code)}`,
  labourSectors: (code) => `typeOfLabour${capitalize(code)}`,
  sexualExploitationTypes: (code) => `typeOfSex${capitalize(code)}`,
  meansOfControl: (code) => `meansOfControl${capitalize(code)}`,
  recruiterRelationships: (code) => `recruiterRelation${capitalize(code)}`,
};

export type CsvColumn =
  | { kind: 'meta'; name: string; field: CaseField }
  | { kind: 'scalar'; name: string; field: CaseField }
  | { kind: 'code'; name: string; field: MultiValuedAttribute; code: string }
  | { kind: 'boolean'; name: string; field: 'isAbduction' }
  | { kind: 'consent'; name: string; field: 'consent' }
  | { kind: 'subject'; name: string; field: 'subject'; key: SubjectField }
  | { kind: 'narrative'; name: string; field: 'narrative' };

const multi = (field: MultiValuedAttribute): CsvColumn[] =>
  codesOf(field).map((code) => ({ kind: 'code', name: CODE_COLUMN[field](code), field, code }));

/** Every column, in file order. */
export const CSV_COLUMNS: readonly CsvColumn[] = Object.freeze([
  { kind: 'meta', name: 'caseId', field: 'id' },
  { kind: 'meta', name: 'officeId', field: 'officeId' },
  { kind: 'meta', name: 'pseudonym', field: 'pseudonym' },
  { kind: 'meta', name: 'version', field: 'version' },
  { kind: 'meta', name: 'createdAt', field: 'createdAt' },
  { kind: 'meta', name: 'createdBy', field: 'createdBy' },
  { kind: 'meta', name: 'updatedAt', field: 'updatedAt' },
  // CTDC columns
  { kind: 'scalar', name: 'yearOfRegistration', field: 'yearOfRegistration' },
  { kind: 'scalar', name: 'gender', field: 'gender' },
  { kind: 'scalar', name: 'ageBroad', field: 'ageBroad' },
  { kind: 'scalar', name: 'majorityStatus', field: 'majorityStatus' },
  { kind: 'scalar', name: 'citizenship', field: 'citizenship' },
  { kind: 'scalar', name: 'CountryOfExploitation', field: 'countryOfExploitation' },
  ...multi('exploitationTypes'),
  ...multi('labourSectors'),
  ...multi('sexualExploitationTypes'),
  ...multi('meansOfControl'),
  ...multi('recruiterRelationships'),
  { kind: 'boolean', name: 'isAbduction', field: 'isAbduction' },
  // not in CTDC
  { kind: 'scalar', name: 'registrationDate', field: 'registrationDate' },
  { kind: 'consent', name: 'consentResearch', field: 'consent' },
  // identity, then narrative
  ...SUBJECT_FIELDS.map((key): CsvColumn => ({ kind: 'subject', name: key, field: 'subject', key })),
  { kind: 'narrative', name: 'narrative', field: 'narrative' },
]);

/** The columns `role` gets in an export: those of the fields it may read. */
export function csvColumnsFor(role: Role): CsvColumn[] {
  const readable = new Set(readableFields(role));
  return CSV_COLUMNS.filter((column) => readable.has(column.field));
}

/** A cell a spreadsheet would run as a formula (or a value starting with the escape itself). */
const FORMULA_START = /^[=+\-@\t\r']/;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/**
 * One CSV cell (RFC 4180). A value that a spreadsheet would evaluate (starting with = + - @, tab or CR)
 * is prefixed with `'` (OWASP's advice against CSV injection), and so is one starting with `'`, so that
 * import strips exactly one leading `'` and the round trip is lossless.
 */
export function csvCell(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The inverse of csvCell's formula escape (the quoting is undone by the parser). */
export function uncsvCell(value: string): string {
  return value.startsWith("'") ? value.slice(1) : value;
}

export const csvLine = (cells: readonly string[]) => cells.map(csvCell).join(',') + '\r\n';

export const csvHeader = (columns: readonly CsvColumn[]) => csvLine(columns.map((column) => column.name));

const text = (value: unknown): string =>
  value === null || value === undefined ? '' : typeof value === 'string' ? value : String(value);
const bit = (value: boolean) => (value ? '1' : '0');

/** The CSV line of a case view (as the caller may see it), for `columns`. */
export function csvRow(columns: readonly CsvColumn[], view: CaseView): string {
  return csvLine(
    columns.map((column) => {
      switch (column.kind) {
        case 'meta':
        case 'scalar':
          return text(view[column.field]);
        case 'code': {
          const codes = view[column.field] as readonly string[] | undefined;
          return codes === undefined ? '' : bit(codes.includes(column.code));
        }
        case 'boolean': {
          const value = view.isAbduction as boolean | null | undefined;
          return value === null || value === undefined ? '' : bit(value);
        }
        case 'consent': {
          const consent = view.consent as { research: boolean } | undefined;
          return consent === undefined ? '' : bit(consent.research);
        }
        case 'subject': {
          const subject = view.subject as Record<SubjectField, string | null> | undefined;
          return text(subject?.[column.key]);
        }
        case 'narrative':
          return text(view.narrative);
      }
    }),
  );
}

/** Import: the column an uploaded CSV may carry besides the export's. */
export const IDEMPOTENCY_COLUMN = 'idempotencyKey';

/** The CSV columns import reads; metadata and derived columns of an export are accepted and ignored. */
const IGNORED_ON_IMPORT = new Set<CsvColumn['kind'] | string>(['meta']);
const DERIVED_COLUMNS = new Set(['yearOfRegistration', 'ageBroad', 'majorityStatus']);
const BY_NAME = new Map(CSV_COLUMNS.map((column) => [column.name, column]));

export interface CsvHeaderPlan {
  /** Per position: the column read there, 'idempotencyKey', or null (ignored). */
  positions: (CsvColumn | typeof IDEMPOTENCY_COLUMN | null)[];
}

export class CsvHeaderError extends Error {
  override readonly name = 'CsvHeaderError';
}

/**
 * Reads the header line. Unknown or repeated column names are refused, naming their position only (a
 * file without a header would otherwise echo its first record's values).
 */
export function planCsvHeader(names: readonly string[]): CsvHeaderPlan {
  const seen = new Set<string>();
  const positions = names.map((raw, index) => {
    const name = raw.trim();
    if (seen.has(name)) throw new CsvHeaderError(`column ${index + 1} repeats an earlier column`);
    seen.add(name);
    if (name === IDEMPOTENCY_COLUMN) return IDEMPOTENCY_COLUMN;
    const column = BY_NAME.get(name);
    if (column === undefined) throw new CsvHeaderError(`column ${index + 1} is not a known column`);
    return IGNORED_ON_IMPORT.has(column.kind) || DERIVED_COLUMNS.has(column.name) ? null : column;
  });
  return { positions };
}

/** One CSV record as the create body it stands for, and the columns that could not be read. */
export interface CsvBody {
  body: Record<string, unknown>;
  idempotencyKey?: string;
  badColumns: string[];
}

const BITS: Readonly<Record<string, boolean>> = { '1': true, '0': false };

/**
 * A CSV record to a create body (the same schema as POST /v1/cases): empty cells are absent fields,
 * 0/1 columns become code lists. Only the shape is read here; the body is then validated like a POST.
 */
export function csvBody(plan: CsvHeaderPlan, cells: readonly string[]): CsvBody {
  const body: Record<string, unknown> = {};
  const subject: Record<string, string> = {};
  const lists: Partial<Record<MultiValuedAttribute, string[]>> = {};
  const badColumns: string[] = [];
  let idempotencyKey: string | undefined;
  if (cells.length !== plan.positions.length) badColumns.push('(number of cells)');
  plan.positions.forEach((column, index) => {
    if (column === null) return;
    const raw = cells[index] ?? '';
    const value = uncsvCell(raw);
    if (column === IDEMPOTENCY_COLUMN) {
      if (raw !== '') idempotencyKey = raw;
      return;
    }
    switch (column.kind) {
      case 'scalar':
        if (value !== '') body[column.field] = value;
        return;
      case 'code': {
        const list = (lists[column.field] ??= []);
        if (value === '' || value === '0') return;
        if (value === '1') list.push(column.code);
        else badColumns.push(column.name);
        return;
      }
      case 'boolean':
      case 'consent': {
        if (value === '') return;
        const bool = BITS[value];
        if (bool === undefined) badColumns.push(column.name);
        else if (column.kind === 'boolean') body.isAbduction = bool;
        else body.consent = { research: bool };
        return;
      }
      case 'subject':
        if (value !== '') subject[column.key] = value;
        return;
      case 'narrative':
        if (value !== '') body.narrative = value;
        return;
      case 'meta':
        return;
    }
  });
  Object.assign(body, lists);
  if (Object.keys(subject).length > 0) body.subject = subject;
  return { body, idempotencyKey, badColumns };
}
