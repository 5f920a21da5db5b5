import { blindIndex, unwrapDataKey } from '../../src/crypto/index.js';
import { ROLES, type Role } from '../../src/policy/index.js';
import {
  adminToken,
  createOffice,
  createUser,
  exampleCase as caseBody,
  usersOfEveryRole,
  type TestUser,
} from '../factories.js';
import { startTestApp, type TestApp } from '../test-app.js';

const METADATA = [
  'id',
  'officeId',
  'pseudonym',
  'version',
  'createdAt',
  'createdBy',
  'updatedAt',
  'erasedAt',
];
const ATTRIBUTES = [
  'registrationDate',
  'gender',
  'citizenship',
  'countryOfExploitation',
  'exploitationTypes',
  'meansOfControl',
  'labourSectors',
  'sexualExploitationTypes',
  'recruiterRelationships',
  'isAbduction',
];
const DERIVED = ['ageBroad', 'majorityStatus', 'yearOfRegistration'];
const FULL_KEYS = [...METADATA, 'subject', 'narrative', ...ATTRIBUTES, ...DERIVED, 'consent'].sort();
const SUBJECT_KEYS = ['address', 'dateOfBirth', 'documentNumber', 'familyName', 'givenName', 'phone'];
const AUDITOR_KEYS = [...METADATA, 'consent'].sort();

let counter = 0;
const uniq = (prefix: string) =>
  `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`.replace(
    /\d/g,
    (d) => 'abcdefghij'[Number(d)],
  );

const auth = (user: TestUser | string) => ({
  Authorization: `Bearer ${typeof user === 'string' ? user : user.token}`,
});
const stripId = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });

describe('cases (e2e, real PostgreSQL)', () => {
  let t: TestApp;
  let admin: string;
  let officeA: { id: string; code: string };
  let officeB: { id: string; code: string };
  let users: Record<Role, TestUser>;
  let cwB: TestUser;
  let supB: TestUser;

  const create = (
    user: TestUser,
    body: Record<string, unknown> = caseBody(),
    headers: Record<string, string> = {},
  ) => t.http().post('/v1/cases').set(auth(user)).set(headers).send(body);

  async function createCase(
    user: TestUser,
    body: Record<string, unknown> = caseBody(),
  ): Promise<Record<string, unknown>> {
    const res = await create(user, body);
    if (res.status !== 201)
      throw new Error(`case creation failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown>;
  }

  async function auditRows(where = 'TRUE', params: unknown[] = []) {
    const { rows } = await t.db.query(
      `SELECT action, outcome, resource_id, details FROM audit_events WHERE ${where} ORDER BY seq`,
      params,
    );
    return rows as {
      action: string;
      outcome: string;
      resource_id: string | null;
      details: Record<string, unknown>;
    }[];
  }

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminToken(t);
    officeA = await createOffice(t, admin);
    officeB = await createOffice(t, admin, 'TH');
    users = await usersOfEveryRole(t, admin, officeA.id);
    cwB = await createUser(t, admin, 'caseworker', officeB.id);
    supB = await createUser(t, admin, 'supervisor', officeB.id);
  }, 120_000);
  afterAll(async () => {
    await t.close();
  });

  describe('role × endpoint × field matrix', () => {
    let id: string;
    beforeAll(async () => {
      id = (await createCase(users.caseworker)).id as string;
    });

    it('POST returns 201, ETag "1" and the full case to a caseworker', async () => {
      const res = await create(users.caseworker);
      expect(res.status).toBe(201);
      expect(res.headers.etag).toBe('"1"');
      expect(res.headers.location).toBe(`/v1/cases/${res.body.id as string}`);
      // Beside the case, its duplicate hints (issue 13).
      expect(Object.keys(res.body).sort()).toEqual([...FULL_KEYS, 'duplicates'].sort());
      expect(Object.keys(res.body.duplicates).sort()).toEqual([
        'otherOffices',
        'otherOfficesAvailableAt',
        'sameOffice',
      ]);
      expect(Object.keys(res.body.subject).sort()).toEqual(SUBJECT_KEYS);
      expect(res.body).toMatchObject({
        officeId: officeA.id,
        createdBy: users.caseworker.id,
        version: 1,
        erasedAt: null,
        subject: { givenName: 'Amina', familyName: 'Haddad', phone: null, address: null },
        narrative: 'Recruited through a job advert.',
        ageBroad: '9-17',
        majorityStatus: 'minor',
        yearOfRegistration: 2021,
        consent: { research: true },
      });
      expect(res.body.pseudonym).toMatch(/^[0-9a-f]{64}$/);
    });

    const EXPECTED_GET: Record<Role, number> = {
      caseworker: 200,
      supervisor: 200,
      auditor: 200,
      researcher: 403,
      admin: 403,
    };
    it.each(ROLES)('GET /v1/cases/:id as %s returns exactly its key set', async (role) => {
      const res = await t.http().get(`/v1/cases/${id}`).set(auth(users[role]));
      expect(res.status).toBe(EXPECTED_GET[role]);
      if (role === 'caseworker' || role === 'supervisor') {
        expect(Object.keys(res.body).sort()).toEqual(FULL_KEYS);
        expect(Object.keys(res.body.subject).sort()).toEqual(SUBJECT_KEYS);
        expect(res.headers.etag).toBe('"1"');
      } else if (role === 'auditor') {
        expect(Object.keys(res.body).sort()).toEqual(AUDITOR_KEYS);
        expect(res.body.consent).toEqual({ research: true });
      } else {
        expect(Object.keys(res.body).sort()).toEqual(['error', 'message', 'requestId', 'statusCode']);
      }
    });

    it('auditors see the metadata of every office', async () => {
      const other = await createCase(cwB);
      const res = await t
        .http()
        .get(`/v1/cases/${other.id as string}`)
        .set(auth(users.auditor));
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(AUDITOR_KEYS);
    });

    const ENDPOINTS: [
      string,
      (u: TestUser) => Promise<{ status: number; body: Record<string, unknown> }>,
      Role[],
    ][] = [
      ['POST /v1/cases', (u) => create(u, caseBody({ narrative: undefined })), ['caseworker', 'supervisor']],
      ['GET /v1/cases', (u) => t.http().get('/v1/cases').set(auth(u)), ['caseworker', 'supervisor']],
      [
        'GET /v1/cases/:id/duplicates',
        (u) => t.http().get(`/v1/cases/${id}/duplicates`).set(auth(u)),
        ['caseworker', 'supervisor'],
      ],
    ];
    it.each(ENDPOINTS)('%s is for its roles only', async (_name, call, allowed) => {
      for (const role of ROLES) {
        const res = await call(users[role]);
        if (allowed.includes(role)) {
          expect(res.status).toBeLessThan(300);
        } else {
          expect(res.status).toBe(403);
        }
      }
    });

    it('list items have exactly the role’s key set', async () => {
      for (const role of ['caseworker', 'supervisor'] as const) {
        const res = await t.http().get('/v1/cases').set(auth(users[role]));
        expect(res.status).toBe(200);
        expect(Object.keys(res.body).sort()).toEqual(['items', 'nextCursor']);
        expect(res.body.items.length).toBeGreaterThan(0);
        for (const item of res.body.items as Record<string, unknown>[]) {
          expect(Object.keys(item).sort()).toEqual(FULL_KEYS);
          expect(item.officeId).toBe(officeA.id);
        }
      }
    });

    it('PATCH and DELETE refuse the roles without write or erase rights', async () => {
      for (const role of ['auditor', 'researcher', 'admin'] as const) {
        const res = await t
          .http()
          .patch(`/v1/cases/${id}`)
          .set(auth(users[role]))
          .set('If-Match', '"1"')
          .send({ gender: 'male' });
        expect(res.status).toBe(403);
      }
      for (const role of ['caseworker', 'auditor', 'researcher', 'admin'] as const) {
        const res = await t.http().delete(`/v1/cases/${id}`).set(auth(users[role]));
        expect(res.status).toBe(403);
      }
      const still = await t.http().get(`/v1/cases/${id}`).set(auth(users.caseworker));
      expect(still.body.version).toBe(1);
    });

    it('a supervisor may not write the narrative: 403 naming it, audited as denied', async () => {
      const res = await create(users.supervisor, caseBody({ narrative: 'Supervisor text' }));
      expect(res.status).toBe(403);
      expect(res.body.message).toContain('narrative');
      const ok = await create(users.supervisor, caseBody({ narrative: undefined }));
      expect(ok.status).toBe(201);
      expect(ok.body.narrative).toBeNull();
      const patch = await t
        .http()
        .patch(`/v1/cases/${id}`)
        .set(auth(users.supervisor))
        .set('If-Match', '"1"')
        .send({ narrative: 'x', gender: 'male' });
      expect(patch.status).toBe(403);
      expect(patch.body.message).toContain('narrative');
      expect(patch.body.message).not.toContain('gender');
      const denied = await auditRows(`action = 'case.update' AND outcome = 'denied' AND resource_id = $1`, [
        id,
      ]);
      expect(denied.map((e) => e.details)).toContainEqual({ reason: 'role', forbiddenFields: ['narrative'] });
    });
  });

  describe('office isolation', () => {
    let id: string;
    beforeAll(async () => {
      id = (
        await createCase(users.caseworker, caseBody({ subject: { givenName: 'Isolde', familyName: 'Iso' } }))
      ).id as string;
    });

    it('another office’s case is a 404 with the same body as a missing id, and the denial is audited', async () => {
      const missingId = '00000000-0000-4000-8000-000000000000';
      for (const other of [cwB, supB]) {
        const theirs = await t.http().get(`/v1/cases/${id}`).set(auth(other));
        const missing = await t.http().get(`/v1/cases/${missingId}`).set(auth(other));
        expect(theirs.status).toBe(404);
        expect(missing.status).toBe(404);
        expect(stripId(theirs.body)).toEqual(stripId(missing.body));
        expect(Object.keys(theirs.headers).sort()).toEqual(Object.keys(missing.headers).sort());
      }
      const events = await auditRows(`action = 'case.read' AND resource_id = $1`, [id]);
      expect(events.filter((e) => e.outcome === 'denied').map((e) => e.details)).toEqual([
        { reason: 'office_scope' },
        { reason: 'office_scope' },
      ]);
      const missingEvents = await auditRows(`action = 'case.read' AND resource_id = $1`, [missingId]);
      expect(missingEvents.map((e) => e.details.reason)).toEqual(['not_found', 'not_found']);
    });

    it('PATCH, DELETE and duplicates of another office’s case are 404 too and change nothing', async () => {
      const patch = await t
        .http()
        .patch(`/v1/cases/${id}`)
        .set(auth(cwB))
        .set('If-Match', '"1"')
        .send({ gender: 'male' });
      expect(patch.status).toBe(404);
      const del = await t.http().delete(`/v1/cases/${id}`).set(auth(supB));
      expect(del.status).toBe(404);
      const dup = await t.http().get(`/v1/cases/${id}/duplicates`).set(auth(cwB));
      expect(dup.status).toBe(404);
      const mine = await t.http().get(`/v1/cases/${id}`).set(auth(users.caseworker));
      expect(mine.body).toMatchObject({ version: 1, gender: 'female', erasedAt: null });
      for (const action of ['case.update', 'case.erase', 'case.duplicates']) {
        const events = await auditRows(`action = $1 AND resource_id = $2 AND outcome = 'denied'`, [
          action,
          id,
        ]);
        expect(events.map((e) => e.details)).toEqual([{ reason: 'office_scope' }]);
      }
    });

    it('lists and searches never show another office’s cases', async () => {
      const list = await t.http().get('/v1/cases?limit=100').set(auth(cwB));
      expect(list.status).toBe(200);
      for (const item of list.body.items as { officeId: string }[]) expect(item.officeId).toBe(officeB.id);
      const search = await t.http().get('/v1/cases').query({ givenName: 'Isolde' }).set(auth(cwB));
      expect(search.body.items).toEqual([]);
      const mine = await t.http().get('/v1/cases').query({ givenName: 'Isolde' }).set(auth(users.caseworker));
      expect(mine.body.items.map((c: { id: string }) => c.id)).toEqual([id]);
    });
  });

  describe('no plaintext at rest', () => {
    it('no text, varchar, bytea-as-text, json or array column of any table holds a planted value', async () => {
      const given = uniq('Canarygiven');
      const doc = uniq('DOC').toUpperCase();
      const sentence = `The canary sentence ${uniq('zq')} was written here`;
      const res = await create(
        users.caseworker,
        caseBody({
          subject: {
            givenName: given,
            familyName: uniq('Canaryfam'),
            documentNumber: doc,
            phone: '+63 900 000 0000',
          },
          narrative: sentence,
        }),
        { 'Idempotency-Key': uniq('key-') },
      );
      expect(res.status).toBe(201);
      await t
        .http()
        .get('/v1/cases')
        .query({ givenName: given, documentNumber: doc })
        .set(auth(users.caseworker));
      await t
        .http()
        .get(`/v1/cases/${res.body.id as string}`)
        .set(auth(users.auditor));

      const { rows: columns } = await t.db.query(
        `SELECT table_name, column_name, data_type FROM information_schema.columns
          WHERE table_schema = 'public'
            AND data_type IN ('text', 'character varying', 'character', 'bytea', 'json', 'jsonb', 'ARRAY', 'USER-DEFINED')`,
      );
      expect(columns.length).toBeGreaterThan(10);
      const needles = [given, given.toLowerCase(), doc, sentence, 'canary sentence'];
      for (const { table_name: table, column_name: column, data_type: type } of columns as Record<
        string,
        string
      >[]) {
        const expr = type === 'bytea' ? `encode("${column}", 'escape')` : `"${column}"::text`;
        for (const needle of needles) {
          const { rows } = await t.db.query(
            `SELECT count(*)::int AS n FROM "${table}" WHERE position(lower($1) in lower(${expr})) > 0`,
            [needle],
          );
          expect({ table, column, needle, n: rows[0].n }).toEqual({ table, column, needle, n: 0 });
        }
      }
      expect(t.logs.join('\n')).not.toContain(given);
      expect(t.logs.join('\n')).not.toContain(doc);
    });
  });

  describe('optimistic locking', () => {
    it('10 concurrent PATCHes with the same If-Match: exactly one 200, nine 412', async () => {
      const c = await createCase(users.caseworker);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          t
            .http()
            .patch(`/v1/cases/${c.id as string}`)
            .set(auth(users.caseworker))
            .set('If-Match', '"1"')
            .send({ isAbduction: i % 2 === 0 }),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 412, 412, 412, 412, 412, 412, 412, 412, 412]);
      const ok = results.find((r) => r.status === 200);
      expect(ok?.headers.etag).toBe('"2"');
      const now = await t
        .http()
        .get(`/v1/cases/${c.id as string}`)
        .set(auth(users.caseworker));
      expect(now.body.version).toBe(2);
    });

    it('missing If-Match is 428, a stale one 412, the current one 200 with the next ETag', async () => {
      const c = await createCase(users.caseworker);
      const url = `/v1/cases/${c.id as string}`;
      const missing = await t.http().patch(url).set(auth(users.caseworker)).send({ gender: 'male' });
      expect(missing.status).toBe(428);
      const stale = await t
        .http()
        .patch(url)
        .set(auth(users.caseworker))
        .set('If-Match', '"7"')
        .send({ gender: 'male' });
      expect(stale.status).toBe(412);
      const garbage = await t
        .http()
        .patch(url)
        .set(auth(users.caseworker))
        .set('If-Match', '*')
        .send({ gender: 'male' });
      expect(garbage.status).toBe(412);
      const ok = await t
        .http()
        .patch(url)
        .set(auth(users.caseworker))
        .set('If-Match', '"1"')
        .send({ gender: 'male', subject: { givenName: 'Amina', dateOfBirth: '1990-01-01' } });
      expect(ok.status).toBe(200);
      expect(ok.headers.etag).toBe('"2"');
      expect(ok.body).toMatchObject({
        version: 2,
        gender: 'male',
        ageBroad: '30-38',
        majorityStatus: 'adult',
        // The subject is merged (issue 13, RFC 7396): the family name not in the patch stays.
        subject: { givenName: 'Amina', familyName: 'Haddad', dateOfBirth: '1990-01-01' },
      });
      expect(ok.body.pseudonym).not.toBe(c.pseudonym);
      const dob = await t
        .http()
        .patch(url)
        .set(auth(users.caseworker))
        .set('If-Match', '"2"')
        .send({ registrationDate: '1980-01-01' });
      expect(dob.status).toBe(400);
      expect(dob.body.message).toContain('subject.dateOfBirth');
      const events = await auditRows(`action = 'case.update' AND resource_id = $1 AND outcome = 'allowed'`, [
        c.id,
      ]);
      expect(events.map((e) => e.details)).toEqual([{ changedFields: ['subject', 'gender'], version: 2 }]);
    });
  });

  describe('the read and its audit event (one statement)', () => {
    it('each read appends one allowed event listing exactly the answered fields, live and erased', async () => {
      const id = (await createCase(users.caseworker)).id as string;
      for (const erased of [false, true]) {
        if (erased)
          expect((await t.http().delete(`/v1/cases/${id}`).set(auth(users.supervisor))).status).toBe(204);
        for (const role of ['caseworker', 'supervisor', 'auditor'] as const) {
          const before = await auditRows(`action = 'case.read' AND resource_id = $1`, [id]);
          const res = await t.http().get(`/v1/cases/${id}`).set(auth(users[role]));
          expect(res.status).toBe(200);
          const after = await auditRows(`action = 'case.read' AND resource_id = $1`, [id]);
          expect(after.slice(before.length)).toEqual([
            {
              action: 'case.read',
              outcome: 'allowed',
              resource_id: id,
              details: { fields: Object.keys(res.body) },
            },
          ]);
        }
      }
    });

    it('a read out of scope appends no allowed event, only its denial', async () => {
      const id = (await createCase(users.caseworker)).id as string;
      expect((await t.http().get(`/v1/cases/${id}`).set(auth(cwB))).status).toBe(404);
      const events = await auditRows(`action = 'case.read' AND resource_id = $1`, [id]);
      expect(events.map((e) => [e.outcome, e.details])).toEqual([['denied', { reason: 'office_scope' }]]);
    });
  });

  describe('erasure', () => {
    it('destroys key, ciphertexts and blind indexes; GET shows metadata only; search finds nothing; PATCH is 409', async () => {
      const given = uniq('Erasable');
      const c = await createCase(
        users.caseworker,
        caseBody({ subject: { givenName: given, documentNumber: 'ER-1' } }),
      );
      const id = c.id as string;
      const { rows: before } = await t.db.query(
        `SELECT key_id, wrapped_key, subject_ct FROM cases WHERE id = $1`,
        [id],
      );
      expect(before[0].wrapped_key).not.toBeNull();

      const del = await t.http().delete(`/v1/cases/${id}`).set(auth(users.supervisor));
      expect(del.status).toBe(204);
      const again = await t.http().delete(`/v1/cases/${id}`).set(auth(users.supervisor));
      expect(again.status).toBe(409);

      const { rows } = await t.db.query(`SELECT * FROM cases WHERE id = $1`, [id]);
      const row = rows[0] as Record<string, unknown>;
      for (const column of [
        'wrapped_key',
        'key_id',
        'subject_ct',
        'narrative_ct',
        'bi_given_name',
        'bi_family_name',
        'bi_document_number',
        'pseudonym',
        'gender',
        'citizenship',
      ]) {
        expect({ column, value: row[column] }).toEqual({ column, value: null });
      }
      expect(row.erased_at).not.toBeNull();
      // Even the old wrapped key cannot open the ciphertext once it is gone; with only stored material, nothing opens.
      expect(() =>
        unwrapDataKey(t.config.keys.masterKeys, String(row.key_id), row.wrapped_key as Buffer, id),
      ).toThrow();

      for (const role of ['caseworker', 'supervisor'] as const) {
        const res = await t.http().get(`/v1/cases/${id}`).set(auth(users[role]));
        expect(res.status).toBe(200);
        expect(Object.keys(res.body).sort()).toEqual([...METADATA].sort());
        expect(res.body.erasedAt).toEqual(expect.any(String));
        expect(res.body.pseudonym).toBeNull();
      }
      const auditor = await t.http().get(`/v1/cases/${id}`).set(auth(users.auditor));
      expect(Object.keys(auditor.body).sort()).toEqual([...METADATA].sort());

      for (const query of [
        { givenName: given },
        { documentNumber: 'ER-1' },
        { pseudonym: c.pseudonym as string },
      ]) {
        const search = await t.http().get('/v1/cases').query(query).set(auth(users.caseworker));
        expect(search.status).toBe(200);
        expect(search.body.items).toEqual([]);
      }
      const patch = await t
        .http()
        .patch(`/v1/cases/${id}`)
        .set(auth(users.caseworker))
        .set('If-Match', `"${row.version as number}"`)
        .send({ gender: 'male' });
      expect(patch.status).toBe(409);
      const dup = await t.http().get(`/v1/cases/${id}/duplicates`).set(auth(users.caseworker));
      expect(dup.body).toMatchObject({ items: [], sameOffice: [] });
      const events = await auditRows(`action = 'case.erase' AND resource_id = $1`, [id]);
      expect(events.map((e) => e.outcome)).toEqual(['allowed', 'failed']);
    });
  });

  describe('blind-index search', () => {
    it('is exact on normalized values (case, accents and spacing folded)', async () => {
      const family = uniq('Haddadsearch');
      const c = await createCase(
        users.caseworker,
        caseBody({ subject: { givenName: 'José María', familyName: family, documentNumber: 'AB-12 34/5' } }),
      );
      const find = async (query: Record<string, string>) => {
        const res = await t.http().get('/v1/cases').query(query).set(auth(users.caseworker));
        expect(res.status).toBe(200);
        return (res.body.items as { id: string }[]).map((i) => i.id);
      };
      expect(await find({ familyName: family.toUpperCase() })).toEqual([c.id]);
      expect(await find({ familyName: ` ${family.toLowerCase()} `, givenName: 'JOSE maria' })).toEqual([
        c.id,
      ]);
      expect(await find({ givenName: 'josemaría', familyName: family })).toEqual([c.id]);
      expect(await find({ documentNumber: 'ab12345', familyName: family })).toEqual([c.id]);
      expect(await find({ familyName: `${family}x` })).toEqual([]);
      expect(await find({ givenName: 'Jose', familyName: family })).toEqual([]);
    });

    it('filters blind-index collisions (false positives) after decrypting', async () => {
      const key = t.config.keys.blindIndexKey;
      const seen = new Map<number, string>();
      let pair: [string, string] | null = null;
      for (let i = 0; pair === null; i++) {
        const name = `Collide${uniq('')}x${i.toString(36).replace(/\d/g, (d) => 'klmnopqrst'[Number(d)])}`;
        const bi = blindIndex(key, 'familyName', name);
        const prior = seen.get(bi);
        if (prior !== undefined) pair = [prior, name];
        else seen.set(bi, name);
      }
      const [a, b] = pair;
      const ca = await createCase(
        users.caseworker,
        caseBody({ subject: { givenName: 'Col', familyName: a } }),
      );
      const cb = await createCase(
        users.caseworker,
        caseBody({ subject: { givenName: 'Col', familyName: b } }),
      );
      const { rows } = await t.db.query(`SELECT bi_family_name FROM cases WHERE id = ANY($1::uuid[])`, [
        [ca.id, cb.id],
      ]);
      expect(rows[0].bi_family_name).toBe(rows[1].bi_family_name);
      const res = await t
        .http()
        .get('/v1/cases')
        .query({ familyName: a, limit: 1 })
        .set(auth(users.caseworker));
      expect(res.body.items.map((i: { id: string }) => i.id)).toEqual([ca.id]);
      expect(res.body.nextCursor).toBeNull();
      const resB = await t.http().get('/v1/cases').query({ familyName: b }).set(auth(users.caseworker));
      expect(resB.body.items.map((i: { id: string }) => i.id)).toEqual([cb.id]);
    });

    it('paginates with a cursor over (createdAt, id) without gaps or repeats', async () => {
      const family = uniq('Pager');
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push(
          (
            await createCase(
              users.caseworker,
              caseBody({ subject: { givenName: `P${'abcde'[i]}`, familyName: family } }),
            )
          ).id as string,
        );
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: Record<string, string | number> = { familyName: family, limit: 2 };
        if (cursor !== null) query.cursor = cursor;
        const res = await t.http().get('/v1/cases').query(query).set(auth(users.caseworker));
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((i: { id: string }) => i.id));
        cursor = res.body.nextCursor as string | null;
      } while (cursor !== null);
      expect(seen).toEqual(ids);
      const bad = await t
        .http()
        .get('/v1/cases')
        .query({ cursor: 'not-a-cursor' })
        .set(auth(users.caseworker));
      expect(bad.status).toBe(400);
      expect(bad.body.message).toContain('cursor');
    });
  });

  describe('pseudonyms and duplicates', () => {
    it('the same person entered twice (other spelling, other office) gets the same pseudonym and shows as a duplicate', async () => {
      const family = uniq('Dupfam');
      const a = await createCase(
        users.caseworker,
        caseBody({ subject: { givenName: 'Nguyễn Thị', familyName: family, dateOfBirth: '1999-09-09' } }),
      );
      const b = await createCase(
        cwB,
        caseBody({
          subject: { givenName: 'NGUYEN  thi', familyName: family.toUpperCase(), dateOfBirth: '1999-09-09' },
        }),
      );
      const c = await createCase(
        supB,
        caseBody({
          narrative: undefined,
          subject: { givenName: 'nguyen-thi', familyName: family, dateOfBirth: '1999-09-09' },
        }),
      );
      const other = await createCase(
        cwB,
        caseBody({ subject: { givenName: 'Nguyen Thi', familyName: family, dateOfBirth: '1999-09-10' } }),
      );
      expect(b.pseudonym).toBe(a.pseudonym);
      expect(c.pseudonym).toBe(a.pseudonym);
      expect(other.pseudonym).not.toBe(a.pseudonym);
      // Cross-office hints need a supervisor's confirmation (or the end of the embargo): issue 11.
      for (const [id, supervisor] of [
        [a.id, users.supervisor],
        [b.id, supB],
      ] as const) {
        const confirmed = await t
          .http()
          .post(`/v1/cases/${id as string}/duplicates/confirm`)
          .set(auth(supervisor));
        expect(confirmed.status).toBe(200);
      }
      const dup = await t
        .http()
        .get(`/v1/cases/${a.id as string}/duplicates`)
        .set(auth(users.caseworker));
      expect(dup.status).toBe(200);
      expect(dup.body.items).toEqual([{ officeCode: officeB.code, count: 2 }]);
      const back = await t
        .http()
        .get(`/v1/cases/${b.id as string}/duplicates`)
        .set(auth(cwB));
      // Office B's own other case (c) is a duplicate too: the own office is now included.
      expect(back.body.items).toEqual(
        [
          { officeCode: officeA.code, count: 1 },
          { officeCode: officeB.code, count: 1 },
        ].sort((x, y) => (x.officeCode === officeB.code ? -1 : y.officeCode === officeB.code ? 1 : 0)),
      );
      expect(back.body.sameOffice).toEqual([c.id]);
      const byPseudonym = await t
        .http()
        .get('/v1/cases')
        .query({ pseudonym: a.pseudonym as string })
        .set(auth(users.caseworker));
      expect(byPseudonym.body.items.map((i: { id: string }) => i.id)).toEqual([a.id]);
      const events = await auditRows(`action = 'case.duplicates' AND resource_id = $1`, [a.id]);
      expect(events.map((e) => e.details)).toEqual([
        { officeId: officeA.id, offices: 1, matchedOfficeIds: [officeB.id], sameOffice: 0, embargoed: false },
      ]);
    });
  });

  describe('idempotency', () => {
    it('same key and body replays the original 201 without creating; another body is 422', async () => {
      const key = uniq('idem-');
      const body = caseBody({ subject: { givenName: uniq('Idem') } });
      const first = await create(users.caseworker, body, { 'Idempotency-Key': key });
      expect(first.status).toBe(201);
      const reordered = Object.fromEntries(Object.entries(body).reverse());
      const second = await create(users.caseworker, reordered, { 'Idempotency-Key': key });
      expect(second.status).toBe(201);
      expect(second.body).toEqual(first.body);
      expect(second.headers.etag).toBe('"1"');
      const { rows } = await t.db.query(
        `SELECT count(*)::int AS n FROM cases WHERE created_by = $1 AND id = $2`,
        [users.caseworker.id, first.body.id],
      );
      expect(rows[0].n).toBe(1);
      const different = await create(
        users.caseworker,
        { ...body, gender: 'male' },
        { 'Idempotency-Key': key },
      );
      expect(different.status).toBe(422);
      // Another user's same key is independent.
      const otherUser = await create(users.supervisor, caseBody({ narrative: undefined }), {
        'Idempotency-Key': key,
      });
      expect(otherUser.status).toBe(201);
      const { rows: stored } = await t.db.query(`SELECT * FROM case_idempotency_keys WHERE key = $1`, [key]);
      expect(stored).toHaveLength(2);
      expect(JSON.stringify(stored)).not.toContain((body.subject as { givenName: string }).givenName);
      const events = await auditRows(`action = 'case.create' AND resource_id = $1`, [first.body.id]);
      expect(events.map((e) => e.details)).toEqual([{ idempotentReplay: false }, { idempotentReplay: true }]);
    });

    it('concurrent retries with one key create one case', async () => {
      const key = uniq('race-');
      const body = caseBody({ subject: { givenName: uniq('Race') } });
      const results = await Promise.all(
        Array.from({ length: 5 }, () => create(users.caseworker, body, { 'Idempotency-Key': key })),
      );
      expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
      expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    });

    it.each([['x'.repeat(129)], ['tab\there']])('a malformed Idempotency-Key %j is 400', async (key) => {
      const res = await create(users.caseworker, caseBody(), { 'Idempotency-Key': key });
      expect(res.status).toBe(400);
      expect(res.body.message).toContain('Idempotency-Key');
    });
  });

  describe('validation', () => {
    const CASES: [string, Record<string, unknown>, string][] = [
      ['a code outside its list', { gender: 'FEMALE' }, 'gender'],
      ['a lower-case country code', { citizenship: 'ph' }, 'citizenship'],
      ['a made-up country code', { countryOfExploitation: 'XX' }, 'countryOfExploitation'],
      ['an impossible date', { registrationDate: '2023-02-30' }, 'registrationDate'],
      ['a string for a boolean', { isAbduction: 'false' }, 'isAbduction'],
      ['a string for consent', { consent: { research: 'yes' } }, 'consent.research'],
      ['a missing consent', { consent: undefined }, 'consent'],
      ['an unknown field', { favouriteColour: 'blue' }, 'favouriteColour'],
      ['an unknown nested field', { subject: { givenName: 'A', secret: 1 } }, 'subject.secret'],
      ['an unknown consent field', { consent: { research: true, extra: 1 } }, 'consent.extra'],
      ['a server-derived field', { ageBroad: '48+' }, 'ageBroad'],
      [
        'a code not in a multi-valued list',
        { exploitationTypes: ['forcedLabour', 'nope'] },
        'exploitationTypes',
      ],
      ['a repeated code', { meansOfControl: ['threats', 'threats'] }, 'meansOfControl'],
      ['a list instead of an object', { subject: [{ givenName: 'A' }] }, 'subject'],
      ['a missing given name', { subject: { familyName: 'B' } }, 'subject.givenName'],
      ['a name that normalizes to nothing', { subject: { givenName: '--' } }, 'subject.givenName'],
      [
        'a document number that normalizes to nothing',
        { subject: { givenName: 'A', documentNumber: ' - / ' } },
        'subject.documentNumber',
      ],
      ['an over-long name', { subject: { givenName: 'a'.repeat(201) } }, 'subject.givenName'],
      ['an over-long narrative', { narrative: 'n'.repeat(20_001) }, 'narrative'],
      ['an unpaired surrogate', { subject: { givenName: 'A\ud800' } }, 'subject.givenName'],
      [
        'a date of birth after registration',
        { subject: { givenName: 'A', dateOfBirth: '2022-01-01' } },
        'subject.dateOfBirth',
      ],
      ['a number for a name', { subject: { givenName: 42 } }, 'subject.givenName'],
    ];
    it.each(CASES)('%s is a 400 naming the field', async (_name, overrides, field) => {
      const res = await create(users.caseworker, caseBody(overrides));
      expect(res.status).toBe(400);
      expect(res.body.message).toContain(field);
      expect(Object.keys(res.body).sort()).toEqual(['error', 'message', 'requestId', 'statusCode']);
    });

    it('never echoes identity values in a 400', async () => {
      const res = await create(
        users.caseworker,
        caseBody({ subject: { givenName: 'Secretname', documentNumber: '--' } }),
      );
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).not.toContain('Secretname');
    });

    it.each(['__proto__', 'constructor'])('a %s key is a 400', async (key) => {
      const raw = JSON.stringify(caseBody()).replace(/^\{/, `{"${key}":{"polluted":true},`);
      const res = await t
        .http()
        .post('/v1/cases')
        .set(auth(users.caseworker))
        .set('Content-Type', 'application/json')
        .send(raw);
      expect(res.status).toBe(400);
      const nested = JSON.stringify(caseBody()).replace('"subject":{', `"subject":{"${key}":{"x":1},`);
      const res2 = await t
        .http()
        .post('/v1/cases')
        .set(auth(users.caseworker))
        .set('Content-Type', 'application/json')
        .send(nested);
      expect(res2.status).toBe(400);
    });

    it('a huge body is a 413, malformed JSON a 400, never a 500', async () => {
      const huge = await create(users.caseworker, caseBody({ narrative: 'x'.repeat(2 * 1024 * 1024) }));
      expect(huge.status).toBe(413);
      const bad = await t
        .http()
        .post('/v1/cases')
        .set(auth(users.caseworker))
        .set('Content-Type', 'application/json')
        .send('{"subject":');
      expect(bad.status).toBe(400);
      const notObject = await t
        .http()
        .post('/v1/cases')
        .set(auth(users.caseworker))
        .set('Content-Type', 'application/json')
        .send('[1,2]');
      expect(notObject.status).toBe(400);
      const nullBody = await t
        .http()
        .post('/v1/cases')
        .set(auth(users.caseworker))
        .set('Content-Type', 'application/json')
        .send('null');
      expect(nullBody.status).toBeGreaterThanOrEqual(400);
      expect(nullBody.status).toBeLessThan(500);
    });

    it('PATCH validates like POST and refuses null for required attributes', async () => {
      const c = await createCase(users.caseworker);
      const url = `/v1/cases/${c.id as string}`;
      for (const [body, field] of [
        [{ gender: null }, 'gender'],
        [{ registrationDate: '2023-02-30' }, 'registrationDate'],
        [{ consent: null }, 'consent'],
        // givenName may be left out of a subject patch (merge), but never removed.
        [{ subject: { givenName: null } }, 'subject.givenName'],
        [{ version: 9 }, 'version'],
        [{}, 'changes no field'],
      ] as [Record<string, unknown>, string][]) {
        const res = await t.http().patch(url).set(auth(users.caseworker)).set('If-Match', '"1"').send(body);
        expect({ field, status: res.status }).toEqual({ field, status: 400 });
        expect(res.body.message).toContain(field);
      }
      const cleared = await t
        .http()
        .patch(url)
        .set(auth(users.caseworker))
        .set('If-Match', '"1"')
        .send({ narrative: null, isAbduction: null });
      expect(cleared.status).toBe(200);
      expect(cleared.body).toMatchObject({ narrative: null, isAbduction: null });
    });

    it('query parameters are validated', async () => {
      for (const query of [
        { limit: '0' },
        { limit: '101' },
        { limit: 'ten' },
        { pseudonym: 'XYZ' },
        { updatedSince: 'yesterday' },
        { givenName: '--' },
        { unknown: '1' },
      ]) {
        const res = await t.http().get('/v1/cases').query(query).set(auth(users.caseworker));
        expect({ query, status: res.status }).toEqual({ query, status: 400 });
      }
      const bad = await t.http().get('/v1/cases/not-a-uuid').set(auth(users.caseworker));
      expect(bad.status).toBe(400);
    });
  });

  describe('audit', () => {
    it('every case action is audited with its exact name, and no detail holds an identity value or narrative', async () => {
      const given = uniq('Auditcanary');
      const doc = uniq('AUD').toUpperCase();
      const sentence = `Audit canary narrative ${uniq('q')}`;
      const c = await createCase(
        users.caseworker,
        caseBody({ subject: { givenName: given, documentNumber: doc }, narrative: sentence }),
      );
      const id = c.id as string;
      await t.http().get(`/v1/cases/${id}`).set(auth(users.caseworker));
      await t
        .http()
        .get('/v1/cases')
        .query({ givenName: given, documentNumber: doc })
        .set(auth(users.caseworker));
      await t.http().get(`/v1/cases/${id}/duplicates`).set(auth(users.caseworker));
      await t
        .http()
        .patch(`/v1/cases/${id}`)
        .set(auth(users.caseworker))
        .set('If-Match', '"1"')
        .send({ subject: { givenName: `${given}b` } });
      await t.http().delete(`/v1/cases/${id}`).set(auth(users.supervisor));
      await t.http().get(`/v1/cases/${id}`).set(auth(users.researcher));

      const events = await auditRows(`resource_id = $1`, [id]);
      expect(events.map((e) => `${e.action}:${e.outcome}`)).toEqual([
        'case.create:allowed',
        'case.read:allowed',
        'case.duplicates:allowed',
        'case.update:allowed',
        'case.erase:allowed',
      ]);
      const lists = await auditRows(`action = 'case.list' AND outcome = 'allowed'`);
      expect(lists.map((e) => e.details)).toContainEqual({
        filters: ['givenName', 'documentNumber'],
        count: 1,
        limit: 50,
      });
      const denials = await auditRows(
        `action = 'case.read' AND outcome = 'denied' AND details->>'reason' = 'role'`,
      );
      expect(denials.length).toBeGreaterThan(0);

      const { rows } = await t.db.query(`SELECT details::text AS d FROM audit_events`);
      const all = (rows as { d: string }[]).map((r) => r.d.toLowerCase()).join('\n');
      for (const needle of [given, doc, sentence, 'canary', 'haddad', 'p1234567', 'recruited through']) {
        expect({ needle, found: all.includes(needle.toLowerCase()) }).toEqual({ needle, found: false });
      }
    });
  });

  describe('OpenAPI', () => {
    it('documents the case routes with their headers and status codes', async () => {
      const res = await t.http().get('/docs-json');
      expect(res.status).toBe(200);
      const paths = res.body.paths as Record<
        string,
        Record<string, { parameters?: { name: string; in: string }[]; responses: Record<string, unknown> }>
      >;
      const post = paths['/v1/cases'].post;
      expect(post.parameters?.map((p) => p.name)).toContain('Idempotency-Key');
      expect(Object.keys(post.responses)).toEqual(
        expect.arrayContaining(['201', '400', '401', '403', '413', '422']),
      );
      const patch = paths['/v1/cases/{id}'].patch;
      expect(patch.parameters?.map((p) => p.name)).toContain('If-Match');
      expect(Object.keys(patch.responses)).toEqual(
        expect.arrayContaining(['200', '400', '401', '403', '404', '409', '412', '428']),
      );
      expect(Object.keys(paths['/v1/cases/{id}'].delete.responses)).toEqual(
        expect.arrayContaining(['204', '404', '409']),
      );
      expect(Object.keys(paths['/v1/cases/{id}/duplicates'].get.responses)).toEqual(
        expect.arrayContaining(['200', '404']),
      );
    });
  });
});
