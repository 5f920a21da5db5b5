import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { EpochKeyring } from '../keyring/epoch-keyring.js';
import { EpochKeyStore } from '../keyring/epoch-store.js';
import { AppConfig } from '../config/app-config.js';
import type { Env } from '../config/env.schema.js';
import { CryptoError, ed25519FromSeed, generateKeyBase64, hmacSha256Hex, parseKey } from '../crypto/index.js';
import { CaseCryptoService, CaseKeyDestroyedError, toSubject } from './case-crypto.service.js';

const key = () => parseKey('k', generateKeyBase64());
const service = () => {
  const masterKeys = { currentKeyId: 'k1', keys: new Map([['k1', key()]]) };
  const keyring = new EpochKeyring(
    new EpochKeyStore(fs.mkdtempSync(path.join(os.tmpdir(), 'ctr-epochs-unit-'))),
    masterKeys,
    86_400,
  );
  // One epoch, as if the rollover had created it (the "database" answers the INSERT).
  void keyring.createEpoch({ query: () => Promise.resolve([{ id: 'epoch-1', started_at: new Date() }]) });
  const config = new AppConfig({} as Env, {
    masterKeys,
    pseudonymKey: key(),
    blindIndexKey: key(),
    jwtSecret: key(),
    auditChainKey: key(),
    releaseSigningKey: ed25519FromSeed(key()),
    epochDir: keyring.store.dir,
    attemptedUsernameKey: key(),
    auditSigningKeys: { currentKeyId: 's1', keys: new Map() },
    noisePrfKey: key(),
  });
  return new CaseCryptoService(config, keyring);
};
const ID = '7b0d3c3e-1d0e-4b8f-9b8f-2f0d1c1e1a01';
const OTHER_ID = '7b0d3c3e-1d0e-4b8f-9b8f-2f0d1c1e1a02';
const nameArb = fc
  .string({ minLength: 1, maxLength: 40 })
  .filter((s) => /[a-z0-9]/i.test(s) && !/\p{Cs}/u.test(s));

describe('CaseCryptoService', () => {
  const crypto = service();

  it('round-trips subject and narrative', () => {
    fc.assert(
      fc.property(
        nameArb,
        fc.option(
          fc.string({ maxLength: 200 }).filter((s) => !/\p{Cs}/u.test(s)),
          { nil: null },
        ),
        (given, narrative) => {
          const subject = toSubject({ givenName: given, documentNumber: 'P1' });
          const sealed = crypto.sealNew(ID, subject, narrative);
          expect(crypto.open({ id: ID, ...sealed })).toEqual({ subject, narrative });
        },
      ),
      { numRuns: 50 },
    );
  });

  it('a ciphertext moved to another case, or a flipped bit, fails to decrypt', () => {
    const sealed = crypto.sealNew(ID, toSubject({ givenName: 'Amina' }), 'text');
    expect(() => crypto.open({ id: OTHER_ID, ...sealed })).toThrow(CryptoError);
    const flipped = Buffer.from(sealed.subjectCt);
    flipped[flipped.length - 1] ^= 1;
    expect(() => crypto.open({ id: ID, ...sealed, subjectCt: flipped })).toThrow(CryptoError);
    const swapped = { id: ID, ...sealed, subjectCt: sealed.narrativeCt as Buffer };
    expect(() => crypto.open(swapped)).toThrow(CryptoError);
  });

  it('an erased case (no wrapped key) cannot be opened', () => {
    const sealed = crypto.sealNew(ID, toSubject({ givenName: 'Amina' }), null);
    expect(() => crypto.open({ id: ID, ...sealed, wrappedKey: null, keyId: null })).toThrow(
      CaseKeyDestroyedError,
    );
  });

  it('reseal keeps the data key: the new ciphertext opens with the stored wrapped key', () => {
    const sealed = crypto.sealNew(ID, toSubject({ givenName: 'Amina' }), null);
    const next = toSubject({ givenName: 'Other' });
    const changed = crypto.reseal({ id: ID, ...sealed }, { subject: next, narrative: 'added' });
    expect(crypto.open({ id: ID, ...sealed, ...changed })).toEqual({ subject: next, narrative: 'added' });
  });

  it('the pseudonym and blind indexes fold case, accents and spacing', () => {
    const a = crypto.indexes(
      toSubject({ givenName: 'José  María', familyName: 'Núñez', documentNumber: 'ab-12 3' }),
    );
    const b = crypto.indexes(
      toSubject({ givenName: 'jose maria', familyName: 'NUNEZ', documentNumber: 'AB123' }),
    );
    expect(b).toEqual(a);
    const c = crypto.indexes(
      toSubject({ givenName: 'jose maria', familyName: 'NUNEZ', dateOfBirth: '2000-01-01' }),
    );
    expect(c.pseudonym).not.toBe(a.pseudonym);
    expect(c.biDocumentNumber).toBeNull();
  });

  it('matcher() is exact on normalized values, so blind-index collisions are filtered', () => {
    const subject = toSubject({ givenName: 'Amina', familyName: 'Haddad', documentNumber: 'P-123' });
    expect(crypto.matcher('givenName', ' AMÍNA ')(subject)).toBe(true);
    expect(crypto.matcher('documentNumber', 'p123')(subject)).toBe(true);
    expect(crypto.matcher('givenName', 'Amin')(subject)).toBe(false);
    expect(crypto.matcher('familyName', 'Haddadx')(subject)).toBe(false);
    expect(crypto.matcher('documentNumber', 'P123')(toSubject({ givenName: 'A' }))).toBe(false);
    // One test serves a whole search: each candidate is compared with the value normalized once.
    const search = crypto.matcher('familyName', 'haddad');
    expect([subject, toSubject({ givenName: 'A', familyName: 'Hadad' }), subject].map(search)).toEqual([
      true,
      false,
      true,
    ]);
  });

  it('fingerprints are keyed and independent of key order', () => {
    expect(crypto.fingerprint({ a: 1, b: { c: 2, d: 3 } })).toBe(
      crypto.fingerprint({ b: { d: 3, c: 2 }, a: 1 }),
    );
    expect(crypto.fingerprint({ a: 1 })).not.toBe(crypto.fingerprint({ a: 2 }));
    expect(service().fingerprint({ a: 1 })).not.toBe(crypto.fingerprint({ a: 1 }));
    expect(crypto.fingerprint({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('hmacSha256Hex', () => {
  it('matches RFC 4231 test case 2', () => {
    expect(hmacSha256Hex(Buffer.from('Jefe'), 'what do ya want for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });
});
