import { createHmac } from 'node:crypto';
import { assertKey, deriveSubkey } from './keys.js';
import { normalizeName } from './normalize.js';

/**
 * Width of the keyed phonetic key. It is a hint for possible duplicates, never a search: coarser than the
 * pseudonym (which is exact), so that equal keys say "possibly the same person" and a table reader without
 * the key learns only which rows share a bucket. 24 bits keep chance collisions rare in a registry of a
 * few hundred thousand cases (about 1 in 60 cases per 250,000 shares a bucket with an unrelated one).
 */
export const PHONETIC_KEY_BITS = 24;

/** Sound classes of Latin letters (Soundex's): labials, gutturals and sibilants, dentals, l, nasals, r. */
const CLASS: Readonly<Record<string, string>> = {
  b: '1',
  f: '1',
  p: '1',
  v: '1',
  c: '2',
  g: '2',
  j: '2',
  k: '2',
  q: '2',
  s: '2',
  x: '2',
  z: '2',
  d: '3',
  t: '3',
  l: '4',
  m: '5',
  n: '5',
  r: '6',
};
const VOWEL = /[aeiouy]/;
const SILENT = /[hw]/;
const LATIN = /^[a-z0-9]*$/;

/**
 * The phonetic form of a name, computed on its normalized form ({@link normalizeName}: case, accents and
 * spacing folded, so "Nguyễn" is "nguyen"). For names in Latin letters, a Soundex-like code without
 * Soundex's four-character cut: every letter becomes its sound class (vowels separate, h and w are
 * silent), repeated classes collapse, and vowels are dropped except a leading one (written `a`).
 * "Mohammed", "Muhammad" and "Mohamed" all give `553`; "Nguyen" gives `525`. Names in other scripts
 * are kept as normalized (exact match only). Pure; the result is never stored or logged in clear.
 */
export function phoneticForm(name: string): string {
  const normalized = normalizeName(name);
  if (!LATIN.test(normalized)) return normalized;
  const codes: string[] = [];
  for (const char of normalized) {
    if (SILENT.test(char)) continue;
    const code = VOWEL.test(char) ? '0' : (CLASS[char] ?? `#${char}`);
    if (codes[codes.length - 1] !== code) codes.push(code);
  }
  if (codes.length === 0) return '';
  const [first, ...rest] = codes;
  return (first === '0' ? 'a' : first) + rest.filter((code) => code !== '0').join('');
}

export interface PhoneticIdentity {
  givenName: string;
  familyName?: string | null;
  dateOfBirth?: string | null;
}

/** The subkey of phonetic keys, derived once from the blind-index root key. */
export function phoneticSubkey(blindIndexRootKey: Buffer): Buffer {
  return deriveSubkey(blindIndexRootKey, 'phonetic-key:v1');
}

/**
 * The keyed phonetic key of a person: HMAC-SHA256 under `subkey` ({@link phoneticSubkey}) of the JSON
 * array `[phoneticForm(givenName), phoneticForm(familyName ?? ''), dateOfBirth ?? '']`, truncated to its
 * first {@link PHONETIC_KEY_BITS} bits (an integer). Computed like the blind indexes: keyed, truncated,
 * never from or to plaintext in the database. Spelling variants of the same name with the same date of
 * birth share the key; without the key it can be neither inverted nor recomputed from a guess.
 */
export function phoneticKey(subkey: Buffer, identity: PhoneticIdentity): number {
  assertKey(subkey, 'phonetic subkey');
  const encoded = JSON.stringify([
    phoneticForm(identity.givenName),
    phoneticForm(identity.familyName ?? ''),
    identity.dateOfBirth ?? '',
  ]);
  const mac = createHmac('sha256', subkey).update(encoded, 'utf8').digest();
  return mac.readUInt32BE(0) >>> (32 - PHONETIC_KEY_BITS);
}
