import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { newUuid } from '../crypto/index.js';
import { errorBody } from './error-response.js';

/**
 * Errors Fastify answers before any route or hook runs (a bad URL, a path parameter over its length), in the
 * error shape with fixed messages: Fastify's own messages quote the path.
 */
export function frameworkErrors(
  error: { code?: string },
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const [status, message] =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? [414, 'A path parameter is too long']
      : [400, 'The URL is not valid'];
  void reply
    .status(status)
    .header('X-Request-Id', String(request.id))
    .send(errorBody(status, message, String(request.id)));
}

/**
 * Errors of the HTTP parser and of Node's request timeouts (a trickling client, headers over 16 KB, a
 * malformed request line): answered on the socket in the error shape, then the connection is closed.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'The request was not received in time']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'The request line or headers are too large']
        : [400, 'Malformed HTTP request'];
  const requestId = newUuid();
  const body = JSON.stringify(errorBody(status, message, requestId));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
