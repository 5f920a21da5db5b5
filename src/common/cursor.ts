import { validationFailed } from './errors.js';

/** Opaque cursors: base64url of a JSON value; a cursor that does not decode is a 400 naming `cursor`. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(cursor: string, isValid: (value: unknown) => value is T): T {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (isValid(value)) return value;
  } catch {
    // fall through
  }
  throw validationFailed('Validation failed: cursor is not a valid cursor');
}
