import type { Response } from 'supertest';
import { adminToken, createOffice, createUser, exampleCase, type TestUser } from '../factories.js';
import { verifyAs } from '../audit-support.js';
import { startTestApp, type TestApp } from '../test-app.js';

/**
 * Creates that arrive while the create statements in flight are busy are written together, in one
 * statement (CaseCreateService, insertAuditedEach): each must still be exactly the create it would have
 * been alone (its actor's office, its own audit event with its own request id, its duplicate hints) and
 * fail only for its own fault. One statement at a time here, so that concurrent creates coalesce.
 */
describe('coalesced creates (e2e, real PostgreSQL)', () => {
  let t: TestApp;
  let admin: string;
  let officeA: string;
  let officeB: string;
  let cwA: TestUser;
  let cwA2: TestUser;
  let cwB: TestUser;
  let auditor: TestUser;

  const bearer = (user: TestUser) => ({ Authorization: `Bearer ${user.token}` });
  const create = (user: TestUser, body: object) => t.http().post('/v1/cases').set(bearer(user)).send(body);
  const person = (familyName: string, documentNumber: string) =>
    exampleCase({
      subject: { givenName: 'Noor', familyName, dateOfBirth: '1999-01-02', documentNumber },
    });
  const statementsOf = async (ids: readonly string[]) =>
    (
      await t.db.query<{ n: number }>(
        `SELECT count(DISTINCT xmin::text)::int AS n FROM cases WHERE id = ANY($1)`,
        [ids],
      )
    ).rows[0].n;

  /**
   * Sends the creates while every audit stripe is locked, so that the first (alone) waits in PostgreSQL and
   * the rest wait in the service's queue; then frees the stripes: the rest go as batches of up to 8.
   */
  async function coalesced(sends: (() => Promise<Response>)[]) {
    await t.db.query('BEGIN');
    await t.db.query('SELECT stripe FROM audit_stripe_heads FOR UPDATE');
    const answers = Promise.all(sends.map((send) => send()));
    await new Promise((r) => setTimeout(r, 500));
    await t.db.query('COMMIT');
    return answers;
  }

  beforeAll(async () => {
    t = await startTestApp({ CREATE_BATCH_IN_FLIGHT: '1', CREATE_BATCH_MAX: '8' });
    admin = await adminToken(t);
    officeA = (await createOffice(t, admin)).id;
    officeB = (await createOffice(t, admin)).id;
    cwA = await createUser(t, admin, 'caseworker', officeA);
    cwA2 = await createUser(t, admin, 'caseworker', officeA);
    cwB = await createUser(t, admin, 'caseworker', officeB);
    auditor = await createUser(t, admin, 'auditor');
  });
  afterAll(async () => {
    await t.close();
  });

  it('writes concurrent creates of several people, users and offices together, each its own case and event', async () => {
    const authors = Array.from({ length: 30 }, (_, i) => [cwA, cwB, cwA2][i % 3]);
    const answers = await coalesced(
      authors.map((user, i) => () => create(user, person(`Family${i}`, `D${1000 + i}`))),
    );
    expect(answers.map((a) => a.status)).toEqual(authors.map(() => 201));
    const ids = answers.map((a) => (a.body as { id: string }).id);
    expect(new Set(ids).size).toBe(30);
    // Coalesced: fewer transactions than cases (rows of one statement share their inserting transaction).
    expect(await statementsOf(ids)).toBeLessThanOrEqual(1 + Math.ceil(29 / 8));

    const { rows } = await t.db.query<{ id: string; office_id: string; created_by: string }>(
      `SELECT id, office_id, created_by FROM cases WHERE id = ANY($1)`,
      [ids],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    authors.forEach((user, i) => {
      expect(byId.get(ids[i])).toEqual({ id: ids[i], office_id: user.officeId, created_by: user.id });
    });

    const events = await t.db.query<{
      resource_id: string;
      actor_id: string;
      actor_role: string;
      request_id: string;
      outcome: string;
      details: unknown;
    }>(
      `SELECT resource_id, actor_id, actor_role, request_id, outcome, details FROM audit_events
        WHERE action = 'case.create' AND resource_id = ANY($1)`,
      [ids],
    );
    expect(events.rows).toHaveLength(30);
    const eventOf = new Map(events.rows.map((e) => [e.resource_id, e]));
    authors.forEach((user, i) => {
      expect(eventOf.get(ids[i])).toEqual({
        resource_id: ids[i],
        actor_id: user.id,
        actor_role: user.role,
        request_id: answers[i].headers['x-request-id'],
        outcome: 'allowed',
        details: { idempotentReplay: false },
      });
    });

    // Each answer is the case as its author reads it (the answer's own view, not a neighbour's).
    for (const [i, user] of authors.entries()) {
      const read = await t.http().get(`/v1/cases/${ids[i]}`).set(bearer(user));
      expect(read.status).toBe(200);
      const { duplicates: _d, ...created } = answers[i].body as Record<string, unknown>;
      expect(read.body).toEqual(created);
      expect((read.body as { subject: { familyName: string } }).subject.familyName).toBe(`Family${i}`);
    }
    // And another office's caseworker cannot see it.
    expect((await t.http().get(`/v1/cases/${ids[0]}`).set(bearer(cwB))).status).toBe(404);
    expect((await verifyAs(t, auditor)).ok).toBe(true);
  });

  it('gives each coalesced create the duplicate hints of its own office', async () => {
    const first = await create(cwA, person('Karimi', 'X77'));
    expect(first.status).toBe(201);
    const firstId = (first.body as { id: string }).id;
    const authors = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? cwA : cwB));
    const answers = await coalesced(authors.map((user) => () => create(user, person('Karimi', 'X77'))));
    expect(answers.map((a) => a.status)).toEqual(authors.map(() => 201));
    expect(await statementsOf(answers.map((a) => (a.body as { id: string }).id))).toBeLessThanOrEqual(3);
    authors.forEach((user, i) => {
      const hints = (answers[i].body as { duplicates: { sameOffice: string[] } }).duplicates;
      if (user === cwA) expect(hints.sameOffice).toContain(firstId);
      else expect(hints.sameOffice).not.toContain(firstId);
    });
  });

  it('fails only the creates of a session that is no longer valid, and writes the rest', async () => {
    const gone = await createUser(t, admin, 'caseworker', officeA);
    // Cache the principal (a create that succeeded), then end the session: the cache does not know.
    expect((await create(gone, person('Warm', 'W1'))).status).toBe(201);
    expect((await t.http().post('/v1/auth/logout').set(bearer(gone))).status).toBe(204);
    const since = Number(
      (await t.db.query<{ s: string }>(`SELECT max(seq) AS s FROM audit_events`)).rows[0].s,
    );

    const authors = Array.from({ length: 16 }, (_, i) => (i % 4 === 2 ? gone : cwA));
    const answers = await coalesced(
      authors.map((user, i) => () => create(user, person(`Mixed${i}`, `M${i}`))),
    );
    authors.forEach((user, i) => expect([i, answers[i].status]).toEqual([i, user === gone ? 401 : 201]));

    const created = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM cases WHERE created_by = $1`,
      [gone.id],
    );
    expect(created.rows[0].n).toBe(1); // only the warm-up case
    const denials = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events
        WHERE seq > $1 AND action = 'case.create' AND outcome = 'denied' AND details->>'reason' = 'invalid_token'`,
      [since],
    );
    expect(denials.rows[0].n).toBe(4);
    const allowed = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events WHERE seq > $1 AND action = 'case.create' AND outcome = 'allowed'`,
      [since],
    );
    expect(allowed.rows[0].n).toBe(12);
    expect((await verifyAs(t, auditor)).ok).toBe(true);
  });
});
