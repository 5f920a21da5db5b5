import fc from 'fast-check';
import { PHONETIC_KEY_BITS, phoneticForm, phoneticKey, phoneticSubkey } from './phonetic.js';

const subkey = phoneticSubkey(Buffer.alloc(32, 7));
const key = (givenName: string, familyName: string | null = null, dateOfBirth: string | null = null) =>
  phoneticKey(subkey, { givenName, familyName, dateOfBirth });

describe('phoneticForm', () => {
  it.each([
    ['Mohammed', 'Muhammad'],
    ['Mohamed', 'Muhammed'],
    ['Nguyen', 'Nguyễn'],
    ['Hassan', 'Hasan'],
    ['Hussein', 'Husain'],
    ['Catherine', 'Katherine'],
    ['Ali', 'Aly'],
    ['Stephen', 'Stefan'],
  ])('spelling variants %s and %s share a phonetic form', (a, b) => {
    expect(phoneticForm(a)).toBe(phoneticForm(b));
  });

  it.each([
    ['Amina', 'Fatima'],
    ['Nguyen', 'Tran'],
    ['Mohammed', 'Ahmed'],
  ])('different names %s and %s differ', (a, b) => {
    expect(phoneticForm(a)).not.toBe(phoneticForm(b));
  });

  it('keeps names in other scripts as normalized (exact match only)', () => {
    expect(phoneticForm('محمد')).toBe(phoneticForm('محمد'));
    expect(phoneticForm('محمد')).not.toBe(phoneticForm('أحمد'));
  });

  it('is invariant under case, accents and spacing (it starts from the normalized name)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z]{1,16}$/), (name) => {
        expect(phoneticForm(name.toUpperCase().split('').join(' '))).toBe(phoneticForm(name));
      }),
    );
  });
});

describe('phoneticKey', () => {
  it(`is an integer in [0, 2^${PHONETIC_KEY_BITS})`, () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (name) => {
        const k = key(name);
        expect(Number.isInteger(k)).toBe(true);
        expect(k).toBeGreaterThanOrEqual(0);
        expect(k).toBeLessThan(2 ** PHONETIC_KEY_BITS);
      }),
    );
  });

  it('matches spelling variants with the same date of birth, not with another date', () => {
    expect(key('Mohammed', 'Ali', '1990-01-01')).toBe(key('Muhammad', 'Aly', '1990-01-01'));
    expect(key('Van', 'Nguyen', '1990-01-01')).toBe(key('Văn', 'Nguyễn', '1990-01-01'));
    expect(key('Mohammed', 'Ali', '1990-01-01')).not.toBe(key('Mohammed', 'Ali', '1990-01-02'));
  });

  it('keeps given and family name apart', () => {
    expect(key('Ali', 'Mohammed')).not.toBe(key('Mohammed', 'Ali'));
  });

  it('depends on the key: another root key gives unrelated keys', () => {
    const other = phoneticSubkey(Buffer.alloc(32, 8));
    const names = ['Amina', 'Mohammed', 'Nguyen', 'Maria', 'Jose', 'Fatima', 'Ivan', 'Li'];
    const same = names.filter(
      (n) => phoneticKey(other, { givenName: n }) === phoneticKey(subkey, { givenName: n }),
    );
    expect(same).toEqual([]);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => phoneticKey(Buffer.alloc(16), { givenName: 'A' })).toThrow(/32-byte/);
  });
});
