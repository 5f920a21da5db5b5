import rateLimit from '@fastify/rate-limit';
import { JwtService } from '@nestjs/jwt';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../common/errors.js';
import type { Env } from '../config/env.schema.js';

/** Verified tokens remembered (token -> subject), so that the limiter verifies each token about once. */
const TOKEN_CACHE_SIZE = 10_000;

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
  const known = new Map<string, { sub: string; exp: number }>();

  const subjectOf = (token: string): string | null => {
    const now = Date.now() / 1000;
    const hit = known.get(token);
    if (hit) return hit.exp > now ? hit.sub : null;
    try {
      const payload = jwt.verify<{ sub?: unknown; exp?: unknown }>(token);
      if (typeof payload.sub !== 'string') return null;
      if (known.size >= TOKEN_CACHE_SIZE) known.clear();
      known.set(token, { sub: payload.sub, exp: typeof payload.exp === 'number' ? payload.exp : now + 60 });
      return payload.sub;
    } catch {
      return null;
    }
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
