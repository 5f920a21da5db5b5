import fc from 'fast-check';
import {
  CryptoError,
  generateDataKey,
  open,
  rewrapDataKey,
  seal,
  unwrapDataKey,
  wrapDataKey,
  type MasterKeyRing,
} from './envelope.js';

const caseId = '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f';
const otherCaseId = '7a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d';
const oldMaster = Buffer.alloc(32, 0x11);
const newMaster = Buffer.alloc(32, 0x22);
const ring: MasterKeyRing = { currentKeyId: 'k1', keys: new Map([['k1', oldMaster]]) };
const rotatedRing: MasterKeyRing = {
  currentKeyId: 'k2',
  keys: new Map([
    ['k1', oldMaster],
    ['k2', newMaster],
  ]),
};

function renderings(key: Buffer): string[] {
  return [key.toString('hex'), key.toString('base64'), key.toString('base64url')];
}

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('generateDataKey', () => {
  it('returns fresh random 32-byte keys', () => {
    const a = generateDataKey();
    expect(a).toHaveLength(32);
    expect(a.equals(generateDataKey())).toBe(false);
  });
});

describe('seal / open', () => {
  const dataKey = generateDataKey();
  const aad = `${caseId}:subject`;

  it('round-trips arbitrary Unicode strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (plaintext) => {
        expect(open(dataKey, seal(dataKey, plaintext, aad), aad)).toBe(plaintext);
      }),
    );
  });

  it('writes version 0x01, a 12-byte IV and a 16-byte tag before the ciphertext', () => {
    const sealed = seal(dataKey, 'hello', aad);
    expect(sealed[0]).toBe(0x01);
    expect(sealed).toHaveLength(1 + 12 + 16 + Buffer.byteLength('hello'));
    expect(sealed.includes(Buffer.from('hello'))).toBe(false);
  });

  it('uses a fresh IV every time: sealing the same plaintext twice gives different outputs', () => {
    expect(seal(dataKey, 'same', aad).equals(seal(dataKey, 'same', aad))).toBe(false);
  });

  it('rejects a single flipped bit anywhere in the sealed value with CryptoError', () => {
    const sealed = seal(dataKey, 'Recruited through a job advert', aad);
    fc.assert(
      fc.property(fc.nat({ max: sealed.length * 8 - 1 }), (bit) => {
        const tampered = Buffer.from(sealed);
        tampered[bit >> 3] = (tampered[bit >> 3] as number) ^ (1 << (bit & 7));
        expect(() => open(dataKey, tampered, aad)).toThrow(CryptoError);
      }),
    );
  });

  it('rejects a ciphertext moved to another case or field (associated data differs)', () => {
    const sealed = seal(dataKey, 'secret', aad);
    expect(() => open(dataKey, sealed, `${otherCaseId}:subject`)).toThrow(CryptoError);
    expect(() => open(dataKey, sealed, `${caseId}:narrative`)).toThrow(CryptoError);
  });

  it('rejects truncated input, a wrong version byte and a wrong key', () => {
    const sealed = seal(dataKey, 'secret', aad);
    for (const length of [0, 1, 13, 28, sealed.length - 1]) {
      expect(() => open(dataKey, sealed.subarray(0, length), aad)).toThrow(CryptoError);
    }
    const wrongVersion = Buffer.from(sealed);
    wrongVersion[0] = 0x02;
    expect(() => open(dataKey, wrongVersion, aad)).toThrow(CryptoError);
    expect(() => open(generateDataKey(), sealed, aad)).toThrow(CryptoError);
  });

  it('refuses strings with unpaired surrogates instead of silently corrupting them', () => {
    expect(() => seal(dataKey, 'a\ud800b', aad)).toThrow(RangeError);
  });

  it('never puts the key into error messages', () => {
    const sealed = seal(dataKey, 'secret', aad);
    const error = caught(() => open(dataKey, sealed, 'other'));
    expect(error).toBeInstanceOf(CryptoError);
    for (const text of renderings(dataKey)) {
      expect(String(error)).not.toContain(text);
      expect(error.stack ?? '').not.toContain(text);
    }
    expect(error.message).not.toContain('secret');
  });
});

describe('wrapDataKey / unwrapDataKey', () => {
  it('round-trips a data key under the current master key', () => {
    const dataKey = generateDataKey();
    const { keyId, wrapped } = wrapDataKey(ring, dataKey, caseId);
    expect(keyId).toBe('k1');
    expect(wrapped.includes(dataKey)).toBe(false);
    expect(unwrapDataKey(ring, keyId, wrapped, caseId).equals(dataKey)).toBe(true);
  });

  it('fails for another case id (a wrapped key cannot be moved between cases)', () => {
    const { keyId, wrapped } = wrapDataKey(ring, generateDataKey(), caseId);
    expect(() => unwrapDataKey(ring, keyId, wrapped, otherCaseId)).toThrow(CryptoError);
  });

  it('fails for an unknown key id, and for the wrong key id even if it exists', () => {
    const { wrapped } = wrapDataKey(ring, generateDataKey(), caseId);
    expect(() => unwrapDataKey(ring, 'nope', wrapped, caseId)).toThrow(CryptoError);
    expect(() => unwrapDataKey(ring, 'nope', wrapped, caseId)).toThrow('unknown master key id');
    const { keyId: newId, wrapped: newWrapped } = wrapDataKey(rotatedRing, generateDataKey(), caseId);
    expect(newId).toBe('k2');
    expect(() => unwrapDataKey(rotatedRing, 'k1', newWrapped, caseId)).toThrow(CryptoError);
  });

  it('fails on a tampered wrapped key', () => {
    const { keyId, wrapped } = wrapDataKey(ring, generateDataKey(), caseId);
    const tampered = Buffer.from(wrapped);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
    expect(() => unwrapDataKey(ring, keyId, tampered, caseId)).toThrow(CryptoError);
  });

  it('fails when the current key id names no key of the ring', () => {
    expect(() => wrapDataKey({ currentKeyId: 'k9', keys: ring.keys }, generateDataKey(), caseId)).toThrow(
      CryptoError,
    );
  });

  it('never puts master or data key bytes into error messages', () => {
    const dataKey = generateDataKey();
    const { keyId, wrapped } = wrapDataKey(ring, dataKey, caseId);
    const errors = [
      caught(() => unwrapDataKey(ring, keyId, wrapped, otherCaseId)),
      caught(() => unwrapDataKey(ring, 'nope', wrapped, caseId)),
      caught(() => unwrapDataKey(ring, keyId, wrapped.subarray(0, 10), caseId)),
    ];
    for (const error of errors) {
      for (const text of [...renderings(oldMaster), ...renderings(dataKey), ...renderings(wrapped)]) {
        expect(String(error)).not.toContain(text);
      }
    }
  });
});

describe('master key rotation', () => {
  it('a ring with a new current key still unwraps data keys wrapped under the old key', () => {
    const dataKey = generateDataKey();
    const { keyId, wrapped } = wrapDataKey(ring, dataKey, caseId);
    expect(unwrapDataKey(rotatedRing, keyId, wrapped, caseId).equals(dataKey)).toBe(true);
  });

  it('rewrapDataKey moves the data key to the current key id; sealed ciphertexts still open', () => {
    const dataKey = generateDataKey();
    const sealed = seal(dataKey, 'narrative text', `${caseId}:narrative`);
    const old = wrapDataKey(ring, dataKey, caseId);

    const moved = rewrapDataKey(rotatedRing, old.keyId, old.wrapped, caseId);

    expect(moved.keyId).toBe('k2');
    const onlyNewKey: MasterKeyRing = { currentKeyId: 'k2', keys: new Map([['k2', newMaster]]) };
    const unwrapped = unwrapDataKey(onlyNewKey, moved.keyId, moved.wrapped, caseId);
    expect(unwrapped.equals(dataKey)).toBe(true);
    expect(open(unwrapped, sealed, `${caseId}:narrative`)).toBe('narrative text');
  });

  it('rewrapDataKey refuses a wrapped key of another case', () => {
    const old = wrapDataKey(ring, generateDataKey(), caseId);
    expect(() => rewrapDataKey(rotatedRing, old.keyId, old.wrapped, otherCaseId)).toThrow(CryptoError);
  });
});
