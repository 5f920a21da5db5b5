import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ROLES, type Role } from '../../src/policy/index.js';
import { adminToken, createCase, createOffice, usersOfEveryRole, type TestUser } from '../factories.js';
import { startTestApp, type TestApp } from '../test-app.js';

interface Probe {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Must not appear in the answer (identity-like values sent in the request). */
  canary?: string;
}

interface Answer {
  probe: Probe;
  status: number;
  body: string;
  headers: Headers;
}

const CANARY = 'AminaCanary7731';
const ERROR_KEYS = ['error', 'message', 'requestId', 'statusCode'];

const deepArray = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
const deepObject = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
const manyKeys = (n: number) =>
  JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])));
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

const BAD_TIMESTAMPS = [
  '2026-W01-1',
  '2026-123',
  '20261201T101010Z',
  '2026-12-01T00:00:00,5Z',
  '-271821-04-20T00:00:00Z',
  '+275760-09-13T00:00:00.000Z',
  '2026-02-30',
  '2026-01-01T24:00:00Z',
  '2026-01-01T23:59:60Z',
  '2026-01-01T10:00:00',
  '2026-01-01T10:00:00.1234Z',
  '0000-01-01T00:00:00Z',
  'now',
  '',
];

const BAD_CURSORS = [
  cursorOf(['-271821-04-20T00:00:00.000Z', randomUUID()]),
  cursorOf(['+275760-09-13T00:00:00.000Z', randomUUID()]),
  cursorOf(['2026-W01-1', randomUUID()]),
  cursorOf([1e308, 'x']),
  cursorOf(-1),
  cursorOf(1e300),
  cursorOf({ toString: 1 }),
  'not-base64-$$$',
  'x'.repeat(5000),
];

/** JSON (and not-JSON) bodies no route accepts; each is sent to every route that takes a body. */
const BAD_BODIES: { body: string; contentType: string }[] = [
  { body: deepArray(5000), contentType: 'application/json' },
  { body: deepObject(5000), contentType: 'application/json' },
  { body: manyKeys(60_000), contentType: 'application/json' },
  { body: '{"username":', contentType: 'application/json' },
  { body: `{"username":"${CANARY}"`, contentType: 'application/json' },
  {
    body: JSON.stringify({ username: CANARY, password: 'x'.repeat(20) }),
    contentType: 'application/json; charset=utf-16',
  },
  { body: JSON.stringify({ username: CANARY }), contentType: 'application/json; charset=latin1' },
  { body: `givenName=${CANARY}&password=secret-secret`, contentType: 'application/x-www-form-urlencoded' },
  { body: CANARY, contentType: 'text/plain' },
  { body: `{"x":"${CANARY}"}`, contentType: `application/x-${CANARY}; boundary=<script>` },
  { body: '{"__proto__":{"admin":true}}', contentType: 'application/json' },
  { body: '{"constructor":{"prototype":{"admin":true}}}', contentType: 'application/json' },
  { body: '{"toString":1,"valueOf":2}', contentType: 'application/json' },
  { body: '{"dimensions":[],"filters":null}', contentType: 'application/json' },
  { body: '{"dimensions":[],"filters":{"toString":["PH"]}}', contentType: 'application/json' },
  { body: '{"dimensions":["toString"]}', contentType: 'application/json' },
  { body: `{"subject":{"givenName":"${CANARY}\\u0000"}}`, contentType: 'application/json' },
  { body: '[]', contentType: 'application/json' },
  { body: 'null', contentType: 'application/json' },
  { body: '"string"', contentType: 'application/json' },
  { body: '1e999', contentType: 'application/json' },
  { body: '', contentType: 'application/json' },
  { body: `{"narrative":"${'x'.repeat(2_000_000)}"}`, contentType: 'application/json' },
];

const BAD_IDS = ['not-a-uuid', '%00', 'x'.repeat(2000), '..%2F..%2Fetc', randomUUID(), '1%20OR%201=1'];

describe('abuse (resilience): malformed requests on every route', () => {
  let t: TestApp;
  let base: string;
  let users: Record<Role, TestUser>;
  let routes: { method: string; path: string }[];

  beforeAll(async () => {
    // Limits high enough that the requests reach validation (the rate limit has its own test below).
    t = await startTestApp({ RATE_LIMIT_PER_CLIENT: '1000000', RATE_LIMIT_PER_ACCOUNT: '1000000' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    const admin = await adminToken(t);
    const office = await createOffice(t, admin);
    users = await usersOfEveryRole(t, admin, office.id);
    await createCase(t, users.caseworker.token);
    const doc = (await (await fetch(`${base}/docs-json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    routes = Object.entries(doc.paths).flatMap(([p, item]) =>
      Object.keys(item)
        .filter((m) => ['get', 'post', 'patch', 'put', 'delete'].includes(m))
        .map((method) => ({ method: method.toUpperCase(), path: p })),
    );
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  function probes(): Probe[] {
    const list: Probe[] = [];
    const withIds = (p: string, id: string) => p.replace(/\{[^}]+\}/g, id);
    for (const [r, route] of routes.entries()) {
      // Logging out would revoke the tokens the other probes use.
      const logout = route.path === '/v1/auth/logout';
      const tokens: (string | null)[] = [null, ...(logout ? [] : ROLES.map((role) => users[role].token))];
      // Every probe without a token and with one role (rotating over routes); the other roles get the bad ids.
      const fullWith = (r % ROLES.length) + 1;
      for (const [i, token] of tokens.entries()) {
        const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
        const full = i === 0 || i === fullWith;
        const heavy = full;
        for (const id of full ? BAD_IDS : BAD_IDS.slice(0, 2))
          list.push({ method: route.method, path: withIds(route.path, id), headers: auth });
        if (!full) continue;
        const path = withIds(route.path, randomUUID());
        if (route.method !== 'GET' && route.method !== 'DELETE') {
          for (const { body, contentType } of BAD_BODIES) {
            if (!heavy && body.length > 10_000) continue;
            list.push({
              method: route.method,
              path,
              headers: { ...auth, 'content-type': contentType, 'if-match': '"1"' },
              body,
              canary: CANARY,
            });
          }
        } else {
          for (const ts of BAD_TIMESTAMPS) {
            const q = new URLSearchParams({ updatedSince: ts, from: ts, to: ts }).toString();
            list.push({ method: route.method, path: `${path}?${q}`, headers: auth });
          }
          for (const cursor of BAD_CURSORS)
            list.push({ method: route.method, path: `${path}?cursor=${cursor}`, headers: auth });
          const many = Array.from({ length: 3000 }, (_, k) => `k${k}=1`).join('&');
          if (heavy) list.push({ method: route.method, path: `${path}?${many}`, headers: auth });
          list.push({ method: route.method, path: `${path}?toString=1&valueOf=2`, headers: auth });
          list.push({ method: route.method, path: `${path}?limit=1&limit=2&limit=abc`, headers: auth });
          list.push({
            method: route.method,
            path: `${path}?limit=1e309&expectHead=${'z'.repeat(64)}`,
            headers: auth,
          });
        }
      }
      list.push({
        method: route.method,
        path: withIds(route.path, randomUUID()),
        headers: { authorization: `Bearer ${'x'.repeat(8000)}` },
      });
      list.push({
        method: route.method,
        path: withIds(route.path, randomUUID()),
        headers: { authorization: 'Basic YWRtaW46YWRtaW4=' },
      });
      if (logout) continue;
      list.push({
        method: route.method,
        path: withIds(route.path, randomUUID()),
        headers: {
          authorization: `Bearer ${users.caseworker.token}`,
          'idempotency-key': `a b ${'k'.repeat(300)}`,
          'if-match': 'W/"abc", *',
        },
      });
    }
    return list;
  }

  const timings: { ms: number; what: string }[] = [];
  async function send(probe: Probe): Promise<Answer> {
    const t0 = performance.now();
    const res = await fetch(`${base}${probe.path}`, {
      method: probe.method,
      headers: probe.headers,
      body: probe.body,
    });
    const text = await res.text();
    timings.push({
      ms: performance.now() - t0,
      what: `${probe.method} ${probe.path.slice(0, 50)} ${probe.headers?.['content-type'] ?? ''} ${probe.headers?.authorization ? 'auth' : ''} ${probe.body?.length ?? 0} -> ${res.status}`,
    });
    return { probe, status: res.status, body: text, headers: res.headers };
  }

  it('≥ 1,000 malformed requests: no 5xx, every 4xx in the error shape, /health never frozen (its p99 reported)', async () => {
    // The budget for /health: 100 ms — or, on a machine so loaded that an idle check is already slow, five
    // times its 90th percentile (a request that freezes the event loop still fails it by seconds).
    const baseline: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await (await fetch(`${base}/health`)).text();
      baseline.push(performance.now() - t0);
    }
    baseline.sort((a, b) => a - b);
    const budget = Math.max(100, 5 * baseline[Math.floor(baseline.length * 0.9)]);
    const all = probes();
    process.stdout.write(`abuse: ${all.length} probes\n`);
    const started = performance.now();
    expect(all.length).toBeGreaterThanOrEqual(1000);

    const healthTimes: number[] = [];
    const healthStatuses: number[] = [];
    // Its own connection: a connection the server closes after refusing a body is not reused for it.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const healthStatus = () =>
      new Promise<number>((resolve, reject) => {
        http
          .get(`${base}/health`, { agent }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
          .on('error', reject);
      });
    let running = true;
    const watcher = (async () => {
      while (running) {
        const started = performance.now();
        const status = await healthStatus();
        healthTimes.push(performance.now() - started);
        healthStatuses.push(status);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    const answers: Answer[] = [];
    const queue = [...all];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let probe = queue.shift(); probe; probe = queue.shift()) answers.push(await send(probe));
      }),
    );
    running = false;
    await watcher;
    agent.destroy();
    expect(healthStatuses.filter((s) => s !== 200)).toEqual([]);

    const failures: string[] = [];
    for (const { probe, status, body } of answers) {
      const where = `${probe.method} ${probe.path.slice(0, 80)} ${probe.headers?.['content-type'] ?? ''} -> ${status}`;
      if (status >= 500) failures.push(`${where}: ${body.slice(0, 200)}`);
      if (status < 400 || status >= 500) continue;
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(body) as Record<string, unknown>;
      } catch {
        failures.push(`${where}: not JSON`);
        continue;
      }
      if (JSON.stringify(Object.keys(parsed).sort()) !== JSON.stringify(ERROR_KEYS))
        failures.push(`${where}: keys ${Object.keys(parsed).join(',')}`);
      if (parsed.statusCode !== status) failures.push(`${where}: statusCode ${String(parsed.statusCode)}`);
      if (typeof parsed.message !== 'string' || parsed.message.length > 600)
        failures.push(`${where}: message too long`);
      if (probe.canary && body.includes(probe.canary)) failures.push(`${where}: echoes the request`);
    }
    expect(failures).toEqual([]);

    const sorted = [...healthTimes].sort((a, b) => a - b);
    const max = sorted[sorted.length - 1];
    // Recorded for the report: how many requests, how long /health took at most.
    process.stdout.write(
      `abuse: ${((performance.now() - started) / 1000).toFixed(1)} s\n` +
        `abuse: ${answers.length} requests, ${healthTimes.length} health checks, max ${max.toFixed(1)} ms\n`,
    );
    const byStatus: Record<string, number[]> = {};
    for (const x of timings) (byStatus[x.what.split('-> ')[1]] ??= []).push(x.ms);
    for (const [st, arr] of Object.entries(byStatus))
      process.stdout.write(
        `${st}: n=${arr.length} avg=${(arr.reduce((a, b) => a + b, 0) / arr.length).toFixed(1)}\n`,
      );
    expect(healthTimes.length).toBeGreaterThan(10);
    process.stdout.write(
      `abuse: idle /health p90 ${baseline[Math.floor(baseline.length * 0.9)].toFixed(1)} ms, ` +
        `under abuse p50 ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms, ` +
        `p99 ${sorted[Math.floor(sorted.length * 0.99)].toFixed(1)} ms, budget ${budget.toFixed(0)} ms\n`,
    );
    // Not a timing test (the 100 ms figure is measured by `npm run bench:abuse`, bench/results/abuse.md): a
    // request that froze the event loop would hold /health for seconds, which this still catches; the p99
    // against the budget is reported above (on a loaded machine it can exceed 100 ms with no code of ours to
    // blame).
    expect(sorted[Math.floor(sorted.length * 0.99)]).toBeLessThan(Math.max(1000, budget));
  }, 120_000);

  it.each([
    ['2026-W01-1'],
    ['2026-123'],
    ['20261201T101010Z'],
    ['2026-12-01T00:00:00,5Z'],
    ['-271821-04-20T00:00:00Z'],
  ])('updatedSince=%s is a 400 naming updatedSince', async (value) => {
    const res = await send({
      method: 'GET',
      path: `/v1/cases?updatedSince=${encodeURIComponent(value)}`,
      headers: { authorization: `Bearer ${users.caseworker.token}` },
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).message).toMatch(/updatedSince must be an RFC 3339 timestamp/);
  });

  it('a forged cursor with an absurd year is a 400 naming cursor', async () => {
    const res = await send({
      method: 'GET',
      path: `/v1/cases?cursor=${cursorOf(['-271821-04-20T00:00:00.000Z', randomUUID()])}`,
      headers: { authorization: `Bearer ${users.caseworker.token}` },
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).message).toMatch(/cursor/);
  });

  it('accepts the timestamps it can store, with offsets and milliseconds', async () => {
    for (const value of [
      '2026-12-01T10:10:10Z',
      '2026-12-01T10:10:10.5+05:30',
      '2026-12-01',
      '0001-01-01T00:00Z',
    ]) {
      const res = await send({
        method: 'GET',
        path: `/v1/cases?updatedSince=${encodeURIComponent(value)}`,
        headers: { authorization: `Bearer ${users.caseworker.token}` },
      });
      expect(res.status).toBe(200);
    }
  });

  it.each([
    ['application/json; charset=utf-16', 415],
    ['application/json; charset="UTF-8"', 200],
    ['application/x-www-form-urlencoded', 415],
    ['text/plain', 415],
  ])('login with Content-Type %s answers %i', async (contentType, status) => {
    const body = contentType.startsWith('application/json')
      ? JSON.stringify({ username: users.auditor.username, password: 'correct-horse-battery' })
      : `username=${CANARY}&password=secret`;
    const res = await send({
      method: 'POST',
      path: '/v1/auth/login',
      headers: { 'content-type': contentType },
      body,
    });
    expect(res.status).toBe(status);
    expect(res.body).not.toContain(CANARY);
  });

  it('a 60,000-key login body is refused before parsing (413, the login limit is a few KB) and fast', async () => {
    const manyKeysTo = (path: string, contentType = 'application/json') =>
      send({ method: 'POST', path, headers: { 'content-type': contentType }, body: manyKeys(60_000) });
    const started = performance.now();
    const res = await manyKeysTo('/v1/auth/login');
    expect(res.status).toBe(413);
    expect(res.body.length).toBeLessThan(400);
    expect(performance.now() - started).toBeLessThan(1000);
    // A burst of them (and of bodies over the field limit elsewhere) leaves the service answering.
    const burst = await Promise.all(
      ['/v1/auth/login', '/v1/cases'].flatMap((path) => Array.from({ length: 4 }, () => manyKeysTo(path))),
    );
    expect(burst.map((a) => a.status).sort()).toEqual([400, 400, 400, 400, 413, 413, 413, 413]);
    // Another charset is a 415 whatever the body holds (not a 400 for its keys).
    expect((await manyKeysTo('/v1/cases', 'application/json; charset=utf-16')).status).toBe(415);
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it('a body over the field limit is a 400 once its first kilobytes arrive: the rest is never waited for, the connection closed', async () => {
    const body = manyKeys(60_000); // ≈ 0.9 MB, under the 1 MB limit of POST /v1/cases
    const { port } = new URL(base);
    const answer = await new Promise<{ status: number; text: string; connection?: string }>(
      (resolve, reject) => {
        const req = http.request({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/v1/cases',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        });
        req.on('error', reject);
        req.on('response', (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text, connection: res.headers.connection }),
          );
        });
        // Only the first 40 KB (≈ 3,000 keys) is ever sent: an answer proves the rest was not awaited.
        req.write(body.slice(0, 40_000));
      },
    );
    expect(answer.status).toBe(400);
    expect(answer.connection).toBe('close');
    expect((JSON.parse(answer.text) as { message: string }).message).toBe(
      'Validation failed: the body has more than 1000 fields',
    );
  });

  it('thousands of unknown fields give one short message that counts them instead of listing them', async () => {
    const res = await send({
      method: 'POST',
      path: '/v1/offices',
      headers: { authorization: `Bearer ${users.admin.token}`, 'content-type': 'application/json' },
      body: manyKeys(900),
    });
    expect(res.status).toBe(400);
    const { message } = JSON.parse(res.body) as { message: string };
    expect(message.length).toBeLessThanOrEqual(600);
    expect(message).toMatch(/and \d+ more/);
  });

  it('a filter named toString, or null filters, is a 400 (not a TypeError)', async () => {
    for (const body of [
      '{"dimensions":[],"filters":{"toString":["PH"]}}',
      '{"dimensions":[],"filters":null}',
    ]) {
      const res = await send({
        method: 'POST',
        path: '/v1/aggregates/query',
        headers: { authorization: `Bearer ${users.researcher.token}`, 'content-type': 'application/json' },
        body,
      });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body).message).toMatch(/filters/);
    }
  });
});
