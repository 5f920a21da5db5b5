import { randomBytes } from 'node:crypto';
import { deriveSubkey, generateKeyBase64, parseKey, parseMasterKeys } from './keys.js';

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('parseKey', () => {
  it('accepts base64 and base64url of exactly 32 bytes, with or without padding', () => {
    const key = randomBytes(32);
    expect(parseKey('K', key.toString('base64')).equals(key)).toBe(true);
    expect(parseKey('K', key.toString('base64url')).equals(key)).toBe(true);
    expect(parseKey('K', key.toString('base64').replace(/=+$/, '')).equals(key)).toBe(true);
    expect(parseKey('K', `  ${key.toString('base64')}\n`).equals(key)).toBe(true);
  });

  it('accepts what generateKeyBase64 produces', () => {
    expect(parseKey('K', generateKeyBase64())).toHaveLength(32);
  });

  it('rejects wrong lengths, naming the variable and not echoing the value', () => {
    for (const value of [
      randomBytes(16).toString('base64'),
      randomBytes(33).toString('base64'),
      randomBytes(64).toString('base64url'),
    ]) {
      const error = caught(() => parseKey('PSEUDONYM_KEY', value));
      expect(error.message).toContain('PSEUDONYM_KEY');
      expect(error.message).toContain('32 bytes');
      expect(error.message).not.toContain(value);
    }
  });

  it('rejects non-base64 and empty values, naming the variable and not echoing the value', () => {
    for (const value of [
      'not base64 at all!',
      'c2VjcmV0*c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0YWJj',
      '',
      '   ',
      'ab+c_def',
    ]) {
      const error = caught(() => parseKey('BLIND_INDEX_KEY', value));
      expect(error.message).toContain('BLIND_INDEX_KEY');
      if (value.trim() !== '') expect(error.message).not.toContain(value.trim());
    }
  });
});

describe('parseMasterKeys', () => {
  const a = randomBytes(32);
  const b = randomBytes(32);

  it('parses keyId:base64 pairs separated by commas', () => {
    const keys = parseMasterKeys(`k1:${a.toString('base64')}, 2024_q3-B:${b.toString('base64url')}`);
    expect([...keys.keys()]).toEqual(['k1', '2024_q3-B']);
    expect(keys.get('k1')?.equals(a)).toBe(true);
    expect(keys.get('2024_q3-B')?.equals(b)).toBe(true);
  });

  it.each([
    ['an empty list', ''],
    ['an entry without a colon', `k1${a.toString('base64')}`],
    ['an empty key id', `:${a.toString('base64')}`],
    ['a key id with forbidden characters', `k 1:${a.toString('base64')}`],
    ['a key id longer than 32 characters', `${'k'.repeat(33)}:${a.toString('base64')}`],
    ['a duplicate key id', `k1:${a.toString('base64')},k1:${b.toString('base64')}`],
    ['a trailing comma', `k1:${a.toString('base64')},`],
    ['a short key', `k1:${a.subarray(0, 31).toString('base64')}`],
    ['a non-base64 key', `k1:${a.toString('hex')}!`],
  ])('rejects %s without echoing key material', (_label, value) => {
    const error = caught(() => parseMasterKeys(value, 'FIELD_MASTER_KEYS'));
    expect(error.message).toContain('FIELD_MASTER_KEYS');
    for (const key of [a, b]) {
      for (const text of [key.toString('base64'), key.toString('base64url'), key.toString('hex')]) {
        expect(error.message).not.toContain(text);
      }
    }
  });

  it('says which entry is wrong', () => {
    expect(() => parseMasterKeys(`k1:${a.toString('base64')},k2:short`)).toThrow('entry 2');
  });
});

describe('deriveSubkey', () => {
  const root = Buffer.alloc(32, 9);

  it('derives 32-byte keys that are deterministic and differ by info and from the root', () => {
    const x = deriveSubkey(root, 'blind-index:givenName');
    expect(x).toHaveLength(32);
    expect(deriveSubkey(root, 'blind-index:givenName').equals(x)).toBe(true);
    expect(deriveSubkey(root, 'blind-index:familyName').equals(x)).toBe(false);
    expect(x.equals(root)).toBe(false);
  });

  it('rejects a root key that is not 32 bytes', () => {
    expect(() => deriveSubkey(Buffer.alloc(8), 'x')).toThrow('32-byte');
  });
});
