import { ValidateBy, type ValidationOptions } from 'class-validator';
import { normalizeDocumentNumber, normalizeName } from '../../crypto/index.js';

const UNPAIRED_SURROGATE = /\p{Cs}/u;

/** A string that is well-formed Unicode (no unpaired surrogate: it could not be encrypted as UTF-8). */
export const IsWellFormedString = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isWellFormedString',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && !UNPAIRED_SURROGATE.test(value),
        defaultMessage: () => '$property must be a well-formed Unicode string',
      },
    },
    options,
  );

const NORMALIZERS = { name: normalizeName, documentNumber: normalizeDocumentNumber } as const;

/** A name or document number that keeps at least one letter or digit once normalized ("--" is refused). */
export const NormalizesToNonEmpty = (kind: keyof typeof NORMALIZERS, options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'normalizesToNonEmpty',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && NORMALIZERS[kind](value).length > 0,
        defaultMessage: () => '$property must contain at least one letter or digit',
      },
    },
    options,
  );
