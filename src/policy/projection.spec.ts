import fc from 'fast-check';
import { CASE_FIELD_NAMES, type CaseField } from './case-fields.js';
import {
  canReadCases,
  forbiddenWrites,
  needsDecryption,
  project,
  readableFields,
  selectedColumns,
  writableFields,
} from './projection.js';
import { ROLES, type Role } from './roles.js';

const METADATA = [
  'id',
  'officeId',
  'pseudonym',
  'version',
  'createdAt',
  'createdBy',
  'updatedAt',
  'erasedAt',
];
const ATTRIBUTES = [
  'registrationDate',
  'gender',
  'citizenship',
  'countryOfExploitation',
  'exploitationTypes',
  'meansOfControl',
  'labourSectors',
  'sexualExploitationTypes',
  'recruiterRelationships',
  'isAbduction',
];
const DERIVED = ['ageBroad', 'majorityStatus', 'yearOfRegistration'];

/** Exact key sets each role gets from a full record (independent of CASE_FIELDS). */
const EXPECTED_READ: Record<Role, string[]> = {
  caseworker: [...METADATA, 'subject', 'narrative', ...ATTRIBUTES, ...DERIVED, 'consent'],
  supervisor: [...METADATA, 'subject', 'narrative', ...ATTRIBUTES, ...DERIVED, 'consent'],
  auditor: [...METADATA, 'consent'],
  researcher: [],
  admin: [],
};
const EXPECTED_WRITE: Record<Role, string[]> = {
  caseworker: ['subject', 'narrative', ...ATTRIBUTES, 'consent'],
  supervisor: ['subject', ...ATTRIBUTES, 'consent'],
  auditor: [],
  researcher: [],
  admin: [],
};

const fullRecord = (): Record<CaseField, unknown> => ({
  id: '7b0d3c3e-1d0e-4b8f-9b8f-2f0d1c1e1a01',
  officeId: '7b0d3c3e-1d0e-4b8f-9b8f-2f0d1c1e1a02',
  pseudonym: 'ps_abc',
  version: 3,
  createdAt: '2024-01-01T00:00:00.000Z',
  createdBy: '7b0d3c3e-1d0e-4b8f-9b8f-2f0d1c1e1a03',
  updatedAt: '2024-01-02T00:00:00.000Z',
  erasedAt: null,
  subject: {
    givenName: 'Amina',
    familyName: 'Haddad',
    dateOfBirth: '2004-05-17',
    documentNumber: 'P1234567',
  },
  narrative: 'Recruited through a job advert',
  registrationDate: '2021-03-02',
  gender: 'female',
  citizenship: 'PH',
  countryOfExploitation: 'MY',
  exploitationTypes: ['forcedLabour'],
  meansOfControl: ['withholdsDocuments'],
  labourSectors: ['domesticWork'],
  sexualExploitationTypes: [],
  recruiterRelationships: ['other'],
  isAbduction: false,
  ageBroad: '9-17',
  majorityStatus: 'minor',
  yearOfRegistration: 2021,
  consent: { research: true },
});

const roleArb = fc.constantFrom(...ROLES);
const CELLS = ROLES.flatMap((role) => CASE_FIELD_NAMES.map((field) => [role, field] as const));

describe('project', () => {
  it.each(CELLS)('%s sees %s iff DATA.md says so', (role, field) => {
    const out = project(role, fullRecord());
    expect(Object.hasOwn(out, field)).toBe(EXPECTED_READ[role].includes(field));
  });

  it.each(ROLES)('%s gets exactly its DATA.md key set from a full record, values unchanged', (role) => {
    const rec = fullRecord();
    const out = project(role, rec);
    expect(Object.keys(out).sort()).toEqual([...EXPECTED_READ[role]].sort());
    for (const k of Object.keys(out)) expect((out as Record<string, unknown>)[k]).toBe(rec[k as CaseField]);
  });

  it('auditor gets exactly metadata and consent', () => {
    expect(Object.keys(project('auditor', fullRecord()))).toEqual([
      'id',
      'officeId',
      'pseudonym',
      'version',
      'createdAt',
      'createdBy',
      'updatedAt',
      'erasedAt',
      'consent',
    ]);
  });

  it('researcher and admin get an empty object', () => {
    expect(project('researcher', fullRecord())).toEqual({});
    expect(project('admin', fullRecord())).toEqual({});
  });

  it('an unknown role (e.g. from a tampered token) gets an empty object', () => {
    expect(project('root' as Role, fullRecord())).toEqual({});
  });

  it('keys follow the table order and the result is a fresh object', () => {
    const rec = fullRecord();
    const reversed = Object.fromEntries(Object.entries(rec).reverse());
    const out = project('caseworker', reversed);
    expect(Object.keys(out)).toEqual(CASE_FIELD_NAMES);
    expect(out).not.toBe(reversed);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });

  it('only copies keys present in the record (no undefined placeholders)', () => {
    const out = project('caseworker', { id: 'x', narrative: 'n' });
    expect(Object.keys(out)).toEqual(['id', 'narrative']);
  });

  it('never copies inherited properties', () => {
    const proto = { narrative: 'inherited secret', id: 'inherited' };
    const rec = Object.create(proto) as Record<string, unknown>;
    rec.gender = 'male';
    expect(project('caseworker', rec)).toEqual({ gender: 'male' });
  });

  it('never outputs a key the role cannot read, for random records with random extra keys', () => {
    const extraKeyArb = fc.oneof(
      fc.constantFrom('secret', '__proto__', 'constructor', 'toString', 'dateOfBirth', 'givenName', 'key'),
      fc.string(),
    );
    const recordArb = fc
      .tuple(
        fc.subarray([...CASE_FIELD_NAMES]),
        fc.array(fc.tuple(extraKeyArb, fc.anything()), { maxLength: 8 }),
        fc.array(fc.anything(), { minLength: CASE_FIELD_NAMES.length, maxLength: CASE_FIELD_NAMES.length }),
      )
      .map(([fields, extras, values]) => {
        const rec: Record<string, unknown> = {};
        fields.forEach((f, i) => (rec[f] = values[i]));
        for (const [k, v] of extras) {
          // defineProperty makes '__proto__' an own data property instead of changing the prototype.
          Object.defineProperty(rec, k, { value: v, enumerable: true, configurable: true, writable: true });
        }
        return rec;
      });
    fc.assert(
      fc.property(roleArb, recordArb, (role, rec) => {
        const out = project(role, rec);
        const readable = readableFields(role) as readonly string[];
        for (const k of Reflect.ownKeys(out)) {
          expect(typeof k).toBe('string');
          expect(readable).toContain(k);
          expect(Object.hasOwn(rec, k)).toBe(true);
          expect((out as Record<string, unknown>)[k as string]).toBe(rec[k as string]);
        }
        // subset of the input, and every readable own key of the input is there
        for (const f of readable) expect(Object.hasOwn(out, f)).toBe(Object.hasOwn(rec, f));
        expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
        expect(Object.hasOwn(out, '__proto__')).toBe(false);
        expect(Object.hasOwn(out, 'secret')).toBe(false);
      }),
    );
  });

  it('does not modify its input', () => {
    fc.assert(
      fc.property(roleArb, (role) => {
        const rec = fullRecord();
        const before = JSON.stringify(rec);
        project(role, rec);
        expect(JSON.stringify(rec)).toBe(before);
      }),
    );
  });
});

describe('readableFields / canReadCases / needsDecryption', () => {
  it.each(ROLES)('readableFields(%s) is the DATA.md read set in table order', (role) => {
    expect([...readableFields(role)].sort()).toEqual([...EXPECTED_READ[role]].sort());
    const order = readableFields(role).map((f) => CASE_FIELD_NAMES.indexOf(f));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it.each(ROLES)('readableFields(%s) is shared and frozen: no caller can widen the policy', (role) => {
    const fields = readableFields(role) as CaseField[];
    expect(readableFields(role)).toBe(fields);
    expect(() => fields.push('subject')).toThrow(TypeError);
    expect([...readableFields(role)].sort()).toEqual([...EXPECTED_READ[role]].sort());
  });

  it('an unknown role reads nothing, and cannot be given anything', () => {
    const fields = readableFields('root' as Role) as CaseField[];
    expect(fields).toEqual([]);
    expect(() => fields.push('subject')).toThrow(TypeError);
    expect(readableFields('root' as Role)).toEqual([]);
  });

  it.each(ROLES)('writableFields(%s) is the DATA.md write set', (role) => {
    expect([...writableFields(role)].sort()).toEqual([...EXPECTED_WRITE[role]].sort());
  });

  it('only caseworker, supervisor and auditor can read cases', () => {
    expect(ROLES.filter(canReadCases).sort()).toEqual(['auditor', 'caseworker', 'supervisor']);
  });

  it('only roles that see subject or narrative need decryption', () => {
    expect(ROLES.filter(needsDecryption).sort()).toEqual(['caseworker', 'supervisor']);
    for (const role of ROLES) {
      const r = readableFields(role);
      expect(needsDecryption(role)).toBe(r.includes('subject') || r.includes('narrative'));
    }
  });
});

describe('forbiddenWrites', () => {
  const WRITE_CELLS = ROLES.flatMap((role) => CASE_FIELD_NAMES.map((field) => [role, field] as const));

  it.each(WRITE_CELLS)('%s writing %s is forbidden iff DATA.md gives no W', (role, field) => {
    const expected = EXPECTED_WRITE[role].includes(field) ? [] : [field];
    expect(forbiddenWrites(role, [field])).toEqual(expected);
  });

  it('supervisor writing narrative is forbidden', () => {
    expect(forbiddenWrites('supervisor', ['gender', 'narrative', 'subject'])).toEqual(['narrative']);
  });

  it.each([
    'id',
    'officeId',
    'pseudonym',
    'version',
    'createdAt',
    'createdBy',
    'updatedAt',
    'erasedAt',
    'ageBroad',
    'majorityStatus',
    'yearOfRegistration',
  ])('server-derived field %s is forbidden for every role', (field) => {
    for (const role of ROLES) expect(forbiddenWrites(role, [field])).toEqual([field]);
  });

  it('unknown fields are not its concern (the DTO rejects them)', () => {
    for (const role of ROLES) {
      expect(
        forbiddenWrites(role, ['secret', '__proto__', 'constructor', 'toString', 'dateOfBirth']),
      ).toEqual([]);
    }
  });

  it('returns exactly the known non-writable fields written, once each, in order of first appearance', () => {
    const fieldArb = fc.oneof(
      fc.constantFrom(...CASE_FIELD_NAMES),
      fc.constantFrom('secret', '__proto__'),
      fc.string(),
    );
    fc.assert(
      fc.property(roleArb, fc.array(fieldArb, { maxLength: 30 }), (role, written) => {
        const out = forbiddenWrites(role, written);
        const expected = [
          ...new Set(
            written.filter(
              (f) => (CASE_FIELD_NAMES as readonly string[]).includes(f) && !EXPECTED_WRITE[role].includes(f),
            ),
          ),
        ];
        expect(out).toEqual(expected);
      }),
    );
  });

  it('researcher, admin and auditor may write no case field at all', () => {
    for (const role of ['researcher', 'admin', 'auditor'] as const) {
      expect(forbiddenWrites(role, CASE_FIELD_NAMES)).toEqual(CASE_FIELD_NAMES);
    }
  });
});

describe('selectedColumns', () => {
  const columnsByField = {} as Record<CaseField, readonly string[]>;
  for (const f of CASE_FIELD_NAMES) {
    columnsByField[f] =
      f === 'subject'
        ? ['subject_ct', 'data_key_id']
        : f === 'narrative'
          ? ['narrative_ct', 'data_key_id']
          : [`col_${f}`];
  }

  it('auditor selects metadata and consent columns only', () => {
    expect(selectedColumns('auditor', columnsByField)).toEqual([
      'col_id',
      'col_officeId',
      'col_pseudonym',
      'col_version',
      'col_createdAt',
      'col_createdBy',
      'col_updatedAt',
      'col_erasedAt',
      'col_consent',
    ]);
  });

  it('researcher and admin select nothing', () => {
    expect(selectedColumns('researcher', columnsByField)).toEqual([]);
    expect(selectedColumns('admin', columnsByField)).toEqual([]);
  });

  it('is the de-duplicated union of the readable fields columns, never a hidden field column', () => {
    const colsArb = fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'), { maxLength: 3 });
    const mappingArb = fc
      .tuple(...CASE_FIELD_NAMES.map(() => colsArb))
      .map(
        (cols) =>
          Object.fromEntries(CASE_FIELD_NAMES.map((f, i) => [f, cols[i]])) as Record<CaseField, string[]>,
      );
    fc.assert(
      fc.property(roleArb, mappingArb, (role, mapping) => {
        const out = selectedColumns(role, mapping);
        const readable = readableFields(role);
        const expected = new Set(readable.flatMap((f) => mapping[f]));
        expect(new Set(out)).toEqual(expected);
        expect(new Set(out).size).toBe(out.length);
      }),
    );
  });

  it('caseworker selects the encrypted columns, auditor does not', () => {
    expect(selectedColumns('caseworker', columnsByField)).toEqual(
      expect.arrayContaining(['subject_ct', 'narrative_ct', 'data_key_id']),
    );
    expect(selectedColumns('auditor', columnsByField)).not.toEqual(expect.arrayContaining(['data_key_id']));
  });
});
