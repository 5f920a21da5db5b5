import { ValidateBy, type ValidationOptions } from 'class-validator';
import { isValidIsoDate } from '../cases/derive.js';

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

/** Today's date in UTC, YYYY-MM-DD. */
export const todayUtc = (): string => new Date().toISOString().slice(0, 10);
