import fc from 'fast-check';
import { newUuid, sha256Hex, timingSafeEqualStrings } from './hash.js';

describe('sha256Hex', () => {
  it('matches the SHA-256 test vector and treats strings as UTF-8', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex(Buffer.from('abc'))).toBe(sha256Hex('abc'));
    expect(sha256Hex('é')).toBe(sha256Hex(Buffer.from('é', 'utf8')));
  });
});

describe('newUuid', () => {
  it('returns distinct version-4 UUIDs', () => {
    const a = newUuid();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newUuid()).not.toBe(a);
  });
});

describe('timingSafeEqualStrings', () => {
  it('is true exactly when the strings are equal, whatever their lengths', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(timingSafeEqualStrings(a, a)).toBe(true);
        expect(timingSafeEqualStrings(a, b)).toBe(a === b);
      }),
    );
    expect(timingSafeEqualStrings('', '')).toBe(true);
    expect(timingSafeEqualStrings('abc', 'abcd')).toBe(false);
  });
});
