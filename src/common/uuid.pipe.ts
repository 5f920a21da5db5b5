import type { PipeTransform } from '@nestjs/common';
import { validationFailed } from './errors.js';
import { isUuidText } from './uuid.js';

/**
 * Path ids must be UUIDs (UUID_TEXT): anything else is a 400 naming the parameter. The id goes on in lower
 * case, as PostgreSQL prints it, so that the audit trail names one resource one way.
 */
class UuidPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    if (!isUuidText(value)) throw validationFailed('Validation failed: id must be a UUID');
    return value.toLowerCase();
  }
}

export const uuidPipe = new UuidPipe();
