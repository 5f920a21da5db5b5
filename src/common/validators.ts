import { ValidateBy, type ValidationOptions } from 'class-validator';
import { isValidIsoDate } from './iso-date.js';

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
 * The latest calendar date anywhere on Earth now (UTC+14), YYYY-MM-DD: a date after it is in the future
 * for everyone, whichever time zone the office is in.
 */
export const latestDateOnEarth = (now = Date.now()): string =>
  new Date(now + 14 * 3600_000).toISOString().slice(0, 10);

/** A YYYY-MM-DD date that is not in the future (registration and birth dates). */
export const IsNotInFuture = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isNotInFuture',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || value <= latestDateOnEarth(),
        defaultMessage: () => '$property must not be in the future',
      },
    },
    options,
  );
