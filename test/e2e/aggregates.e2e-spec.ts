import { randomUUID } from 'node:crypto';
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

const K = 11;

interface Cell {
  count: number | null;
  suppressed: boolean;
  [dimension: string]: unknown;
}
interface Answer {
  k: number;
  cells: Cell[];
  margins?: Record<string, Cell[]>;
  total?: { count: number | null; suppressed: boolean };
  disclosureControl: Record<string, unknown>;
  budget: { charged: number; remaining: number; total: number; periodEnd: string };
  queryId: string;
}

describe('aggregates (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let users: Record<Role, TestUser>;
  /** Half-width within which a noisy count lies with overwhelming probability (σ = 10 default; 6σ). */
  const WIDE = 60;

  const query = (body: unknown, user: TestUser = users.researcher) =>
    t
      .http()
      .post('/v1/aggregates/query')
      .set('Authorization', `Bearer ${user.token}`)
      .send(body as object);

  /** A researcher's query with its own request id, to find its audit event. */
  async function tracedQuery(body: object) {
    const requestId = randomUUID();
    const res = await t
      .http()
      .post('/v1/aggregates/query')
      .set('Authorization', `Bearer ${users.researcher.token}`)
      .set('X-Request-Id', requestId)
      .send(body);
    const { rows } = await t.db.query(`SELECT * FROM audit_events WHERE client_request_id = $1`, [requestId]);
    return { res, events: rows as Record<string, unknown>[] };
  }

  async function seed(count: number, overrides: Record<string, unknown>): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await createCase(t, users.caseworker.token, overrides)).id);
    return ids;
  }

  /** The truth, computed independently of the service: counts of live consenting cases. */
  async function truth(groupBy: string, where = 'TRUE'): Promise<Map<string, number>> {
    const { rows } = await t.db.query(
      `SELECT ${groupBy}::text AS v, count(*)::int AS n FROM cases
        WHERE erased_at IS NULL AND consent_research AND ${where} GROUP BY 1`,
    );
    return new Map(rows.map((r: { v: string; n: number }) => [r.v, r.n]));
  }

  beforeAll(async () => {
    // A generous budget: this file tests the answers, aggregates-budget.e2e-spec.ts the budget.
    t = await startTestApp({
      K_ANONYMITY_THRESHOLD: String(K),
      AGGREGATE_RESEARCHER_BUDGET_RHO: '50',
      AGGREGATE_GLOBAL_BUDGET_RHO: '1000',
    });
    admin = await adminToken(t);
    const office = await createOffice(t, admin);
    users = await usersOfEveryRole(t, admin, office.id);
    await seed(30, { citizenship: 'PH', gender: 'female', exploitationTypes: ['forcedLabour'] });
    await seed(14, {
      citizenship: 'VN',
      gender: 'male',
      exploitationTypes: ['sexualExploitation', 'forcedLabour'],
    });
    await seed(2, { citizenship: 'TH', gender: 'transgender', exploitationTypes: [] });
    await seed(15, {
      citizenship: 'PH',
      gender: 'female',
      countryOfExploitation: 'NZ',
      consent: { research: false },
    });
  }, 120_000);
  afterAll(async () => {
    await t.close();
  });

  it.each([...ROLES, 'anonymous' as const])('only researchers may query (%s)', async (role) => {
    const req = t.http().post('/v1/aggregates/query');
    const res =
      role === 'anonymous'
        ? await req.send({ dimensions: [] })
        : await query({ dimensions: [] }, users[role]);
    expect(res.status).toBe(role === 'researcher' ? 200 : role === 'anonymous' ? 401 : 403);
  });

  it('answers with the contract shape: cells, margins per dimension, total, disclosureControl, budget, queryId', async () => {
    const res = await query({ dimensions: ['citizenship', 'gender'] });
    expect(res.status).toBe(200);
    const answer = res.body as Answer;
    expect(Object.keys(answer).sort()).toEqual([
      'budget',
      'cells',
      'disclosureControl',
      'k',
      'manifest',
      'margins',
      'queryId',
      'total',
    ]);
    expect(answer.k).toBe(K);
    expect(Object.keys(answer.margins ?? {}).sort()).toEqual(['citizenship', 'gender']);
    for (const cell of answer.cells)
      expect(Object.keys(cell).sort()).toEqual(['citizenship', 'count', 'gender', 'suppressed']);
    expect(answer.disclosureControl).toMatchObject({
      k: K,
      noise: { sigma: 10, halfWidth95: 20, rhoCharged: 0.02 },
      population: expect.stringContaining('consent'),
      dataVersion: expect.any(String),
      countedAt: expect.any(String),
    });
    expect(answer.disclosureControl.listing).toContain('possibly none');
    expect(answer.budget).toMatchObject({ charged: 0.02, total: 50, periodEnd: '2099-12-31' });
  });

  it('released counts are noisy true counts; small cells are not listed at all (no primary reason anywhere)', async () => {
    const answer = (await query({ dimensions: ['citizenship'], accuracy: { sigma: 1 } })).body as Answer;
    const expected = await truth('citizenship');
    // TH (2 cases) is below k: unlisted, exactly like a country with no case at all.
    expect(answer.cells.map((c) => c.citizenship).sort()).toEqual(['PH', 'VN']);
    for (const cell of answer.cells) {
      const count = expected.get(cell.citizenship as string)!;
      if (!cell.suppressed) expect(Math.abs((cell.count as number) - count)).toBeLessThanOrEqual(WIDE);
    }
    expect(JSON.stringify(answer)).not.toMatch(/"reason"|primarySuppressed|suppressedCounts|"primary"/);
    expect(JSON.stringify(answer)).not.toContain('"TH"');
  });

  it('no listed count is below k, and nothing below k is listed (released noisy or withheld)', async () => {
    for (const dimensions of [
      ['gender'],
      ['citizenship', 'gender'],
      ['citizenship', 'exploitationTypes'],
      ['gender', 'exploitationTypes', 'citizenship'],
    ]) {
      const answer = (await query({ dimensions })).body as Answer;
      const listed = [
        ...answer.cells,
        ...Object.values(answer.margins ?? {}).flat(),
        ...(answer.total ? [answer.total] : []),
      ];
      for (const c of listed) {
        if (!c.suppressed) expect(c.count as number).toBeGreaterThanOrEqual(K);
        else expect(c.count).toBeNull();
      }
    }
  });

  it('asking the identical question again returns the identical stored answer at no cost', async () => {
    const body = { dimensions: ['gender'], filters: { yearOfRegistration: [2021] } };
    const a = (await query(body)).body as Answer;
    const b = (
      await query({ dimensions: ['gender'], filters: { yearOfRegistration: { gte: 2021, lte: 2021 } } })
    ).body as Answer;
    expect(b.cells).toEqual(a.cells);
    expect(b.total).toEqual(a.total);
    expect(b.queryId).toBe(a.queryId);
    expect(b.budget.charged).toBe(0);
    expect(b.budget.remaining).toBe(a.budget.remaining);
    // A different question (here: another accuracy) is a new release with fresh noise, and is charged.
    const c = (await query({ ...body, accuracy: { sigma: 20 } })).body as Answer;
    expect(c.queryId).not.toBe(a.queryId);
    expect(a.budget.charged).toBe(0.01); // cells + total at σ = 10: 2 × 1/(2·10²)
    expect(c.budget.charged).toBe(0.0025);
  });

  it('counts only consenting, non-erased cases; erasure takes a case out of every aggregate', async () => {
    const nz = (await query({ dimensions: [], filters: { countryOfExploitation: ['NZ'] } })).body as Answer;
    expect(nz.total).toBeUndefined();
    const ids = await seed(25, { countryOfExploitation: 'FJ' });
    const before = (
      await query({ dimensions: [], filters: { countryOfExploitation: ['FJ'] }, accuracy: { sigma: 2 } })
    ).body as Answer;
    expect(before.total?.suppressed).toBe(false);
    expect(Math.abs((before.total?.count as number) - 25)).toBeLessThanOrEqual(WIDE);
    const erase = (id: string) =>
      t.http().delete(`/v1/cases/${id}`).set('Authorization', `Bearer ${users.supervisor.token}`).expect(204);
    for (const id of ids.slice(0, 15)) await erase(id);
    // The data changed: the same question is a new release (charged), counted on the new data.
    const after = (
      await query({ dimensions: [], filters: { countryOfExploitation: ['FJ'] }, accuracy: { sigma: 2 } })
    ).body as Answer;
    expect(after.queryId).not.toBe(before.queryId);
    expect(after.budget.charged).toBeGreaterThan(0);
    expect(after.total).toBeUndefined(); // 10 left: fewer than k, not listed
    for (const id of ids.slice(15)) await erase(id);
    const none = (
      await query({ dimensions: [], filters: { countryOfExploitation: ['FJ'] }, accuracy: { sigma: 2 } })
    ).body as Answer;
    expect(none.total).toBeUndefined(); // none left: the same absence
  }, 60_000);

  it('multi-valued attributes count a case once per value; an empty list counts as notSpecified', async () => {
    const answer = (
      await query({
        dimensions: ['exploitationTypes'],
        filters: { countryOfExploitation: ['MY'] },
        accuracy: { sigma: 1 },
      })
    ).body as Answer;
    const byValue = new Map(answer.cells.map((c) => [c.exploitationTypes, c]));
    expect([...byValue.keys()].sort()).toEqual(['forcedLabour', 'sexualExploitation']);
    const forcedLabour = byValue.get('forcedLabour')!;
    const truthOf = async (sql: string) => Number((await t.db.query(sql)).rows[0].n);
    const live = `erased_at IS NULL AND consent_research AND country_of_exploitation = 'MY'`;
    const fl = await truthOf(
      `SELECT count(*) AS n FROM cases WHERE ${live} AND 'forcedLabour' = ANY(exploitation_types)`,
    );
    expect(fl).toBe(44);
    if (!forcedLabour.suppressed)
      expect(Math.abs((forcedLabour.count as number) - fl)).toBeLessThanOrEqual(WIDE);
    // notSpecified (2 cases with an empty list) is below k: not listed.
    expect(byValue.has('notSpecified')).toBe(false);
  });

  it.each([
    [{ dimensions: ['name'] }, 'dimension'],
    [{ dimensions: ['gender', 'citizenship', 'ageBroad', 'isAbduction'] }, 'dimensions'],
    [{ dimensions: ['gender', 'gender'] }, 'dimensions'],
    [{ dimensions: ['gender'], filters: { citizenship: ['ph'] } }, 'citizenship'],
    [{ dimensions: ['gender'], filters: { givenName: ['Amina'] } }, 'givenName'],
    [
      { dimensions: ['gender'], filters: { yearOfRegistration: { gte: 2022, lte: 2018 } } },
      'yearOfRegistration',
    ],
    [{ dimensions: ['gender'], filters: { yearOfRegistration: { gte: '2018' } } }, 'yearOfRegistration'],
    [{ dimensions: ['gender'], filters: { gender: [] } }, 'gender'],
    [{ dimensions: 'gender' }, 'dimensions'],
    [{ dimensions: ['gender'], extra: 1 }, 'extra'],
  ])('refuses %j with a 400 naming %s, and audits the refusal', async (body, field) => {
    const res = await query(body);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain(field);
    const { rows } = await t.db.query(`SELECT outcome, details FROM audit_events WHERE request_id = $1`, [
      res.headers['x-request-id'],
    ]);
    expect(rows).toEqual([
      expect.objectContaining({
        outcome: 'failed',
        details: expect.objectContaining({ reason: 'invalid_query' }),
      }),
    ]);
  });

  it('audits every answered query with its parameters', async () => {
    const { res, events: rows } = await tracedQuery({
      dimensions: ['gender'],
      filters: { citizenship: ['PH', 'VN'], yearOfRegistration: { gte: 2018, lte: 2022 } },
    });
    expect(res.status).toBe(200);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: 'aggregate.query',
      outcome: 'allowed',
      actor_id: users.researcher.id,
      resource_id: res.body.queryId,
      details: expect.objectContaining({
        dimensions: ['gender'],
        filters: ['citizenship in [PH,VN]', 'yearOfRegistration gte 2018 and lte 2022'],
        sigma: 10,
        charged: 0.01,
        periodEnd: '2099-12-31',
        repeat: false,
      }),
    });
  });

  it('an answer the exact check cannot protect (two multi-valued dimensions) is 422, audited as a failure, charged nothing', async () => {
    const before = await t
      .http()
      .get('/v1/aggregates/budget')
      .set('Authorization', `Bearer ${users.researcher.token}`);
    const { res, events: rows } = await tracedQuery({ dimensions: ['exploitationTypes', 'meansOfControl'] });
    expect(res.status).toBe(422);
    expect(res.body.error).toBe('Unprocessable Entity');
    expect(res.body.message).toMatch(/multi-valued/);
    expect(JSON.stringify(res.body)).not.toMatch(/"count"/);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: 'aggregate.query',
      outcome: 'failed',
      actor_id: users.researcher.id,
      details: expect.objectContaining({
        reason: 'not_protectable',
        dimensions: ['exploitationTypes', 'meansOfControl'],
        charged: 0,
      }),
    });
    const after = await t
      .http()
      .get('/v1/aggregates/budget')
      .set('Authorization', `Bearer ${users.researcher.token}`);
    expect(after.body.spent).toBe(before.body.spent);
  });

  it('a researcher past approvedUntil can log in but gets 403 on queries, audited', async () => {
    const late = await createUser(t, admin, 'researcher');
    await t.db.query(`UPDATE users SET approved_until = current_date - 1 WHERE id = $1`, [late.id]);
    expect((await t.http().get('/v1/auth/me').set('Authorization', `Bearer ${late.token}`)).status).toBe(200);
    const res = await query({ dimensions: [] }, late);
    expect(res.status).toBe(403);
    const { rows } = await t.db.query(`SELECT outcome, details FROM audit_events WHERE request_id = $1`, [
      res.headers['x-request-id'],
    ]);
    expect(rows).toEqual([{ outcome: 'denied', details: { reason: 'approval_expired' } }]);
  });
});
