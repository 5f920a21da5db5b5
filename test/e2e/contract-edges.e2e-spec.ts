import { randomUUID } from 'node:crypto';
import { CASE_ATTRIBUTES } from '../../src/ctdc/attributes.js';
import {
  adminToken,
  createCase,
  createOffice,
  createUser,
  exampleCase,
  type TestUser,
} from '../factories.js';
import { startTestApp, type TestApp } from '../test-app.js';

/**
 * Edges of the contract an outside review found (2026-12-03): nulls that reached a database CHECK (500),
 * races past a check-then-insert (500), bodies sent to routes that take none, the JSON Merge Patch media
 * type, and the order of PATCH's refusals.
 */
describe('contract edges (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let worker: TestUser;
  let supervisor: TestUser;
  const auth = (u: TestUser | string) => ({ Authorization: `Bearer ${typeof u === 'string' ? u : u.token}` });
  const caseCount = async () => Number((await t.db.query(`SELECT count(*) FROM cases`)).rows[0].count);

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminToken(t);
    const officeId = (await createOffice(t, admin)).id;
    worker = await createUser(t, admin, 'caseworker', officeId);
    supervisor = await createUser(t, admin, 'supervisor', officeId);
  });
  afterAll(async () => {
    await t.close();
  });

  const optional = Object.entries(CASE_ATTRIBUTES).filter(([, spec]) => !spec.required);
  const notNullable = optional.filter(([, spec]) => !spec.nullable).map(([name]) => name);
  const nullable = optional.filter(([, spec]) => spec.nullable).map(([name]) => name);

  it.each(notNullable)(
    'a create with %s: null is a 400 naming it (an optional field, not a nullable one)',
    async (name) => {
      const before = await caseCount();
      const res = await t
        .http()
        .post('/v1/cases')
        .set(auth(worker))
        .send(exampleCase({ [name]: null }));
      expect(res.status).toBe(400);
      expect(res.body.message).toContain(name);
      expect(await caseCount()).toBe(before);
    },
  );

  it.each(nullable)('a create with %s: null is stored as not recorded', async (name) => {
    const res = await t
      .http()
      .post('/v1/cases')
      .set(auth(worker))
      .send(exampleCase({ [name]: null }));
    expect(res.status).toBe(201);
    expect(res.body[name]).toBeNull();
  });

  it('an import line with a null attribute fails alone, naming the field; the lines around it are imported', async () => {
    const lines = [
      exampleCase({ narrative: 'first' }),
      exampleCase({ labourSectors: null }),
      exampleCase({ narrative: 'third' }),
    ].map((line) => JSON.stringify(line));
    const res = await t
      .http()
      .post('/v1/cases/import')
      .set(auth(worker))
      .set('Content-Type', 'application/x-ndjson')
      .send(lines.join('\n'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ imported: 2, failed: 1 });
    expect(res.body.errors).toEqual([expect.objectContaining({ line: 2, fields: ['labourSectors'] })]);
  });

  it('concurrent creates of one username or one office code: one 201, the others 409 (never 500)', async () => {
    const username = `race-${Date.now().toString(36)}`;
    const users = await Promise.all(
      Array.from({ length: 6 }, () =>
        t
          .http()
          .post('/v1/users')
          .set(auth(admin))
          .send({ username, password: 'a-long-enough-password-9', role: 'auditor' }),
      ),
    );
    expect(users.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    const code = `R${Date.now().toString(36).toUpperCase()}`.slice(0, 12);
    const offices = await Promise.all(
      Array.from({ length: 6 }, () =>
        t.http().post('/v1/offices').set(auth(admin)).send({ code, name: 'Race office', countryCode: 'PH' }),
      ),
    );
    expect(offices.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    for (const res of [...users, ...offices].filter((r) => r.status === 409)) {
      expect(Object.keys(res.body).sort()).toEqual(['error', 'message', 'requestId', 'statusCode']);
    }
  });

  it('a route that takes no body refuses fields (400 naming them, nothing done), and takes none, {} or an empty JSON body', async () => {
    const { id } = await createCase(t, worker.token);
    const refused = await t.http().delete(`/v1/cases/${id}`).set(auth(supervisor)).send({ force: true });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain('force');
    expect((await t.http().get(`/v1/cases/${id}`).set(auth(worker))).body.erasedAt).toBeNull();

    const erased = await t
      .http()
      .delete(`/v1/cases/${id}`)
      .set(auth(supervisor))
      .set('Content-Type', 'application/json')
      .send('');
    expect(erased.status).toBe(204);
    const other = await createCase(t, worker.token);
    expect((await t.http().delete(`/v1/cases/${other.id}`).set(auth(supervisor)).send({})).status).toBe(204);

    const logout = await t.http().post('/v1/auth/logout').set(auth(worker)).send({ everywhere: true });
    expect(logout.status).toBe(400);
    expect((await t.http().get('/v1/auth/me').set(auth(worker))).status).toBe(200);
    const transfer = await t
      .http()
      .post(`/v1/transfers/${randomUUID()}/accept`)
      .set(auth(supervisor))
      .send([1, 2]);
    expect(transfer.status).toBe(400);
  });

  it('PATCH takes application/merge-patch+json (RFC 7396); other routes do not', async () => {
    const { id } = await createCase(t, worker.token);
    const res = await t
      .http()
      .patch(`/v1/cases/${id}`)
      .set(auth(worker))
      .set('If-Match', '"1"')
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ subject: { documentNumber: null } }));
    expect(res.status).toBe(200);
    expect(res.body.subject.documentNumber).toBeNull();
    expect(res.body.subject.givenName).toBe('Amina');
    const post = await t
      .http()
      .post('/v1/cases')
      .set(auth(worker))
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify(exampleCase()));
    expect(post.status).toBe(415);
    const doc = (await t.http().get('/docs-json')).body;
    expect(Object.keys(doc.paths['/v1/cases/{id}'].patch.requestBody.content)).toEqual(
      expect.arrayContaining(['application/json', 'application/merge-patch+json']),
    );
  });

  it('PATCH without If-Match: 404 for no such case, 409 for an erased one, then 428; If-Match * is a 412 saying why', async () => {
    const patch = (id: string) =>
      t.http().patch(`/v1/cases/${id}`).set(auth(worker)).send({ gender: 'male' });
    expect((await patch(randomUUID())).status).toBe(404);
    const { id } = await createCase(t, worker.token);
    expect((await patch(id)).status).toBe(428);
    const star = await t
      .http()
      .patch(`/v1/cases/${id}`)
      .set(auth(worker))
      .set('If-Match', '*')
      .send({ gender: 'male' });
    expect(star.status).toBe(412);
    expect(star.body.message).toContain('If-Match * is not accepted');
    expect((await t.http().delete(`/v1/cases/${id}`).set(auth(supervisor))).status).toBe(204);
    expect((await patch(id)).status).toBe(409);
  });
});
