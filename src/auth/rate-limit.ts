import rateLimit from '@fastify/rate-limit';
import { JwtService } from '@nestjs/jwt';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../common/errors.js';
import type { Env } from '../config/env.schema.js';
import { VerifiedTokens, type TokenVerify, type VerifiedClaims } from './verified-tokens.js';

/** Routes never limited: orchestrators probe them, and a probe must not be refused. */
const UNLIMITED = /^\/health(\/|$|\?)/;

/**
 * The general rate limit (@fastify/rate-limit), before any other work on a request: per account for a
 * request with a valid bearer token (RATE_LIMIT_PER_ACCOUNT per RATE_LIMIT_WINDOW_MS, at least 100/s), per
 * client address otherwise (RATE_LIMIT_PER_CLIENT). A forged token counts against its client, not against
 * the account it names. Answers carry the IETF `RateLimit-*` headers; a 429 also `Retry-After`.
 * Counters are per replica (in memory): with n replicas behind a balancer, a client may get up to n times
 * the limit — the contract asks for at least 100 requests/s per account, never for at most.
 */
export async function registerRateLimit(app: NestFastifyApplication, env: Env): Promise<void> {
  const jwt = app.get(JwtService, { strict: false });
  // Each token is verified about once (VerifiedTokens remembers a success until the token's exp).
  const verified = new VerifiedTokens();
  const verify: TokenVerify = (token, done) => {
    try {
      done(null, jwt.verify<VerifiedClaims>(token));
    } catch (error) {
      done(error as Error);
    }
  };
  const subjectOf = (token: string): string | null => {
    let sub: string | null = null;
    verified.verify(token, verify, (error, payload) => {
      if (error === null && typeof payload?.sub === 'string') sub = payload.sub;
    });
    return sub;
  };

  const keyOf = (request: FastifyRequest): string => {
    const header = request.headers.authorization;
    if (typeof header === 'string' && header.startsWith('Bearer ') && header.length < 4096) {
      const sub = subjectOf(header.slice(7).trim());
      if (sub !== null) return `account:${sub}`;
    }
    return `client:${request.ip}`;
  };

  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    timeWindow: env.RATE_LIMIT_WINDOW_MS,
    max: (_request, key) =>
      key.startsWith('account:') ? env.RATE_LIMIT_PER_ACCOUNT : env.RATE_LIMIT_PER_CLIENT,
    keyGenerator: keyOf,
    allowList: (request) => UNLIMITED.test(request.url),
    enableDraftSpec: true,
    cache: 20_000,
    errorResponseBuilder: (_request, context) =>
      new DomainError(
        'RATE_LIMITED',
        `Rate limit exceeded: at most ${context.max} requests per ${context.after}`,
        {
          'Retry-After': String(Math.max(1, Math.ceil(context.ttl / 1000))),
        },
      ),
  });
}
