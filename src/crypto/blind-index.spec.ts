import fc from 'fast-check';
import { BLIND_INDEX_BITS, BlindIndexer, blindIndex, type BlindIndexField } from './blind-index.js';

const rootKey = Buffer.alloc(32, 3);
const RANGE = 2 ** BLIND_INDEX_BITS;
const FIELDS: readonly BlindIndexField[] = ['givenName', 'familyName', 'documentNumber'];

describe('blindIndex', () => {
  it('is 16 bits wide', () => {
    expect(BLIND_INDEX_BITS).toBe(16);
  });

  it('is an integer in [0, 2^BLIND_INDEX_BITS) for any field and value', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIELDS), fc.stringMatching(/^[a-z0-9]{1,20}$/), (field, value) => {
        const index = blindIndex(rootKey, field, value);
        expect(Number.isInteger(index)).toBe(true);
        expect(index).toBeGreaterThanOrEqual(0);
        expect(index).toBeLessThan(RANGE);
      }),
    );
  });

  it('is the same for values that normalize equally', () => {
    expect(blindIndex(rootKey, 'givenName', 'José')).toBe(blindIndex(rootKey, 'givenName', ' jose '));
    expect(blindIndex(rootKey, 'familyName', 'Haddad-Smith')).toBe(
      blindIndex(rootKey, 'familyName', 'HADDAD smith'),
    );
    expect(blindIndex(rootKey, 'documentNumber', 'p-123 4567')).toBe(
      blindIndex(rootKey, 'documentNumber', 'P1234567'),
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z]{1,12}$/), (name) => {
        expect(blindIndex(rootKey, 'familyName', name.toUpperCase().split('').join(' '))).toBe(
          blindIndex(rootKey, 'familyName', name),
        );
      }),
    );
  });

  it('uses a different key per field, so the same value indexes differently in different fields', () => {
    const values = ['amina', 'haddad', 'jose', 'maria', 'p1234567', 'nguyen', 'smith', 'ali'];
    let differing = 0;
    for (const value of values) {
      const indexes = new Set(FIELDS.map((field) => blindIndex(rootKey, field, value)));
      if (indexes.size === FIELDS.length) differing += 1;
    }
    // A per-field equality happens with probability 2^-16 per pair; these fixed values show none.
    expect(differing).toBe(values.length);
  });

  it('depends on the key', () => {
    const otherKey = Buffer.alloc(32, 4);
    const values = ['amina', 'haddad', 'jose', 'maria'];
    expect(values.map((v) => blindIndex(otherKey, 'givenName', v))).not.toEqual(
      values.map((v) => blindIndex(rootKey, 'givenName', v)),
    );
  });

  it('has collisions by design: 2^16 + 1 distinct values cannot all get distinct indexes', () => {
    const seen = new Map<number, string>();
    let collisions = 0;
    for (let i = 0; i <= RANGE; i += 1) {
      const value = `n${i.toString(36)}`;
      const index = blindIndex(rootKey, 'givenName', value);
      if (seen.has(index)) collisions += 1;
      else seen.set(index, value);
    }
    expect(collisions).toBeGreaterThan(0);
    // Uniform spread: n = m + 1 balls in m buckets fill about m(1 - 1/e) ≈ 41,430 of them.
    expect(seen.size).toBeGreaterThan(40_500);
    expect(seen.size).toBeLessThan(42_500);
  });

  it('refuses values that are empty after normalization', () => {
    expect(() => blindIndex(rootKey, 'givenName', ' - ')).toThrow('empty givenName');
    expect(() => blindIndex(rootKey, 'documentNumber', '/ . -')).toThrow('empty documentNumber');
  });

  it('rejects a root key that is not 32 bytes', () => {
    expect(() => blindIndex(Buffer.alloc(31), 'givenName', 'amina')).toThrow('32-byte');
  });

  it('a BlindIndexer (keys derived once) gives the same index as blindIndex for any field and value', () => {
    const indexer = new BlindIndexer(rootKey);
    fc.assert(
      fc.property(
        fc.constantFrom(...FIELDS),
        fc.stringMatching(/^[A-Za-z0-9 -]{0,20}[a-z0-9]$/),
        (field, value) => {
          expect(indexer.index(field, value)).toBe(blindIndex(rootKey, field, value));
        },
      ),
    );
  });

  it('a BlindIndexer refuses a field that is not a blind-index field (even an Object.prototype name)', () => {
    const indexer = new BlindIndexer(rootKey);
    expect(() => indexer.index('toString' as BlindIndexField, 'x')).toThrow('unknown blind index field');
  });
});
