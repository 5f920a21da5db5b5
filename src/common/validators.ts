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
