import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '../test-app.js';

const run = promisify(execFile);

interface Response {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema?: { $ref?: string } }>;
}

interface Operation {
  security?: Record<string, string[]>[];
  responses: Record<string, Response>;
  parameters?: { name: string; in: string }[];
}

type Document = { paths: Record<string, Record<string, Operation>> };

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Every operation of the document, with a request path (path parameters as random UUIDs). */
const operationsOf = (document: Document) =>
  Object.entries(document.paths).flatMap(([route, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({
        method,
        route,
        operation,
        url: route.replace(/\{[^}]+\}/g, () => randomUUID()),
      })),
  );

/** Sends one anonymous request with a raw body and answers its status. */
async function statusOf(t: TestApp, method: string, url: string, contentType?: string, body?: string) {
  let req = t.http()[method as 'get'](url);
  if (contentType !== undefined) req = req.set('Content-Type', contentType);
  const res = await (body === undefined ? req : req.send(body));
  return res.status;
}

describe('OpenAPI document (e2e)', () => {
  let t: TestApp;
  let document: Document;

  beforeAll(async () => {
    // The probes below send a few hundred anonymous requests: the general rate limit has its own test.
    t = await startTestApp({ RATE_LIMIT_PER_CLIENT: '1000000' });
    const res = await t.http().get('/docs-json');
    expect(res.status).toBe(200);
    document = res.body;
  });
  afterAll(async () => {
    await t.close();
  });

  it('serves the UI at /docs', async () => {
    const res = await t.http().get('/docs');
    expect(res.status).toBe(200);
    expect(res.text).toContain('swagger');
  });

  it.each([
    ['post', '/v1/auth/login', false],
    ['post', '/v1/auth/logout', true],
    ['get', '/v1/auth/me', true],
    ['post', '/v1/offices', true],
    ['get', '/v1/offices', true],
    ['post', '/v1/users', true],
    ['get', '/v1/users', true],
    ['patch', '/v1/users/{id}', true],
    ['get', '/v1/audit/events', true],
    ['get', '/v1/audit/events/export', true],
    ['get', '/v1/audit/verify', true],
    ['post', '/v1/aggregates/query', true],
    ['get', '/v1/aggregates/dimensions', true],
    ['get', '/v1/aggregates/answers/{queryId}', true],
    ['get', '/v1/aggregates/public-key', false],
    ['get', '/health', false],
  ])('describes %s %s and whether it needs the bearer token', (method, route, secured) => {
    const operation = document.paths[route]?.[method];
    expect(operation).toBeDefined();
    expect(operation.security).toEqual(secured ? [{ bearer: [] }] : []);
    if (secured) expect(Object.keys(operation.responses)).toContain('401');
  });

  it('lists 503 with Retry-After on every operation, and 429 with Retry-After and RateLimit headers on every rate-limited one', () => {
    const missing: string[] = [];
    for (const { method, route, operation } of operationsOf(document)) {
      const where = `${method.toUpperCase()} ${route}`;
      const unavailable = operation.responses['503'];
      if (!unavailable?.headers?.['Retry-After']) missing.push(`${where}: 503 with Retry-After`);
      const limited = operation.responses['429'];
      if (route.startsWith('/health')) {
        if (limited) missing.push(`${where}: 429 listed on a route never limited`);
        continue;
      }
      for (const name of ['Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']) {
        if (!limited?.headers?.[name]) missing.push(`${where}: 429 with ${name}`);
      }
      const success = Object.entries(operation.responses).find(([status]) => Number(status) < 300)?.[1];
      if (!success?.headers?.['RateLimit-Remaining']) missing.push(`${where}: RateLimit headers on success`);
    }
    expect(missing).toEqual([]);
  });

  it('types every error answer as the JSON error shape (also on routes that produce CSV)', () => {
    const wrong: string[] = [];
    for (const { method, route, operation } of operationsOf(document)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400 || route.startsWith('/health')) continue;
        const types = Object.keys(response.content ?? {});
        const ref = response.content?.['application/json']?.schema?.$ref;
        if (types.join() !== 'application/json' || ref !== '#/components/schemas/ErrorResponseDto')
          wrong.push(`${method.toUpperCase()} ${route} ${status}: ${types.join('|')} ${ref}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('lists 415, 413 and 400 exactly where a body can be refused: probed on every operation', async () => {
    const wrong: string[] = [];
    const big = JSON.stringify({ x: 'x'.repeat(t.config.env.BODY_LIMIT_BYTES) });
    for (const { method, route, operation, url } of operationsOf(document)) {
      const where = `${method.toUpperCase()} ${route}`;
      const listed = (status: number) => String(status) in operation.responses;
      const form = await statusOf(t, method, url, 'application/x-www-form-urlencoded', 'a=b');
      if ((form === 415) !== listed(415))
        wrong.push(`${where}: a form body answers ${form}, 415 listed: ${listed(415)}`);
      const large = await statusOf(t, method, url, 'application/json', big);
      if ((large === 413) !== listed(413))
        wrong.push(`${where}: a large body answers ${large}, 413 listed: ${listed(413)}`);
      const malformed = await statusOf(t, method, url, 'application/json', '{"a":');
      if (malformed === 400 && !listed(400)) wrong.push(`${where}: malformed JSON answers 400, not listed`);
      if (malformed >= 500 || form >= 500 || large >= 500) wrong.push(`${where}: 5xx`);
    }
    expect(wrong).toEqual([]);
  }, 60_000);

  it('answers a CSV or NDJSON body as a form body (415 where a body is read) on every route but the import', async () => {
    const wrong: string[] = [];
    for (const { method, route, url } of operationsOf(document)) {
      if (route === '/v1/cases/import') continue;
      const form = await statusOf(t, method, url, 'application/x-www-form-urlencoded', 'a=b');
      for (const type of ['text/csv', 'application/x-ndjson', 'text/csv; charset=utf-8']) {
        // Before 2026-12-02 these reached every route as a stream (anonymous: a 400 or 401; with a token the
        // stream reached validation and ran the process out of memory, case-files.e2e-spec.ts).
        const request = t.http()[method as 'get'](url);
        const res = await request.set('Content-Type', type).timeout(5_000).send('{"a":1}\n');
        if (res.status !== form)
          wrong.push(`${method.toUpperCase()} ${route}: ${type} ${res.status}, form ${form}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 60_000);

  it('lists 429 exactly where the general rate limit refuses: probed on every operation past the limit', async () => {
    const limited = await startTestApp({ RATE_LIMIT_PER_CLIENT: '10', RATE_LIMIT_WINDOW_MS: '3600000' });
    try {
      for (let i = 0; i < 10; i++) await limited.http().get('/v1/auth/me');
      const wrong: string[] = [];
      for (const { method, route, operation, url } of operationsOf(document)) {
        const status = await statusOf(limited, method, url);
        const listed = '429' in operation.responses;
        if ((status === 429) !== listed)
          wrong.push(`${method.toUpperCase()} ${route}: ${status}, 429 listed: ${listed}`);
      }
      expect(wrong).toEqual([]);
    } finally {
      await limited.close();
    }
  });

  it('declares path ids as UUIDs, and request bodies (at every depth) as closed to unknown fields', () => {
    const pathParameters = operationsOf(document).flatMap(({ operation }) =>
      (operation.parameters ?? []).filter((p) => p.in === 'path'),
    ) as { name: string; schema?: { format?: string } }[];
    expect(pathParameters.length).toBeGreaterThan(10);
    for (const parameter of pathParameters) expect(parameter.schema?.format).toBe('uuid');

    const full = document as unknown as {
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: { $ref?: string } }> } }>
      >;
      components: {
        schemas: Record<
          string,
          {
            additionalProperties?: unknown;
            properties?: Record<string, { $ref?: string; allOf?: { $ref?: string }[] }>;
          }
        >;
      };
    };
    const schemaOf = (ref: string) => full.components.schemas[ref.replace('#/components/schemas/', '')];
    const create = schemaOf(
      full.paths['/v1/cases'].post.requestBody!.content['application/json'].schema.$ref!,
    );
    expect(create.additionalProperties).toBe(false);
    const subject = create.properties!.subject;
    const subjectRef = subject.$ref ?? subject.allOf?.[0]?.$ref;
    expect(schemaOf(subjectRef!).additionalProperties).toBe(false);
  });

  it('passes Redocly’s recommended rules without errors', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'openapi-')), 'openapi.json');
    fs.writeFileSync(file, JSON.stringify(document));
    const bin = path.resolve('node_modules/.bin/redocly');
    const result = await run(bin, ['lint', '--extends=recommended', '--format=stylish', file], {
      cwd: path.dirname(file),
    }).catch((error: { stdout: string; stderr: string; code: number }) => error);
    expect(`${result.stdout}\n${result.stderr}`).toContain('Your API description is valid');
  }, 60_000);
});
