import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '../test-app.js';

const run = promisify(execFile);

interface Operation {
  security?: Record<string, string[]>[];
  responses: Record<string, unknown>;
  parameters?: { name: string; in: string }[];
}

describe('OpenAPI document (e2e)', () => {
  let t: TestApp;
  let document: { paths: Record<string, Record<string, Operation>> };

  beforeAll(async () => {
    t = await startTestApp();
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
