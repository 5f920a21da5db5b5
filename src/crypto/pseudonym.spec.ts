import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { pseudonymFor } from './pseudonym.js';

const key = Buffer.alloc(32, 7);
const otherKey = Buffer.alloc(32, 8);

const ACCENTED: Readonly<Record<string, readonly string[]>> = {
  a: ['á', 'à', 'â', 'ä', 'ã'],
  e: ['é', 'è', 'ê', 'ë'],
  i: ['í', 'ì', 'î', 'ï'],
  o: ['ó', 'ò', 'ô', 'ö'],
  u: ['ú', 'ù', 'û', 'ü'],
  n: ['ñ'],
  c: ['ç'],
};

const plainName = fc
  .array(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'.split('')), { minLength: 1, maxLength: 10 })
  .map((chars) => chars.join(''));

/** A spelling variant of `name`: random case, accents (composed or decomposed) and spaces/hyphens. */
function variantOf(name: string): fc.Arbitrary<string> {
  const perChar = [...name].map((c) =>
    fc
      .record({
        upper: fc.boolean(),
        accent: fc.nat({ max: 5 }),
        decompose: fc.boolean(),
        sep: fc.constantFrom('', '', '', ' ', '-', '  '),
      })
      .map(({ upper, accent, decompose, sep }) => {
        const options = ACCENTED[c] ?? [];
        let out = accent < options.length ? (options[accent] as string) : c;
        out = decompose ? out.normalize('NFD') : out;
        return (upper ? out.toUpperCase() : out) + sep;
      }),
  );
  return fc.tuple(...perChar).map((parts) => parts.join(''));
}

const identity = { givenName: 'Amina', familyName: 'Haddad', dateOfBirth: '2004-05-17' };

describe('pseudonymFor', () => {
  it('is 64 lowercase hex characters', () => {
    expect(pseudonymFor(key, identity)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is the same for the same person entered with different case, accents and spacing', () => {
    expect(
      pseudonymFor(key, { givenName: ' AMÍNA ', familyName: 'had dad', dateOfBirth: '2004-05-17' }),
    ).toBe(pseudonymFor(key, identity));
    fc.assert(
      fc.property(
        plainName.chain((g) => fc.tuple(fc.constant(g), variantOf(g))),
        plainName.chain((f) => fc.tuple(fc.constant(f), variantOf(f))),
        ([given, givenVariant], [family, familyVariant]) => {
          expect(
            pseudonymFor(key, {
              givenName: givenVariant,
              familyName: familyVariant,
              dateOfBirth: '1990-01-02',
            }),
          ).toBe(pseudonymFor(key, { givenName: given, familyName: family, dateOfBirth: '1990-01-02' }));
        },
      ),
    );
  });

  it('treats a missing family name or date of birth like an empty one', () => {
    expect(pseudonymFor(key, { givenName: 'Amina' })).toBe(
      pseudonymFor(key, { givenName: 'Amina', familyName: null, dateOfBirth: null }),
    );
    expect(pseudonymFor(key, { givenName: 'Amina' })).toBe(
      pseudonymFor(key, { givenName: 'Amina', familyName: '', dateOfBirth: '' }),
    );
  });

  it('differs when the date of birth differs', () => {
    expect(pseudonymFor(key, { ...identity, dateOfBirth: '2004-05-18' })).not.toBe(
      pseudonymFor(key, identity),
    );
    expect(pseudonymFor(key, { ...identity, dateOfBirth: null })).not.toBe(pseudonymFor(key, identity));
  });

  it('differs when the key differs (nobody can recompute it without the key)', () => {
    expect(pseudonymFor(otherKey, identity)).not.toBe(pseudonymFor(key, identity));
  });

  it('is not a plain (unkeyed) hash of the identity', () => {
    const pseudonym = pseudonymFor(key, identity);
    for (const text of [
      JSON.stringify(['amina', 'haddad', '2004-05-17']),
      'aminahaddad2004-05-17',
      'Amina Haddad 2004-05-17',
    ]) {
      expect(createHash('sha256').update(text).digest('hex')).not.toBe(pseudonym);
    }
  });

  it('encodes the parts unambiguously: given "ab" + family "c" differs from given "a" + family "bc"', () => {
    expect(pseudonymFor(key, { givenName: 'ab', familyName: 'c' })).not.toBe(
      pseudonymFor(key, { givenName: 'a', familyName: 'bc' }),
    );
    expect(pseudonymFor(key, { givenName: 'a', familyName: '', dateOfBirth: '' })).not.toBe(
      pseudonymFor(key, { givenName: '', familyName: 'a', dateOfBirth: '' }),
    );
  });

  it('rejects a key that is not 32 bytes', () => {
    expect(() => pseudonymFor(Buffer.alloc(16), identity)).toThrow('32-byte');
  });
});
