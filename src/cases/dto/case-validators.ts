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

/**
 * Control characters (C0, DEL, C1), bidirectional controls (ALM, LRM, RLM, the embeddings, overrides and
 * isolates U+202A-U+202E, U+2066-U+2069) and line/paragraph separators. In an identity field they can make
 * a name display as another one (a "Trojan Source" style spoof) or split a log or CSV line.
 */
const IDENTITY_FORBIDDEN = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;

/** A string without control or bidirectional-control characters (identity fields). */
export const HasNoControlCharacters = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'hasNoControlCharacters',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && !IDENTITY_FORBIDDEN.test(value),
        defaultMessage: () => '$property must not contain control or bidirectional-control characters',
      },
    },
    options,
  );
