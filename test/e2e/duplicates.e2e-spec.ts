import { adminToken, createOffice, createUser, exampleCase, type TestUser } from '../factories.js';
import { startTestApp, type TestApp } from '../test-app.js';

const auth = (user: TestUser) => ({ Authorization: `Bearer ${user.token}` });

let counter = 0;
const letters = (n: number) =>
  n
    .toString(26)
    .split('')
    .map((d) => String.fromCharCode(97 + parseInt(d, 26)))
    .join('');
const family = () => `Dup${letters(Date.now() % 1e8)}${letters(counter++)}`;

describe('duplicate hints that cannot be used as a locator (e2e, real PostgreSQL)', () => {
  let t: TestApp;
  let admin: string;
  let officeA: { id: string; code: string };
  let officeB: { id: string; code: string };

  const person = (givenName: string, familyName: string, dateOfBirth = '1990-01-01') =>
    exampleCase({ subject: { givenName, familyName, dateOfBirth } });
  const post = (user: TestUser, body: Record<string, unknown>) =>
    t.http().post('/v1/cases').set(auth(user)).send(body);
  const lookup = (user: TestUser, id: string) => t.http().get(`/v1/cases/${id}/duplicates`).set(auth(user));

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminToken(t);
    officeA = await createOffice(t, admin);
    officeB = await createOffice(t, admin, 'TH');
  }, 120_000);
  afterAll(async () => {
    await t.close();
  });

  it('POST answers the possible duplicates of the own office (exact and phonetic), none of other offices yet', async () => {
    const cw = await createUser(t, admin, 'caseworker', officeA.id);
    const cwB = await createUser(t, admin, 'caseworker', officeB.id);
    const name = family();
    const first = await post(cw, person('Mohammed', name));
    expect(first.status).toBe(201);
    expect(first.headers.location).toBe(`/v1/cases/${first.body.id as string}`);
    expect(first.body.duplicates).toEqual({
      sameOffice: [],
      otherOffices: [],
      otherOfficesAvailableAt: expect.any(String),
    });
    await post(cwB, person('Mohammed', name));
    const second = await post(cw, person('Muhammad', name));
    expect(second.body.duplicates.sameOffice).toEqual([first.body.id]);
    expect(second.body.duplicates.otherOffices).toEqual([]);
    const availableAt = Date.parse(second.body.duplicates.otherOfficesAvailableAt as string);
    expect(availableAt - Date.parse(second.body.createdAt as string)).toBe(24 * 3600_000);
    const unrelated = await post(cw, person('Fatima', name));
    expect(unrelated.body.duplicates.sameOffice).toEqual([]);
    const otherBirthday = await post(cw, person('Mohamed', name, '1990-01-02'));
    expect(otherBirthday.body.duplicates.sameOffice).toEqual([]);
  });

  it('other offices appear only after a supervisor confirms the case or the embargo has passed', async () => {
    const cw = await createUser(t, admin, 'caseworker', officeA.id);
    const sup = await createUser(t, admin, 'supervisor', officeA.id);
    const cwB = await createUser(t, admin, 'caseworker', officeB.id);
    const supB = await createUser(t, admin, 'supervisor', officeB.id);
    const name = family();
    const inB = await post(cwB, person('Nguyễn Văn', name));
    const inA = await post(cw, person('Nguyen Van', name));
    const alsoA = await post(cw, person('NGUYEN van', name));

    const embargoed = await lookup(cw, inA.body.id as string);
    expect(embargoed.status).toBe(200);
    expect(embargoed.body).toEqual({
      items: [{ officeCode: officeA.code, count: 1 }],
      sameOffice: [alsoA.body.id],
      otherOfficesAvailableAt: expect.any(String),
    });

    expect(
      (
        await t
          .http()
          .post(`/v1/cases/${inA.body.id as string}/duplicates/confirm`)
          .set(auth(cw))
      ).status,
    ).toBe(403);
    expect(
      (
        await t
          .http()
          .post(`/v1/cases/${inA.body.id as string}/duplicates/confirm`)
          .set(auth(supB))
      ).status,
    ).toBe(404);
    const confirmed = await t
      .http()
      .post(`/v1/cases/${inA.body.id as string}/duplicates/confirm`)
      .set(auth(sup));
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ caseId: inA.body.id, confirmedBy: sup.id });

    const released = await lookup(cw, inA.body.id as string);
    expect(released.body).toEqual({
      items: [
        { officeCode: officeA.code, count: 1 },
        { officeCode: officeB.code, count: 1 },
      ].sort((x, y) => (x.officeCode === officeA.code ? -1 : y.officeCode === officeA.code ? 1 : 0)),
      sameOffice: [alsoA.body.id],
      otherOfficesAvailableAt: null,
    });

    // Office B's case is still under embargo; once older than 24 hours it shows office A (2 cases).
    expect((await lookup(cwB, inB.body.id as string)).body.items).toEqual([]);
    await t.db.query(`UPDATE cases SET created_at = now() - interval '25 hours' WHERE id = $1`, [
      inB.body.id,
    ]);
    const afterEmbargo = await lookup(cwB, inB.body.id as string);
    expect(afterEmbargo.body).toEqual({
      items: [{ officeCode: officeA.code, count: 2 }],
      sameOffice: [],
      otherOfficesAvailableAt: null,
    });

    const { rows } = await t.db.query(
      `SELECT outcome, details FROM audit_events WHERE action = 'case.duplicates' AND resource_id = $1 ORDER BY seq`,
      [inB.body.id],
    );
    expect(rows.map((r: { details: Record<string, unknown> }) => r.details)).toEqual([
      { officeId: officeB.id, offices: 0, matchedOfficeIds: [], sameOffice: 0, embargoed: true },
      { officeId: officeB.id, offices: 1, matchedOfficeIds: [officeA.id], sameOffice: 0, embargoed: false },
    ]);
  });

  it('20 lookups in a minute by one caseworker: 10 answered, 10 refused with 429 and Retry-After, all 20 audited', async () => {
    const cw = await createUser(t, admin, 'caseworker', officeA.id);
    const created = await post(cw, person('Amina', family()));
    const id = created.body.id as string;
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    let limitHeaders: Record<string, string> = {};
    for (let i = 0; i < 20; i++) {
      const res = await lookup(cw, id);
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers['retry-after'];
        const { 'ratelimit-limit': limit, 'ratelimit-remaining': remaining } = res.headers;
        limitHeaders = { limit, remaining };
      }
    }
    // The refusal's RateLimit headers are those of the limit that refused, not the general limiter's room left.
    expect(limitHeaders).toEqual({ limit: '10', remaining: '0' });
    expect(statuses).toEqual([...Array<number>(10).fill(200), ...Array<number>(10).fill(429)]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    const { rows } = await t.db.query(
      `SELECT outcome, details FROM audit_events WHERE action = 'case.duplicates' AND actor_id = $1 ORDER BY seq`,
      [cw.id],
    );
    expect(rows).toHaveLength(20);
    expect(rows.filter((r: { outcome: string }) => r.outcome === 'allowed')).toHaveLength(10);
    for (const row of rows.filter((r: { outcome: string }) => r.outcome === 'denied')) {
      expect(row.details).toEqual({ reason: 'throttled', officeId: officeA.id });
    }
    // Another user is not limited by this one's lookups.
    const other = await createUser(t, admin, 'caseworker', officeA.id);
    expect((await lookup(other, id)).status).toBe(200);
  });
});
