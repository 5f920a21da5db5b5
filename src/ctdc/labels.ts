/**
 * English labels of the CTDC codes, as the CTDC data dictionary names the values (for the dimensions
 * listing and the `…Name` columns of CSV answers). Country names come from `i18n-iso-countries` and
 * grouping names from UN M49 (regions.ts): neither is typed here.
 */
import countries from 'i18n-iso-countries';
import type {
  AgeBroad,
  ExploitationType,
  Gender,
  LabourSector,
  MajorityStatus,
  MeansOfControl,
  RecruiterRelationship,
  SexualExploitationType,
} from './codes.js';
import { NOT_SPECIFIED, UNKNOWN, isCountryCode } from './codes.js';

type Code =
  | Gender
  | AgeBroad
  | MajorityStatus
  | ExploitationType
  | LabourSector
  | SexualExploitationType
  | MeansOfControl
  | RecruiterRelationship
  | typeof NOT_SPECIFIED;

/** Every code of every CTDC list (a missing or extra label is a compile error). */
export const CODE_LABELS = {
  female: 'Female',
  male: 'Male',
  transgender: 'Transgender',
  unknown: 'Unknown',
  '0-8': '0–8',
  '9-17': '9–17',
  '18-20': '18–20',
  '21-23': '21–23',
  '24-26': '24–26',
  '27-29': '27–29',
  '30-38': '30–38',
  '39-47': '39–47',
  '48+': '48+',
  adult: 'Adult',
  minor: 'Minor',
  forcedLabour: 'Forced labour',
  sexualExploitation: 'Sexual exploitation',
  forcedMarriage: 'Forced marriage',
  forcedMilitary: 'Forced military',
  organRemoval: 'Organ removal',
  slaveryAndPractices: 'Slavery and similar practices',
  other: 'Other',
  agriculture: 'Agriculture',
  aquafarming: 'Aquafarming',
  begging: 'Begging',
  construction: 'Construction',
  domesticWork: 'Domestic work',
  hospitality: 'Hospitality',
  illicitActivities: 'Illicit activities',
  manufacturing: 'Manufacturing',
  miningOrDrilling: 'Mining or drilling',
  peddling: 'Peddling',
  transportation: 'Transportation',
  prostitution: 'Prostitution',
  pornography: 'Pornography',
  remoteInteractiveServices: 'Remote interactive services',
  privateSexualServices: 'Private sexual services',
  debtBondage: 'Debt bondage',
  takesEarnings: 'Takes earnings',
  restrictsFinancialAccess: 'Restricts financial access',
  threats: 'Threats',
  psychologicalAbuse: 'Psychological abuse',
  physicalAbuse: 'Physical abuse',
  sexualAbuse: 'Sexual abuse',
  falsePromises: 'False promises',
  psychoactiveSubstances: 'Psychoactive substances',
  restrictsMovement: 'Restricts movement',
  restrictsMedicalCare: 'Restricts medical care',
  excessiveWorkingHours: 'Excessive working hours',
  usesChildren: 'Uses children',
  threatOfLawEnforcement: 'Threat of law enforcement',
  withholdsNecessities: 'Withholds necessities',
  withholdsDocuments: 'Withholds documents',
  intimatePartner: 'Intimate partner',
  friend: 'Friend',
  family: 'Family',
  notSpecified: 'Not specified',
} as const satisfies Record<Code, string>;

/** The label of a CTDC code or of a boolean value, if it has one. */
export function codeLabel(code: string | boolean): string | undefined {
  if (code === true) return 'Yes';
  if (code === false) return 'No';
  return (CODE_LABELS as Record<string, string>)[code];
}

/** The English short name of an ISO 3166-1 alpha-2 code (`unknown` → "Unknown"). */
export function countryName(code: string): string | undefined {
  if (code === UNKNOWN) return CODE_LABELS.unknown;
  return isCountryCode(code) ? countries.getName(code, 'en') : undefined;
}
