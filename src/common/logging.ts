import type { LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Logger } from 'pino';

/** Paths never written to a log line: credentials, tokens and every field of a case subject. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'password',
  '*.password',
  'accessToken',
  '*.accessToken',
  'subject',
  '*.subject',
  'narrative',
  '*.narrative',
  'givenName',
  '*.givenName',
  'familyName',
  '*.familyName',
  'dateOfBirth',
  '*.dateOfBirth',
  'documentNumber',
  '*.documentNumber',
  'phone',
  '*.phone',
  'address',
  '*.address',
];

interface SerializableRequest {
  id?: unknown;
  method?: string;
  url?: string;
  ip?: string;
}

/** JSON logs. Request URLs are logged without their query string (search parameters may hold identity values). */
export function createLogger(options: { level: string; stream?: DestinationStream }): Logger {
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
        err: (err: Error & { code?: unknown }) => ({
          type: err.name,
          code: typeof err.code === 'string' ? err.code : undefined,
          message: err.message,
          stack: err.stack,
        }),
      },
    },
    options.stream,
  );
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
