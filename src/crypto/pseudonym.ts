import { createHmac } from 'node:crypto';
import { assertKey } from './keys.js';
import { normalizeName } from './normalize.js';

export interface PseudonymIdentity {
  givenName: string;
  familyName?: string | null;
  dateOfBirth?: string | null;
}

/**
 * The pseudonym of a person: HMAC-SHA256 under the pseudonym key of the JSON array
 * `[normalizeName(givenName), normalizeName(familyName ?? ''), dateOfBirth ?? '']`, as 64 lowercase hex
 * characters.
 *
 * The same person entered with different case, accents or spacing gets the same pseudonym; without the
 * key it can neither be inverted nor recomputed from a guessed identity. JSON encoding keeps the parts
 * apart (given "ab" + family "c" differs from given "a" + family "bc"). `dateOfBirth` is used as given
 * (callers pass the validated ISO date `YYYY-MM-DD`).
 */
export function pseudonymFor(key: Buffer, identity: PseudonymIdentity): string {
  assertKey(key, 'pseudonym key');
  const encoded = JSON.stringify([
    normalizeName(identity.givenName),
    normalizeName(identity.familyName ?? ''),
    identity.dateOfBirth ?? '',
  ]);
  return createHmac('sha256', key).update(encoded, 'utf8').digest('hex');
}
