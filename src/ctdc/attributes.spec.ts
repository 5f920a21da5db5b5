import {
  CASE_ATTRIBUTE_NAMES,
  CASE_ATTRIBUTES,
  DERIVED_ATTRIBUTE_NAMES,
  attributeSpec,
  erasedAttributes,
  withDefaults,
} from './attributes.js';
import { COUNTRY_OR_UNKNOWN, EXPLOITATION_TYPES, GENDERS, NOT_SPECIFIED } from './codes.js';
import { DIMENSIONS, DIMENSION_NAMES, isMultiValued } from './dimensions.js';
import { REGION_CODES } from './regions.js';

describe('the CTDC attribute table', () => {
  it('holds exactly the attributes of DATA.md, with the derived ones apart', () => {
    expect([...CASE_ATTRIBUTE_NAMES].sort()).toEqual(
      [
        'registrationDate',
        'gender',
        'citizenship',
        'countryOfExploitation',
        'exploitationTypes',
        'labourSectors',
        'sexualExploitationTypes',
        'meansOfControl',
        'recruiterRelationships',
        'isAbduction',
      ].sort(),
    );
    expect([...DERIVED_ATTRIBUTE_NAMES].sort()).toEqual(['ageBroad', 'majorityStatus', 'yearOfRegistration']);
  });

  it('requires registrationDate and gender only, and gives every optional attribute a default', () => {
    const required = CASE_ATTRIBUTE_NAMES.filter((name) => attributeSpec(name).required);
    expect(required).toEqual(['registrationDate', 'gender']);
    for (const name of CASE_ATTRIBUTE_NAMES.filter((n) => !attributeSpec(n).required)) {
      expect(Object.keys(attributeSpec(name))).toContain('default');
    }
  });

  it('names the five multi-valued attributes of DATA.md', () => {
    const multi = CASE_ATTRIBUTE_NAMES.filter((name) => attributeSpec(name).kind === 'multi');
    expect(multi.sort()).toEqual(
      [
        'exploitationTypes',
        'labourSectors',
        'meansOfControl',
        'recruiterRelationships',
        'sexualExploitationTypes',
      ].sort(),
    );
  });

  it('column names are distinct snake_case identifiers (safe to write into SQL)', () => {
    const columns = CASE_ATTRIBUTE_NAMES.map((name) => CASE_ATTRIBUTES[name].column);
    expect(new Set(columns).size).toBe(columns.length);
    for (const column of columns) expect(column).toMatch(/^[a-z][a-z_]*$/);
  });

  it('withDefaults keeps given values and fills each absent optional attribute with its default', () => {
    const values = withDefaults({ registrationDate: '2021-03-02', gender: 'female', citizenship: 'PH' });
    expect(values).toEqual({
      registrationDate: '2021-03-02',
      gender: 'female',
      citizenship: 'PH',
      countryOfExploitation: 'unknown',
      exploitationTypes: [],
      meansOfControl: [],
      labourSectors: [],
      sexualExploitationTypes: [],
      recruiterRelationships: [],
      isAbduction: null,
    });
  });

  it('withDefaults never shares a default list between two cases', () => {
    const a = withDefaults({});
    const b = withDefaults({});
    a.exploitationTypes.push('other');
    expect(b.exploitationTypes).toEqual([]);
  });

  it('erasure clears every attribute and derived attribute, and nothing else', () => {
    const erased = erasedAttributes();
    expect(Object.keys(erased).sort()).toEqual([...CASE_ATTRIBUTE_NAMES, ...DERIVED_ATTRIBUTE_NAMES].sort());
    expect(Object.values(erased).every((v) => v === null)).toBe(true);
  });
});

describe('aggregate dimensions derived from the table', () => {
  it('are exactly the allow-list of DATA.md', () => {
    expect([...DIMENSION_NAMES].sort()).toEqual(
      [
        'gender',
        'ageBroad',
        'majorityStatus',
        'citizenship',
        'countryOfExploitation',
        'yearOfRegistration',
        'exploitationTypes',
        'labourSectors',
        'sexualExploitationTypes',
        'meansOfControl',
        'recruiterRelationships',
        'isAbduction',
        // UN M49 groupings of the two country attributes (regions.ts)
        'citizenshipRegion',
        'citizenshipSubregion',
        'countryOfExploitationRegion',
        'countryOfExploitationSubregion',
      ].sort(),
    );
  });

  it('groups each country attribute by UN M49 region and sub-region, over the same column', () => {
    expect(DIMENSIONS.citizenshipRegion).toEqual({
      column: 'citizenship',
      kind: 'code',
      values: REGION_CODES.region,
      grouping: 'region',
    });
    expect(DIMENSIONS.countryOfExploitationSubregion).toMatchObject({
      column: 'country_of_exploitation',
      values: REGION_CODES.subregion,
      grouping: 'subregion',
    });
  });

  it('carry the code lists, notSpecified for multi-valued ones and unknown for isAbduction', () => {
    expect(DIMENSIONS.gender).toEqual({ column: 'gender', kind: 'code', values: GENDERS });
    expect(DIMENSIONS.citizenship.values).toEqual(COUNTRY_OR_UNKNOWN);
    expect(DIMENSIONS.exploitationTypes.values).toEqual([...EXPLOITATION_TYPES, NOT_SPECIFIED]);
    expect(DIMENSIONS.isAbduction.values).toEqual([true, false, 'unknown']);
    expect(DIMENSIONS.yearOfRegistration).toEqual({
      column: 'year_of_registration',
      kind: 'year',
      values: [],
    });
    expect(DIMENSION_NAMES.filter(isMultiValued)).toHaveLength(5);
  });
});
