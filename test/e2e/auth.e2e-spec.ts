import { jest } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { adminToken, createOffice, createUser, login, PASSWORD } from '../factories.js';
import { startTestApp, type TestApp } from '../test-app.js';

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function signHs256(
  payload: Record<string, unknown>,
  secret: Buffer,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' },
): string {
  const head = `${b64url(header)}.${b64url(payload)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

function decodePayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

describe('auth (e2e, real PostgreSQL)', () => {
  let t: TestApp;
  let admin: string;
  let officeId: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminToken(t);
    officeId = (await createOffice(t, admin)).id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('health reports the database up', async () => {
    const res = await t.http().get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', db: 'up' });
    expect(res.headers['x-request-id']).toBeTruthy();
  });

  it('login returns a bearer token and me describes the caller', async () => {
    const user = await createUser(t, admin, 'caseworker', officeId);
    const res = await t.http().post('/v1/auth/login').send({ username: user.username, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 900 });
    const me = await t.http().get('/v1/auth/me').set('Authorization', `Bearer ${res.body.accessToken}`);
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      id: user.id,
      username: user.username,
      role: 'caseworker',
      officeId,
      approvedUntil: null,
    });
  });

  it('a wrong password and an unknown user give identical 401 bodies (but for the request id)', async () => {
    const user = await createUser(t, admin, 'auditor');
    const wrong = await t
      .http()
      .post('/v1/auth/login')
      .send({ username: user.username, password: 'not-the-password' });
    const unknown = await t
      .http()
      .post('/v1/auth/login')
      .send({ username: 'nobody-here', password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });
    expect(strip(wrong.body)).toEqual(strip(unknown.body));
    expect(wrong.body.requestId).toEqual(wrong.headers['x-request-id']);
  });

  it('refuses malformed login bodies with 400 naming the field', async () => {
    const res = await t.http().post('/v1/auth/login').send({ username: 42, password: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('username');
    const extra = await t.http().post('/v1/auth/login').send({ username: 'a', password: 'b', isAdmin: true });
    expect(extra.status).toBe(400);
    expect(extra.body.message).toContain('isAdmin');
    const proto = await t
      .http()
      .post('/v1/auth/login')
      .set('Content-Type', 'application/json')
      .send('{"username":"a","password":"b","__proto__":{"admin":true}}');
    expect(proto.status).toBe(400);
  });

  it('a body over the size limit is a 413 in the error shape, and unknown routes a 404', async () => {
    const huge = await t
      .http()
      .post('/v1/auth/login')
      .send({ username: 'someone', password: 'x'.repeat(2 * 1024 * 1024) });
    expect(huge.status).toBe(413);
    expect(Object.keys(huge.body).sort()).toEqual(['error', 'message', 'requestId', 'statusCode']);
    const missing = await t.http().get('/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ statusCode: 404, requestId: missing.headers['x-request-id'] });
  });

  it('sets security headers and answers with the server’s own X-Request-Id, never the client’s', async () => {
    const res = await t.http().get('/health').set('X-Request-Id', 'client-trace-42');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toBeDefined();
    const bad = await t.http().get('/health').set('X-Request-Id', 'bad id with spaces');
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('POST /v1/offices and /v1/users answer 201 with a Location that GET answers (admin, auditor), audited', async () => {
    const as = (token: string) => ({ Authorization: `Bearer ${token}` });
    const office = await t
      .http()
      .post('/v1/offices')
      .set(as(admin))
      .send({ code: 'LOC-1', name: 'Located office', countryCode: 'PH' });
    expect(office.status).toBe(201);
    expect(office.headers.location).toBe(`/v1/offices/${office.body.id}`);
    const user = await t
      .http()
      .post('/v1/users')
      .set(as(admin))
      .send({ username: 'located.worker', password: PASSWORD, role: 'caseworker', officeId: office.body.id });
    expect(user.status).toBe(201);
    expect(user.headers.location).toBe(`/v1/users/${user.body.id}`);

    const auditor = (await createUser(t, admin, 'auditor')).token;
    for (const token of [admin, auditor]) {
      const gotOffice = await t.http().get(office.headers.location).set(as(token));
      expect(gotOffice.status).toBe(200);
      expect(gotOffice.body).toEqual(office.body);
      // As the list shows it to the same viewer (an auditor does not see researchBudget).
      const gotUser = await t.http().get(user.headers.location).set(as(token));
      expect(gotUser.status).toBe(200);
      const listed = await t.http().get('/v1/users').set(as(token));
      expect(gotUser.body).toEqual(listed.body.find((u: { id: string }) => u.id === user.body.id));
      expect(gotUser.body).toMatchObject({
        id: user.body.id,
        username: 'located.worker',
        role: 'caseworker',
      });
    }
    // Other roles may not; ids are read in any case (PostgreSQL's), and go on in lower case.
    const worker = await login(t, 'located.worker', PASSWORD);
    expect((await t.http().get(office.headers.location).set(as(worker))).status).toBe(403);
    expect(
      (
        await t
          .http()
          .get(`/v1/offices/${String(office.body.id).toUpperCase()}`)
          .set(as(admin))
      ).status,
    ).toBe(200);
    const { rows } = await t.db.query(
      `SELECT action, resource_id FROM audit_events WHERE action IN ('office.read', 'user.read') ORDER BY seq DESC LIMIT 1`,
    );
    expect(rows[0]).toEqual({ action: 'office.read', resource_id: office.body.id });
  });

  it('an id of any 8-4-4-4-12 hex form that names nothing is a 404, not a 400; another form is a 400', async () => {
    const as = { Authorization: `Bearer ${admin}` };
    // validator's isUUID (Nest's ParseUUIDPipe) refused these: version and variant digits outside RFC 9562.
    for (const id of ['11111111-1111-1111-1111-111111111111', '00000000-0000-0000-0000-000000000001']) {
      expect((await t.http().get(`/v1/offices/${id}`).set(as)).status).toBe(404);
      expect((await t.http().get(`/v1/users/${id}`).set(as)).status).toBe(404);
      expect((await t.http().patch(`/v1/users/${id}`).set(as).send({ disabled: true })).status).toBe(404);
    }
    for (const id of [
      'not-a-uuid',
      '11111111-1111-1111-1111-11111111111g',
      '111111111111-1111-1111-111111111111',
    ]) {
      const res = await t.http().get(`/v1/users/${id}`).set(as);
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('Validation failed: id must be a UUID');
    }
  });

  it('a NUL character in a body or query is a 400, never a 500', async () => {
    const login = await t
      .http()
      .post('/v1/auth/login')
      .send({ username: 'a\u0000b', password: 'whatever-it-is' });
    expect(login.status).toBe(400);
    expect(login.body.message).toContain('username');
    const office = await t
      .http()
      .post('/v1/offices')
      .set('Authorization', `Bearer ${admin}`)
      .send({ code: 'NUL-1', name: 'x\u0000y', countryCode: 'PH' });
    expect(office.status).toBe(400);
    expect(office.body.message).toContain('name');
  });

  describe('forged and stale tokens give 401', () => {
    let token: string;
    beforeAll(async () => {
      token = (await createUser(t, admin, 'auditor')).token;
    });
    const me = (value: string) => t.http().get('/v1/auth/me').set('Authorization', `Bearer ${value}`);

    it('accepts the genuine token', async () => {
      expect((await me(token)).status).toBe(200);
    });
    it('signed with another key', async () => {
      const forged = signHs256(decodePayload(token), Buffer.alloc(32, 7));
      expect((await me(forged)).status).toBe(401);
    });
    it('alg: none', async () => {
      const payload = decodePayload(token);
      const none = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`;
      expect((await me(none)).status).toBe(401);
    });
    it('expired', async () => {
      const payload = { ...decodePayload(token), iat: 1_600_000_000, exp: 1_600_000_900 };
      expect((await me(signHs256(payload, t.config.keys.jwtSecret))).status).toBe(401);
    });
    it('expired while in use: accepted (and its verification remembered), then refused once exp passes', async () => {
      const exp = Math.floor(Date.now() / 1000) + 2;
      const shortLived = signHs256({ ...decodePayload(token), exp }, t.config.keys.jwtSecret);
      expect((await me(shortLived)).status).toBe(200);
      expect((await me(shortLived)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 50));
      expect((await me(shortLived)).status).toBe(401);
    });
    it('tampered payload', async () => {
      const [head, , sig] = token.split('.');
      const payload = { ...decodePayload(token), sub: '00000000-0000-4000-8000-000000000000' };
      expect((await me(`${head}.${b64url(payload)}.${sig}`)).status).toBe(401);
    });
    it('wrong audience or issuer, even when correctly signed', async () => {
      const payload = decodePayload(token);
      expect((await me(signHs256({ ...payload, aud: 'other' }, t.config.keys.jwtSecret))).status).toBe(401);
      expect((await me(signHs256({ ...payload, iss: 'other' }, t.config.keys.jwtSecret))).status).toBe(401);
    });
    it('missing or malformed header', async () => {
      expect((await t.http().get('/v1/auth/me')).status).toBe(401);
      expect((await t.http().get('/v1/auth/me').set('Authorization', 'Basic abc')).status).toBe(401);
      expect((await me('not.a.jwt')).status).toBe(401);
    });
  });

  it('logout revokes the token at once', async () => {
    const user = await createUser(t, admin, 'auditor');
    const out = await t.http().post('/v1/auth/logout').set('Authorization', `Bearer ${user.token}`);
    expect(out.status).toBe(204);
    expect((await t.http().get('/v1/auth/me').set('Authorization', `Bearer ${user.token}`)).status).toBe(401);
  });

  it('disabling a user, or changing their role, revokes their tokens at once', async () => {
    const user = await createUser(t, admin, 'caseworker', officeId);
    const other = await createUser(t, admin, 'caseworker', officeId);
    const patch = (id: string, body: object) =>
      t.http().patch(`/v1/users/${id}`).set('Authorization', `Bearer ${admin}`).send(body);
    expect((await patch(user.id, { disabled: true })).status).toBe(200);
    expect((await t.http().get('/v1/auth/me').set('Authorization', `Bearer ${user.token}`)).status).toBe(401);
    expect(
      (await t.http().post('/v1/auth/login').send({ username: user.username, password: PASSWORD })).status,
    ).toBe(401);

    expect((await patch(other.id, { role: 'supervisor' })).status).toBe(200);
    expect((await t.http().get('/v1/auth/me').set('Authorization', `Bearer ${other.token}`)).status).toBe(
      401,
    );
    const fresh = await login(t, other.username, PASSWORD);
    const me = await t.http().get('/v1/auth/me').set('Authorization', `Bearer ${fresh}`);
    expect(me.body.role).toBe('supervisor');
  });

  it('a user.update event counts exactly the sessions it revoked', async () => {
    const user = await createUser(t, admin, 'auditor'); // one session
    await login(t, user.username, PASSWORD);
    const third = await login(t, user.username, PASSWORD);
    expect((await t.http().post('/v1/auth/logout').set('Authorization', `Bearer ${third}`)).status).toBe(204);
    const patch = (body: object) =>
      t.http().patch(`/v1/users/${user.id}`).set('Authorization', `Bearer ${admin}`).send(body);
    expect((await patch({ disabled: true })).status).toBe(200);
    expect((await patch({ disabled: false })).status).toBe(200);
    const { rows } = await t.db.query<{ details: { sessionsRevoked: number } }>(
      `SELECT details FROM audit_events WHERE resource_id = $1 AND action = 'user.update' ORDER BY seq`,
      [user.id],
    );
    // Two open sessions when disabled (the third was logged out), none left when enabled again.
    expect(rows.map((r) => r.details.sessionsRevoked)).toEqual([2, 0]);
  });

  it('an account pending enrollment refuses its placeholder and the dummy password like any wrong one', async () => {
    const user = await createUser(t, admin, 'auditor');
    await t.db.query(`UPDATE users SET password_hash = '!enrollment-pending' WHERE id = $1`, [user.id]);
    for (const password of ['!enrollment-pending', 'not-a-real-password-0000', PASSWORD]) {
      const res = await t.http().post('/v1/auth/login').send({ username: user.username, password });
      expect(res.status).toBe(401);
      expect(res.body.message).toBe('Invalid username or password');
    }
  });

  it('25 failed logins for one account lead to 429 with Retry-After, and the right password is refused meanwhile', async () => {
    const user = await createUser(t, admin, 'auditor');
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 25; i++) {
      const res = await t
        .http()
        .post('/v1/auth/login')
        .send({ username: user.username, password: `wrong-password-${i}` });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers['retry-after'];
    }
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    const right = await t.http().post('/v1/auth/login').send({ username: user.username, password: PASSWORD });
    expect(right.status).toBe(429);
  });

  it("a researcher's own budget is shown to admins (list and PATCH answer), never to auditors", async () => {
    const researcher = await createUser(t, admin, 'researcher');
    const auditor = await createUser(t, admin, 'auditor');
    const patch = (body: object) =>
      t.http().patch(`/v1/users/${researcher.id}`).set('Authorization', `Bearer ${admin}`).send(body);
    const set = await patch({ researchBudget: 0.5 });
    expect(set.status).toBe(200);
    expect(set.body.researchBudget).toBe(0.5);
    const listed = async (token: string) => {
      const res = await t.http().get('/v1/users').set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(200);
      return (res.body as { id: string }[]).find((u) => u.id === researcher.id) as Record<string, unknown>;
    };
    expect((await listed(admin)).researchBudget).toBe(0.5);
    const seenByAuditor = await listed(auditor.token);
    expect(Object.keys(seenByAuditor).sort()).toEqual([
      'approvedUntil',
      'disabled',
      'id',
      'officeId',
      'role',
      'username',
    ]);
    expect((await patch({ researchBudget: null })).body.researchBudget).toBeNull();
    expect((await listed(admin)).researchBudget).toBeNull();
    // A budget is no access: changing it leaves the researcher's sessions open (a role change would not).
    const me = await t.http().get('/v1/auth/me').set('Authorization', `Bearer ${researcher.token}`);
    expect(me.status).toBe(200);
  });

  it('never writes a password to a response or a log line', async () => {
    const secret = 'canary-password-Zx81qv';
    const res = await t
      .http()
      .post('/v1/users')
      .set('Authorization', `Bearer ${admin}`)
      .send({ username: 'canaryuser', password: secret, role: 'auditor' });
    expect(res.status).toBe(201);
    expect(JSON.stringify(res.body)).not.toContain(secret);
    await t.http().post('/v1/auth/login').send({ username: 'canaryuser', password: secret });
    await t
      .http()
      .post('/v1/auth/login')
      .send({ username: 'canaryuser', password: `${secret}-wrong` });
    const list = await t.http().get('/v1/users').set('Authorization', `Bearer ${admin}`);
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect(JSON.stringify(list.body)).not.toContain('argon2');
    expect(t.logs.length).toBeGreaterThan(0);
    expect(t.logs.join('\n')).not.toContain(secret);
    const events = await t.db.query(`SELECT details::text AS d FROM audit_events`);
    expect(events.rows.map((r: { d: string }) => r.d).join('\n')).not.toContain(secret);
  });

  it('boots without a deprecation warning from Fastify (request logging is off through its LogController)', async () => {
    const warn = jest.spyOn(process, 'emitWarning');
    try {
      const replica = await startTestApp({}, { replicaOf: t });
      await replica.close();
      const fastifyWarnings = warn.mock.calls.filter((args) => JSON.stringify(args).includes('FSTDEP'));
      expect(fastifyWarnings).toEqual([]);
    } finally {
      warn.mockRestore();
    }
  });

  it('logs one line per request, when answered: its id, method, path without the query, status and time', async () => {
    const before = t.logs.length;
    const res = await t.http().get('/v1/auth/me?givenName=Amina').set('Authorization', `Bearer ${admin}`);
    expect(res.status).toBe(200);
    const lines = t.logs
      .slice(before)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => (line.req as { id?: unknown } | undefined)?.id === res.headers['x-request-id']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: 'request completed',
      req: { method: 'GET', path: '/v1/auth/me' },
      res: { statusCode: 200 },
    });
    expect(typeof lines[0].responseTime).toBe('number');
    expect(JSON.stringify(lines[0])).not.toContain('Amina');
    expect(t.logs.some((line) => line.includes('incoming request'))).toBe(false);
  });
});
