import {
  AGE_BROAD,
  COUNTRY_CODES,
  COUNTRY_OR_UNKNOWN,
  EXPLOITATION_TYPES,
  GENDERS,
  LABOUR_SECTORS,
  MAJORITY_STATUS,
  MEANS_OF_CONTROL,
  NOT_SPECIFIED,
  RECRUITER_RELATIONSHIPS,
  SEXUAL_EXPLOITATION_TYPES,
  isCountryCode,
  isOneOf,
} from './codes.js';

describe('CTDC code lists', () => {
  it('match DATA.md exactly', () => {
    expect(GENDERS).toEqual(['female', 'male', 'transgender', 'unknown']);
    expect(AGE_BROAD).toEqual([
      '0-8',
      '9-17',
      '18-20',
      '21-23',
      '24-26',
      '27-29',
      '30-38',
      '39-47',
      '48+',
      'unknown',
    ]);
    expect(MAJORITY_STATUS).toEqual(['adult', 'minor', 'unknown']);
    expect(EXPLOITATION_TYPES).toEqual([
      'forcedLabour',
      'sexualExploitation',
      'forcedMarriage',
      'forcedMilitary',
      'organRemoval',
      'slaveryAndPractices',
      'other',
    ]);
    expect(LABOUR_SECTORS).toEqual([
      'agriculture',
      'aquafarming',
      'begging',
      'construction',
      'domesticWork',
      'hospitality',
      'illicitActivities',
      'manufacturing',
      'miningOrDrilling',
      'peddling',
      'transportation',
      'other',
    ]);
    expect(SEXUAL_EXPLOITATION_TYPES).toEqual([
      'prostitution',
      'pornography',
      'remoteInteractiveServices',
      'privateSexualServices',
    ]);
    expect(MEANS_OF_CONTROL).toEqual([
      'debtBondage',
      'takesEarnings',
      'restrictsFinancialAccess',
      'threats',
      'psychologicalAbuse',
      'physicalAbuse',
      'sexualAbuse',
      'falsePromises',
      'psychoactiveSubstances',
      'restrictsMovement',
      'restrictsMedicalCare',
      'excessiveWorkingHours',
      'usesChildren',
      'threatOfLawEnforcement',
      'withholdsNecessities',
      'withholdsDocuments',
      'other',
    ]);
    expect(RECRUITER_RELATIONSHIPS).toEqual(['intimatePartner', 'friend', 'family', 'other', 'unknown']);
    expect(NOT_SPECIFIED).toBe('notSpecified');
  });

  it('have no duplicate codes and never contain notSpecified', () => {
    for (const list of [
      GENDERS,
      AGE_BROAD,
      MAJORITY_STATUS,
      EXPLOITATION_TYPES,
      LABOUR_SECTORS,
      SEXUAL_EXPLOITATION_TYPES,
      MEANS_OF_CONTROL,
      RECRUITER_RELATIONSHIPS,
    ]) {
      expect(new Set(list).size).toBe(list.length);
      expect(list).not.toContain(NOT_SPECIFIED);
    }
  });

  it('isOneOf is exact and case-sensitive', () => {
    expect(isOneOf(GENDERS, 'female')).toBe(true);
    expect(isOneOf(GENDERS, 'FEMALE')).toBe(false);
    expect(isOneOf(GENDERS, 1)).toBe(false);
    expect(isOneOf(GENDERS, 'constructor')).toBe(false);
  });
});

describe('country codes', () => {
  it('come from the real ISO 3166-1 alpha-2 list', () => {
    expect(COUNTRY_CODES.length).toBeGreaterThanOrEqual(249);
    for (const c of ['PH', 'MY', 'US', 'TH', 'VN', 'DE', 'NG']) expect(COUNTRY_CODES).toContain(c);
    for (const c of COUNTRY_CODES) expect(c).toMatch(/^[A-Z]{2}$/);
    expect(new Set(COUNTRY_CODES).size).toBe(COUNTRY_CODES.length);
  });

  it('isCountryCode accepts exact uppercase codes only', () => {
    expect(isCountryCode('PH')).toBe(true);
    for (const bad of [
      'ph',
      'Ph',
      'PHL',
      'XX',
      'ZZ',
      '',
      ' PH',
      'unknown',
      'constructor',
      608,
      null,
      undefined,
    ]) {
      expect(isCountryCode(bad)).toBe(false);
    }
  });

  it('COUNTRY_OR_UNKNOWN is the codes plus unknown', () => {
    expect(COUNTRY_OR_UNKNOWN).toEqual([...COUNTRY_CODES, 'unknown']);
  });

  it('the exported lists cannot be mutated', () => {
    expect(Object.isFrozen(COUNTRY_CODES)).toBe(true);
    expect(Object.isFrozen(COUNTRY_OR_UNKNOWN)).toBe(true);
  });
});
