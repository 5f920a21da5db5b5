import { ParseUUIDPipe } from '@nestjs/common';
import { validationFailed } from './errors.js';

/** Path ids must be UUIDs: anything else is a 400 naming the parameter. */
export const uuidPipe = new ParseUUIDPipe({
  exceptionFactory: () => validationFailed('Validation failed: id must be a UUID'),
});
