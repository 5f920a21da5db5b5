import { ROLES, type Role } from '../../src/policy/index.js';
import { adminToken, createCase, createOffice, usersOfEveryRole, type TestUser } from '../factories.js';
import { startTestApp, type TestApp } from '../test-app.js';

const K = 11;

interface Listed {
  count: number | null;
  suppressed: boolean;
  [dimension: string]: unknown;
}
interface Answer {
  cells: Listed[];
  total?: Listed | null;
  queryId: string;
  [key: string]: unknown;
}

/**
 * Research deliverables (issue 14): geographic groupings, the dimensions listing, the public release key.
 */
describe('research deliverables (e2e)', () => {
  let t: TestApp;
  let users: Record<Role, TestUser>;

  const query = (body: unknown, user: TestUser = users.researcher) =>
    t
      .http()
      .post('/v1/aggregates/query')
      .set('Authorization', `Bearer ${user.token}`)
      .send(body as object);

  /** Groups with at least one consenting live case, by a column (the truth, from the database). */
  async function truth(column: string): Promise<Map<string, number>> {
    const { rows } = await t.db.query(
      `SELECT ${column}::text AS v, count(*)::int AS n FROM cases WHERE erased_at IS NULL AND consent_research GROUP BY 1`,
    );
    return new Map(rows.map((r: { v: string; n: number }) => [r.v, r.n]));
  }

  beforeAll(async () => {
    t = await startTestApp({ K_ANONYMITY_THRESHOLD: String(K) });
    const admin = await adminToken(t);
    const office = await createOffice(t, admin);
    users = await usersOfEveryRole(t, admin, office.id);
    // South-eastern Asia (M49 035): 15 + 5 + 4 + 3 = 27; Sub-Saharan Africa (202): 6 + 6 = 12.
    const seed: [string, number][] = [
      ['PH', 15],
      ['TH', 5],
      ['VN', 4],
      ['MY', 3],
      ['NG', 6],
      ['GH', 6],
    ];
    for (const [citizenship, count] of seed) {
      for (let i = 0; i < count; i++) {
        await createCase(t, users.caseworker.token, {
          citizenship,
          countryOfExploitation: i % 2 === 0 ? 'TH' : 'MY',
          registrationDate: i % 3 === 0 ? '2021-05-01' : '2022-05-01',
        });
      }
    }
  }, 180_000);
  afterAll(async () => {
    await t.close();
  });

  describe('UN M49 groupings', () => {
    it('a sub-region dimension withholds fewer groups than the same data by country', async () => {
      const released = (answer: Answer) =>
        new Set(
          answer.cells.filter((c) => !c.suppressed && c.count !== null).map((c) => Object.values(c)[0]),
        );
      const byCountry = (await query({ dimensions: ['citizenship'] }).expect(200)).body as Answer;
      const bySubregion = (await query({ dimensions: ['citizenshipSubregion'] }).expect(200)).body as Answer;
      const countries = await truth('citizenship');
      const releasedCountries = new Set(
        byCountry.cells.filter((c) => !c.suppressed).map((c) => c.citizenship as string),
      );
      const releasedSubregions = new Set(
        bySubregion.cells.filter((c) => !c.suppressed).map((c) => c.citizenshipSubregion as string),
      );
      const withheldCountries = [...countries.keys()].filter((c) => !releasedCountries.has(c));
      expect(released(bySubregion).size).toBe(releasedSubregions.size);
      expect([...releasedSubregions].sort()).toEqual(['035', '202']);
      expect(withheldCountries.length).toBeGreaterThanOrEqual(3); // TH, VN, MY at least (each below k)
      expect(bySubregion.cells.filter((c) => c.suppressed)).toHaveLength(0);
    });

    it('region codes are M49 codes; a region filter counts the cases of its countries', async () => {
      const answer = (
        await query({
          dimensions: ['citizenshipRegion'],
          filters: { countryOfExploitationSubregion: ['035'] },
        }).expect(200)
      ).body as Answer;
      expect(answer.cells.map((c) => c.citizenshipRegion).sort()).toEqual(['002', '142']);
      const asia = (await query({ dimensions: [], filters: { citizenshipSubregion: ['035'] } }).expect(200))
        .body as Answer;
      expect(Math.abs((asia.total?.count as number) - 27)).toBeLessThanOrEqual(5);
    });

    it.each([
      [{ dimensions: ['citizenshipContinent'] }, 'dimension'],
      [{ dimensions: [], filters: { citizenshipRegion: ['Asia'] } }, 'citizenshipRegion'],
      [
        { dimensions: [], filters: { countryOfExploitationSubregion: ['142'] } },
        'countryOfExploitationSubregion',
      ],
    ])('refuses %j with a 400 naming %s', async (body, field) => {
      const res = await query(body);
      expect(res.status).toBe(400);
      expect(res.body.message).toContain(field);
    });
  });

  describe('GET /v1/aggregates/dimensions', () => {
    it.each([...ROLES, 'anonymous' as const])('is for researchers and auditors (%s)', async (role) => {
      const req = t.http().get('/v1/aggregates/dimensions');
      const res =
        role === 'anonymous' ? await req : await req.set('Authorization', `Bearer ${users[role].token}`);
      expect(res.status).toBe(
        role === 'researcher' || role === 'auditor' ? 200 : role === 'anonymous' ? 401 : 403,
      );
    });

    it('lists every dimension with kind, codes and labels, and the limits; the read is audited', async () => {
      const res = await t
        .http()
        .get('/v1/aggregates/dimensions')
        .set('Authorization', `Bearer ${users.researcher.token}`)
        .expect(200);
      const byName = new Map(
        (
          res.body.dimensions as { name: string; kind: string; codes?: { code: unknown; label: string }[] }[]
        ).map((d) => [d.name, d]),
      );
      expect(byName.size).toBe(16);
      expect(byName.get('meansOfControl')?.kind).toBe('multiValued');
      expect(byName.get('citizenship')?.codes).toContainEqual({ code: 'VN', label: 'Vietnam' });
      expect(byName.get('citizenshipRegion')?.codes).toContainEqual({ code: '142', label: 'Asia' });
      expect(res.body.limits).toEqual({ maxDimensions: 3, maxCells: expect.any(Number) });
      const { rows } = await t.db.query(`SELECT action, outcome FROM audit_events WHERE request_id = $1`, [
        res.headers['x-request-id'],
      ]);
      expect(rows).toEqual([{ action: 'aggregate.dimensions', outcome: 'allowed' }]);
    });

    it('an unknown query parameter is a 400 naming it', async () => {
      const res = await t
        .http()
        .get('/v1/aggregates/dimensions?lang=fr')
        .set('Authorization', `Bearer ${users.researcher.token}`);
      expect(res.status).toBe(400);
      expect(res.body.message).toContain('lang');
    });
  });

  describe('GET /v1/aggregates/public-key', () => {
    it('publishes the Ed25519 key without authentication', async () => {
      const res = await t.http().get('/v1/aggregates/public-key').expect(200);
      expect(res.body).toEqual({
        algorithm: 'Ed25519',
        keyId: expect.stringMatching(/^[0-9a-f]{16}$/),
        publicKeyPem: expect.stringContaining('-----BEGIN PUBLIC KEY-----'),
      });
    });
  });
});
