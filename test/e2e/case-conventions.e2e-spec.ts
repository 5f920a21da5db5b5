import {
  adminToken,
  createCase,
  createOffice,
  createUser,
  exampleCase,
  type TestUser,
} from '../factories.js';
import { startTestApp, type TestApp } from '../test-app.js';

const auth = (user: TestUser) => ({ Authorization: `Bearer ${user.token}` });
const isoDay = (offsetDays: number) =>
  new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

describe('PATCH merges the subject, dates in the future are refused, lists sort (e2e, real PostgreSQL)', () => {
  let t: TestApp;
  let cw: TestUser;

  const patch = (id: string, version: number, body: Record<string, unknown>) =>
    t.http().patch(`/v1/cases/${id}`).set(auth(cw)).set('If-Match', `"${version}"`).send(body);

  beforeAll(async () => {
    t = await startTestApp();
    const admin = await adminToken(t);
    const office = await createOffice(t, admin);
    cw = await createUser(t, admin, 'caseworker', office.id);
  }, 120_000);
  afterAll(async () => {
    await t.close();
  });

  it('PATCH {subject: {familyName}} changes that field only; null removes a field; givenName cannot be removed', async () => {
    const { id } = await createCase(t, cw.token, {
      subject: { givenName: 'Amina', familyName: 'Haddad', dateOfBirth: '2004-05-17', phone: '+63 1' },
    });
    const first = await patch(id, 1, { subject: { familyName: 'Haddad-Smith' } });
    expect(first.status).toBe(200);
    expect(first.body.subject).toEqual({
      givenName: 'Amina',
      familyName: 'Haddad-Smith',
      dateOfBirth: '2004-05-17',
      documentNumber: null,
      phone: '+63 1',
      address: null,
    });
    const second = await patch(id, 2, { subject: { phone: null, dateOfBirth: null } });
    expect(second.status).toBe(200);
    expect(second.body.subject).toMatchObject({ givenName: 'Amina', phone: null, dateOfBirth: null });
    expect(second.body.ageBroad).toBe('unknown');
    // The blind index follows the merged subject: the new family name is searchable, the old one is not.
    const found = await t.http().get('/v1/cases').query({ familyName: 'haddad smith' }).set(auth(cw));
    expect(found.body.items.map((c: { id: string }) => c.id)).toContain(id);
    const removed = await patch(id, 3, { subject: { givenName: null } });
    expect(removed.status).toBe(400);
    expect(removed.body.message).toMatch(/subject\.givenName/);
    const renamed = await patch(id, 3, { subject: { givenName: 'Aminah' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.subject).toMatchObject({ givenName: 'Aminah', familyName: 'Haddad-Smith' });
    expect((await patch(id, 4, { subject: { unknown: 'x' } })).status).toBe(400);
  });

  it('a registrationDate or dateOfBirth in the future (after today, UTC) is a 400 naming the field; today is fine', async () => {
    // Tomorrow's UTC date: until 2026-12-02 it passed from 10:00 UTC on (the bound was the date at UTC+14).
    const future = isoDay(1);
    const res = await t
      .http()
      .post('/v1/cases')
      .set(auth(cw))
      .send(exampleCase({ registrationDate: future }));
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/registrationDate must not be in the future/);
    const dob = await t
      .http()
      .post('/v1/cases')
      .set(auth(cw))
      .send(exampleCase({ registrationDate: isoDay(0), subject: { givenName: 'A', dateOfBirth: future } }));
    expect(dob.status).toBe(400);
    expect(dob.body.message).toMatch(/subject\.dateOfBirth must not be in the future/);
    expect(JSON.stringify(dob.body)).not.toContain(future);
    const { id } = await createCase(t, cw.token, { registrationDate: isoDay(0) });
    expect((await patch(id, 1, { registrationDate: future })).status).toBe(400);
    const line = JSON.stringify(exampleCase({ registrationDate: future }));
    const imported = await t
      .http()
      .post('/v1/cases/import')
      .set(auth(cw))
      .set('Content-Type', 'application/x-ndjson')
      .send(line);
    expect(imported.body.errors).toEqual([
      { line: 1, fields: ['registrationDate'], message: expect.any(String) },
    ]);
  });

  it.each(['createdAt', '-createdAt', 'updatedAt', '-updatedAt'])(
    'sort=%s pages through every case once, in order, with a cursor of that sort',
    async (sort) => {
      const admin = await adminToken(t);
      const office = await createOffice(t, admin);
      const user = await createUser(t, admin, 'caseworker', office.id);
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) ids.push((await createCase(t, user.token)).id);
      // Touch two early cases so that updatedAt differs from createdAt order.
      for (const id of [ids[1], ids[0]]) {
        await t
          .http()
          .patch(`/v1/cases/${id}`)
          .set(auth(user))
          .set('If-Match', '"1"')
          .send({ gender: 'male' });
      }
      const seen: { id: string; createdAt: string; updatedAt: string }[] = [];
      let cursor: string | null = null;
      do {
        const res: { status: number; body: { items: typeof seen; nextCursor: string | null } } = await t
          .http()
          .get('/v1/cases')
          .query({ sort, limit: 3, ...(cursor ? { cursor } : {}) })
          .set(auth(user));
        expect(res.status).toBe(200);
        seen.push(...res.body.items);
        cursor = res.body.nextCursor;
      } while (cursor !== null);
      expect(seen.map((c) => c.id).sort()).toEqual([...ids].sort());
      const field = sort.replace('-', '') as 'createdAt' | 'updatedAt';
      const keys = seen.map((c) => `${c[field]}|${c.id}`);
      const sorted = [...keys].sort();
      expect(keys).toEqual(sort.startsWith('-') ? sorted.reverse() : sorted);
    },
  );

  it('a cursor of one sort is refused under another; an unknown sort is a 400', async () => {
    for (let i = 0; i < 2; i++) await createCase(t, cw.token);
    const page = await t.http().get('/v1/cases').query({ sort: '-updatedAt', limit: 1 }).set(auth(cw));
    const other = await t
      .http()
      .get('/v1/cases')
      .query({ sort: 'createdAt', cursor: page.body.nextCursor as string })
      .set(auth(cw));
    expect(other.status).toBe(400);
    expect(other.body.message).toMatch(/cursor/);
    expect((await t.http().get('/v1/cases').query({ sort: 'name' }).set(auth(cw))).status).toBe(400);
  });
});
