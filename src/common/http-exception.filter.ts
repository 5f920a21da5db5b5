import { ArgumentsHost, Catch, HttpException, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, statusOf } from './errors.js';
import { errorBody } from './error-response.js';

/**
 * The one place where errors become HTTP responses: domain errors by code, framework HTTP errors by status,
 * anything else a bare 500 with the request id (details only in the log).
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { status, message, headers } = describeError(exception);
    if (status >= 500) request.log.error({ err: exception }, 'request failed');
    for (const [name, value] of Object.entries(headers)) void reply.header(name, value);
    void reply.status(status).send(errorBody(status, message, String(request.id)));
  }
}

function describeError(exception: unknown): {
  status: number;
  message: string;
  headers: Record<string, string>;
} {
  if (exception instanceof DomainError) {
    return { status: statusOf(exception.code), message: exception.message, headers: exception.headers };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const raw =
      typeof response === 'object' && response !== null && 'message' in response
        ? (response as { message: unknown }).message
        : exception.message;
    const text = Array.isArray(raw) ? raw.join('; ') : String(raw);
    // The router's 404 ("Cannot GET /v1/x?givenName=...") must not echo the query string.
    const message = status === 404 ? text.replace(/\?.*$/s, '') : text;
    return { status, message: status >= 500 ? 'Internal server error' : message, headers: {} };
  }
  const status = frameworkStatus(exception);
  if (status !== undefined && status >= 400 && status < 500) {
    return { status, message: (exception as Error).message, headers: {} };
  }
  return { status: 500, message: 'Internal server error', headers: {} };
}

/** Fastify's own client errors (bad JSON, body too large, unsupported media type) carry a statusCode and a FST_ code. */
function frameworkStatus(exception: unknown): number | undefined {
  if (typeof exception !== 'object' || exception === null) return undefined;
  const { statusCode, code } = exception as { statusCode?: unknown; code?: unknown };
  if (typeof statusCode === 'number' && typeof code === 'string' && code.startsWith('FST_'))
    return statusCode;
  return undefined;
}
