/**
 * Pure derivations of server-computed case attributes (never accepted from the client):
 * `ageBroad`, `majorityStatus` (age at registration) and `yearOfRegistration`.
 */
import { isValidIsoDate, parseIsoDate, type YMD } from '../common/iso-date.js';
import type { AgeBroad, MajorityStatus } from './codes.js';

export { MAX_YEAR, MIN_YEAR, isValidIsoDate } from '../common/iso-date.js';

/** Age from which a person is an adult. */
export const AGE_OF_MAJORITY = 18;

function mustParse(s: string, what: string): YMD {
  const d = parseIsoDate(s);
  if (!d) throw new RangeError(`${what} is not a valid YYYY-MM-DD date`);
  return d;
}

/**
 * Completed years between `dateOfBirth` and `at` (both `YYYY-MM-DD`); negative when `at` is before
 * the birth. A 29 February birthday is completed on 1 March in non-leap years.
 * Throws a RangeError on an invalid date (the message never contains the value).
 */
export function ageAt(dateOfBirth: string, at: string): number {
  const b = mustParse(dateOfBirth, 'dateOfBirth');
  const a = mustParse(at, 'at');
  let age = a.year - b.year;
  if (a.month < b.month || (a.month === b.month && a.day < b.day)) age -= 1;
  return age;
}

/** The CTDC band of a (non-negative, integral) age in years. */
export function ageBand(age: number): Exclude<AgeBroad, 'unknown'> {
  if (!Number.isInteger(age) || age < 0) throw new RangeError('age must be a non-negative integer');
  if (age <= 8) return '0-8';
  if (age <= 17) return '9-17';
  if (age <= 20) return '18-20';
  if (age <= 23) return '21-23';
  if (age <= 26) return '24-26';
  if (age <= 29) return '27-29';
  if (age <= 38) return '30-38';
  if (age <= 47) return '39-47';
  return '48+';
}

export type DerivationField = 'registrationDate' | 'subject.dateOfBirth';

/** An input that makes derivation impossible; `field` names the offending input (never its value). */
export class DerivationError extends Error {
  constructor(
    readonly field: DerivationField,
    message: string,
  ) {
    super(message);
    this.name = 'DerivationError';
  }
}

export interface DerivedAttributes {
  ageBroad: AgeBroad;
  majorityStatus: MajorityStatus;
  yearOfRegistration: number;
}

/**
 * Derives `ageBroad`, `majorityStatus` (age at `registrationDate`; minor below 18) and
 * `yearOfRegistration`. Without a date of birth both are `unknown`.
 * Throws DerivationError for an invalid date or a date of birth after the registration date.
 */
export function deriveAttributes(registrationDate: string, dateOfBirth?: string | null): DerivedAttributes {
  const reg = parseIsoDate(registrationDate);
  if (!reg) throw new DerivationError('registrationDate', 'registrationDate must be a valid date');
  const yearOfRegistration = reg.year;
  if (dateOfBirth === undefined || dateOfBirth === null) {
    return { ageBroad: 'unknown', majorityStatus: 'unknown', yearOfRegistration };
  }
  if (!isValidIsoDate(dateOfBirth)) {
    throw new DerivationError('subject.dateOfBirth', 'subject.dateOfBirth must be a valid date');
  }
  const age = ageAt(dateOfBirth, registrationDate);
  if (dateOfBirth > registrationDate || age < 0) {
    throw new DerivationError(
      'subject.dateOfBirth',
      'subject.dateOfBirth must not be after registrationDate',
    );
  }
  return {
    ageBroad: ageBand(age),
    majorityStatus: age < AGE_OF_MAJORITY ? 'minor' : 'adult',
    yearOfRegistration,
  };
}
