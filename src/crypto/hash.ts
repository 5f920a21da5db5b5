import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

/** SHA-256 of `data` (strings as UTF-8), lowercase hex. */
export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** HMAC-SHA256 of `data` (strings as UTF-8) under `key`, lowercase hex. */
export function hmacSha256Hex(key: Buffer, data: string | Buffer): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

/** A random (version 4) UUID. */
export function newUuid(): string {
  return randomUUID();
}

/**
 * Compares two strings in time independent of where they differ and of their lengths: both are hashed
 * to fixed-length SHA-256 digests, which are compared with `crypto.timingSafeEqual`.
 */
export function timingSafeEqualStrings(a: string, b: string): boolean {
  const digestA = createHash('sha256').update(a, 'utf8').digest();
  const digestB = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(digestA, digestB);
}
