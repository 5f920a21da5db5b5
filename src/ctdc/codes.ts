/**
 * Code lists of the Counter Trafficking Data Collaborative (CTDC) data standard, as used by
 * this API (see shared/spec/DATA.md). Stored values are exactly these codes.
 */
import countries from 'i18n-iso-countries';

export const GENDERS = ['female', 'male', 'transgender', 'unknown'] as const;
export type Gender = (typeof GENDERS)[number];

/** CTDC age bands of the age at registration. */
export const AGE_BROAD = [
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
] as const;
export type AgeBroad = (typeof AGE_BROAD)[number];

export const MAJORITY_STATUS = ['adult', 'minor', 'unknown'] as const;
export type MajorityStatus = (typeof MAJORITY_STATUS)[number];

export const EXPLOITATION_TYPES = [
  'forcedLabour',
  'sexualExploitation',
  'forcedMarriage',
  'forcedMilitary',
  'organRemoval',
  'slaveryAndPractices',
  'other',
] as const;
export type ExploitationType = (typeof EXPLOITATION_TYPES)[number];

export const LABOUR_SECTORS = [
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
] as const;
export type LabourSector = (typeof LABOUR_SECTORS)[number];

export const SEXUAL_EXPLOITATION_TYPES = [
  'prostitution',
  'pornography',
  'remoteInteractiveServices',
  'privateSexualServices',
] as const;
export type SexualExploitationType = (typeof SEXUAL_EXPLOITATION_TYPES)[number];

export const MEANS_OF_CONTROL = [
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
] as const;
export type MeansOfControl = (typeof MEANS_OF_CONTROL)[number];

export const RECRUITER_RELATIONSHIPS = ['intimatePartner', 'friend', 'family', 'other', 'unknown'] as const;
export type RecruiterRelationship = (typeof RECRUITER_RELATIONSHIPS)[number];

/** The aggregate value under which a case with an empty multi-valued list is counted. */
export const NOT_SPECIFIED = 'notSpecified';

/** The value for an unknown citizenship or country of exploitation. */
export const UNKNOWN = 'unknown';

/** ISO 3166-1 alpha-2 codes (uppercase), sorted, from the `i18n-iso-countries` code list. */
export const COUNTRY_CODES: readonly string[] = Object.freeze(Object.keys(countries.getAlpha2Codes()).sort());

const COUNTRY_CODE_SET: ReadonlySet<string> = new Set(COUNTRY_CODES);

/** Exact ISO 3166-1 alpha-2 code (`PH`, not `ph`). `unknown` is not a country code: see COUNTRY_OR_UNKNOWN. */
export function isCountryCode(v: unknown): v is string {
  return typeof v === 'string' && COUNTRY_CODE_SET.has(v);
}

/** Accepted values of `citizenship` and `countryOfExploitation`. */
export const COUNTRY_OR_UNKNOWN: readonly string[] = Object.freeze([...COUNTRY_CODES, UNKNOWN]);

/** Whether `v` is one of the codes of `list` (exact, case-sensitive). */
export function isOneOf<const T extends readonly string[]>(list: T, v: unknown): v is T[number] {
  return typeof v === 'string' && (list as readonly string[]).includes(v);
}
