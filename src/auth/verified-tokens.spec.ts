import fc from 'fast-check';
import { VerifiedTokens, type TokenVerify, type VerifiedClaims } from './verified-tokens.js';

/** A verifier that accepts the tokens of `valid` (with their claims), counting its calls. */
function verifierOf(valid: Record<string, VerifiedClaims>): TokenVerify & { calls: number } {
  const verify = ((token: string, done: (error: Error | null, payload?: VerifiedClaims) => void) => {
    verify.calls += 1;
    const claims = valid[token];
    if (claims === undefined) done(new Error('invalid signature'));
    else done(null, claims);
  }) as TokenVerify & { calls: number };
  verify.calls = 0;
  return verify;
}

function verifyNow(cache: VerifiedTokens, token: string, verify: TokenVerify) {
  let result: { error: Error | null; payload?: VerifiedClaims } | undefined;
  cache.verify(token, verify, (error, payload) => {
    result = { error, payload };
  });
  if (result === undefined) throw new Error('no synchronous answer');
  return result;
}

describe('VerifiedTokens', () => {
  it('verifies a token once while it is valid, and answers the same claims after', () => {
    let now = 1000;
    const cache = new VerifiedTokens(10, () => now);
    const verify = verifierOf({ a: { sub: 'u1', exp: 1060 } });
    expect(verifyNow(cache, 'a', verify)).toEqual({ error: null, payload: { sub: 'u1', exp: 1060 } });
    now = 1059;
    expect(verifyNow(cache, 'a', verify).payload).toEqual({ sub: 'u1', exp: 1060 });
    expect(verify.calls).toBe(1);
  });

  it('never answers from the cache once the token has expired: it verifies again, which refuses', () => {
    let now = 1000;
    const valid: Record<string, VerifiedClaims> = { a: { sub: 'u1', exp: 1060 } };
    const cache = new VerifiedTokens(10, () => now);
    const verify = verifierOf(valid);
    verifyNow(cache, 'a', verify);
    now = 1060;
    delete valid.a; // jsonwebtoken refuses it now (expired)
    const again = verifyNow(cache, 'a', verify);
    expect(again.error).toBeInstanceOf(Error);
    expect(again.payload).toBeUndefined();
    expect(verify.calls).toBe(2);
    expect(cache.size).toBe(0);
  });

  it('never caches a refused token, a token without exp, nor one not valid yet', () => {
    const now = 1000;
    const cache = new VerifiedTokens(10, () => now);
    const verify = verifierOf({ noexp: { sub: 'u' }, early: { sub: 'u', exp: 2000, nbf: 1500 } });
    expect(verifyNow(cache, 'forged', verify).error).toBeInstanceOf(Error);
    expect(verifyNow(cache, 'noexp', verify).payload).toEqual({ sub: 'u' });
    verifyNow(cache, 'early', verify);
    verifyNow(cache, 'forged', verify);
    verifyNow(cache, 'noexp', verify);
    verifyNow(cache, 'early', verify);
    expect(verify.calls).toBe(6);
    expect(cache.size).toBe(0);
  });

  it('keeps at most maxEntries tokens, dropping the one used least recently', () => {
    const cache = new VerifiedTokens(2, () => 0);
    const verify = verifierOf({ a: { exp: 9 }, b: { exp: 9 }, c: { exp: 9 } });
    verifyNow(cache, 'a', verify);
    verifyNow(cache, 'b', verify);
    verifyNow(cache, 'a', verify); // a is now the most recent
    verifyNow(cache, 'c', verify); // b goes
    expect(cache.size).toBe(2);
    expect(verify.calls).toBe(3);
    verifyNow(cache, 'a', verify);
    expect(verify.calls).toBe(3);
    verifyNow(cache, 'b', verify);
    expect(verify.calls).toBe(4);
  });

  it('hands out frozen claims, so that no request can alter what the next one gets', () => {
    const cache = new VerifiedTokens(10, () => 0);
    const { payload } = verifyNow(cache, 'a', verifierOf({ a: { sub: 'u1', exp: 9 } }));
    expect(Object.isFrozen(payload)).toBe(true);
  });

  it('property: answers exactly what the verifier would answer at that moment, for any sequence of uses', () => {
    // Tokens, each valid from nbf to exp or forged; uses at non-decreasing times.
    const tokenArb = fc.record({
      forged: fc.boolean(),
      exp: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
      nbf: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(tokenArb, { minLength: 1, maxLength: 5 }),
        fc.array(fc.tuple(fc.nat(4), fc.integer({ min: 0, max: 10 })), { maxLength: 40 }),
        fc.integer({ min: 1, max: 4 }),
        (tokens, uses, maxEntries) => {
          let now = 0;
          const cache = new VerifiedTokens(maxEntries, () => now);
          // The real verification at time `now`: signature, then exp and nbf as jsonwebtoken checks them.
          const verify: TokenVerify = (token, done) => {
            const t = tokens[Number(token)];
            if (t.forged) return done(new Error('invalid signature'));
            if (t.exp !== undefined && now >= t.exp) return done(new Error('jwt expired'));
            if (t.nbf !== undefined && t.nbf > now) return done(new Error('jwt not active'));
            done(null, { sub: token, exp: t.exp, nbf: t.nbf });
          };
          for (const [index, step] of uses) {
            now += step;
            const token = String(index % tokens.length);
            let expected: { error: boolean; payload?: VerifiedClaims } | undefined;
            verify(token, (error, payload) => (expected = { error: error !== null, payload }));
            const actual = verifyNow(cache, token, verify);
            expect(actual.error !== null).toBe(expected?.error);
            if (!expected?.error) expect(actual.payload).toEqual(expected?.payload);
          }
          expect(cache.size).toBeLessThanOrEqual(maxEntries);
        },
      ),
    );
  });
});
