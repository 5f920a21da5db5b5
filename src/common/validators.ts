import { buildMessage, IS_IN, ValidateBy, type ValidationOptions } from 'class-validator';
import { isValidIsoDate, todayUtc } from './iso-date.js';

/** A real calendar date written YYYY-MM-DD (2023-02-30 is refused). */
export const IsIsoDate = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isIsoDate',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isValidIsoDate(value),
        defaultMessage: () => '$property must be a valid date (YYYY-MM-DD)',
      },
    },
    options,
  );

/**
 * A YYYY-MM-DD date that is not in the future (registration and birth dates): not after today's UTC date.
 * The contract's days are UTC days (its times are UTC; a researcher's approvedUntil ends at the end of that
 * UTC day). Until 2026-12-02 the bound was the latest date anywhere on Earth (UTC+14), so that an office
 * east of Greenwich could enter its local date before UTC midnight; but then tomorrow's UTC date passed
 * from 10:00 UTC on, and the contract refuses it. Such an office enters the UTC date, which the 400 names.
 */
export const IsNotInFuture = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isNotInFuture',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || value <= todayUtc(),
        defaultMessage: () => '$property must not be in the future (after today, UTC)',
      },
    },
    options,
  );

/**
 * class-validator's IsIn (same constraint name, message and `each`), looked up in a Set: IsIn scans its
 * array, and the country codes alone are 250 of them, checked on every create and every import line.
 */
export const IsOneOf = (values: readonly unknown[], options?: ValidationOptions) => {
  const allowed = new Set(values);
  return ValidateBy(
    {
      name: IS_IN,
      constraints: [values],
      validator: {
        validate: (value: unknown) => allowed.has(value),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be one of the following values: $constraint1`,
          options,
        ),
      },
    },
    options,
  );
};
