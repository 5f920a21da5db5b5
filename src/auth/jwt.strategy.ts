import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AppRequest, AuthenticatedPrincipal } from '../common/request-context.js';
import { isUuidText } from '../common/uuid.js';
import { AppConfig } from '../config/app-config.js';
import { secretKeyObject } from '../crypto/index.js';
import { AuthService, type TokenPayload } from './auth.service.js';
import { SessionCache } from './session-cache.js';
import { VerifiedTokens, type TokenVerify, type VerifiedClaims } from './verified-tokens.js';

export const JWT_ALGORITHM = 'HS256';

type JwtVerifier = (
  token: string,
  secretOrKey: unknown,
  options: object,
  callback: (error: Error | null, payload?: VerifiedClaims) => void,
) => void;

/**
 * passport-jwt verifies every token through its static `Strategy.JwtVerifier` (jsonwebtoken's verify). It is
 * wrapped once here so that each strategy's verifications go through a VerifiedTokens cache of its own
 * (keyed by that strategy's options object, which holds its algorithm, issuer and audience; its key is fixed
 * too): the same token verifies once, not on every request. A remembered result is never used past the
 * token's exp or before its nbf, the only time-bound checks these options make (no maxAge: one added to
 * them would need the cache to honour it too).
 */
const verifier = Strategy as unknown as { JwtVerifier: JwtVerifier };
const verifyUncached = verifier.JwtVerifier;
const verifiedByStrategy = new WeakMap<object, VerifiedTokens>();
verifier.JwtVerifier = (token, secretOrKey, options, callback) => {
  let verified = verifiedByStrategy.get(options);
  if (verified === undefined) {
    verified = new VerifiedTokens();
    verifiedByStrategy.set(options, verified);
  }
  const verify: TokenVerify = (text, done) => verifyUncached(text, secretOrKey, options, done);
  verified.verify(token, verify, callback);
};

/**
 * Bearer tokens: algorithm pinned, issuer, audience and expiry checked, then the session looked up; on a
 * route whose statement confirms the session (AccessRule.sessionInStatement), a principal confirmed within
 * the last minute is taken from the SessionCache instead, unconfirmed until that statement (or a lookup)
 * confirms it.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: AppConfig,
    private readonly auth: AuthService,
    private readonly sessions: SessionCache,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject prepared once: given the Buffer, jsonwebtoken re-parses it (createPublicKey, then
      // createSecretKey) on every verification. passport-jwt hands the key to jsonwebtoken unchanged; its
      // type says string | Buffer only.
      secretOrKey: secretKeyObject(config.keys.jwtSecret, 'JWT_SECRET') as unknown as Buffer,
      algorithms: [JWT_ALGORITHM],
      issuer: config.env.JWT_ISSUER,
      audience: config.env.JWT_AUDIENCE,
      ignoreExpiration: false,
      passReqToCallback: true,
    });
  }

  async validate(
    request: AppRequest,
    payload: Partial<TokenPayload>,
  ): Promise<AuthenticatedPrincipal | false> {
    if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') return false;
    if (!isUuidText(payload.sub) || !isUuidText(payload.sid)) return false;
    if (request.sessionInStatement === true) {
      const cached = this.sessions.unconfirmed(payload.sid, payload.sub);
      if (cached !== undefined) return cached;
    }
    const principal = await this.auth.principalFor({ sub: payload.sub, sid: payload.sid });
    if (principal === null) {
      this.sessions.forget(payload.sid);
      return false;
    }
    this.sessions.remember(principal);
    return principal;
  }
}
