import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../test-app.js';
import { createCase, createOffice, login, PASSWORD } from '../factories.js';

const STRONG = 'violet-quarry-lamp-93';

interface Result {
  approval: { id: string; userId: string; status: string; kind: string };
  user: { id: string; disabled: boolean; role: string; officeId: string | null } | null;
  enrollmentCode: string | null;
}

describe('two-person rule for accounts with access to identity (e2e, TWO_PERSON_RULE=true)', () => {
  let t: TestApp;
  let admin1: string;
  let admin2: string;
  let officeId: string;
  let otherOfficeId: string;
  let requesterHalf: string;
  let approverHalf: string;
  let workerId: string;
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const enroll = (username: string, requesterCode: string, approverCode: string, password = STRONG) =>
    t.http().post('/v1/auth/enroll').send({ username, requesterCode, approverCode, password });
  const canLogin = async (username: string, password: string) =>
    (await t.http().post('/v1/auth/login').send({ username, password })).status === 200;

  beforeAll(async () => {
    t = await startTestApp({ TWO_PERSON_RULE: 'true' });
    admin1 = await login(t, 'admin', ADMIN_PASSWORD);
    officeId = (await createOffice(t, admin1)).id;
    otherOfficeId = (await createOffice(t, admin1)).id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('an admin alone cannot give any account read access to identity', async () => {
    // A new caseworker: pending, disabled, no password; the admin cannot set one.
    const withPassword = await t
      .http()
      .post('/v1/users')
      .set(bearer(admin1))
      .send({ username: 'solo.worker', password: PASSWORD, role: 'caseworker', officeId });
    expect(withPassword.status).toBe(400);
    expect(withPassword.body.message).toContain('enrollment');

    const res = await t
      .http()
      .post('/v1/users')
      .set(bearer(admin1))
      .send({ username: 'solo.worker', role: 'caseworker', officeId });
    expect(res.status).toBe(202);
    const body = res.body as Result;
    expect(body.approval).toMatchObject({ status: 'pending', kind: 'create' });
    expect(body.enrollmentCode).toEqual(expect.any(String));

    // Approving one's own request is refused (and audited).
    const own = await t.http().post(`/v1/users/approvals/${body.approval.id}/approve`).set(bearer(admin1));
    expect(own.status).toBe(403);
    // Half a code does not enroll.
    expect((await enroll('solo.worker', body.enrollmentCode!, body.enrollmentCode!)).status).toBe(401);

    // An existing auditor cannot be turned into a caseworker, nor get a password set, by one admin.
    const aud = await t
      .http()
      .post('/v1/users')
      .set(bearer(admin1))
      .send({ username: 'solo.auditor', password: PASSWORD, role: 'auditor' });
    expect(aud.status).toBe(201);
    const promote = await t
      .http()
      .patch(`/v1/users/${aud.body.id}`)
      .set(bearer(admin1))
      .send({ role: 'caseworker', officeId });
    expect(promote.status).toBe(202);
    const promoteWithPassword = await t
      .http()
      .patch(`/v1/users/${aud.body.id}`)
      .set(bearer(admin1))
      .send({ role: 'caseworker', officeId, password: STRONG });
    expect(promoteWithPassword.status).toBe(400);
    const auditor = await login(t, 'solo.auditor', PASSWORD);
    const me = await t.http().get('/v1/auth/me').set(bearer(auditor));
    expect(me.body.role).toBe('auditor');
    expect((await t.http().get('/v1/cases').set(bearer(auditor))).status).toBe(403);

    // Its own password reset does not help either.
    const reset = await t.http().post(`/v1/users/${aud.body.id}/password-reset`).set(bearer(admin1));
    expect(reset.status).toBe(202);
    expect(await canLogin('solo.auditor', PASSWORD)).toBe(true);

    const { rows } = await t.db.query(
      `SELECT disabled, password_hash FROM users WHERE username = 'solo.worker'`,
    );
    expect(rows[0].disabled).toBe(true);
    expect(rows[0].password_hash).not.toMatch(/^\$argon2/);
    const denied = await t.db.query(
      `SELECT outcome, details FROM audit_events WHERE action = 'user.approval.approve' AND outcome = 'denied'`,
    );
    expect(denied.rows[0].details).toMatchObject({ reason: 'own_request' });
  });

  it('while no other admin exists, the first admin creates the second at once; that admin enrolls themself', async () => {
    const res = await t
      .http()
      .post('/v1/users')
      .set(bearer(admin1))
      .send({ username: 'second.admin', role: 'admin' });
    expect(res.status).toBe(201);
    const body = res.body as Result;
    expect(body.approval.status).toBe('approved');
    expect(body.user).toMatchObject({ role: 'admin', disabled: false });
    expect(res.headers.location).toBe(`/v1/users/${body.user!.id}`);
    const [a, b] = body.enrollmentCode!.split('.');
    expect(await canLogin('second.admin', STRONG)).toBe(false);
    expect((await enroll('second.admin', a, b)).status).toBe(204);
    admin2 = await login(t, 'second.admin', STRONG);
  });

  it('with a second admin’s approval a caseworker gets access; neither admin can set the password, the holder does', async () => {
    const res = await t
      .http()
      .post('/v1/users')
      .set(bearer(admin1))
      .send({ username: 'amina.worker', role: 'caseworker', officeId });
    expect(res.status).toBe(202);
    const requested = res.body as Result;
    requesterHalf = requested.enrollmentCode!;
    workerId = requested.approval.userId;

    const list = await t.http().get('/v1/users/approvals?status=pending').set(bearer(admin2));
    expect(list.status).toBe(200);
    expect(list.body.map((a: { id: string }) => a.id)).toContain(requested.approval.id);

    const approved = await t
      .http()
      .post(`/v1/users/approvals/${requested.approval.id}/approve`)
      .set(bearer(admin2));
    expect(approved.status).toBe(200);
    const result = approved.body as Result;
    expect(result.approval).toMatchObject({ status: 'approved' });
    expect(result.user).toMatchObject({ disabled: false, role: 'caseworker', officeId });
    approverHalf = result.enrollmentCode!;
    expect(approverHalf).not.toBe(requesterHalf);
    const again = await t
      .http()
      .post(`/v1/users/approvals/${requested.approval.id}/approve`)
      .set(bearer(admin2));
    expect(again.status).toBe(409);

    // Neither admin can set the password: PATCH is refused, and one half is useless.
    const patch = await t
      .http()
      .patch(`/v1/users/${workerId}`)
      .set(bearer(admin2))
      .send({ password: STRONG });
    expect(patch.status).toBe(400);
    expect((await enroll('amina.worker', requesterHalf, 'guess-the-other-half')).status).toBe(401);
    expect((await enroll('amina.worker', 'guess-the-other-half', approverHalf)).status).toBe(401);
    expect(await canLogin('amina.worker', STRONG)).toBe(false);

    // The holder, with both halves, sets their own password (the policy applies).
    expect((await enroll('amina.worker', requesterHalf, approverHalf, 'password1234')).status).toBe(400);
    expect((await enroll('amina.worker', requesterHalf, approverHalf)).status).toBe(204);
    expect((await enroll('amina.worker', requesterHalf, approverHalf)).status).toBe(401);
    const worker = await login(t, 'amina.worker', STRONG);
    const created = await createCase(t, worker);
    const read = await t.http().get(`/v1/cases/${created.id}`).set(bearer(worker));
    expect(read.status).toBe(200);
    expect(read.body.subject.givenName).toBe('Amina');
  });

  it('moving a caseworker to another office waits for approval; a rejected request changes nothing', async () => {
    const move = await t
      .http()
      .patch(`/v1/users/${workerId}`)
      .set(bearer(admin1))
      .send({ officeId: otherOfficeId });
    expect(move.status).toBe(202);
    const rejectOwn = await t
      .http()
      .post(`/v1/users/approvals/${move.body.approval.id}/reject`)
      .set(bearer(admin1));
    expect(rejectOwn.status).toBe(403);
    const rejected = await t
      .http()
      .post(`/v1/users/approvals/${move.body.approval.id}/reject`)
      .set(bearer(admin2));
    expect(rejected.status).toBe(200);
    expect(rejected.body.status).toBe('rejected');
    const { rows } = await t.db.query(`SELECT office_id FROM users WHERE id = $1`, [workerId]);
    expect(rows[0].office_id).toBe(officeId);

    const again = await t
      .http()
      .patch(`/v1/users/${workerId}`)
      .set(bearer(admin1))
      .send({ officeId: otherOfficeId });
    const approved = await t
      .http()
      .post(`/v1/users/approvals/${again.body.approval.id}/approve`)
      .set(bearer(admin2));
    expect(approved.status).toBe(200);
    expect(approved.body.user.officeId).toBe(otherOfficeId);
    // Disabling takes effect at once.
    const disable = await t
      .http()
      .patch(`/v1/users/${workerId}`)
      .set(bearer(admin1))
      .send({ disabled: true });
    expect(disable.status).toBe(200);
    expect(disable.body.disabled).toBe(true);
  });

  it('a sock-puppet admin is pending until another admin approves, so it approves nothing', async () => {
    const res = await t
      .http()
      .post('/v1/users')
      .set(bearer(admin1))
      .send({ username: 'puppet.admin', role: 'admin' });
    expect(res.status).toBe(202);
    const { rows } = await t.db.query(`SELECT disabled FROM users WHERE username = 'puppet.admin'`);
    expect(rows[0].disabled).toBe(true);
    expect((await enroll('puppet.admin', res.body.enrollmentCode, res.body.enrollmentCode)).status).toBe(401);
  });

  it('every step is audited, and no event holds a code or a password', async () => {
    const { rows } = await t.db.query(
      `SELECT action, outcome, details::text AS d FROM audit_events WHERE action LIKE 'user.%' ORDER BY seq`,
    );
    const actions = new Set(rows.map((r: { action: string }) => r.action));
    for (const action of [
      'user.approval.request',
      'user.approval.approve',
      'user.approval.reject',
      'user.enroll',
    ])
      expect(actions).toContain(action);
    const all = rows.map((r: { d: string }) => r.d).join('\n');
    for (const secret of [requesterHalf, approverHalf, STRONG]) expect(all).not.toContain(secret);
    expect(t.logs.join('\n')).not.toContain(approverHalf);
  });

  // Last: it leaves admin1 the only active admin.
  it('disabling the second admin does not reopen the bootstrap: a new admin then waits for an approval nobody else can give', async () => {
    const { rows } = await t.db.query(`SELECT id FROM users WHERE username = 'second.admin'`);
    const disable = await t
      .http()
      .patch(`/v1/users/${rows[0].id}`)
      .set(bearer(admin1))
      .send({ disabled: true });
    expect(disable.status).toBe(200);
    const res = await t
      .http()
      .post('/v1/users')
      .set(bearer(admin1))
      .send({ username: 'third.admin', role: 'admin' });
    expect(res.status).toBe(202);
    const body = res.body as Result;
    expect(body.user).toBeNull();
    expect(body.enrollmentCode).not.toContain('.');
    const approve = await t
      .http()
      .post(`/v1/users/approvals/${body.approval.id}/approve`)
      .set(bearer(admin1));
    expect(approve.status).toBe(403);
    const third = await t.db.query(`SELECT disabled FROM users WHERE username = 'third.admin'`);
    expect(third.rows[0].disabled).toBe(true);
  });
});
