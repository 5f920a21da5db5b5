import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { adminToken, createOffice, createUser, exampleCase, type TestUser } from '../factories.js';
import { startTestApp, type TestApp } from '../test-app.js';
import { startOwnCluster, terminateBackends, type OwnCluster } from './support.js';

const ERROR_KEYS = ['error', 'message', 'requestId', 'statusCode'];

/** The service on a cluster of its own, which these tests kill, crash, stop and restart. */
describe('database faults (resilience)', () => {
  let cluster: OwnCluster;
  let t: TestApp;
  let caseworker: TestUser;
  let auditor: TestUser;
  let admin: string;

  const superuser = async () => {
    const client = new pg.Client({ connectionString: t.databaseUrl });
    await client.connect();
    return client;
  };
  const dbName = () => new URL(t.databaseUrl).pathname.slice(1);
  const expectChainIntact = async () => {
    const verify = await t.http().get('/v1/audit/verify').set('Authorization', `Bearer ${auditor.token}`);
    expect(verify.status).toBe(200);
    expect(verify.body.ok).toBe(true);
  };

  beforeAll(async () => {
    cluster = await startOwnCluster();
    t = await startTestApp(
      {
        DB_POOL_SIZE: '6',
        DB_CONNECT_TIMEOUT_MS: '1000',
        DB_STATEMENT_TIMEOUT_MS: '1500',
        RATE_LIMIT_PER_CLIENT: '1000000',
        RATE_LIMIT_PER_ACCOUNT: '1000000',
      },
      { adminUrl: cluster.adminUrl },
    );
    // The inspection connection of the test app dies with the backends: keep errors from crashing the test.
    t.db.on('error', () => undefined);
    admin = await adminToken(t);
    const office = await createOffice(t, admin);
    caseworker = await createUser(t, admin, 'caseworker', office.id);
    auditor = await createUser(t, admin, 'auditor');
  }, 60_000);

  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await cluster?.destroy();
  });

  const createCaseAs = (user: TestUser) =>
    t.http().post('/v1/cases').set('Authorization', `Bearer ${user.token}`).send(exampleCase());
  const create = (key: string) =>
    t
      .http()
      .post('/v1/cases')
      .set('Authorization', `Bearer ${caseworker.token}`)
      .set('Idempotency-Key', key)
      .send(exampleCase({ narrative: `case ${key}` }));

  it('backend kills and an immediate (crash) restart during concurrent creates: nothing acknowledged is lost, nothing orphaned', async () => {
    const keys = Array.from({ length: 48 }, () => randomUUID());
    const statuses = new Map<string, number>();
    const acknowledged = new Map<string, string>();
    let chaos = true;
    const killer = (async () => {
      let round = 0;
      while (chaos) {
        round += 1;
        if (round === 8) {
          await cluster.crash();
          await cluster.start();
        } else {
          await terminateBackends(cluster.adminUrl, dbName()).catch(() => 0);
        }
        await new Promise((resolve) => setTimeout(resolve, 60));
      }
    })();
    const queue = [...keys];
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        for (let key = queue.shift(); key; key = queue.shift()) {
          const res = await create(key);
          statuses.set(key, res.status);
          if (res.status === 201) acknowledged.set(key, (res.body as { id: string }).id);
          else {
            if (res.status !== 503) {
              process.stdout.write(
                `unexpected ${res.status}: ${JSON.stringify(res.body)}\n${t.logs
                  .filter((l) => l.includes('request failed'))
                  .slice(-3)
                  .join('\n')}\n`,
              );
            }
            expect(res.status).toBe(503);
            expect(res.headers['retry-after']).toBeDefined();
            expect(Object.keys(res.body as object).sort()).toEqual(ERROR_KEYS);
          }
        }
      }),
    );
    chaos = false;
    await killer;
    process.stdout.write(
      `db-faults: ${acknowledged.size} of ${keys.length} creates acknowledged during the kills and the restart\n`,
    );

    // Clients retry what was not acknowledged, with the same Idempotency-Key.
    for (const key of keys.filter((k) => !acknowledged.has(k))) {
      for (let tries = 0; tries < 20 && !acknowledged.has(key); tries++) {
        const res = await create(key);
        if (res.status === 201) acknowledged.set(key, (res.body as { id: string }).id);
        else await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    expect(acknowledged.size).toBe(keys.length);

    const db = await superuser();
    try {
      const narratives = keys.map((key) => `case ${key}`);
      const { rows: stored } = await db.query(`SELECT id FROM cases WHERE created_by = $1`, [caseworker.id]);
      const storedIds = new Set(stored.map((row: { id: string }) => row.id));
      // Each key made exactly one case, and every acknowledged case is stored.
      expect(storedIds.size).toBe(keys.length);
      for (const id of acknowledged.values()) expect(storedIds.has(id)).toBe(true);
      expect(narratives).toHaveLength(keys.length);
      // No orphans either way: every case has its create event, every create event its case.
      const { rows: events } = await db.query(
        `SELECT DISTINCT resource_id FROM audit_events WHERE action = 'case.create' AND outcome = 'allowed'`,
      );
      const eventIds = new Set(events.map((row: { resource_id: string }) => row.resource_id));
      for (const id of storedIds) expect(eventIds.has(id)).toBe(true);
      for (const id of eventIds) expect(storedIds.has(id)).toBe(true);
    } finally {
      await db.end();
    }
    await expectChainIntact();
  }, 60_000);

  it('backend kills during coalesced creates (no Idempotency-Key): every acknowledged case stored, no orphans either way', async () => {
    const author = await createUser(t, admin, 'caseworker', caseworker.officeId);
    const acknowledged: string[] = [];
    let chaos = true;
    const killer = (async () => {
      while (chaos) {
        await terminateBackends(cluster.adminUrl, dbName()).catch(() => 0);
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    })();
    await Promise.all(
      Array.from({ length: 16 }, async (_, worker) => {
        for (let i = 0; i < 8; i++) {
          const res = await t
            .http()
            .post('/v1/cases')
            .set('Authorization', `Bearer ${author.token}`)
            .send(exampleCase({ narrative: `coalesced ${worker}-${i}` }));
          if (res.status === 201) acknowledged.push((res.body as { id: string }).id);
          else {
            expect(res.status).toBe(503);
            expect(res.headers['retry-after']).toBeDefined();
          }
        }
      }),
    );
    chaos = false;
    await killer;

    const db = await superuser();
    try {
      const { rows } = await db.query<{ id: string; statement: string }>(
        `SELECT id, xmin::text AS statement FROM cases WHERE created_by = $1`,
        [author.id],
      );
      const stored = new Set(rows.map((row) => row.id));
      process.stdout.write(
        `db-faults: ${acknowledged.length} of 128 coalesced creates acknowledged, ${stored.size} stored, in ${
          new Set(rows.map((row) => row.statement)).size
        } statements\n`,
      );
      for (const id of acknowledged) expect(stored.has(id)).toBe(true);
      const { rows: events } = await db.query<{ resource_id: string; n: number }>(
        `SELECT resource_id, count(*)::int AS n FROM audit_events
          WHERE action = 'case.create' AND outcome = 'allowed' AND actor_id = $1 GROUP BY resource_id`,
        [author.id],
      );
      expect(events.every((e) => e.n === 1)).toBe(true);
      expect(new Set(events.map((e) => e.resource_id))).toEqual(stored);
    } finally {
      await db.end();
    }
    await expectChainIntact();
  }, 60_000);

  it('pool exhaustion and stuck statements: 503 with Retry-After (never 500, never 401), /health stays fast', async () => {
    const db = await superuser();
    try {
      await db.query('BEGIN');
      await db.query('LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE');
      const pending = Array.from({ length: 20 }, () =>
        t.http().get('/v1/auth/me').set('Authorization', `Bearer ${auditor.token}`),
      );
      const started = Date.now();
      const health = await t.http().get('/health');
      expect(health.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1000);
      const answers = await Promise.all(pending);
      for (const res of answers) {
        expect(res.status).toBe(503);
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(Object.keys(res.body as object).sort()).toEqual(ERROR_KEYS);
      }
    } finally {
      await db.query('ROLLBACK');
      await db.end();
    }
    const after = await t.http().get('/v1/auth/me').set('Authorization', `Bearer ${auditor.token}`);
    expect(after.status).toBe(200);
  }, 30_000);

  it('stalled creates and reads: those in flight time out, those waiting for them give up at the connection budget: all 503 within 2.5 s', async () => {
    const id = ((await createCaseAs(caseworker)).body as { id: string }).id;
    const db = await superuser();
    try {
      await db.query('BEGIN');
      // Every audit append now waits for a stripe: the statements in flight stall to statement_timeout (1.5 s).
      await db.query('SELECT stripe FROM audit_stripe_heads FOR UPDATE');
      const started = Date.now();
      const answers = await Promise.all([
        ...Array.from({ length: 10 }, () =>
          createCaseAs(caseworker).then((res) => [res, Date.now()] as const),
        ),
        ...Array.from({ length: 10 }, () =>
          t
            .http()
            .get(`/v1/cases/${id}`)
            .set('Authorization', `Bearer ${caseworker.token}`)
            .then((res) => [res, Date.now()] as const),
        ),
      ]);
      for (const [res, at] of answers) {
        expect(res.status).toBe(503);
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(Object.keys(res.body as object).sort()).toEqual(ERROR_KEYS);
        // The waiting ones at DB_CONNECT_TIMEOUT_MS (1 s), not after the stalled ones' turn (1.5 s + 1.5 s).
        expect(at - started).toBeLessThan(2_500);
      }
    } finally {
      await db.query('ROLLBACK');
      await db.end();
    }
    expect((await createCaseAs(caseworker)).status).toBe(201);
  }, 30_000);

  it('a database outage: every route answers 503 with Retry-After and the error body; tokens stay valid', async () => {
    const doc = (await t.http().get('/docs-json')).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const routes = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([m]) => ['get', 'post', 'patch', 'delete'].includes(m))
        .map(([method, operation]) => ({
          method,
          path: path.replace(/\{[^}]+\}/g, randomUUID()),
          // The OpenAPI document must say so wherever a 503 can come.
          documented: '503' in operation.responses,
        })),
    );
    await cluster.stop();
    try {
      const failures: string[] = [];
      // Routes that need no database (a published key) may answer as usual.
      for (const { method, path, documented } of routes.filter((r) => !r.path.endsWith('/public-key'))) {
        for (const token of [caseworker.token, auditor.token, admin]) {
          const agent = t.http();
          const res = await agent[method as 'get'](path)
            .set('Authorization', `Bearer ${token}`)
            .set('If-Match', '"1"')
            .send(path.includes('login') ? { username: 'someone', password: 'some-password' } : undefined);
          const where = `${method.toUpperCase()} ${path}`;
          // A public route refusing its (absent) body before it needs the database answers 400, rightly.
          if (res.status === 400 && !res.body?.message?.includes('database')) continue;
          if (res.status !== 503) failures.push(`${where}: ${res.status}`);
          else if (!documented) failures.push(`${where}: 503 not in the OpenAPI document`);
          else if (!res.headers['retry-after']) failures.push(`${where}: no Retry-After`);
          else if (
            !path.startsWith('/health') &&
            JSON.stringify(Object.keys(res.body).sort()) !== JSON.stringify(ERROR_KEYS)
          )
            failures.push(`${where}: body ${JSON.stringify(res.body)}`);
        }
      }
      expect(failures).toEqual([]);
    } finally {
      await cluster.start();
    }
    for (let i = 0; i < 50 && (await t.http().get('/health')).status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const me = await t.http().get('/v1/auth/me').set('Authorization', `Bearer ${auditor.token}`);
    expect(me.status).toBe(200);
  }, 60_000);
});
