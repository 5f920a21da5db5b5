import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validate } from 'class-validator';
import { validationFailed, DomainError } from './errors.js';
import { assertSafeInput } from './safe-input.js';
import { memoizeValidationMetadata } from './validation-metadata.js';

// Every validation of the process (the global pipe, bulk import, validateBody) goes through this module.
memoizeValidationMetadata();

/**
 * "subject.givenName must be a string; property foo should not exist". Constraint messages name the
 * field and the rule, never the rejected value.
 */
export function describeValidationErrors(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith(error.property)
        ? `${path}${message.slice(error.property.length)}`
        : `${path}: ${message}`,
    );
    return [...own, ...describeValidationErrors(error.children ?? [], path)];
  });
}

/** The options of every validation (also used line by line by bulk import). */
export const VALIDATION_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
} as const;

/** At most this many problems are listed; the rest are counted ("and 4,990 more"). */
const MAX_LISTED = 10;

export function validationException(errors: ValidationError[]): DomainError {
  // Two rules may say the same thing (a numeric password fails two checks with one message): once each.
  const problems = [...new Set(describeValidationErrors(errors))];
  const listed = problems.slice(0, MAX_LISTED).join('; ');
  const more = problems.length > MAX_LISTED ? `; and ${problems.length - MAX_LISTED} more` : '';
  return validationFailed(`Validation failed: ${listed}${more}`);
}

/**
 * Every body, query and parameter goes through assertSafeInput first (reserved keys and NUL characters are
 * a 400; Nest would strip reserved keys silently), then class-validator.
 */
class StrictValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom') assertSafeInput(value);
    return super.transform(value, metadata);
  }
}

/** The global pipe: unknown fields are refused, every field validated, values never echoed. */
export const createValidationPipe = () =>
  new StrictValidationPipe({ ...VALIDATION_OPTIONS, transform: true, exceptionFactory: validationException });

/** The same validation, for a body checked before pipes run (in a guard). */
export async function validateBody<T extends object>(cls: ClassConstructor<T>, body: unknown): Promise<T> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw validationFailed('Validation failed: the body must be a JSON object');
  }
  assertSafeInput(body);
  const instance = plainToInstance(cls, body);
  const errors = await validate(instance, VALIDATION_OPTIONS);
  if (errors.length > 0) throw validationException(errors);
  return instance;
}
