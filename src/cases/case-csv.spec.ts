import { ROLES } from '../policy/index.js';
import {
  CSV_COLUMNS,
  csvBody,
  CsvHeaderError,
  csvColumnsFor,
  csvHeader,
  csvRow,
  planCsvHeader,
} from './case-csv.js';
import { parseCsvRecord } from './import-records.js';

const VIEW = {
  id: '00000000-0000-4000-8000-000000000001',
  officeId: '00000000-0000-4000-8000-000000000002',
  pseudonym: 'a'.repeat(64),
  version: 2,
  createdAt: '2024-01-01T00:00:00.000Z',
  createdBy: '00000000-0000-4000-8000-000000000003',
  updatedAt: '2024-01-02T00:00:00.000Z',
  erasedAt: null,
  subject: {
    givenName: 'Amina',
    familyName: '=HYPERLINK("x")',
    dateOfBirth: '2004-05-17',
    documentNumber: null,
    phone: '+63 2 555',
    address: 'Line 1, "B"\nCity',
  },
  narrative: 'Recruited, then moved.',
  registrationDate: '2021-03-02',
  gender: 'female',
  citizenship: 'PH',
  countryOfExploitation: 'MY',
  exploitationTypes: ['forcedLabour', 'other'],
  meansOfControl: ['withholdsDocuments'],
  labourSectors: ['domesticWork'],
  sexualExploitationTypes: [],
  recruiterRelationships: ['other'],
  isAbduction: false,
  ageBroad: '9-17',
  majorityStatus: 'minor',
  yearOfRegistration: 2021,
  consent: { research: true },
};

const cellsOf = (line: string) => parseCsvRecord(line.replace(/\r\n$/, '')) as string[];

describe('CSV columns', () => {
  it('use CTDC names, one 0/1 column per code, identity columns after the attributes', () => {
    const names = CSV_COLUMNS.map((c) => c.name);
    for (const name of [
      'yearOfRegistration',
      'gender',
      'ageBroad',
      'majorityStatus',
      'citizenship',
      'CountryOfExploitation',
      'isForcedLabour',
      'isOtherExploit',
      'typeOfLabourDomesticWork',
      'typeOfSexProstitution',
      'meansOfControlDebtBondage',
      'recruiterRelationIntimatePartner',
      'isAbduction',
    ]) {
      expect(names).toContain(name);
    }
    expect(names.indexOf('givenName')).toBeGreaterThan(names.indexOf('consentResearch'));
    expect(names.indexOf('narrative')).toBe(names.length - 1);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(ROLES)('an export for %s has only columns of fields the role may read', (role) => {
    const columns = csvColumnsFor(role);
    if (role === 'caseworker' || role === 'supervisor') expect(columns).toEqual(CSV_COLUMNS);
    if (role === 'auditor')
      expect(columns.every((c) => c.kind === 'meta' || c.kind === 'consent')).toBe(true);
    if (role === 'researcher' || role === 'admin') expect(columns).toEqual([]);
  });

  it('writes a row that spreadsheets cannot run and that reads back into the same create body', () => {
    const header = cellsOf(csvHeader(CSV_COLUMNS));
    const row = csvRow(CSV_COLUMNS, VIEW);
    expect(row).toContain(`"'=HYPERLINK(""x"")"`);
    expect(row).toContain(`'+63 2 555`);
    const cells = cellsOf(row);
    expect(cells[header.indexOf('isForcedLabour')]).toBe('1');
    expect(cells[header.indexOf('isSexualExploit')]).toBe('0');
    expect(cells[header.indexOf('isAbduction')]).toBe('0');
    const { body, badColumns } = csvBody(planCsvHeader(header), cells);
    expect(badColumns).toEqual([]);
    expect(body).toEqual({
      subject: {
        givenName: 'Amina',
        familyName: '=HYPERLINK("x")',
        dateOfBirth: '2004-05-17',
        phone: '+63 2 555',
        address: 'Line 1, "B"\nCity',
      },
      narrative: 'Recruited, then moved.',
      registrationDate: '2021-03-02',
      gender: 'female',
      citizenship: 'PH',
      countryOfExploitation: 'MY',
      exploitationTypes: ['forcedLabour', 'other'],
      meansOfControl: ['withholdsDocuments'],
      labourSectors: ['domesticWork'],
      sexualExploitationTypes: [],
      recruiterRelationships: ['other'],
      isAbduction: false,
      consent: { research: true },
    });
  });

  it('names a bad 0/1 cell by its column, and an unknown header column by its position only', () => {
    const plan = planCsvHeader(['givenName', 'isForcedLabour', 'consentResearch', 'idempotencyKey']);
    expect(csvBody(plan, ['A', '2', 'yes', 'k1'])).toMatchObject({
      badColumns: ['isForcedLabour', 'consentResearch'],
      idempotencyKey: 'k1',
    });
    expect(() => planCsvHeader(['givenName', 'Amina'])).toThrow(
      new CsvHeaderError('column 2 is not a known column'),
    );
    expect(() => planCsvHeader(['gender', 'gender'])).toThrow(CsvHeaderError);
  });
});
