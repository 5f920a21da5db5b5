import { adminToken, createOffice, createUser, exampleCase, type TestUser } from '../factories.js';
import { startTestApp, type TestApp } from '../test-app.js';

/**
 * GET and POST /v1/cases authorize from a recently confirmed principal and confirm the session in their own
 * statement (auth/session-cache.ts): a session revoked in between must be exactly as dead as on any other
 * route: 401, audited as an invalid token, nothing written, whatever else the request got wrong.
 */
describe('session confirmed in the statement (e2e, real PostgreSQL)', () => {
  let t: TestApp;
  let admin: string;
  let officeId: string;

  const bearer = (user: TestUser) => ({ Authorization: `Bearer ${user.token}` });
  const read = (user: TestUser, id: string) => t.http().get(`/v1/cases/${id}`).set(bearer(user));
  const create = (user: TestUser, body: object = exampleCase(), headers: Record<string, string> = {}) =>
    t.http().post('/v1/cases').set(bearer(user)).set(headers).send(body);

  /** A caseworker with a case, whose principal is cached by a read and a create that succeeded. */
  async function warmCaseworker(): Promise<{ user: TestUser; caseId: string }> {
    const user = await createUser(t, admin, 'caseworker', officeId);
    const created = await create(user);
    expect(created.status).toBe(201);
    const caseId = (created.body as { id: string }).id;
    expect((await read(user, caseId)).status).toBe(200);
    expect((await read(user, caseId)).status).toBe(200);
    return { user, caseId };
  }

  const logout = async (user: TestUser) =>
    expect((await t.http().post('/v1/auth/logout').set(bearer(user))).status).toBe(204);

  async function eventsOf(userId: string, since: number) {
    const { rows } = await t.db.query<{ action: string; outcome: string; details: { reason?: string } }>(
      `SELECT action, outcome, details FROM audit_events WHERE actor_id = $1 AND seq > $2 ORDER BY seq`,
      [userId, since],
    );
    return rows;
  }
  async function invalidTokenDenials(action: string, since: number): Promise<number> {
    const { rows } = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events
        WHERE seq > $1 AND action = $2 AND outcome = 'denied' AND details->>'reason' = 'invalid_token'`,
      [since, action],
    );
    return rows[0].n;
  }
  const lastSeq = async () =>
    Number(
      (await t.db.query<{ s: string }>(`SELECT coalesce(max(seq), 0) AS s FROM audit_events`)).rows[0].s,
    );
  const caseCount = async (userId: string) =>
    (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases WHERE created_by = $1`, [userId]))
      .rows[0].n;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminToken(t);
    officeId = (await createOffice(t, admin)).id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('after logout, a read of the cached principal is 401 and audited as an invalid token, never as a read', async () => {
    const { user, caseId } = await warmCaseworker();
    await logout(user);
    const since = await lastSeq();
    const res = await read(user, caseId);
    expect(res.status).toBe(401);
    expect(res.body).not.toHaveProperty('subject');
    expect(await eventsOf(user.id, since)).toEqual([]);
    expect(await invalidTokenDenials('case.read', since)).toBe(1);
  });

  it('after logout, a list or search of the cached principal is 401, audited as an invalid token', async () => {
    const { user } = await warmCaseworker();
    expect((await t.http().get('/v1/cases?familyName=Doe').set(bearer(user))).status).toBe(200);
    await logout(user);
    const since = await lastSeq();
    for (const query of ['', '?familyName=Doe', '?limit=0']) {
      const res = await t.http().get(`/v1/cases${query}`).set(bearer(user));
      expect(res.status).toBe(401);
      expect(res.body).not.toHaveProperty('items');
    }
    expect(await eventsOf(user.id, since)).toEqual([]);
    expect(await invalidTokenDenials('case.list', since)).toBe(3);
  });

  it('after logout, a create is 401 and stores nothing (with and without an Idempotency-Key)', async () => {
    const { user } = await warmCaseworker();
    await logout(user);
    const before = await caseCount(user.id);
    const since = await lastSeq();
    expect((await create(user)).status).toBe(401);
    expect((await create(user, exampleCase(), { 'Idempotency-Key': 'k-after-logout' })).status).toBe(401);
    expect(await caseCount(user.id)).toBe(before);
    expect(await eventsOf(user.id, since)).toEqual([]);
    expect(await invalidTokenDenials('case.create', since)).toBe(2);
    const { rows } = await t.db.query(
      `SELECT 1 FROM case_idempotency_keys WHERE user_id = $1 AND key = 'k-after-logout'`,
      [user.id],
    );
    expect(rows).toEqual([]);
  });

  it('a revoked session gets 401, not the 400, 403 or 404 its request would otherwise get', async () => {
    const { user } = await warmCaseworker();
    await logout(user);
    expect((await create(user, { nonsense: true })).status).toBe(401);
    expect((await t.http().get('/v1/cases/not-a-uuid').set(bearer(user))).status).toBe(401);
    expect((await read(user, '00000000-0000-4000-8000-000000000000')).status).toBe(401);
    // A field the role may not write is a 403 (audited as denied) for a live session.
    const supervisor = await createUser(t, admin, 'supervisor', officeId);
    expect((await create(supervisor, exampleCase({ narrative: 'x' }))).status).toBe(403);
    await logout(supervisor);
    expect((await create(supervisor, exampleCase({ narrative: 'x' }))).status).toBe(401);
  });

  it('a role change, a move to another office or disabling revokes at once, cached or not', async () => {
    const patch = (id: string, body: object) =>
      t.http().patch(`/v1/users/${id}`).set('Authorization', `Bearer ${admin}`).send(body);
    const otherOffice = (await createOffice(t, admin, 'TH')).id;
    for (const change of [{ role: 'supervisor' }, { officeId: otherOffice }, { disabled: true }]) {
      const { user, caseId } = await warmCaseworker();
      expect((await patch(user.id, change)).status).toBe(200);
      expect((await read(user, caseId)).status).toBe(401);
      expect((await create(user)).status).toBe(401);
    }
  });

  it('a session revoked directly in the database (no API call) is refused by the statement itself', async () => {
    const { user, caseId } = await warmCaseworker();
    await t.db.query(`UPDATE sessions SET revoked_at = now() WHERE user_id = $1`, [user.id]);
    expect((await read(user, caseId)).status).toBe(401);
    await t.db.query(
      `UPDATE sessions SET revoked_at = NULL, expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [user.id],
    );
    expect((await read(user, caseId)).status).toBe(401);
  });

  it('a dead cached session of a role the route refuses is a 401 (not the 403, never a 500)', async () => {
    const researcher = await createUser(t, admin, 'researcher');
    const auditor = await createUser(t, admin, 'auditor');
    const { caseId } = await warmCaseworker();
    for (const user of [researcher, auditor]) {
      // Cached by a lookup on another route, then logged out (the cache still holds the principal).
      expect((await t.http().get('/v1/auth/me').set(bearer(user))).status).toBe(200);
      const live = await t.http().post('/v1/cases').set(bearer(user)).send(exampleCase());
      expect(live.status).toBe(403);
      await logout(user);
      const since = await lastSeq();
      expect((await t.http().post('/v1/cases').set(bearer(user)).send(exampleCase())).status).toBe(401);
      expect((await read(user, caseId)).status).toBe(401);
      expect(await eventsOf(user.id, since)).toEqual([]);
    }
  });

  it('a live cached session reads and creates as before, each audited once', async () => {
    const { user, caseId } = await warmCaseworker();
    const since = await lastSeq();
    expect((await read(user, caseId)).status).toBe(200);
    expect((await create(user)).status).toBe(201);
    expect((await read(user, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect(
      (await eventsOf(user.id, since)).map((e) => [e.action, e.outcome, e.details.reason ?? null]),
    ).toEqual([
      ['case.read', 'allowed', null],
      ['case.create', 'allowed', null],
      ['case.read', 'denied', 'not_found'],
    ]);
  });
});
