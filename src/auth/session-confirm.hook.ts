import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { AuditAction } from '../audit/audit-actions.js';
import { unauthenticated } from '../common/errors.js';
import { errorAnswer } from '../common/http-exception.filter.js';
import { contextOf, type AppRequest, type AuthenticatedPrincipal } from '../common/request-context.js';
import { DenialSummaryService } from './denial-summary.service.js';
import { SessionConfirmation } from './session-confirmation.service.js';

/** A request as the access guard leaves it: the route's action, under which a later denial is audited. */
export type GuardedRequest = AppRequest & { accessAction?: AuditAction };

/** Headers of the handler's answer that a 401 put in its place must not carry. */
const ANSWER_HEADERS = ['content-disposition', 'content-length', 'etag', 'last-modified', 'location'];

/**
 * The other half of the session cache (session-cache.ts): a request the guard authorized from a cached
 * principal is answered only once its session is confirmed. Its statement's audit append usually did that
 * (AuditService.appendCall); otherwise (a 400 before any statement, a route that never appended) the session
 * is looked up here, after the handler and before the answer is sent. A session found invalid, either way,
 * is a 401 with its denial audited as an invalid token (per client, as the guard audits callers without a
 * valid token), whatever the handler answered; the statement that found it failed as a whole, so nothing was
 * written.
 *
 * Fastify's onSend hook (registered in app.ts), which every answer passes, handler's and error filter's
 * alike. Until 2026-12-02 this was a Nest interceptor: the only one, and with one Nest runs every request
 * through an rxjs pipeline (35-70 us of CPU a request in a bare Nest app with one route, 2026-12-02; a fifth of
 * the bytes a read allocated).
 */
@Injectable()
export class SessionConfirmHook {
  constructor(
    private readonly sessions: SessionConfirmation,
    private readonly denials: DenialSummaryService,
  ) {}

  /** The payload to send: the handler's, or a 401 (503 when the database cannot tell) in its place. */
  readonly onSend = async (
    request: GuardedRequest,
    reply: FastifyReply,
    payload: unknown,
  ): Promise<unknown> => {
    const principal = request.user;
    if (principal === undefined) return payload;
    try {
      if (request.sessionRejected) {
        // The statement refused the session; the error filter already answered 401.
        request.sessionRejected = false;
        await this.reject(request, principal);
        return payload;
      }
      const check = principal.sessionCheck;
      if (check === undefined || check.confirmed || (await this.sessions.confirm(principal))) return payload;
      await this.reject(request, principal);
      return this.replace(request, reply, payload, unauthenticated());
    } catch (error) {
      return this.replace(request, reply, payload, error);
    }
  };

  private async reject(request: GuardedRequest, principal: AuthenticatedPrincipal): Promise<void> {
    this.sessions.forget(principal);
    request.user = undefined;
    if (request.accessAction !== undefined) {
      await this.denials.deny(
        { ...contextOf(request), actor: null },
        { action: request.accessAction, reason: 'invalid_token' },
      );
    }
  }

  /** Puts the answer to `error` in place of `payload` (a stream is closed unread). */
  private replace(request: GuardedRequest, reply: FastifyReply, payload: unknown, error: unknown): string {
    if (payload !== null && typeof payload === 'object' && 'destroy' in payload) {
      (payload as { destroy(): void }).destroy();
    }
    const { status, headers, body } = errorAnswer(error, request);
    for (const name of ANSWER_HEADERS) void reply.removeHeader(name);
    void reply.code(status).headers(headers).header('content-type', 'application/json; charset=utf-8');
    return JSON.stringify(body);
  }
}
