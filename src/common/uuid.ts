import { Matches, type ValidationOptions } from 'class-validator';

/**
 * A UUID as PostgreSQL's uuid type reads it in canonical form: 8-4-4-4-12 hex digits, of any version and
 * variant. (validator's isUUID, behind class-validator's IsUUID and Nest's ParseUUIDPipe, also demands an
 * RFC 9562 version and variant digit, so a well-formed id such as 11111111-1111-1111-1111-111111111111,
 * which the database holds as any other, was a 400 where the contract answers an unknown id with 404.)
 */
export const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuidText = (value: unknown): value is string =>
  typeof value === 'string' && UUID_TEXT.test(value);

/** DTO field: a UUID (UUID_TEXT), with IsUUID's message. */
export const IsUuidText = (options?: ValidationOptions): PropertyDecorator =>
  Matches(UUID_TEXT, { message: '$property must be a UUID', ...options });
