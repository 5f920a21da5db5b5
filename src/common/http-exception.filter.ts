import { ArgumentsHost, Catch, HttpException, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { databaseUnavailability, isSessionRejected } from './database-errors.js';
import { DomainError, statusOf, unauthenticated } from './errors.js';
import { errorBody, type ErrorBody } from './error-response.js';
import type { AppRequest } from './request-context.js';

/** Seconds a client is asked to wait when the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** No message is longer: a client may send thousands of bad fields, and the answer need not list them all. */
export const MAX_MESSAGE_LENGTH = 600;

/** The 415 of a body that is not JSON, on every route but the import's. */
export const JSON_BODIES_ONLY = 'Unsupported content type: request bodies are application/json';

/**
 * Fastify's own client errors, by code, with fixed messages: Fastify's messages may quote the request
 * (the content type, a fragment of the body).
 */
const FRAMEWORK_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: JSON_BODIES_ONLY,
  FST_ERR_CTP_INVALID_TYPE: JSON_BODIES_ONLY,
  FST_ERR_CTP_EMPTY_TYPE: JSON_BODIES_ONLY,
  FST_ERR_CTP_BODY_TOO_LARGE: 'The body is too large for this route',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Validation failed: the body is empty',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'Validation failed: the body is not valid JSON',
};

export const capMessage = (message: string): string =>
  message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : message;

/**
 * The one place where errors become HTTP responses: domain errors by code, an unavailable database as 503
 * with Retry-After, framework HTTP errors by status, anything else a bare 500 with the request id (details
 * only in the log). Also Fastify's error handler (Nest installs it), so errors of body parsing, rate limiting
 * and hooks get the same shape.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    // The session hook (auth/session-confirm.hook.ts) forgets the session and audits the denial.
    if (isSessionRejected(exception)) (request as AppRequest).sessionRejected = true;
    const { status, headers, body } = errorAnswer(exception, request);
    if (reply.sent) return;
    for (const [name, value] of Object.entries(headers)) void reply.header(name, value);
    void reply.status(status).send(body);
  }
}

/** The answer to `exception`: status, headers and body (logged here when it is the server's fault). */
export function errorAnswer(
  exception: unknown,
  request: FastifyRequest,
): { status: number; headers: Record<string, string>; body: ErrorBody } {
  const { status, message, headers } = describeError(exception);
  if (status >= 500 && status !== 503) request.log.error({ err: exception }, 'request failed');
  else if (status === 503) {
    const busy = exception instanceof DomainError && exception.code === 'SERVICE_BUSY';
    request.log.warn({ err: exception }, busy ? 'service busy' : 'database unavailable');
  }
  return { status, headers, body: errorBody(status, capMessage(message), String(request.id)) };
}

export function describeError(exception: unknown): {
  status: number;
  message: string;
  headers: Record<string, string>;
} {
  // A statement's refusal of a session no longer valid (audit_append_for_session): like any dead token.
  if (isSessionRejected(exception)) return describeError(unauthenticated());
  if (exception instanceof DomainError) {
    return { status: statusOf(exception.code), message: exception.message, headers: exception.headers };
  }
  const unavailable = databaseUnavailability(exception);
  if (unavailable !== null) {
    return {
      status: 503,
      message:
        unavailable === 'timeout'
          ? 'The database did not answer in time; retry later'
          : 'The database is unavailable; retry later',
      headers: { 'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS) },
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const raw =
      typeof response === 'object' && response !== null && 'message' in response
        ? (response as { message: unknown }).message
        : exception.message;
    const text = Array.isArray(raw) ? raw.slice(0, 10).join('; ') : String(raw);
    // The router's 404 ("Cannot GET /v1/x?givenName=...") must not echo the query string.
    const message = status === 404 ? text.replace(/\?.*$/s, '') : text;
    return { status, message: status >= 500 ? 'Internal server error' : message, headers: {} };
  }
  const framework = frameworkError(exception);
  if (framework !== undefined) return { ...framework, headers: {} };
  return { status: 500, message: 'Internal server error', headers: {} };
}

/** Fastify's client errors (bad JSON, body too large, unsupported media type) carry a statusCode 4xx. */
function frameworkError(exception: unknown): { status: number; message: string } | undefined {
  if (typeof exception !== 'object' || exception === null) return undefined;
  const { statusCode, code } = exception as { statusCode?: unknown; code?: unknown };
  if (typeof statusCode !== 'number' || statusCode < 400 || statusCode >= 500) return undefined;
  const known = typeof code === 'string' ? FRAMEWORK_MESSAGES[code] : undefined;
  const status = code === 'FST_ERR_CTP_EMPTY_TYPE' ? 415 : statusCode;
  return { status, message: known ?? errorBody(status, '', '').error };
}
