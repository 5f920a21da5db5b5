import {
  adminToken,
  createCase,
  createOffice,
  createUser,
  exampleCase,
  type TestUser,
} from '../factories.js';
import { securityHeaders } from '../../src/common/security-headers.js';
import { startTestApp, type TestApp } from '../test-app.js';

describe('password policy, no-store, 404 bodies and identity characters (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let officeId: string;
  let worker: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminToken(t);
    officeId = (await createOffice(t, admin)).id;
    worker = await createUser(t, admin, 'caseworker', officeId);
  });
  afterAll(async () => {
    await t.close();
  });

  const createWith = (password: string) =>
    t
      .http()
      .post('/v1/users')
      .set('Authorization', `Bearer ${admin}`)
      .send({ username: `u${Date.now().toString(36)}`, password, role: 'auditor' });

  it.each([
    ['12 spaces', ' '.repeat(12), 'at least 12 characters'],
    ['one letter repeated', 'aaaaaaaaaaaa', 'single character repeated'],
    ['a common password', 'password1234', 'too easy to guess'],
    ['a run', 'abcdefghijklmn', 'consecutive characters'],
  ])('refuses %s with a 400 naming the rule, never echoing it', async (_name, password, rule) => {
    const res = await createWith(password);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain(rule);
    expect(res.body.message).toContain('password');
    if (password.trim()) expect(JSON.stringify(res.body)).not.toContain(password);
  });

  it('refuses a weak password on PATCH too', async () => {
    const res = await t
      .http()
      .patch(`/v1/users/${worker.id}`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ password: 'qwertyuiop12' });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('too easy to guess');
  });

  it('every response carries Cache-Control: no-store (tokens, cases, errors)', async () => {
    const login = await t.http().post('/v1/auth/login').send({ username: 'admin', password: 'x' });
    expect(login.headers['cache-control']).toBe('no-store');
    const created = await createCase(t, worker.token);
    const read = await t.http().get(`/v1/cases/${created.id}`).set('Authorization', `Bearer ${worker.token}`);
    expect(read.status).toBe(200);
    expect(read.headers['cache-control']).toBe('no-store');
    const list = await t.http().get('/v1/cases').set('Authorization', `Bearer ${worker.token}`);
    expect(list.headers['cache-control']).toBe('no-store');
    const denied = await t.http().get('/v1/cases');
    expect(denied.status).toBe(401);
    expect(denied.headers['cache-control']).toBe('no-store');
  });

  it('every response carries the security headers (helmet’s, computed once), errors and 404s included', async () => {
    const created = await createCase(t, worker.token);
    const responses = [
      await t.http().get('/health'),
      await t.http().get(`/v1/cases/${created.id}`).set('Authorization', `Bearer ${worker.token}`),
      await t.http().get('/v1/cases'),
      await t.http().get('/v1/nowhere'),
      await t.http().post('/v1/auth/login').set('Content-Type', 'application/json').send('{"a":'),
    ];
    for (const res of responses) {
      expect(res.headers).toMatchObject(securityHeaders());
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
        'referrer-policy': 'no-referrer',
      });
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['content-security-policy']).toContain("object-src 'none'");
    }
  });

  it('a 404 body does not echo the query string', async () => {
    const res = await t
      .http()
      .get('/v1/casez?givenName=Amina&familyName=Haddad')
      .set('Authorization', `Bearer ${worker.token}`);
    expect(res.status).toBe(404);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = JSON.stringify(res.body);
    expect(body).not.toContain('Amina');
    expect(body).not.toContain('Haddad');
    expect(body).not.toContain('?');
  });

  it.each([
    ['documentNumber', 'P123\u202e4567'],
    ['givenName', 'Am\u2066ina'],
    ['familyName', 'Had\u200fdad'],
    ['phone', '+63\u0007 555'],
    ['address', 'Street 1\u0085Town'],
  ])('refuses a control or bidi character in subject.%s (400 naming the field)', async (field, value) => {
    const subject = { givenName: 'Amina', [field]: value };
    const res = await t
      .http()
      .post('/v1/cases')
      .set('Authorization', `Bearer ${worker.token}`)
      .send(exampleCase({ subject }));
    expect(res.status).toBe(400);
    expect(res.body.message).toContain(field);
    expect(JSON.stringify(res.body)).not.toContain(value);
  });

  it('refuses a bidi control in a search parameter', async () => {
    const res = await t
      .http()
      .get('/v1/cases')
      .query({ documentNumber: 'P123\u202e4567' })
      .set('Authorization', `Bearer ${worker.token}`);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('documentNumber');
  });
});
