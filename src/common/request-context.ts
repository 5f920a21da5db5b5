import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../policy/index.js';

/** Who is calling, from where, under which request id: passed explicitly to services that audit. */
export interface RequestContext {
  /** The server's own id of the request (never taken from the client). */
  requestId: string;
  /** The client's X-Request-Id, kept only when it is a well-formed id (1-128 of A-Z a-z 0-9 . _ : -). */
  clientRequestId?: string | null;
  ip: string;
  actor: AuthenticatedPrincipal | null;
}

export interface AuthenticatedPrincipal extends Principal {
  username: string;
  sessionId: string;
  approvedUntil: string | null;
  /**
   * Present when the guard authorized this request from a cached principal (auth/session-cache.ts): the
   * session is confirmed only once a statement's audit append has checked it (or a lookup has), then
   * `confirmed` is true. Absent: the session was looked up for this request.
   */
  sessionCheck?: SessionCheck;
}

/** Whether a request's cached principal has been confirmed against the database yet (mutable, per request). */
export interface SessionCheck {
  confirmed: boolean;
}

export type AppRequest = FastifyRequest & {
  user?: AuthenticatedPrincipal;
  /** Set by the access guard for the JWT strategy: the route lets its statement confirm the session. */
  sessionInStatement?: boolean;
  /** Set by the error filter: the request's statement found its session no longer valid (SQLSTATE CT401). */
  sessionRejected?: boolean;
};

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's X-Request-Id if well-formed, else null (never trusted as the request's id). */
export function clientRequestIdOf(headers: Record<string, string | string[] | undefined>): string | null {
  const incoming = headers['x-request-id'];
  return typeof incoming === 'string' && CLIENT_REQUEST_ID.test(incoming) ? incoming : null;
}

export function contextOf(request: AppRequest): RequestContext {
  return {
    requestId: String(request.id),
    clientRequestId: clientRequestIdOf(request.headers),
    ip: request.ip,
    actor: request.user ?? null,
  };
}

/** `@Ctx() ctx: RequestContext` in a controller method. */
export const Ctx = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  contextOf(context.switchToHttp().getRequest<AppRequest>()),
);
