import {
  CASE_FIELDS,
  CASE_FIELD_NAMES,
  fieldRule,
  fieldsOfGroup,
  isCaseField,
  type CaseField,
} from './case-fields.js';
import { ROLES, type Role } from './roles.js';

/**
 * DATA.md's visibility matrix, written out independently of CASE_FIELDS so that a wrong edit of
 * the table fails here. R = read, W = write, '' = nothing.
 */
const EXPECTED: Record<CaseField, Record<Role, '' | 'R' | 'RW'>> = {
  id: { caseworker: 'R', supervisor: 'R', auditor: 'R', researcher: '', admin: '' },
  officeId: { caseworker: 'R', supervisor: 'R', auditor: 'R', researcher: '', admin: '' },
  pseudonym: { caseworker: 'R', supervisor: 'R', auditor: 'R', researcher: '', admin: '' },
  version: { caseworker: 'R', supervisor: 'R', auditor: 'R', researcher: '', admin: '' },
  createdAt: { caseworker: 'R', supervisor: 'R', auditor: 'R', researcher: '', admin: '' },
  createdBy: { caseworker: 'R', supervisor: 'R', auditor: 'R', researcher: '', admin: '' },
  updatedAt: { caseworker: 'R', supervisor: 'R', auditor: 'R', researcher: '', admin: '' },
  erasedAt: { caseworker: 'R', supervisor: 'R', auditor: 'R', researcher: '', admin: '' },
  subject: { caseworker: 'RW', supervisor: 'RW', auditor: '', researcher: '', admin: '' },
  narrative: { caseworker: 'RW', supervisor: 'R', auditor: '', researcher: '', admin: '' },
  registrationDate: { caseworker: 'RW', supervisor: 'RW', auditor: '', researcher: '', admin: '' },
  gender: { caseworker: 'RW', supervisor: 'RW', auditor: '', researcher: '', admin: '' },
  citizenship: { caseworker: 'RW', supervisor: 'RW', auditor: '', researcher: '', admin: '' },
  countryOfExploitation: { caseworker: 'RW', supervisor: 'RW', auditor: '', researcher: '', admin: '' },
  exploitationTypes: { caseworker: 'RW', supervisor: 'RW', auditor: '', researcher: '', admin: '' },
  meansOfControl: { caseworker: 'RW', supervisor: 'RW', auditor: '', researcher: '', admin: '' },
  labourSectors: { caseworker: 'RW', supervisor: 'RW', auditor: '', researcher: '', admin: '' },
  sexualExploitationTypes: { caseworker: 'RW', supervisor: 'RW', auditor: '', researcher: '', admin: '' },
  recruiterRelationships: { caseworker: 'RW', supervisor: 'RW', auditor: '', researcher: '', admin: '' },
  isAbduction: { caseworker: 'RW', supervisor: 'RW', auditor: '', researcher: '', admin: '' },
  // Derived attributes: readable like attributes, written by the server only.
  ageBroad: { caseworker: 'R', supervisor: 'R', auditor: '', researcher: '', admin: '' },
  majorityStatus: { caseworker: 'R', supervisor: 'R', auditor: '', researcher: '', admin: '' },
  yearOfRegistration: { caseworker: 'R', supervisor: 'R', auditor: '', researcher: '', admin: '' },
  consent: { caseworker: 'RW', supervisor: 'RW', auditor: 'R', researcher: '', admin: '' },
};

const EXPECTED_GROUPS: Record<CaseField, string> = {
  id: 'metadata',
  officeId: 'metadata',
  pseudonym: 'metadata',
  version: 'metadata',
  createdAt: 'metadata',
  createdBy: 'metadata',
  updatedAt: 'metadata',
  erasedAt: 'metadata',
  subject: 'identity',
  narrative: 'narrative',
  registrationDate: 'attribute',
  gender: 'attribute',
  citizenship: 'attribute',
  countryOfExploitation: 'attribute',
  exploitationTypes: 'attribute',
  meansOfControl: 'attribute',
  labourSectors: 'attribute',
  sexualExploitationTypes: 'attribute',
  recruiterRelationships: 'attribute',
  isAbduction: 'attribute',
  ageBroad: 'derived',
  majorityStatus: 'derived',
  yearOfRegistration: 'derived',
  consent: 'consent',
};

const FIELDS = Object.keys(EXPECTED) as CaseField[];
const CELLS = FIELDS.flatMap((field) => ROLES.map((role) => [field, role] as const));

describe('CASE_FIELDS (the field-visibility table)', () => {
  it('has a rule for exactly the case fields of the DATA.md matrix', () => {
    expect([...CASE_FIELD_NAMES].sort()).toEqual([...FIELDS].sort());
    expect(Object.keys(CASE_FIELDS)).toEqual(CASE_FIELD_NAMES);
  });

  it.each(CELLS)('%s for %s is exactly as in DATA.md', (field, role) => {
    const rule = fieldRule(field);
    const expected = EXPECTED[field][role];
    expect(rule.read.includes(role)).toBe(expected.includes('R'));
    expect(rule.write.includes(role)).toBe(expected.includes('W'));
  });

  it.each(FIELDS)('%s belongs to its DATA.md group', (field) => {
    expect(fieldRule(field).group).toBe(EXPECTED_GROUPS[field]);
  });

  it('server-derived fields (metadata and derived attributes) are writable by nobody', () => {
    for (const field of CASE_FIELD_NAMES) {
      const { group, write } = fieldRule(field);
      if (group === 'metadata' || group === 'derived') expect(write).toEqual([]);
    }
  });

  it('nobody may write a field they cannot read', () => {
    for (const field of CASE_FIELD_NAMES) {
      for (const role of fieldRule(field).write) expect(fieldRule(field).read).toContain(role);
    }
  });

  it('researcher and admin read and write no field of a case', () => {
    for (const field of CASE_FIELD_NAMES) {
      for (const role of ['researcher', 'admin'] as const) {
        expect(fieldRule(field).read).not.toContain(role);
        expect(fieldRule(field).write).not.toContain(role);
      }
    }
  });

  it('rules only name real roles', () => {
    for (const field of CASE_FIELD_NAMES) {
      for (const r of [...fieldRule(field).read, ...fieldRule(field).write]) expect(ROLES).toContain(r);
    }
  });

  it('isCaseField knows the fields and nothing inherited', () => {
    for (const f of CASE_FIELD_NAMES) expect(isCaseField(f)).toBe(true);
    for (const f of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'secret', 'dateOfBirth', '']) {
      expect(isCaseField(f)).toBe(false);
    }
  });
});

describe('fieldsOfGroup', () => {
  it('lists exactly the fields of the given groups, in table order', () => {
    expect(fieldsOfGroup('attribute')).toEqual([
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
    ]);
    expect(fieldsOfGroup('derived', 'consent')).toEqual([
      'ageBroad',
      'majorityStatus',
      'yearOfRegistration',
      'consent',
    ]);
    for (const field of CASE_FIELD_NAMES) {
      expect(fieldsOfGroup(CASE_FIELDS[field].group)).toContain(field);
    }
  });
});
