import type { LoggerService } from '@nestjs/common';
import {
  pino,
  type Bindings,
  type ChildLoggerOptions,
  type DestinationStream,
  type Level,
  type Logger,
} from 'pino';
import { SUBJECT_FIELDS } from '../policy/index.js';

/** Paths never written to a log line: credentials, tokens and every field of a case subject. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-export-passphrase"]',
  ...['password', 'accessToken', 'subject', 'narrative', ...SUBJECT_FIELDS].flatMap((field) => [
    field,
    `*.${field}`,
  ]),
];

interface SerializableRequest {
  id?: unknown;
  method?: string;
  url?: string;
  ip?: string;
}

type LoggedError = Error & { code?: unknown; severity?: unknown; table?: unknown; constraint?: unknown };

/**
 * Errors are logged by type, code and stack. A PostgreSQL error's message can quote the offending value
 * ("invalid input syntax for type date: ..."), and its detail the conflicting key, so for those only the
 * SQLSTATE, table and constraint are kept.
 */
export function serializeError(err: LoggedError): Record<string, unknown> {
  const code = typeof err.code === 'string' ? err.code : undefined;
  if (typeof err.severity === 'string' && code !== undefined) {
    return { type: 'DatabaseError', code, table: err.table, constraint: err.constraint };
  }
  return { type: err.name, code, message: err.message, stack: err.stack };
}

/** Log bytes gathered before one write to stdout, and the longest a line waits for the rest (ms). */
export const LOG_BUFFER_BYTES = 8 * 1024;
export const LOG_FLUSH_MS = 250;

/**
 * stdout, asynchronously and in chunks (pino's sonic-boom): lines are gathered up to LOG_BUFFER_BYTES and
 * written at most LOG_FLUSH_MS later (a write per line, encoded and handed to the thread pool one by one, was
 * 5-9% of a read's CPU at one line per request). Flushed synchronously when the process exits, however it
 * exits but SIGKILL (pino's exit hook), which may lose the last LOG_FLUSH_MS of lines.
 */
function bufferedStdout(): DestinationStream {
  const destination = pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES });
  const timer = setInterval(() => {
    try {
      destination.flush();
    } catch {
      clearInterval(timer); // destroyed: nothing will be written any more
    }
  }, LOG_FLUSH_MS);
  timer.unref();
  destination.on('close', () => clearInterval(timer));
  return destination;
}

/**
 * JSON logs. Request URLs are logged without their query string (search parameters may hold identity values).
 * Without a given stream, lines go to stdout asynchronously (in chunks when `buffered`): a synchronous write
 * per line would block the event loop twice per request at level info.
 */
export function createLogger(options: {
  level: string;
  stream?: DestinationStream;
  /** The service's request logs: chunked (bufferedStdout). Commands write each line at once. */
  buffered?: boolean;
}): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: {
        req: (req: SerializableRequest) => ({
          id: req.id,
          method: req.method,
          path: typeof req.url === 'string' ? req.url.split('?')[0] : undefined,
          ip: req.ip,
        }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        err: serializeError,
      },
    },
    options.stream ?? (options.buffered ? bufferedStdout() : pino.destination({ dest: 1, sync: false })),
  );
}

/** What the line of an answered request is made of (Fastify's request and reply have these). */
export interface AnsweredRequest extends SerializableRequest {
  id: unknown;
}

/**
 * The one line logged per answered request: its id, method, path without the query, client address, status
 * and time, all made by the server or the serializers above (never a header, body or query value). These
 * keys are the only ones of the line, so they are written without the redaction pass, which cloned each
 * line before writing it: 10.0 µs a line with it, 1.95 without (a Fastify request, 100,000 lines), and 16% of
 * the bytes a read allocated (a heap sampling profile of reads at 32 clients, 2026-12-02). Every other line
 * is still redacted.
 */
export function requestLineLogger(
  logger: Logger,
): (request: AnsweredRequest, reply: { statusCode: number; elapsedTime: number }) => void {
  const lines = logger.child({}, { redact: [] });
  return (request, reply) => {
    lines.info(
      { reqId: request.id, req: request, res: reply, responseTime: reply.elapsedTime },
      'request completed',
    );
  };
}

/**
 * Fastify's logger of one request (`request.log`), made only if the request logs something: Fastify makes one
 * per request, and a pino child runs its bindings through the redaction (2.4 us, and 3% of the bytes a read
 * allocated, heap sampling of reads at 32 clients, 2026-12-02), while a request that goes well logs nothing
 * through it (its line comes from requestLineLogger). The child, once made, is pino's own: same bindings, same
 * redaction.
 */
export class DeferredChildLogger {
  private made: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  /** The child itself (made now if it was not yet). */
  get logger(): Logger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.made?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.logger.level = level;
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.logger.child(bindings, options);
  }

  private write(level: Level, args: unknown[]): void {
    // Nothing is made for a line below the level (a route's own level is the child's to judge).
    if (this.made === undefined && this.options.level === undefined && !this.parent.isLevelEnabled(level)) {
      return;
    }
    Reflect.apply(this.logger[level], this.logger, args);
  }
}

/** Routes Nest's own log calls to the same pino logger. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
