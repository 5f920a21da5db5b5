import type { Response } from 'supertest';
import { adminToken, createOffice, createUser, exampleCase, type TestUser } from '../factories.js';
import { verifyAs } from '../audit-support.js';
import { startTestApp, type TestApp } from '../test-app.js';

/**
 * Creates and reads that arrive while the statements in flight are busy are served together, in one
 * statement (CaseCreateService with insertAuditedEach; CaseReader with findAuditedEach): each must still be
 * exactly the request it would have been alone (its actor's office scope, its own audit event with its own
 * request id and details, its duplicate hints) and fail only for its own fault. One statement at a time
 * here, so that concurrent requests coalesce.
 */
describe('coalesced creates and reads (e2e, real PostgreSQL)', () => {
  let t: TestApp;
  let admin: string;
  let officeA: string;
  let officeB: string;
  let cwA: TestUser;
  let cwA2: TestUser;
  let cwB: TestUser;
  let auditor: TestUser;
  let supA: TestUser;

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
    t = await startTestApp({ COALESCE_IN_FLIGHT: '1', COALESCE_MAX: '8' });
    admin = await adminToken(t);
    officeA = (await createOffice(t, admin)).id;
    officeB = (await createOffice(t, admin)).id;
    cwA = await createUser(t, admin, 'caseworker', officeA);
    cwA2 = await createUser(t, admin, 'caseworker', officeA);
    cwB = await createUser(t, admin, 'caseworker', officeB);
    auditor = await createUser(t, admin, 'auditor');
    supA = await createUser(t, admin, 'supervisor', officeA);
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

  describe('reads of one case', () => {
    const read = (user: TestUser, id: string) => t.http().get(`/v1/cases/${id}`).set(bearer(user));
    const readEvents = async (since: number) =>
      (
        await t.db.query<{
          resource_id: string;
          actor_id: string;
          request_id: string;
          outcome: string;
          details: { fields?: string[]; reason?: string };
          statement: string;
        }>(
          `SELECT resource_id, actor_id, request_id, outcome, details, xmin::text AS statement FROM audit_events
            WHERE action = 'case.read' AND seq > $1 ORDER BY seq`,
          [since],
        )
      ).rows;
    const lastSeq = async () =>
      Number((await t.db.query<{ s: string }>(`SELECT max(seq) AS s FROM audit_events`)).rows[0].s);

    it('answers concurrent reads of several users, offices and outcomes together, each as it would alone', async () => {
      const ofA: string[] = [];
      for (let i = 0; i < 4; i++) {
        ofA.push(((await create(cwA, person(`Read${i}`, `R${i}`))).body as { id: string }).id);
      }
      const ofB = ((await create(cwB, person('ReadB', 'RB'))).body as { id: string }).id;
      const erased = ((await create(cwA, person('Gone', 'G1'))).body as { id: string }).id;
      expect((await t.http().delete(`/v1/cases/${erased}`).set(bearer(supA))).status).toBe(204);
      const missing = '00000000-0000-4000-8000-000000000000';
      const asks: [TestUser, string][] = [
        ...ofA.map((id): [TestUser, string] => [cwA, id]),
        ...ofA.map((id): [TestUser, string] => [supA, id]),
        [cwB, ofB],
        [cwB, ofA[0]], // another office's case: 404
        [cwA, missing], // no such case: 404
        [cwA, erased], // erased: its metadata, and the erased view's fields in the event
        [cwA2, ofA[1]],
        [cwA, ofA[2]], // the same case twice in one statement
      ];
      // What each read answers, and records, alone, one after the other.
      const before = await lastSeq();
      const alone: Response[] = [];
      for (const [user, id] of asks) alone.push(await read(user, id));
      const since = await lastSeq();
      const together = await coalesced(
        asks.map(
          ([user, id]) =>
            () =>
              read(user, id),
        ),
      );
      const answer = (r: Response) => {
        const { requestId: _own, ...body } = r.body as Record<string, unknown>;
        return [r.status, body];
      };
      asks.forEach((_, i) => expect([i, ...answer(together[i])]).toEqual([i, ...answer(alone[i])]));
      expect(together.filter((r) => r.status === 404)).toHaveLength(2);

      const eventsAlone = new Map((await readEvents(before)).map((e) => [e.request_id, e]));
      const events = await readEvents(since);
      expect(events).toHaveLength(asks.length);
      const byRequest = new Map(events.map((e) => [e.request_id, e]));
      asks.forEach(([user, id], i) => {
        const event = byRequest.get(together[i].headers['x-request-id'] as string);
        const first = eventsAlone.get(alone[i].headers['x-request-id'] as string);
        expect(event).toMatchObject({ resource_id: id, actor_id: user.id });
        // The same outcome and details (fields read, or the denial's reason) as the read alone recorded.
        expect([i, event?.outcome, event?.details]).toEqual([i, first?.outcome, first?.details]);
      });
      const allowed = events.filter((e) => e.outcome === 'allowed');
      // Coalesced: 12 allowed reads' events from at most 5 statements. Reads coalesce by role (the columns
      // and details differ): the caseworkers' 10 as 1 alone, then 8 and 1; the supervisor's 4 as 1, then 3.
      expect(allowed).toHaveLength(12);
      expect(new Set(allowed.map((e) => e.statement)).size).toBeLessThanOrEqual(5);
      const erasedEvent = byRequest.get(together[asks.length - 3].headers['x-request-id'] as string);
      const liveEvent = byRequest.get(together[0].headers['x-request-id'] as string);
      expect(erasedEvent?.details.fields?.length).toBeLessThan(liveEvent?.details.fields?.length ?? 0);
      expect((await verifyAs(t, auditor)).ok).toBe(true);
    });

    it('answers 401 only to the reads of a session that is no longer valid, and records none of them', async () => {
      const gone = await createUser(t, admin, 'caseworker', officeA);
      const id = ((await create(cwA, person('Shared', 'S1'))).body as { id: string }).id;
      expect((await read(gone, id)).status).toBe(200); // caches the principal
      expect((await t.http().post('/v1/auth/logout').set(bearer(gone))).status).toBe(204);
      const since = await lastSeq();
      const readers = Array.from({ length: 12 }, (_, i) => (i % 3 === 1 ? gone : cwA));
      const answers = await coalesced(readers.map((user) => () => read(user, id)));
      readers.forEach((user, i) => expect([i, answers[i].status]).toEqual([i, user === gone ? 401 : 200]));
      const events = await readEvents(since);
      expect(events.filter((e) => e.outcome === 'allowed').map((e) => e.actor_id)).toEqual(
        readers.filter((u) => u !== gone).map(() => cwA.id),
      );
      expect(events.some((e) => e.actor_id === gone.id && e.outcome === 'allowed')).toBe(false);
    });
  });
});
