import fc from 'fast-check';
import { CASE_FIELD_NAMES, needsDecryption, readableFields, ROLES } from '../policy/index.js';
import {
  caseRecord,
  caseView,
  columnsFor,
  COLUMNS_BY_FIELD,
  type CaseRow,
  type OpenedCase,
  viewFields,
} from './case-view.js';

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

const fullRow = (erasedAt: Date | null = null): CaseRow => ({
  id: '7b0d3c3e-1d0e-4b8f-9b8f-2f0d1c1e1a01',
  officeId: '7b0d3c3e-1d0e-4b8f-9b8f-2f0d1c1e1a02',
  pseudonym: 'a'.repeat(64),
  version: 2,
  createdAt: new Date('2024-01-01T00:00:00.000Z'),
  createdBy: '7b0d3c3e-1d0e-4b8f-9b8f-2f0d1c1e1a03',
  updatedAt: new Date('2024-01-02T00:00:00.000Z'),
  erasedAt,
  registrationDate: '2021-03-02',
  gender: 'female',
  citizenship: 'PH',
  countryOfExploitation: 'MY',
  exploitationTypes: ['forcedLabour'],
  meansOfControl: [],
  labourSectors: [],
  sexualExploitationTypes: [],
  recruiterRelationships: [],
  isAbduction: null,
  consentResearch: true,
  ageBroad: '9-17',
  majorityStatus: 'minor',
  yearOfRegistration: 2021,
  keyId: 'k1',
  wrappedKey: Buffer.alloc(1),
  subjectCt: Buffer.alloc(1),
  narrativeCt: Buffer.alloc(1),
  biGivenName: 1,
  biFamilyName: 2,
  biDocumentNumber: 3,
});

const opened: OpenedCase = {
  subject: {
    givenName: 'Amina',
    familyName: null,
    dateOfBirth: null,
    documentNumber: null,
    phone: null,
    address: null,
  },
  narrative: 'n',
};

describe('columnsFor', () => {
  it.each(ROLES)('%s fetches the encrypted columns iff it needs decryption', (role) => {
    const columns = columnsFor(role);
    for (const c of ['subjectCt', 'wrappedKey', 'keyId'] as const) {
      expect(columns.includes(c)).toBe(needsDecryption(role));
    }
  });

  it.each(ROLES)('%s never fetches blind indexes', (role) => {
    const columns: string[] = columnsFor(role);
    for (const c of ['biGivenName', 'biFamilyName', 'biDocumentNumber']) {
      expect(columns).not.toContain(c);
    }
  });

  it('auditor fetches metadata and consent only', () => {
    expect(columnsFor('auditor').sort()).toEqual([...METADATA, 'consentResearch'].sort());
  });

  it('every case field has columns', () => {
    for (const f of CASE_FIELD_NAMES) expect(COLUMNS_BY_FIELD[f].length).toBeGreaterThan(0);
  });
});

describe('caseView', () => {
  it.each(ROLES)('%s sees exactly its readable fields of a live case', (role) => {
    const view = caseView(role, fullRow(), needsDecryption(role) ? opened : null);
    expect(Object.keys(view)).toEqual(readableFields(role));
  });

  it('an erased case is metadata only, for every role and whatever else the row holds', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ROLES), fc.date({ noInvalidDate: true }), (role, erasedAt) => {
        const view = caseView(role, fullRow(erasedAt), opened);
        for (const key of Object.keys(view)) expect(METADATA).toContain(key);
        if (role === 'caseworker' || role === 'supervisor' || role === 'auditor') {
          expect(view.erasedAt).toBe(erasedAt.toISOString());
        }
      }),
    );
  });

  it('without decrypted parts, subject and narrative are absent (never placeholders)', () => {
    const record = caseRecord(fullRow(), null);
    expect(Object.hasOwn(record, 'subject')).toBe(false);
    expect(Object.hasOwn(record, 'narrative')).toBe(false);
  });

  it('timestamps are ISO strings and consent is an object', () => {
    const record = caseRecord(fullRow(), opened);
    expect(record.createdAt).toBe('2024-01-01T00:00:00.000Z');
    expect(record.consent).toEqual({ research: true });
    expect(record).not.toHaveProperty('consentResearch');
    expect(record).not.toHaveProperty('wrappedKey');
  });

  describe('viewFields (what a read audits before it has the row)', () => {
    // Any value a fetched column may hold, null included: the fields must not depend on it.
    const columnValue = fc.oneof(
      fc.constant(null),
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.date({ noInvalidDate: true }),
      fc.array(fc.string(), { maxLength: 3 }),
    );

    it('are the keys of the view of any row the role fetches, live or erased', () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...ROLES),
          fc.option(fc.date({ noInvalidDate: true }), { nil: null }),
          fc.infiniteStream(columnValue),
          (role, erasedAt, values) => {
            const row = Object.fromEntries(
              columnsFor(role).map((column) => [column, values.next().value as unknown]),
            ) as unknown as CaseRow;
            row.erasedAt = erasedAt;
            const view = caseView(role, row, needsDecryption(role) ? opened : null);
            expect(viewFields(role, erasedAt !== null)).toEqual(Object.keys(view));
          },
        ),
      );
    });

    it('list every readable field of a live case, and only metadata of an erased one', () => {
      for (const role of ROLES) {
        expect(viewFields(role, false)).toEqual(readableFields(role));
        for (const field of viewFields(role, true)) expect(METADATA).toContain(field);
      }
    });
  });
});
