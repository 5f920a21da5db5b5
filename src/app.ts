import 'reflect-metadata';
import helmet from '@fastify/helmet';
import { VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module.js';
import { createLogger, NestPinoLogger } from './common/logging.js';
import { buildOpenApiDocument } from './common/openapi.js';
import { AppConfig } from './config/app-config.js';
import { newUuid } from './crypto/index.js';
import { openDatabase } from './database/open-database.js';
import { ENTITIES } from './entities.js';
import { UsersService } from './users/users.service.js';

export interface CreateAppOptions {
  /** Where JSON log lines go (stdout when unset); tests capture them. */
  logStream?: DestinationStream;
}

/**
 * Builds the whole service: database (embedded when DATABASE_URL is unset), migrations as the owner role,
 * the runtime connection as ctr_app, then the Nest application on Fastify. Used by main.ts and by e2e tests.
 */
export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const { env } = config;
  const logger = createLogger({ level: env.LOG_LEVEL, stream: options.logStream });
  const database = await openDatabase(env, logger, ENTITIES);
  const { dataSource } = database;

  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    bodyLimit: env.BODY_LIMIT_BYTES,
    trustProxy: env.TRUST_PROXY,
    requestIdHeader: false,
    // The server's own id, always: a client's X-Request-Id is kept apart (RequestContext.clientRequestId).
    genReqId: () => newUuid(),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, dataSource),
    adapter,
    {
      logger: new NestPinoLogger(logger),
    },
  );
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('X-Request-Id', String(request.id));
    // Responses carry case data and tokens: no browser, proxy or CDN may keep a copy.
    void reply.header('Cache-Control', 'no-store');
  });
  // POST /v1/cases/import reads its body as a stream, record by record, under its own limits
  // (cases/case-import.service.ts): these two types are handed over unparsed, never buffered whole.
  fastify.addContentTypeParser(['application/x-ndjson', 'text/csv'], (_request, payload, done) => {
    done(null, payload);
  });
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
      },
    },
  });
  app.enableVersioning({ type: VersioningType.URI });
  app.enableShutdownHooks();

  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });

  await app
    .get(UsersService)
    .ensureBootstrapAdmin(env.BOOTSTRAP_ADMIN_USERNAME, env.BOOTSTRAP_ADMIN_PASSWORD);

  const close = app.close.bind(app);
  app.close = async () => {
    await close();
    await database.close();
  };
  return app;
}
