import 'reflect-metadata';
import { VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { LogController, type FastifyBaseLogger, type FastifyRequest } from 'fastify';
import type { Bindings, ChildLoggerOptions, DestinationStream, Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { AppModule } from './app.module.js';
import { registerRateLimit } from './auth/rate-limit.js';
import { SessionConfirmHook } from './auth/session-confirm.hook.js';
import { applyRouteBodyLimit } from './common/body-limit.js';
import { bodylessProblem, bodylessRoutes, routeKey } from './common/bodyless-routes.js';
import { DomainError, validationFailed } from './common/errors.js';
import { clientErrorHandler, frameworkErrors } from './common/framework-errors.js';
import { JSON_BODIES_ONLY } from './common/http-exception.filter.js';
import {
  countedJsonStream,
  countsAsItArrives,
  DEFAULT_JSON_LIMITS,
  MERGE_PATCH_TYPE,
  parseJsonBody,
} from './common/json-body.js';
import { createLogger, DeferredChildLogger, NestPinoLogger, requestLineLogger } from './common/logging.js';
import { securityHeaders } from './common/security-headers.js';
import { buildOpenApiDocument } from './common/openapi.js';
import { AppConfig } from './config/app-config.js';
import type { Env } from './config/env.schema.js';
import { newUuid } from './crypto/index.js';
import { openDatabase } from './database/open-database.js';
import { ENTITIES } from './entities.js';
import { UsersService } from './users/users.service.js';

/** The routes that take their body as a stream (NDJSON or CSV), parsed by the route itself. */
const STREAMED_BODY_ROUTES: ReadonlySet<string> = new Set(['/v1/cases/import']);

export interface CreateAppOptions {
  /** Where JSON log lines go (stdout when unset); tests capture them. */
  logStream?: DestinationStream;
}

/**
 * Fastify's options that bound every connection: the whole request (a client trickling its body byte by byte
 * is cut off), its headers, and idle keep-alive connections; while closing, requests on open connections get
 * 503 and idle connections are closed at once.
 */
function serverOptions(env: Env) {
  return {
    requestTimeout: env.REQUEST_TIMEOUT_MS,
    keepAliveTimeout: env.KEEP_ALIVE_TIMEOUT_MS,
    connectionTimeout: env.REQUEST_TIMEOUT_MS + env.KEEP_ALIVE_TIMEOUT_MS,
    http: {
      headersTimeout: Math.min(env.HEADERS_TIMEOUT_MS, env.REQUEST_TIMEOUT_MS),
      requestTimeout: env.REQUEST_TIMEOUT_MS,
      // Node checks the two timeouts above this often (default 30 s).
      connectionsCheckingInterval: 1_000,
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle' as const,
    frameworkErrors,
    clientErrorHandler,
  };
}

/**
 * Builds the whole service: database (embedded when DATABASE_URL is unset), migrations as the owner role,
 * the runtime connection as ctr_app, then the Nest application on Fastify. Used by main.ts and by e2e tests.
 * `close()` closes the HTTP server (waiting for requests in flight), then the pool, then the embedded database.
 */
export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const { env } = config;
  const logger = createLogger({ level: env.LOG_LEVEL, stream: options.logStream, buffered: true });
  const database = await openDatabase(env, logger, ENTITIES);
  try {
    const app = await buildApp(config, logger, database);
    const close = app.close.bind(app);
    app.close = async () => {
      try {
        await close();
      } finally {
        await database.close();
      }
    };
    return app;
  } catch (error) {
    await database.close();
    throw error;
  }
}

async function buildApp(
  config: AppConfig,
  logger: Logger,
  database: Awaited<ReturnType<typeof openDatabase>>,
): Promise<NestFastifyApplication> {
  const { env } = config;
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    bodyLimit: env.BODY_LIMIT_BYTES,
    // A hop count is valid for Fastify (proxy-addr) though its type lists only boolean, string and list.
    trustProxy: env.TRUST_PROXY as boolean | string[],
    requestIdHeader: false,
    // The server's own id, always: a client's X-Request-Id is kept apart (RequestContext.clientRequestId).
    genReqId: () => newUuid(),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // One line per request (below, when it is answered) instead of Fastify's two: under a flood of requests
    // the log writes were a tenth of the event loop's time. (Through a LogController: the top-level
    // disableRequestLogging option is deprecated, FSTDEP023, and goes in Fastify 6.)
    logController: new LogController({ disableRequestLogging: true }),
    // request.log is made when a request first logs through it (most never do).
    childLoggerFactory: (parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions) =>
      new DeferredChildLogger(parent as Logger, bindings, options) as unknown as FastifyBaseLogger,
    ...serverOptions(env),
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, database), adapter, {
    logger: new NestPinoLogger(logger),
    // Bodies are JSON only, parsed below with limits; everything else (form bodies included) is a 415.
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeAllContentTypeParsers();
  // The routes that take no body (from the OpenAPI document, once it is built below).
  const bodyless = new Set<string>();
  const takesNoBody = (request: FastifyRequest) =>
    bodyless.has(routeKey(request.method, request.routeOptions.url ?? ''));
  // One JSON parser for application/json and for JSON Merge Patch (RFC 7396; PATCH /v1/cases/:id applies
  // it to the subject), which is taken on PATCH only.
  fastify.addContentTypeParser(
    ['application/json', MERGE_PATCH_TYPE],
    { parseAs: 'string' },
    (request, body, done) => {
      const text = body as string;
      if (
        request.headers['content-type']?.toLowerCase().includes(MERGE_PATCH_TYPE) &&
        request.method !== 'PATCH'
      ) {
        return done(new DomainError('UNSUPPORTED_MEDIA_TYPE', JSON_BODIES_ONLY));
      }
      try {
        // An empty body with a JSON content type (clients set one on every request) is no body there.
        if (text.length === 0 && takesNoBody(request)) return done(null, undefined);
        done(null, parseJsonBody(text, request.headers['content-type'], DEFAULT_JSON_LIMITS));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
  // A JSON body's shape is counted as it arrives: too many keys or too deep is a 400 before the rest is read.
  // (A body whose Content-Length is over the route's limit is refused by Fastify unread: left alone.)
  fastify.addHook('preParsing', async (request, _reply, payload) =>
    countsAsItArrives(request.headers, request.routeOptions.bodyLimit)
      ? countedJsonStream(payload, DEFAULT_JSON_LIMITS)
      : payload,
  );
  fastify.addHook('onRoute', applyRouteBodyLimit);
  // No answer of a request authorized from a cached principal leaves before its session is confirmed.
  fastify.addHook('onSend', app.get(SessionConfirmHook).onSend);
  const logAnswered = requestLineLogger(logger);
  fastify.addHook('onResponse', async (request, reply) => {
    logAnswered(request, reply);
  });
  const security = securityHeaders();
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.headers(security);
    void reply.header('X-Request-Id', String(request.id));
    // Responses carry case data and tokens: no browser, proxy or CDN may keep a copy.
    void reply.header('Cache-Control', 'no-store');
  });
  // POST /v1/cases/import reads its body as a stream, record by record, under its own limits
  // (cases/case-import.service.ts): these two types are handed over unparsed, never buffered whole, to that
  // route alone; on any other route they are a 415 like every type but JSON (a stream there would reach the
  // JSON route's validation as a body).
  fastify.addContentTypeParser(['application/x-ndjson', 'text/csv'], (request, payload, done) => {
    if (STREAMED_BODY_ROUTES.has(request.routeOptions.url ?? '')) done(null, payload);
    else done(new DomainError('UNSUPPORTED_MEDIA_TYPE', JSON_BODIES_ONLY), undefined);
  });
  await registerRateLimit(app, env);
  app.enableVersioning({ type: VersioningType.URI });

  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  for (const route of bodylessRoutes(document)) bodyless.add(route);
  // A field sent to a route that takes no body is a 400, as an unknown field is anywhere else.
  fastify.addHook('preValidation', async (request) => {
    if (request.body === undefined || !takesNoBody(request)) return;
    const problem = bodylessProblem(request.body);
    if (problem !== null) throw validationFailed(problem);
  });

  await app
    .get(UsersService)
    .ensureBootstrapAdmin(env.BOOTSTRAP_ADMIN_USERNAME, env.BOOTSTRAP_ADMIN_PASSWORD);
  await logAdminState(database.dataSource, logger);
  return app;
}

/** An operator starting a fresh database should learn at once that nobody can administer it yet. */
async function logAdminState(dataSource: DataSource, logger: Logger): Promise<void> {
  const [row] = (await dataSource.query(
    `SELECT count(*)::int AS admins FROM users WHERE role = 'admin' AND NOT disabled`,
  )) as { admins: number }[];
  if (row.admins > 0) logger.info({ admins: row.admins }, 'admin account present');
  else {
    logger.warn(
      'no admin account exists: set BOOTSTRAP_ADMIN_PASSWORD and restart, or run `npm run admin:create`',
    );
  }
}
