import { ROLES, type Role } from '../../src/policy/index.js';
import {
  adminToken,
  createCase,
  createOffice,
  createUser,
  usersOfEveryRole,
  type TestUser,
} from '../factories.js';
import { startTestApp, type TestApp } from '../test-app.js';

const auth = (user: TestUser) => ({ Authorization: `Bearer ${user.token}` });
const TRANSFER_KEYS = [
  'caseId',
  'decidedAt',
  'decidedBy',
  'fromOfficeId',
  'id',
  'pseudonym',
  'reason',
  'requestedAt',
  'requestedBy',
  'status',
  'toOfficeId',
];

describe('transfers between offices (e2e, real PostgreSQL)', () => {
  let t: TestApp;
  let admin: string;
  let officeA: { id: string; code: string };
  let officeB: { id: string; code: string };
  let a: Record<Role, TestUser>;
  let supB: TestUser;
  let supB2: TestUser;
  let cwB: TestUser;

  const requestTransfer = (user: TestUser, caseId: string, body: Record<string, unknown>) =>
    t.http().post(`/v1/cases/${caseId}/transfers`).set(auth(user)).send(body);
  const decide = (user: TestUser, id: string, decision: 'accept' | 'reject') =>
    t.http().post(`/v1/transfers/${id}/${decision}`).set(auth(user)).send();

  async function events(caseId: string) {
    const { rows } = await t.db.query(
      `SELECT action, outcome, actor_id, details FROM audit_events
        WHERE resource_id = $1 AND action LIKE 'case.transfer.%' ORDER BY seq`,
      [caseId],
    );
    return rows as { action: string; outcome: string; actor_id: string; details: Record<string, unknown> }[];
  }

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminToken(t);
    officeA = await createOffice(t, admin);
    officeB = await createOffice(t, admin, 'TH');
    a = await usersOfEveryRole(t, admin, officeA.id);
    supB = await createUser(t, admin, 'supervisor', officeB.id);
    supB2 = await createUser(t, admin, 'supervisor', officeB.id);
    cwB = await createUser(t, admin, 'caseworker', officeB.id);
  }, 120_000);
  afterAll(async () => {
    await t.close();
  });

  it('request → incoming list → accept: the case moves in one step; the old office gets 404; both sides audited', async () => {
    const { id: caseId } = await createCase(t, a.caseworker.token);
    const res = await requestTransfer(a.supervisor, caseId, {
      toOfficeId: officeB.id,
      reason: 'Survivor moved to Bangkok; continuing support there',
    });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(TRANSFER_KEYS);
    expect(res.body).toMatchObject({
      caseId,
      fromOfficeId: officeA.id,
      toOfficeId: officeB.id,
      status: 'pending',
      decidedAt: null,
    });
    expect(res.headers.location).toBe(`/v1/transfers/${res.body.id}`);
    const transferId = res.body.id as string;

    const incoming = await t.http().get('/v1/transfers?direction=incoming').set(auth(supB));
    expect(incoming.status).toBe(200);
    expect(incoming.body.items.map((x: { id: string }) => x.id)).toEqual([transferId]);
    expect(incoming.body.items[0].reason).toBe('Survivor moved to Bangkok; continuing support there');
    expect(incoming.body.items[0].pseudonym).toMatch(/^[0-9a-f]{64}$/);
    const outgoingA = await t.http().get('/v1/transfers?direction=outgoing').set(auth(a.supervisor));
    expect(outgoingA.body.items.map((x: { id: string }) => x.id)).toEqual([transferId]);
    expect(
      (await t.http().get('/v1/transfers?direction=incoming').set(auth(a.supervisor))).body.items,
    ).toEqual([]);

    // Before acceptance, office B cannot read the case.
    expect((await t.http().get(`/v1/cases/${caseId}`).set(auth(cwB))).status).toBe(404);
    // The sending office cannot accept its own request.
    expect((await decide(a.supervisor, transferId, 'accept')).status).toBe(404);

    const accepted = await decide(supB, transferId, 'accept');
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ status: 'accepted', decidedBy: supB.id });

    expect((await t.http().get(`/v1/cases/${caseId}`).set(auth(a.caseworker))).status).toBe(404);
    expect((await t.http().get(`/v1/cases/${caseId}`).set(auth(a.supervisor))).status).toBe(404);
    const read = await t.http().get(`/v1/cases/${caseId}`).set(auth(cwB));
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ officeId: officeB.id, subject: { givenName: 'Amina' }, version: 2 });
    const patched = await t
      .http()
      .patch(`/v1/cases/${caseId}`)
      .set(auth(cwB))
      .set('If-Match', '"2"')
      .send({ narrative: 'Continued in office B.' });
    expect(patched.status).toBe(200);

    const audit = await events(caseId);
    expect(audit.map((e) => [e.action, e.outcome])).toEqual([
      ['case.transfer.request', 'allowed'],
      ['case.transfer.accept', 'denied'],
      ['case.transfer.accept', 'allowed'],
    ]);
    expect(audit[1].details).toEqual({ reason: 'office_scope' });
    for (const e of [audit[0], audit[2]]) {
      expect(e.details).toMatchObject({ transferId, fromOfficeId: officeA.id, toOfficeId: officeB.id });
      expect(JSON.stringify(e.details)).not.toMatch(/Bangkok/);
    }
    expect(audit[0].actor_id).toBe(a.supervisor.id);
    expect(audit[2].actor_id).toBe(supB.id);

    // The reason is stored sealed, not in clear.
    const { rows } = await t.db.query(`SELECT reason_ct::text AS ct FROM case_transfers WHERE id = $1`, [
      transferId,
    ]);
    expect(rows[0].ct).not.toMatch(/Bangkok/);
  });

  it('reject leaves the case where it is; a decided transfer cannot be decided again (409)', async () => {
    const { id: caseId } = await createCase(t, a.caseworker.token);
    const res = await requestTransfer(a.supervisor, caseId, { toOfficeId: officeB.id, reason: 'Referral' });
    const transferId = res.body.id as string;
    const rejected = await decide(supB, transferId, 'reject');
    expect(rejected.status).toBe(200);
    expect(rejected.body.status).toBe('rejected');
    expect((await t.http().get(`/v1/cases/${caseId}`).set(auth(a.caseworker))).status).toBe(200);
    expect((await t.http().get(`/v1/cases/${caseId}`).set(auth(cwB))).status).toBe(404);
    expect((await decide(supB, transferId, 'accept')).status).toBe(409);
    const audit = await events(caseId);
    expect(audit.map((e) => [e.action, e.outcome])).toEqual([
      ['case.transfer.request', 'allowed'],
      ['case.transfer.reject', 'allowed'],
      ['case.transfer.accept', 'failed'],
    ]);
    // After a rejection a new request may be made.
    expect(
      (await requestTransfer(a.supervisor, caseId, { toOfficeId: officeB.id, reason: 'Again' })).status,
    ).toBe(201);
  });

  it('at most one pending transfer per case: a second request is 409 (the database constraint holds it)', async () => {
    const { id: caseId } = await createCase(t, a.caseworker.token);
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        requestTransfer(a.supervisor, caseId, { toOfficeId: officeB.id, reason: 'Referral' }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    await expect(
      t.db.query(
        `INSERT INTO case_transfers (id, case_id, from_office_id, to_office_id, requested_by)
         VALUES (gen_random_uuid(), $1, $2, $3, $4)`,
        [caseId, officeA.id, officeB.id, a.supervisor.id],
      ),
    ).rejects.toThrow(/case_transfers_one_pending/);
  });

  it('two concurrent accepts: exactly one 200, the other 409; the case moved once', async () => {
    const { id: caseId } = await createCase(t, a.caseworker.token);
    const res = await requestTransfer(a.supervisor, caseId, { toOfficeId: officeB.id, reason: 'Referral' });
    const transferId = res.body.id as string;
    const [x, y] = await Promise.all([
      decide(supB, transferId, 'accept'),
      decide(supB2, transferId, 'accept'),
    ]);
    expect([x.status, y.status].sort()).toEqual([200, 409]);
    const { rows } = await t.db.query(`SELECT office_id, version FROM cases WHERE id = $1`, [caseId]);
    expect(rows[0]).toEqual({ office_id: officeB.id, version: 2 });
    const audit = await events(caseId);
    expect(
      audit
        .filter((e) => e.action === 'case.transfer.accept')
        .map((e) => e.outcome)
        .sort(),
    ).toEqual(['allowed', 'failed']);
  });

  it('validation and scope: own office, erased case, unknown office, bad bodies', async () => {
    const { id: caseId } = await createCase(t, a.caseworker.token);
    expect(
      (await requestTransfer(a.supervisor, caseId, { toOfficeId: officeA.id, reason: 'x' })).status,
    ).toBe(400);
    const unknown = await requestTransfer(a.supervisor, caseId, {
      toOfficeId: '00000000-0000-4000-8000-000000000000',
      reason: 'x',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/toOfficeId/);
    const noReason = await requestTransfer(a.supervisor, caseId, { toOfficeId: officeB.id });
    expect(noReason.status).toBe(400);
    expect(noReason.body.message).toMatch(/reason/);
    const long = await requestTransfer(a.supervisor, caseId, {
      toOfficeId: officeB.id,
      reason: 'x'.repeat(1001),
    });
    expect(long.status).toBe(400);
    // Another office's case does not exist for the caller.
    expect((await requestTransfer(supB, caseId, { toOfficeId: officeA.id, reason: 'x' })).status).toBe(404);
    // An erased case cannot be transferred; a pending transfer of a case erased meanwhile cannot be accepted.
    const pending = await requestTransfer(a.supervisor, caseId, { toOfficeId: officeB.id, reason: 'x' });
    expect(pending.status).toBe(201);
    expect((await t.http().delete(`/v1/cases/${caseId}`).set(auth(a.supervisor))).status).toBe(204);
    expect((await decide(supB, pending.body.id as string, 'accept')).status).toBe(409);
    const listed = await t
      .http()
      .get(`/v1/transfers/${pending.body.id as string}`)
      .set(auth(supB));
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ status: 'pending', reason: null, pseudonym: null });
    expect(
      (await requestTransfer(a.supervisor, caseId, { toOfficeId: officeB.id, reason: 'x' })).status,
    ).toBe(409);
    expect((await t.http().get('/v1/transfers?direction=sideways').set(auth(supB))).status).toBe(400);
    expect((await decide(supB, 'not-a-uuid', 'accept')).status).toBe(400);
    // A forged cursor is a 400 naming it, never a 500 (its id reached a uuid comparison until 2026-12-02).
    const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const forged of [
      ['2026-01-01T00:00:00Z', 'not-a-uuid'],
      ['+275760-09-13T00:00:00Z', '11111111-1111-1111-1111-111111111111'],
      ['2026', '11111111-1111-1111-1111-111111111111'],
    ]) {
      const res = await t
        .http()
        .get('/v1/transfers')
        .query({ cursor: cursorOf(forged) })
        .set(auth(supB));
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('Validation failed: cursor is not a valid cursor');
    }
  });

  it('role matrix: only supervisors request, list, accept and reject', async () => {
    const { id: caseId } = await createCase(t, a.caseworker.token);
    for (const role of ROLES.filter((r) => r !== 'supervisor')) {
      expect((await requestTransfer(a[role], caseId, { toOfficeId: officeB.id, reason: 'x' })).status).toBe(
        403,
      );
      expect((await t.http().get('/v1/transfers').set(auth(a[role]))).status).toBe(403);
      expect((await decide(a[role], '00000000-0000-4000-8000-000000000000', 'accept')).status).toBe(403);
      expect((await decide(a[role], '00000000-0000-4000-8000-000000000000', 'reject')).status).toBe(403);
    }
    expect((await t.http().get('/v1/transfers').set(auth(a.supervisor))).status).toBe(200);
    expect((await t.http().post('/v1/transfers/00000000-0000-4000-8000-000000000000/accept')).status).toBe(
      401,
    );
  });
});
