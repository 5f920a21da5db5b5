import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  SwaggerModule,
  type HeaderObject,
  type OpenAPIObject,
  type OperationObject,
  type ReferenceObject,
  type ResponseObject,
  type SchemaObject,
} from '@nestjs/swagger';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

/** Methods whose body Fastify parses (GET and HEAD bodies are never read). */
const BODY_METHODS = new Set<string>(['put', 'post', 'delete', 'patch', 'options']);

/** Routes the general rate limit never refuses (auth/rate-limit.ts: orchestrators probe them). */
const UNLIMITED = /^\/health(\/|$)/;

const ERROR_SCHEMA_REF = '#/components/schemas/ErrorResponseDto';
const header = (name: string) => ({ $ref: `#/components/headers/${name}` });

/** Response headers declared once (components.headers) and referenced by the responses below. */
const HEADERS: Record<string, HeaderObject> = {
  'Retry-After': {
    description: 'Seconds to wait before retrying',
    schema: { type: 'integer', minimum: 1 },
  },
  'RateLimit-Limit': {
    description:
      'Requests allowed per window (per account with a valid token, per client otherwise; per replica)',
    schema: { type: 'integer' },
  },
  'RateLimit-Remaining': {
    description: 'Requests left in the current window',
    schema: { type: 'integer' },
  },
  'RateLimit-Reset': {
    description: 'Seconds until the current window ends',
    schema: { type: 'integer' },
  },
};

const errorResponse = (description: string, headers?: ResponseObject['headers']): ResponseObject => ({
  description,
  content: { 'application/json': { schema: { $ref: ERROR_SCHEMA_REF } } },
  ...(headers ? { headers } : {}),
});

const RATE_LIMIT_HEADERS = {
  'RateLimit-Limit': header('RateLimit-Limit'),
  'RateLimit-Remaining': header('RateLimit-Remaining'),
  'RateLimit-Reset': header('RateLimit-Reset'),
};

/**
 * Statuses that routes answer whatever their controllers declare, documented here once:
 * - 503 on every route: the database is unavailable (common/database-errors.ts, the exception filter) or the
 *   server is closing (Fastify's return503OnClosing); with Retry-After.
 * - 429 on every route but /health: the general rate limit (auth/rate-limit.ts), with Retry-After and the
 *   RateLimit headers (which every other answer of such a route carries too).
 * - On methods with a body: 415 (not JSON, or not UTF-8; Fastify's content-type parsers in app.ts),
 *   413 (over the body limit), 400 (malformed JSON or a body over the depth/field limits: json-body.ts).
 * A route's own declaration of one of these statuses is kept (its description is more precise); the headers
 * are added to it. Error answers are JSON whatever the route produces otherwise (the exception filter).
 */
export function addCommonResponses(document: OpenAPIObject): void {
  document.components ??= {};
  document.components.headers = { ...document.components.headers, ...HEADERS };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const limited = !UNLIMITED.test(path);
      add(
        operation,
        '503',
        errorResponse(
          'The database is unavailable or restarting, or the service is shutting down; retry after Retry-After seconds',
        ),
        { 'Retry-After': header('Retry-After') },
      );
      if (limited) {
        add(
          operation,
          '429',
          errorResponse(
            'Rate limit exceeded (per account with a valid token, per client otherwise); retry after Retry-After seconds',
          ),
          { 'Retry-After': header('Retry-After'), ...RATE_LIMIT_HEADERS },
        );
      }
      if (BODY_METHODS.has(method)) {
        add(operation, '415', errorResponse('The body is not JSON (application/json) in UTF-8'));
        add(operation, '413', errorResponse('The body is larger than the limit of this route'));
        add(
          operation,
          '400',
          errorResponse(
            'Malformed JSON, or a body beyond the nesting or field limits; invalid fields are named',
          ),
        );
      }
      for (const [status, entry] of Object.entries(operation.responses)) {
        if (!entry || '$ref' in entry) continue;
        const response = entry as ResponseObject;
        if (Number(status) >= 400) jsonErrorsOnly(response);
        else if (limited) response.headers = { ...RATE_LIMIT_HEADERS, ...response.headers };
      }
    }
  }
}

function add(
  operation: OperationObject,
  status: string,
  response: ResponseObject,
  headers: ResponseObject['headers'] = {},
): void {
  const existing = operation.responses[status] as ResponseObject | undefined;
  const target = existing ?? (operation.responses[status] = response);
  target.headers = { ...headers, ...target.headers };
  if (!target.content) target.content = response.content;
}

/**
 * An error answer is JSON in the error shape even on a route that produces CSV or a file (@ApiProduces lists
 * its types under every status): an error typed as the error shape is declared as JSON only.
 */
function jsonErrorsOnly(response: ResponseObject): void {
  const typed = Object.values(response.content ?? {}).some(
    (media) => (media.schema as { $ref?: string } | undefined)?.$ref === ERROR_SCHEMA_REF,
  );
  if (typed) response.content = { 'application/json': { schema: { $ref: ERROR_SCHEMA_REF } } };
}

/**
 * The OpenAPI document client developers generate from. Routes with @Authenticated declare the bearer
 * scheme; every other route (health, login) declares `security: []` explicitly, so that the document
 * states for each operation whether a token is needed. Statuses common to many routes are added by
 * addCommonResponses.
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
  addCommonResponses(document);
  declareUuidPathParameters(document);
  declareClosedRequestBodies(document);
  return document;
}

/** Every path parameter of this API is an id, and ids are UUIDs (API.md): say so, for generated clients. */
function declareUuidPathParameters(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      for (const parameter of item[method]?.parameters ?? []) {
        if (
          'in' in parameter &&
          parameter.in === 'path' &&
          parameter.schema &&
          !('$ref' in parameter.schema)
        ) {
          parameter.schema.format = 'uuid';
        }
      }
    }
  }
}

/**
 * Request bodies refuse unknown fields (a 400, at every depth): their schemas say so with
 * `additionalProperties: false`, the object schemas reachable from a JSON request body included.
 */
function declareClosedRequestBodies(document: OpenAPIObject): void {
  const schemas = (document.components?.schemas ?? {}) as Record<string, SchemaObject | ReferenceObject>;
  const seen = new Set<object>();
  const close = (schema: SchemaObject | ReferenceObject | undefined): void => {
    if (schema === undefined || seen.has(schema)) return;
    seen.add(schema);
    if ('$ref' in schema) {
      close(schemas[schema.$ref.replace('#/components/schemas/', '')]);
      return;
    }
    if (schema.properties !== undefined && schema.additionalProperties === undefined) {
      schema.additionalProperties = false;
    }
    for (const property of Object.values(schema.properties ?? {})) close(property);
    close(schema.items);
    for (const part of [...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])])
      close(part);
  };
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const body = item[method]?.requestBody;
      if (body === undefined || '$ref' in body) continue;
      for (const [type, media] of Object.entries(body.content)) {
        if (type.endsWith('json')) close(media.schema);
      }
    }
  }
}
