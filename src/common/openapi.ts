import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

/**
 * The OpenAPI document client developers generate from. Routes with @Authenticated declare the bearer
 * scheme; every other route (health, login) declares `security: []` explicitly, so that the document
 * states for each operation whether a token is needed.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Counter-trafficking case-record API')
      .setDescription(
        'Pseudonymized, encrypted case records scoped to offices; k-anonymous aggregates; a tamper-evident audit log.',
      )
      .setVersion('1')
      .setLicense('Proprietary', 'https://example.org/license')
      .addServer('/')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation && operation.security === undefined) operation.security = [];
    }
  }
  return document;
}
