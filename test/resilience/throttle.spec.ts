import { adminToken, createUser, login, PASSWORD, type TestUser } from '../factories.js';
import { startTestApp, type TestApp } from '../test-app.js';

const ERROR_KEYS = ['error', 'message', 'requestId', 'statusCode'];

describe('throttling and anonymous denials (resilience)', () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp({
      // The test's requests come through "a proxy" on loopback, naming their client in X-Forwarded-For.
      TRUST_PROXY: '127.0.0.1,::1,::ffff:127.0.0.1',
      LOGIN_ACCOUNT_DELAY_MAX_MS: '300',
      DENIAL_SUMMARY_SECONDS: '2',
      RATE_LIMIT_PER_ACCOUNT: '100',
      RATE_LIMIT_PER_CLIENT: '100000',
    });
    admin = await adminToken(t);
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  const attempt = (username: string, password: string, ip: string) =>
    t.http().post('/v1/auth/login').set('X-Forwarded-For', ip).send({ username, password });

  const deniedLogins = async (accountId: string, reason: string): Promise<number> => {
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_events
        WHERE action = 'auth.login' AND outcome = 'denied' AND actor_id = $1 AND details->>'reason' = $2`,
      [accountId, reason],
    );
    return (rows[0] as { n: number }).n;
  };

  it('100 parallel wrong passwords for one account from one client: at most the configured 10 are checked', async () => {
    const user = await createUser(t, admin, 'auditor');
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => attempt(user.username, `wrong-password-${i}`, '10.0.0.1')),
    );
    const statuses = answers.map((res) => res.status);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
    expect(await deniedLogins(user.id, 'bad_credentials')).toBeLessThanOrEqual(10);
    const refused = answers.find((res) => res.status === 429);
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThan(0);
    expect(Object.keys(refused?.body as object).sort()).toEqual(ERROR_KEYS);
  });

  it('the owner still logs in from their own address while an attacker fails from many others', async () => {
    const owner = await createUser(t, admin, 'caseworker', await officeId());
    await login(t, owner.username, PASSWORD); // from the test's own address (127.0.0.1)
    expect((await attempt(owner.username, PASSWORD, '10.1.0.1')).status).toBe(200);
    // 40 addresses x 3 failures: far over the per-account delay threshold (20), never a lock.
    const attacks = await Promise.all(
      Array.from({ length: 120 }, (_, i) => attempt(owner.username, `guess-${i}`, `10.1.1.${i % 40}`)),
    );
    expect(attacks.every((res) => res.status === 401)).toBe(true);

    const started = Date.now();
    expect((await attempt(owner.username, PASSWORD, '10.1.0.1')).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2000);
    // From an address the account does not know: delayed (at most the cap), never refused.
    expect((await attempt(owner.username, PASSWORD, '10.1.9.9')).status).toBe(200);
  });

  it('failures on made-up names lock the client, but not the users who logged in from that address before', async () => {
    const colleague = await createUser(t, admin, 'auditor');
    expect((await attempt(colleague.username, PASSWORD, '10.2.0.1')).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++)
      statuses.push((await attempt(`nobody-${i}`, 'wrong-password', '10.2.0.1')).status);
    expect(statuses.slice(0, 50).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(50).every((s) => s === 429)).toBe(true);
    expect((await attempt(colleague.username, PASSWORD, '10.2.0.1')).status).toBe(200);
    // The same limit from another address does not apply.
    expect((await attempt('nobody-x', 'wrong-password', '10.2.0.2')).status).toBe(401);
  });

  it('repeated unauthenticated denials from one client are one event, then one summary with a count', async () => {
    const count = async (reason: string) => {
      const { rows } = await t.db.query(
        `SELECT details FROM audit_events WHERE action = 'case.list' AND details->>'reason' = $1 ORDER BY seq`,
        [reason],
      );
      return rows.map((row: { details: Record<string, unknown> }) => row.details);
    };
    const before = (await count('missing_token')).length;
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 300 }, () => t.http().get('/v1/cases').set('X-Forwarded-For', '10.3.0.1')),
    );
    expect(answers.every((res) => res.status === 401)).toBe(true);
    const intervals = Math.ceil((Date.now() - started) / 2000) + 1;
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const events = (await count('missing_token')).slice(before);
    // Per interval: the client's first 50 denials at once, the identical ones after them as one summary.
    expect(events.length).toBeLessThanOrEqual(51 * intervals);
    expect(events.length).toBeLessThan(300);
    const counted = events.reduce(
      (sum, d) => sum + (typeof d.deniedCount === 'number' ? d.deniedCount : 1),
      0,
    );
    expect(counted).toBe(300);
    const summary = events.find((d) => d.deniedCount !== undefined);
    expect(summary).toEqual({ reason: 'missing_token', deniedCount: expect.any(Number), windowSeconds: 2 });
  });

  it('authenticated denials are audited one by one', async () => {
    const caseworker = await createUser(t, admin, 'caseworker', await officeId());
    for (let i = 0; i < 20; i++) {
      const res = await t.http().get('/v1/audit/events').set('Authorization', `Bearer ${caseworker.token}`);
      expect(res.status).toBe(403);
    }
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE action = 'audit.read' AND outcome = 'denied' AND actor_id = $1`,
      [caseworker.id],
    );
    expect((rows[0] as { n: number }).n).toBe(20);
  });

  it('the general rate limit allows 100 requests per second per account, announced by RateLimit headers', async () => {
    const user: TestUser = await createUser(t, admin, 'auditor');
    const answers = await Promise.all(
      Array.from({ length: 130 }, () =>
        t.http().get('/v1/auth/me').set('Authorization', `Bearer ${user.token}`),
      ),
    );
    const ok = answers.filter((res) => res.status === 200);
    const limited = answers.filter((res) => res.status === 429);
    expect(ok.length + limited.length).toBe(130);
    expect(ok.length).toBeGreaterThanOrEqual(100);
    expect(ok[0].headers['ratelimit-limit']).toBe('100');
    expect(ok[0].headers['ratelimit-remaining']).toBeDefined();
    if (limited.length > 0) {
      expect(Number(limited[0].headers['retry-after'])).toBeGreaterThan(0);
      expect(Object.keys(limited[0].body as object).sort()).toEqual(ERROR_KEYS);
    }
    // Another account is not limited by this one's traffic.
    const other = await createUser(t, admin, 'auditor');
    expect((await t.http().get('/v1/auth/me').set('Authorization', `Bearer ${other.token}`)).status).toBe(
      200,
    );
  });

  let office: string | undefined;
  async function officeId(): Promise<string> {
    if (office) return office;
    const res = await t
      .http()
      .post('/v1/offices')
      .set('Authorization', `Bearer ${admin}`)
      .send({
        code: `TH${Date.now().toString(36).toUpperCase()}`,
        name: 'Throttle office',
        countryCode: 'PH',
      });
    office = (res.body as { id: string }).id;
    return office;
  }
});
