import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { runVerify } from '../../src/aggregates/release-verify.js';
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
  let admin: string;
  let users: Record<Role, TestUser>;

  /** σ = 1 (a generous budget): the counts here are close to the truth, so the tests can compare. */
  const query = (body: object, user: TestUser = users.researcher) =>
    t.http().post('/v1/aggregates/query').set('Authorization', `Bearer ${user.token}`).send(body);

  /** Groups with at least one consenting live case, by a column (the truth, from the database). */
  async function truth(column: string): Promise<Map<string, number>> {
    const { rows } = await t.db.query(
      `SELECT ${column}::text AS v, count(*)::int AS n FROM cases WHERE erased_at IS NULL AND consent_research GROUP BY 1`,
    );
    return new Map(rows.map((r: { v: string; n: number }) => [r.v, r.n]));
  }

  beforeAll(async () => {
    t = await startTestApp({
      K_ANONYMITY_THRESHOLD: String(K),
      AGGREGATE_RESEARCHER_BUDGET_RHO: '100',
      AGGREGATE_GLOBAL_BUDGET_RHO: '1000',
    });
    admin = await adminToken(t);
    const office = await createOffice(t, admin);
    users = await usersOfEveryRole(t, admin, office.id);
    // South-eastern Asia (M49 035): 15 + 5 + 4 + 3 = 27; Sub-Saharan Africa (202): 8 + 8 = 16.
    const seed: [string, number][] = [
      ['PH', 15],
      ['TH', 5],
      ['VN', 4],
      ['MY', 3],
      ['NG', 8],
      ['GH', 8],
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
      const withheld = async (dimension: string, column: string) => {
        const answer = (await query({ dimensions: [dimension] }).expect(200)).body as Answer;
        const released = new Set(answer.cells.filter((c) => !c.suppressed).map((c) => String(c[dimension])));
        const groups = await truth(column);
        return [...groups.keys()].filter((g) => !released.has(g));
      };
      const byCountry = await withheld('citizenship', 'citizenship');
      // Every country but PH has fewer than k cases: 5 or 6 of the 6 are withheld.
      expect(byCountry.length).toBeGreaterThanOrEqual(5);
      const regionOf = `CASE WHEN citizenship IN ('PH','TH','VN','MY') THEN '035' ELSE '202' END`;
      const bySubregion = await withheld('citizenshipSubregion', regionOf);
      // Both sub-regions have k or more (202 only 12, so its noisy count may fall below k and be unlisted, and
      // then 035 is withheld to protect it): fewer groups are withheld than by country either way.
      expect(bySubregion.length).toBeLessThan(byCountry.length);
    });

    it('region codes are M49 codes; a region filter counts the cases of its countries', async () => {
      const answer = (
        await query({
          dimensions: ['citizenshipRegion'],
          filters: { countryOfExploitationSubregion: ['035'] },
          accuracy: { sigma: 1 },
        }).expect(200)
      ).body as Answer;
      const regions = answer.cells.map((c) => c.citizenshipRegion);
      expect(regions).toContain('142'); // 27 cases (002, 12 cases, is listed too: a noisy count below k shows as k)
      expect(regions.every((r) => r === '002' || r === '142')).toBe(true);
      const asia = (
        await query({
          dimensions: [],
          filters: { citizenshipSubregion: ['035'] },
          accuracy: { sigma: 1 },
        }).expect(200)
      ).body as Answer;
      expect(Math.abs((asia.total?.count as number) - 27)).toBeLessThanOrEqual(5);
    });

    it('a count of k or more is always listed, whatever its noise: a zero-dimension answer always has its total', async () => {
      // PH holds 15 cases: with σ = 10 its noisy count falls below k = 11 about a third of the time.
      for (const lte of [2022, 2023, 2024, 2025, 2026, 2027, 2028, 2029]) {
        const filters = { citizenship: ['PH'], yearOfRegistration: { gte: 2020, lte } };
        const total = ((await query({ dimensions: [], filters }).expect(200)).body as Answer).total;
        expect(total).toBeDefined();
        if (!total?.suppressed) expect(total?.count as number).toBeGreaterThanOrEqual(K);
        const byCountry = (
          await query({
            dimensions: ['citizenship'],
            filters: { ...filters, citizenship: ['PH', 'TH'] },
          }).expect(200)
        ).body as Answer;
        const ph = byCountry.cells.find((c) => c.citizenship === 'PH');
        expect(ph).toBeDefined();
        if (!ph?.suppressed) expect(ph?.count as number).toBeGreaterThanOrEqual(K);
        expect(byCountry.cells.find((c) => c.citizenship === 'TH')).toBeUndefined(); // 5 cases
      }
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

  describe('CSV, stored answers and signed releases', () => {
    const panel = { dimensions: ['citizenshipSubregion', 'yearOfRegistration'] };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'research-e2e-'));
    const save = (name: string, content: string) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, content);
      return file;
    };
    const refetch = (queryId: string, suffix = '', user: TestUser = users.researcher) =>
      t
        .http()
        .get(`/v1/aggregates/answers/${queryId}${suffix}`)
        .set('Authorization', `Bearer ${user.token}`)
        .buffer(true)
        .parse((res, done) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => done(null, text));
        });

    it('Accept: text/csv gives a tidy CSV of the 2-D answer: it parses, covers the grid, lists nothing below k, states the control', async () => {
      const res = await query(panel).set('Accept', 'text/csv').buffer(true);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      const text = res.text;
      const rows = parse(text, { columns: true, comment: '#' }) as Record<string, string>[];
      const queryId = /^# Aggregate answer ([0-9a-f-]{36})/m.exec(text)?.[1];
      expect(res.headers['content-disposition']).toBe(`attachment; filename="aggregate-${queryId}.csv"`);
      const cells = rows.filter((r) => r.part === 'cell');
      // 17 M49 sub-regions + notClassified + unknown, × every year from the first to the last listed (2021, 2022).
      expect(cells).toHaveLength(19 * 2);
      expect(new Set(cells.map((r) => `${r.citizenshipSubregion}/${r.yearOfRegistration}`)).size).toBe(38);
      for (const row of rows) expect(['released', 'suppressed', 'fewer_than_k']).toContain(row.status);
      expect(rows.filter((r) => r.status === 'released').length).toBeGreaterThan(0);
      for (const row of rows.filter((r) => r.status === 'released')) {
        expect(Number(row.count)).toBeGreaterThanOrEqual(K);
        expect(Number(row.lower95)).toBeLessThanOrEqual(Number(row.count));
      }
      expect(rows.filter((r) => r.part === 'margin')).toHaveLength(19 + 2);
      expect(rows.at(-1)).toMatchObject({ part: 'total', status: 'released' });
      expect(text).toMatch(/^# .*k = 11/m);
      expect(text).toMatch(/^# manifest: \{/m);
      // ?format=csv answers the same release (the identical query: free, same counts).
      const again = await query(panel).query({ format: 'csv' }).buffer(true).expect(200);
      const rowsAgain = parse(again.text, { columns: true, comment: '#' }) as Record<string, string>[];
      expect(rowsAgain).toEqual(rows);
    });

    it.each([
      ['?format=xml', 'format'],
      ['?lang=fr', 'lang'],
    ])('%s is a 400 naming %s', async (suffix, field) => {
      const res = await t
        .http()
        .post(`/v1/aggregates/query${suffix}`)
        .set('Authorization', `Bearer ${users.researcher.token}`)
        .send({ dimensions: [] });
      expect(res.status).toBe(400);
      expect(res.body.message).toContain(field);
    });

    it('GET /v1/aggregates/answers/:queryId gives the stored answer again, byte for byte, JSON or CSV, at no cost; audited', async () => {
      const first = await query({
        dimensions: ['citizenshipRegion'],
        filters: { yearOfRegistration: [2022] },
      }).expect(200);
      const { queryId } = first.body as Answer;
      const events = async () =>
        Number(
          (await t.db.query(`SELECT count(*) AS n FROM audit_events WHERE action = 'aggregate.query'`))
            .rows[0].n,
        );
      const queriesBefore = await events();
      const json = await refetch(queryId).expect(200);
      expect(json.headers['content-type']).toMatch(/^application\/json/);
      expect(json.body).toBe(first.text);
      const csv = await refetch(queryId, '?format=csv').expect(200);
      const csvAgain = await refetch(queryId, '').set('Accept', 'text/csv').expect(200);
      expect(csv.headers['content-disposition']).toBe(`attachment; filename="aggregate-${queryId}.csv"`);
      expect(csvAgain.body).toBe(csv.body);
      expect(await events()).toBe(queriesBefore); // nothing was asked again: no query, no charge
      const { rows } = await t.db.query(
        `SELECT outcome, details FROM audit_events WHERE action = 'aggregate.answer' AND resource_id = $1 ORDER BY seq`,
        [queryId],
      );
      expect(rows).toEqual([
        { outcome: 'allowed', details: { format: 'json', charged: 0 } },
        { outcome: 'allowed', details: { format: 'csv', charged: 0 } },
        { outcome: 'allowed', details: { format: 'csv', charged: 0 } },
      ]);
    });

    it('another researcher’s answer, or none, is a 404 (audited as denied); a bad id a 400', async () => {
      const { queryId } = (await query({ dimensions: ['gender'] }).expect(200)).body as Answer;
      const other = await createUser(t, admin, 'researcher');
      const res = await refetch(queryId, '', other);
      expect(res.status).toBe(404);
      expect((await refetch('8d0f1c52-3a5e-4f7b-9c2d-1e6a7b8c9d0e')).status).toBe(404);
      expect((await refetch('not-a-uuid')).status).toBe(400);
      const { rows } = await t.db.query(
        `SELECT outcome FROM audit_events WHERE action = 'aggregate.answer' AND actor_id = $1`,
        [other.id],
      );
      expect(rows).toEqual([{ outcome: 'denied' }]);
    });

    it('the offline verifier accepts a saved answer with only the public key, and refuses a changed byte', async () => {
      const released = await query({ dimensions: ['citizenship', 'yearOfRegistration'] }).expect(200);
      const key = (await t.http().get('/v1/aggregates/public-key').expect(200)).body as {
        publicKeyPem: string;
      };
      const pem = save('release-key.pem', key.publicKeyPem);
      const file = save('answer.json', released.text);
      const ok = runVerify([file, '--public-key', pem]);
      expect(ok.exitCode).toBe(0);
      expect(ok.lines[0]).toContain('VERIFIED');
      // A changed byte: one digit of the first released count.
      const tampered = released.text.replace(
        /"count":(\d)/,
        (_, d: string) => `"count":${(Number(d) + 1) % 10}`,
      );
      expect(tampered).not.toBe(released.text);
      expect(runVerify([save('tampered.json', tampered), '--public-key', pem]).exitCode).toBe(1);
      // The CSV of the same answer verifies against the same signature.
      const { queryId } = released.body as Answer;
      const csv = (await refetch(queryId, '?format=csv').expect(200)).body as string;
      expect(runVerify([save('answer.csv', csv), '--public-key', pem]).exitCode).toBe(0);
      expect(
        runVerify([save('tampered.csv', csv.replace(',released,', ',suppressed,')), '--public-key', pem])
          .exitCode,
      ).toBe(1);
    });

    it('the manifest states the canonical query, k, mechanism, ρ charged, data version and time, service version', async () => {
      const answer = (await query({ dimensions: ['gender', 'citizenshipSubregion'] }).expect(200))
        .body as Answer & {
        manifest: Record<string, unknown>;
        disclosureControl: { dataVersion: string; countedAt: string };
      };
      expect(answer.disclosureControl.dataVersion).toEqual(expect.any(String));
      expect(answer.manifest).toMatchObject({
        format: 'ctr-aggregate-release/1',
        queryId: answer.queryId,
        query: { dimensions: ['gender', 'citizenshipSubregion'], filters: {} },
        k: K,
        mechanism: expect.objectContaining({ methods: expect.any(Array) }),
        rhoCharged: expect.any(Number),
        // The signed manifest names what the answer counted (it had null and the signing time until 2026-12-03).
        dataVersion: answer.disclosureControl.dataVersion,
        dataCountedAt: answer.disclosureControl.countedAt,
        service: { name: 'ctr-case-api', version: expect.any(String) },
        algorithm: 'Ed25519',
        answerSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        valuesSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      // A free repeat is signed again, for the same counting.
      const again = (await query({ dimensions: ['gender', 'citizenshipSubregion'] }).expect(200)).body as {
        manifest: Record<string, unknown>;
      };
      expect(again.manifest.dataCountedAt).toBe(answer.disclosureControl.countedAt);
      expect(again.manifest.dataVersion).toBe(answer.disclosureControl.dataVersion);
    });
  });

  describe('OpenAPI of the research routes', () => {
    it('types the answer (cells, disclosureControl, manifest), offers CSV, and pre-fills a useful query', async () => {
      const doc = (await t.http().get('/docs-json').expect(200)).body as {
        paths: Record<string, Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
        components: { schemas: Record<string, { properties: Record<string, unknown> }> };
      };
      const post = doc.paths['/v1/aggregates/query'].post;
      expect(Object.keys(post.responses['200'].content).sort()).toEqual(['application/json', 'text/csv']);
      const example = post.requestBody.content['application/json'].examples.panel.value;
      expect(example).toEqual({
        dimensions: ['citizenshipSubregion', 'yearOfRegistration'],
        filters: { yearOfRegistration: { gte: 2018, lte: 2022 } },
      });
      const answer = doc.components.schemas.AggregateAnswerDto.properties;
      expect(Object.keys(answer)).toEqual(expect.arrayContaining(['cells', 'disclosureControl', 'manifest']));
      expect(JSON.stringify(answer.cells)).toContain('citizenshipSubregion');
      expect(doc.components.schemas.ReleaseManifestDto.properties).toHaveProperty('signature');
      const refetch = doc.paths['/v1/aggregates/answers/{queryId}'].get;
      expect(Object.keys(refetch.responses)).toEqual(
        expect.arrayContaining(['200', '400', '401', '403', '404']),
      );
    });
  });
});
