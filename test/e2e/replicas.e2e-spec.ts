import { adminToken, createOffice, createUser, PASSWORD } from '../factories.js';
import { startTestApp, type TestApp } from '../test-app.js';

/** Two processes on one database behave as one service: nothing that must be shared lives in memory. */
describe('stateless replicas (e2e)', () => {
  let a: TestApp;
  let b: TestApp;
  let admin: string;
  let officeId: string;

  beforeAll(async () => {
    a = await startTestApp();
    b = await startTestApp({}, { replicaOf: a });
    admin = await adminToken(a);
    officeId = (await createOffice(a, admin)).id;
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  const me = (t: TestApp, token: string) =>
    t.http().get('/v1/auth/me').set('Authorization', `Bearer ${token}`);

  it('a token issued by one replica works on the other, and logout on one revokes it on both', async () => {
    const user = await createUser(a, admin, 'caseworker', officeId);
    expect((await me(b, user.token)).status).toBe(200);
    expect((await b.http().post('/v1/auth/logout').set('Authorization', `Bearer ${user.token}`)).status).toBe(
      204,
    );
    expect((await me(a, user.token)).status).toBe(401);
    expect((await me(b, user.token)).status).toBe(401);
  });

  it('failed-login counters are shared: failures spread over both replicas still lead to 429', async () => {
    const user = await createUser(a, admin, 'auditor');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const replica = i % 2 === 0 ? a : b;
      const res = await replica
        .http()
        .post('/v1/auth/login')
        .send({ username: user.username, password: `nope-${i}-wrong` });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    const right = await b.http().post('/v1/auth/login').send({ username: user.username, password: PASSWORD });
    expect(right.status).toBe(429);
  });

  it('both replicas append to one audit chain that verifies', async () => {
    const auditor = await createUser(b, admin, 'auditor');
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b).http().get('/v1/offices').set('Authorization', `Bearer ${admin}`),
      ),
    );
    const res = await a.http().get('/v1/audit/verify').set('Authorization', `Bearer ${auditor.token}`);
    expect(res.body).toMatchObject({ ok: true });
  });
});
