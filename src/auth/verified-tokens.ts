/**
 * Bearer tokens whose signature and claims were verified recently, so that a client sending the same token
 * on every request pays for one HMAC verification (and two base64 JSON decodes) per token, not per request:
 * about 4% of the event loop's busy time on a read by id (bench --profile, 2026-12-01 21:56).
 *
 * Used by JwtStrategy and by the rate limiter (which keys requests by the token's subject, before the guard).
 *
 * What is cached is only the verification's result, the payload, for the very token text verified. It is
 * never trusted past the token's own `exp` (nor before its `nbf`), and the session behind it is still
 * checked on every request afterwards (JwtStrategy.validate), so a logout or a revocation is seen as
 * before. A token that failed verification is never cached. Bounded in size: the entry used least recently
 * goes first.
 *
 * Pure: no Nest, no crypto of its own; `verify` is the real verification (jsonwebtoken's).
 */

export interface VerifiedClaims {
  readonly exp?: number;
  readonly nbf?: number;
  readonly [claim: string]: unknown;
}

export type TokenVerify = (
  token: string,
  done: (error: Error | null, payload?: VerifiedClaims) => void,
) => void;

export const VERIFIED_TOKENS_MAX = 10_000;

/** Tokens longer than this are verified every time, never kept. */
const MAX_TOKEN_LENGTH = 4096;

export class VerifiedTokens {
  private readonly entries = new Map<string, VerifiedClaims>();

  constructor(
    private readonly maxEntries = VERIFIED_TOKENS_MAX,
    private readonly nowSeconds: () => number = () => Date.now() / 1000,
  ) {}

  /** `verify(token)`, or its earlier result for this exact token while that token is still within its validity. */
  verify(
    token: string,
    verify: TokenVerify,
    done: (error: Error | null, payload?: VerifiedClaims) => void,
  ): void {
    const hit = this.entries.get(token);
    if (hit !== undefined) {
      if (this.current(hit)) {
        this.entries.delete(token);
        this.entries.set(token, hit);
        done(null, hit);
        return;
      }
      this.entries.delete(token);
    }
    verify(token, (error, payload) => {
      if (
        error === null &&
        payload !== undefined &&
        token.length <= MAX_TOKEN_LENGTH &&
        this.current(payload)
      ) {
        const kept = Object.freeze({ ...payload });
        this.entries.set(token, kept);
        while (this.entries.size > this.maxEntries) {
          this.entries.delete(this.entries.keys().next().value as string);
        }
        done(null, kept);
        return;
      }
      done(error, payload);
    });
  }

  get size(): number {
    return this.entries.size;
  }

  /** Within the token's own validity: an `exp` still ahead (required to cache at all), any `nbf` passed. */
  private current(claims: VerifiedClaims): boolean {
    const now = this.nowSeconds();
    if (typeof claims.exp !== 'number' || !(now < claims.exp)) return false;
    return claims.nbf === undefined || (typeof claims.nbf === 'number' && now >= claims.nbf);
  }
}
