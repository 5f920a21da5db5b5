import { randomUUID } from 'node:crypto';
import { buildPerturbationTable, perturb } from '../../src/disclosure/index.js';
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
  total: { count: number | null; suppressed: boolean };
  disclosureControl: Record<string, unknown>;
  queryId: string;
}

describe('aggregates (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let users: Record<Role, TestUser>;
  const ptable = buildPerturbationTable({ k: K });

  const query = (body: unknown, user: TestUser = users.researcher) =>
    t
      .http()
      .post('/v1/aggregates/query')
      .set('Authorization', `Bearer ${user.token}`)
      .send(body as object);

  async function seed(count: number, overrides: Record<string, unknown>): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await createCase(t, users.caseworker.token, overrides)).id);
    return ids;
  }

  /** The truth, computed independently of the service: counts and record-key sums of live consenting cases. */
  async function truth(
    groupBy: string,
    where = 'TRUE',
  ): Promise<Map<string, { count: number; keySum: number }>> {
    const { rows } = await t.db.query(
      `SELECT ${groupBy}::text AS v, count(*)::int AS n, sum(record_key)::text AS ks FROM cases
        WHERE erased_at IS NULL AND consent_research AND ${where} GROUP BY 1`,
    );
    return new Map(
      rows.map((r: { v: string; n: number; ks: string }) => [
        r.v,
        { count: r.n, keySum: Number(BigInt(r.ks) % 4294967296n) },
      ]),
    );
  }

  beforeAll(async () => {
    t = await startTestApp({ K_ANONYMITY_THRESHOLD: String(K) });
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
    // Deterministic record keys, so that the expected perturbation can be computed exactly.
    await t.db.query(
      `UPDATE cases SET record_key = (x.rn * 2654435761) % 4294967296
         FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS rn FROM cases) x WHERE x.id = cases.id`,
    );
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

  it('answers with the contract shape: cells, margins per dimension, total, disclosureControl, queryId', async () => {
    const res = await query({ dimensions: ['citizenship', 'gender'] });
    expect(res.status).toBe(200);
    const answer = res.body as Answer;
    expect(Object.keys(answer).sort()).toEqual([
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
    expect(answer.disclosureControl).toMatchObject({ k: K });
    expect(JSON.stringify(answer.disclosureControl)).toContain(ptable.id);
  });

  it('released counts are exactly the cell-key perturbation of the true counts; small cells are suppressed', async () => {
    const answer = (await query({ dimensions: ['citizenship'] })).body as Answer;
    const expected = await truth('citizenship');
    expect(answer.cells.map((c) => c.citizenship).sort()).toEqual([...expected.keys()].sort());
    for (const cell of answer.cells) {
      const raw = expected.get(cell.citizenship as string)!;
      if (raw.count < K) {
        expect(cell).toMatchObject({ count: null, suppressed: true });
      } else if (!cell.suppressed) {
        expect(cell.count).toBe(perturb(ptable, raw));
      }
    }
    // TH (2 cases) is withheld. total - PH - VN = 2 does not give it away: every other country of the code list is
    // an unlisted count as far as a reader knows, so the 2 cases could be anywhere among them.
    const reasons = answer.disclosureControl.suppressedCounts as Record<string, unknown>[];
    expect(reasons).toContainEqual({ in: 'cells', citizenship: 'TH', reason: 'primary' });
  });

  it('no released count reveals a group smaller than k: every released count is 0 or at least k', async () => {
    for (const dimensions of [
      ['gender'],
      ['citizenship', 'gender'],
      ['citizenship', 'exploitationTypes'],
      ['gender', 'exploitationTypes', 'citizenship'],
    ]) {
      const answer = (await query({ dimensions })).body as Answer;
      const released = [...answer.cells, ...Object.values(answer.margins ?? {}).flat(), answer.total].filter(
        (c) => !c.suppressed,
      );
      for (const c of released) expect(c.count === 0 || (c.count as number) >= K).toBe(true);
    }
  });

  it('asking again, or the same set of records in other words, gives the same answer (no averaging)', async () => {
    const a = (await query({ dimensions: ['gender'], filters: { yearOfRegistration: [2021] } }))
      .body as Answer;
    const b = (
      await query({ dimensions: ['gender'], filters: { yearOfRegistration: { gte: 2021, lte: 2021 } } })
    ).body as Answer;
    const c = (await query({ dimensions: ['gender'] })).body as Answer;
    expect(a.cells).toEqual(b.cells);
    expect(a.cells).toEqual(c.cells);
    expect(a.total).toEqual(c.total);
    expect(a.queryId).not.toBe(b.queryId);
  });

  it('counts only consenting, non-erased cases; erasure takes a case out of every aggregate', async () => {
    const nz = (await query({ dimensions: [], filters: { countryOfExploitation: ['NZ'] } })).body as Answer;
    expect(nz.total).toEqual({ count: 0, suppressed: false });
    const ids = await seed(12, { countryOfExploitation: 'FJ' });
    const before = (await query({ dimensions: [], filters: { countryOfExploitation: ['FJ'] } }))
      .body as Answer;
    expect(before.total.suppressed).toBe(false);
    expect(Math.abs((before.total.count as number) - 12)).toBeLessThanOrEqual(ptable.maxPerturbation);
    const erase = (id: string) =>
      t.http().delete(`/v1/cases/${id}`).set('Authorization', `Bearer ${users.supervisor.token}`).expect(204);
    await erase(ids[0]);
    await erase(ids[1]);
    const after = (await query({ dimensions: [], filters: { countryOfExploitation: ['FJ'] } }))
      .body as Answer;
    expect(after.total).toEqual({ count: null, suppressed: true }); // 10 left: fewer than k
    for (const id of ids.slice(2)) await erase(id);
    const none = (await query({ dimensions: [], filters: { countryOfExploitation: ['FJ'] } })).body as Answer;
    expect(none.total).toEqual({ count: 0, suppressed: false });
  });

  it('multi-valued attributes count a case once per value; an empty list counts as notSpecified', async () => {
    const answer = (
      await query({ dimensions: ['exploitationTypes'], filters: { countryOfExploitation: ['MY'] } })
    ).body as Answer;
    const byValue = new Map(answer.cells.map((c) => [c.exploitationTypes, c]));
    expect([...byValue.keys()].sort()).toEqual(['forcedLabour', 'notSpecified', 'sexualExploitation']);
    const forcedLabour = byValue.get('forcedLabour')!;
    expect(Math.abs((forcedLabour.count as number) - 44)).toBeLessThanOrEqual(ptable.maxPerturbation);
    expect(byValue.get('notSpecified')).toMatchObject({ count: null, suppressed: true });
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
    const requestId = randomUUID();
    const res = await t
      .http()
      .post('/v1/aggregates/query')
      .set('Authorization', `Bearer ${users.researcher.token}`)
      .set('X-Request-Id', requestId)
      .send({
        dimensions: ['gender'],
        filters: { citizenship: ['PH', 'VN'], yearOfRegistration: { gte: 2018, lte: 2022 } },
      });
    expect(res.status).toBe(200);
    const { rows } = await t.db.query(`SELECT * FROM audit_events WHERE client_request_id = $1`, [requestId]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: 'aggregate.query',
      outcome: 'allowed',
      actor_id: users.researcher.id,
      resource_id: res.body.queryId,
      details: {
        dimensions: ['gender'],
        filters: ['citizenship in [PH,VN]', 'yearOfRegistration gte 2018 and lte 2022'],
      },
    });
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
