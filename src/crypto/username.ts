import { hmacSha256Hex } from './hash.js';

/**
 * A keyed hash of a typed username, normalized as logins compare them (Unicode NFKC, trimmed, lower
 * case): repeated attempts on one name correlate, and nobody without the key can learn the text typed
 * (which is sometimes a password).
 */
export function usernameDigest(key: Buffer, username: string): string {
  return hmacSha256Hex(key, username.normalize('NFKC').trim().toLowerCase());
}
