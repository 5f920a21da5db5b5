import { randomUUID } from 'node:crypto';
import type { Role } from '../../src/policy/index.js';
import { ROLES } from '../../src/policy/index.js';
import {
  adminToken,
  createCase,
  createOffice,
  createUser,
  exampleCase,
  usersOfEveryRole,
  type TestUser,
} from '../factories.js';
import { startTestApp, type TestApp } from '../test-app.js';

interface StoredEvent {
  seq: string;
  action: string;
  outcome: string;
  actor_id: string | null;
  actor_role: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
}

describe('audit trail (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let officeId: string;
  let users: Record<Role, TestUser>;
  let patchTarget: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminToken(t);
    officeId = (await createOffice(t, admin)).id;
    users = await usersOfEveryRole(t, admin, officeId);
    caseId = (await createCase(t, users.caseworker.token)).id;
    patchTarget = await createUser(t, admin, 'auditor');
  }, 60_000);
  afterAll(async () => {
    await t.close();
  });

  /** The events of a request, found by the client's X-Request-Id (kept apart from the server's own id). */
  const eventsOf = async (clientRequestId: string): Promise<StoredEvent[]> =>
    (
      await t.db.query(`SELECT * FROM audit_events WHERE client_request_id = $1 ORDER BY seq`, [
        clientRequestId,
      ])
    ).rows as StoredEvent[];

  interface Prepared {
    path: string;
    body?: object;
    headers?: Record<string, string>;
  }
  type Call = {
    method: 'get' | 'post' | 'patch' | 'delete';
    path: () => string;
    body?: () => object;
    prepare?: () => Promise<Prepared>;
  };
  let caseId: string;
  const currentVersion = async (id: string) =>
    (
      (await t.http().get(`/v1/cases/${id}`).set('Authorization', `Bearer ${users.supervisor.token}`))
        .body as { version: number }
    ).version;
  const routes: {
    name: string;
    call: Call;
    action: string;
    allowed: readonly Role[];
    auditsAllowed: boolean;
    /** The success status when it is not the method's usual one. */
    status?: number;
  }[] = [
    {
      name: 'GET /v1/auth/me',
      call: { method: 'get', path: () => '/v1/auth/me' },
      action: 'auth.me',
      allowed: ROLES,
      auditsAllowed: false,
    },
    {
      name: 'GET /v1/offices',
      call: { method: 'get', path: () => '/v1/offices' },
      action: 'office.list',
      allowed: ['admin', 'auditor'],
      auditsAllowed: true,
    },
    {
      name: 'POST /v1/offices',
      call: {
        method: 'post',
        path: () => '/v1/offices',
        body: () => ({ code: `M${randomUUID().slice(0, 8).toUpperCase()}`, name: 'x', countryCode: 'TH' }),
      },
      action: 'office.create',
      allowed: ['admin'],
      auditsAllowed: true,
    },
    {
      name: 'GET /v1/users',
      call: { method: 'get', path: () => '/v1/users' },
      action: 'user.list',
      allowed: ['admin', 'auditor'],
      auditsAllowed: true,
    },
    {
      name: 'POST /v1/users',
      call: {
        method: 'post',
        path: () => '/v1/users',
        body: () => ({
          username: `u${randomUUID().slice(0, 8)}`,
          password: 'long-enough-password',
          role: 'auditor',
        }),
      },
      action: 'user.create',
      allowed: ['admin'],
      auditsAllowed: true,
    },
    {
      name: 'PATCH /v1/users/:id',
      call: {
        method: 'patch',
        path: () => `/v1/users/${patchTarget.id}`,
        body: () => ({ approvedUntil: null }),
      },
      action: 'user.update',
      allowed: ['admin'],
      auditsAllowed: true,
    },
    {
      name: 'GET /v1/audit/events',
      call: { method: 'get', path: () => '/v1/audit/events?limit=5' },
      action: 'audit.read',
      allowed: ['auditor'],
      auditsAllowed: true,
    },
    {
      name: 'GET /v1/audit/verify',
      call: { method: 'get', path: () => '/v1/audit/verify' },
      action: 'audit.verify',
      allowed: ['auditor'],
      auditsAllowed: true,
    },
    {
      name: 'GET /v1/audit/checkpoints',
      call: { method: 'get', path: () => '/v1/audit/checkpoints' },
      action: 'audit.checkpoints',
      allowed: ['auditor'],
      auditsAllowed: true,
    },
    {
      name: 'GET /v1/audit/events/export',
      call: { method: 'get', path: () => '/v1/audit/events/export?from=2000-01-01T00:00:00Z' },
      action: 'audit.export',
      allowed: ['auditor'],
      auditsAllowed: true,
    },
  ];
  const caseRoutes: typeof routes = [
    {
      name: 'POST /v1/cases',
      // No narrative: supervisors may read it but not write it (DATA.md).
      call: { method: 'post', path: () => '/v1/cases', body: () => exampleCase({ narrative: undefined }) },
      action: 'case.create',
      allowed: ['caseworker', 'supervisor'],
      auditsAllowed: true,
    },
    {
      name: 'GET /v1/cases',
      call: { method: 'get', path: () => '/v1/cases?limit=5' },
      action: 'case.list',
      allowed: ['caseworker', 'supervisor'],
      auditsAllowed: true,
    },
    {
      name: 'GET /v1/cases?givenName= (search)',
      call: { method: 'get', path: () => '/v1/cases?givenName=amina' },
      action: 'case.list',
      allowed: ['caseworker', 'supervisor'],
      auditsAllowed: true,
    },
    {
      name: 'GET /v1/cases/:id',
      call: { method: 'get', path: () => `/v1/cases/${caseId}` },
      action: 'case.read',
      allowed: ['caseworker', 'supervisor', 'auditor'],
      auditsAllowed: true,
    },
    {
      name: 'GET /v1/cases/:id/duplicates',
      call: { method: 'get', path: () => `/v1/cases/${caseId}/duplicates` },
      action: 'case.duplicates',
      allowed: ['caseworker', 'supervisor'],
      auditsAllowed: true,
    },
    {
      name: 'PATCH /v1/cases/:id',
      call: {
        method: 'patch',
        path: () => `/v1/cases/${caseId}`,
        prepare: async () => {
          const version = await currentVersion(caseId);
          return {
            path: `/v1/cases/${caseId}`,
            headers: { 'If-Match': `"${version}"` },
            body: { isAbduction: version % 2 === 0 },
          };
        },
      },
      action: 'case.update',
      allowed: ['caseworker', 'supervisor'],
      auditsAllowed: true,
    },
    {
      name: 'DELETE /v1/cases/:id',
      call: {
        method: 'delete',
        path: () => `/v1/cases/${caseId}`,
        prepare: async () => ({ path: `/v1/cases/${(await createCase(t, users.caseworker.token)).id}` }),
      },
      action: 'case.erase',
      allowed: ['supervisor'],
      auditsAllowed: true,
    },
  ];
  routes.push(...caseRoutes, {
    name: 'POST /v1/aggregates/query',
    call: { method: 'post', path: () => '/v1/aggregates/query', body: () => ({ dimensions: ['gender'] }) },
    action: 'aggregate.query',
    allowed: ['researcher'],
    auditsAllowed: true,
    status: 200,
  });
  const callers: (Role | 'anonymous')[] = [...ROLES, 'anonymous'];

  describe.each(routes)('$name', (route) => {
    it.each(callers)('as %s: the contract status and exactly the expected audit event', async (caller) => {
      const requestId = randomUUID();
      const prepared: Prepared = route.call.prepare
        ? await route.call.prepare()
        : { path: route.call.path(), body: route.call.body?.() };
      let req = t.http()[route.call.method](prepared.path).set('X-Request-Id', requestId);
      for (const [name, value] of Object.entries(prepared.headers ?? {})) req = req.set(name, value);
      const token = caller === 'anonymous' ? null : caller === 'admin' ? admin : users[caller].token;
      if (token) req = req.set('Authorization', `Bearer ${token}`);
      const res = prepared.body ? await req.send(prepared.body) : await req;
      const allowed = caller !== 'anonymous' && route.allowed.includes(caller);
      const success = route.status ?? { get: 200, patch: 200, post: 201, delete: 204 }[route.call.method];
      const expected = caller === 'anonymous' ? 401 : allowed ? success : 403;
      expect(res.status).toBe(expected);
      // The server's own request id, never the client's; the client's is kept as clientRequestId.
      expect(res.headers['x-request-id']).not.toBe(requestId);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      const events = await eventsOf(requestId);
      for (const event of events) expect(event.request_id).toBe(res.headers['x-request-id']);
      if (allowed && !route.auditsAllowed) {
        expect(events).toEqual([]);
        return;
      }
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ action: route.action, outcome: allowed ? 'allowed' : 'denied' });
      if (caller === 'anonymous')
        expect(events[0]).toMatchObject({ actor_id: null, details: { reason: 'missing_token' } });
      else if (!allowed) expect(events[0]).toMatchObject({ actor_role: caller, details: { reason: 'role' } });
    });
  });

  it('records login success and failure: the account id when it exists, otherwise a keyed hash of the attempted name, never the text', async () => {
    const user = await createUser(t, admin, 'auditor');
    const failedId = randomUUID();
    await t
      .http()
      .post('/v1/auth/login')
      .set('X-Request-Id', failedId)
      .send({ username: user.username, password: 'Wrong-canary-99' });
    const unknownId = randomUUID();
    await t
      .http()
      .post('/v1/auth/login')
      .set('X-Request-Id', unknownId)
      .send({ username: 'ghost-user', password: 'Wrong-canary-99' });
    const [failed] = await eventsOf(failedId);
    const [unknown] = await eventsOf(unknownId);
    expect(failed).toMatchObject({
      action: 'auth.login',
      outcome: 'denied',
      actor_id: user.id,
      details: { reason: 'bad_credentials' },
    });
    expect(failed.details).not.toHaveProperty('attemptedUsername');
    expect(unknown).toMatchObject({ action: 'auth.login', outcome: 'denied', actor_id: null });
    expect(unknown.details.attemptedUsernameHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(unknown)).not.toContain('ghost-user');
    // The same name (normalized) gives the same hash: repeated attempts correlate.
    const againId = randomUUID();
    await t
      .http()
      .post('/v1/auth/login')
      .set('X-Request-Id', againId)
      .send({ username: ' GHOST-user ', password: 'Wrong-canary-99' });
    const [again] = await eventsOf(againId);
    expect(again.details.attemptedUsernameHash).toBe(unknown.details.attemptedUsernameHash);
    const all = await t.db.query(`SELECT details::text AS d FROM audit_events`);
    expect(all.rows.map((r: { d: string }) => r.d).join('')).not.toContain('Wrong-canary-99');
  });

  it('lists events with filters and a cursor that is stable while new events are appended', async () => {
    const auditor = users.auditor.token;
    const page1 = await t
      .http()
      .get(`/v1/audit/events?action=user.create&limit=2`)
      .set('Authorization', `Bearer ${auditor}`);
    expect(page1.status).toBe(200);
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.items.every((e: { action: string }) => e.action === 'user.create')).toBe(true);
    expect(Object.keys(page1.body.items[0]).sort()).toEqual(
      [
        'seq',
        'at',
        'actorId',
        'actorRole',
        'action',
        'resourceType',
        'resourceId',
        'resourceIds',
        'outcome',
        'requestId',
        'clientRequestId',
        'details',
        'hash',
      ].sort(),
    );
    await createUser(t, admin, 'auditor'); // appended meanwhile
    const page2 = await t
      .http()
      .get(`/v1/audit/events?action=user.create&limit=2&cursor=${page1.body.nextCursor}`)
      .set('Authorization', `Bearer ${auditor}`);
    expect(page2.status).toBe(200);
    const seqs = [...page1.body.items, ...page2.body.items].map((e: { seq: number }) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

    const byActor = await t
      .http()
      .get(`/v1/audit/events?actorId=${users.admin.id}`)
      .set('Authorization', `Bearer ${auditor}`);
    expect(byActor.body.items.every((e: { actorId: string }) => e.actorId === users.admin.id)).toBe(true);
    for (const bad of [
      'limit=0',
      'limit=501',
      'cursor=%%%',
      'actorId=nope',
      'action=case.hack',
      'from=yesterday',
    ]) {
      const res = await t.http().get(`/v1/audit/events?${bad}`).set('Authorization', `Bearer ${auditor}`);
      expect(res.status).toBe(400);
    }
  });

  it('exports a time range as JSON Lines, one event per line', async () => {
    const from = new Date(Date.now() - 3600_000).toISOString();
    const res = await t
      .http()
      .get(`/v1/audit/events/export?from=${from}`)
      .set('Authorization', `Bearer ${users.auditor.token}`)
      .buffer(true)
      .parse((response, callback) => {
        let data = '';
        response.on('data', (chunk: Buffer) => (data += chunk.toString()));
        response.on('end', () => callback(null, data));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('application/x-ndjson');
    const lines = (res.body as string)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type?: string; seq: number; hash: string; signature?: string });
    expect(lines[0]).toMatchObject({ type: 'export', from, to: null });
    const events = lines.filter((line) => line.type === undefined);
    expect(events.length).toBeGreaterThan(10);
    expect(events.every((e) => typeof e.seq === 'number' && e.hash.length === 64)).toBe(true);
    // The export signs a checkpoint of the head first, so the export ends with one covering it.
    const checkpoints = lines.filter((line) => line.type === 'checkpoint');
    expect(checkpoints.length).toBeGreaterThan(0);
    expect(checkpoints[checkpoints.length - 1].seq).toBe(events[events.length - 1].seq);
  });

  it('the application role cannot UPDATE, DELETE or TRUNCATE audit events, nor insert them but through audit_append_v2', async () => {
    await t.db.query('SET ROLE ctr_app');
    try {
      for (const table of ['audit_events', 'audit_event_resources', 'audit_head', 'audit_stripe_heads']) {
        await expect(t.db.query(`DELETE FROM ${table}`)).rejects.toThrow(/permission denied/);
      }
      await expect(t.db.query(`UPDATE audit_head SET seq = 1`)).rejects.toThrow(/permission denied/);
      await expect(t.db.query(`UPDATE audit_stripe_heads SET stripe_seq = 1`)).rejects.toThrow(
        /permission denied/,
      );
      await expect(t.db.query(`SELECT nextval('audit_seq')`)).rejects.toThrow(/permission denied/);
      await expect(t.db.query(`DELETE FROM audit_checkpoints`)).rejects.toThrow(/permission denied/);
      await expect(
        t.db.query(`INSERT INTO audit_events (seq, at, action, outcome, details, prev_hash, hash)
                    VALUES (999999, now(), 'auth.me', 'allowed', '{}', repeat('0', 64), repeat('0', 64))`),
      ).rejects.toThrow(/permission denied/);
      await expect(t.db.query(`UPDATE audit_events SET outcome = 'allowed' WHERE seq = 1`)).rejects.toThrow(
        /permission denied/,
      );
      await expect(t.db.query(`DELETE FROM audit_events WHERE seq = 1`)).rejects.toThrow(/permission denied/);
      await expect(t.db.query(`TRUNCATE audit_events`)).rejects.toThrow(/permission denied/);
      await expect(t.db.query(`SELECT count(*) FROM audit_events`)).resolves.toBeTruthy();
    } finally {
      await t.db.query('RESET ROLE');
    }
    // Even the owner meets the append-only trigger.
    await expect(t.db.query(`DELETE FROM audit_events WHERE seq = 1`)).rejects.toThrow(/append-only/);
    await expect(t.db.query(`TRUNCATE audit_events`)).rejects.toThrow(/append-only/);
    await expect(t.db.query(`DELETE FROM audit_stripe_heads`)).rejects.toThrow(/only move forward/);
    await expect(t.db.query(`UPDATE audit_stripe_heads SET stripe_seq = 0`)).rejects.toThrow(
      /only move forward/,
    );
  });

  it('fails closed: when the event cannot be written, the access fails with 5xx and nothing of it persists', async () => {
    const code = `FC${Date.now().toString(36).toUpperCase()}`;
    await t.db.query(
      'REVOKE EXECUTE ON FUNCTION audit_append_v2(uuid, text, text, text, text, text[], text, text, text, jsonb) FROM ctr_app',
    );
    try {
      const res = await t
        .http()
        .post('/v1/offices')
        .set('Authorization', `Bearer ${admin}`)
        .send({ code, name: 'Never stored', countryCode: 'TH' });
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(JSON.stringify(res.body)).not.toContain(code);
      expect(Object.keys(res.body).sort()).toEqual(['error', 'message', 'requestId', 'statusCode']);
      const read = await t
        .http()
        .get('/v1/audit/events')
        .set('Authorization', `Bearer ${users.auditor.token}`);
      expect(read.status).toBeGreaterThanOrEqual(500);
      expect(read.body.items).toBeUndefined();
    } finally {
      await t.db.query(
        'GRANT EXECUTE ON FUNCTION audit_append_v2(uuid, text, text, text, text, text[], text, text, text, jsonb) TO ctr_app',
      );
    }
    const stored = await t.db.query('SELECT 1 FROM offices WHERE code = $1', [code]);
    expect(stored.rowCount).toBe(0);
  });

  it('fails closed on a create (case and event in one statement): no case without its event', async () => {
    const count = async () =>
      Number(((await t.db.query('SELECT count(*) AS n FROM cases')) as { rows: { n: string }[] }).rows[0].n);
    const before = await count();
    await t.db.query(
      'REVOKE EXECUTE ON FUNCTION audit_append_v2(uuid, text, text, text, text, text[], text, text, text, jsonb) FROM ctr_app',
    );
    try {
      const res = await t
        .http()
        .post('/v1/cases')
        .set('Authorization', `Bearer ${users.caseworker.token}`)
        .send(exampleCase());
      expect(res.status).toBeGreaterThanOrEqual(500);
    } finally {
      await t.db.query(
        'GRANT EXECUTE ON FUNCTION audit_append_v2(uuid, text, text, text, text, text[], text, text, text, jsonb) TO ctr_app',
      );
    }
    expect(await count()).toBe(before);
    // And with the append allowed again, a create writes its case and its event together.
    const created = await createCase(t, users.caseworker.token);
    expect(await count()).toBe(before + 1);
    const events = await t.db.query(
      `SELECT 1 FROM audit_events WHERE action = 'case.create' AND resource_id = $1`,
      [created.id],
    );
    expect(events.rowCount).toBe(1);
  });
});
