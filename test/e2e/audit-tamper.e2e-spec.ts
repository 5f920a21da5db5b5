import { adminToken, createOffice, createUser, type TestUser } from '../factories.js';
import { startTestApp, type TestApp } from '../test-app.js';

/** Tampering is done as the database superuser with the append-only triggers switched off: the strongest insider. */
describe('audit verify detects tampering done directly in the database (e2e)', () => {
  let t: TestApp;
  let auditor: TestUser;

  const verify = async (query = '') => {
    const res = await t
      .http()
      .get(`/v1/audit/verify${query}`)
      .set('Authorization', `Bearer ${auditor.token}`);
    expect(res.status).toBe(200);
    return res.body as { ok: boolean; checked: number; headHash?: string; firstBadSeq?: number };
  };
  const asAttacker = async (sql: string, params: unknown[] = []) => {
    await t.db.query('SET session_replication_role = replica');
    try {
      await t.db.query(sql, params);
    } finally {
      await t.db.query('SET session_replication_role = DEFAULT');
    }
  };

  beforeAll(async () => {
    t = await startTestApp();
    const admin = await adminToken(t);
    const office = await createOffice(t, admin);
    for (let i = 0; i < 5; i++) await createUser(t, admin, 'caseworker', office.id);
    auditor = await createUser(t, admin, 'auditor');
  }, 60_000);
  afterAll(async () => {
    await t.close();
  });

  it('a clean log verifies, reporting how many events it checked and the root of the heads it signed', async () => {
    const result = await verify();
    expect(result.ok).toBe(true);
    expect(result.checked).toBeGreaterThan(10);
    expect(result.headHash).toMatch(/^[0-9a-f]{64}$/);
    const { rows } = await t.db.query(
      `SELECT head_hash, heads FROM audit_checkpoints ORDER BY seq DESC, at DESC LIMIT 1`,
    );
    expect(rows[0].head_hash).toBe(result.headHash);
    // Every stripe's head: the newest event of each stripe before the verify event.
    const { rows: tails } = await t.db.query(
      `SELECT DISTINCT ON (stripe) stripe, stripe_seq::int, hash FROM audit_events
        WHERE seq < (SELECT max(seq) FROM audit_events) ORDER BY stripe, stripe_seq DESC`,
    );
    const heads = rows[0].heads as { stripe: number; stripeSeq: number; hash: string }[];
    expect(heads).toHaveLength(16);
    for (const tail of tails) {
      expect(heads[tail.stripe]).toMatchObject({ stripeSeq: tail.stripe_seq, hash: tail.hash });
    }
    expect(heads.reduce((n, h) => n + h.stripeSeq, 0)).toBe(result.checked);
  });

  it('an UPDATE of one event is reported at its seq', async () => {
    const { rows } = await t.db.query(`SELECT outcome FROM audit_events WHERE seq = 5`);
    await asAttacker(`UPDATE audit_events SET outcome = 'failed' WHERE seq = 5`);
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 5 });
    await asAttacker(`UPDATE audit_events SET outcome = $1 WHERE seq = 5`, [rows[0].outcome]);
    expect((await verify()).ok).toBe(true);
  });

  it('an UPDATE of details only (jsonb) is detected too', async () => {
    const { rows } = await t.db.query(`SELECT details FROM audit_events WHERE seq = 7`);
    await asAttacker(`UPDATE audit_events SET details = details || '{"role":"admin"}' WHERE seq = 7`);
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 7 });
    await asAttacker(`UPDATE audit_events SET details = $1 WHERE seq = 7`, [rows[0].details]);
    expect((await verify()).ok).toBe(true);
  });

  it('a DELETE of one event is reported at the missing seq', async () => {
    const { rows } = await t.db.query(`SELECT row_to_json(e) AS r FROM audit_events e WHERE seq = 4`);
    await asAttacker(`DELETE FROM audit_events WHERE seq = 4`);
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 4 });
    await asAttacker(`INSERT INTO audit_events SELECT * FROM json_populate_record(null::audit_events, $1)`, [
      rows[0].r,
    ]);
    expect((await verify()).ok).toBe(true);
  });

  it('swapping the order of two events is reported at the first swapped seq', async () => {
    await asAttacker(`UPDATE audit_events SET seq = -1 WHERE seq = 3`);
    await asAttacker(`UPDATE audit_events SET seq = 3 WHERE seq = 6`);
    await asAttacker(`UPDATE audit_events SET seq = 6 WHERE seq = -1`);
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 3 });
    await asAttacker(`UPDATE audit_events SET seq = -1 WHERE seq = 3`);
    await asAttacker(`UPDATE audit_events SET seq = 3 WHERE seq = 6`);
    await asAttacker(`UPDATE audit_events SET seq = 6 WHERE seq = -1`);
    expect((await verify()).ok).toBe(true);
  });

  it('with expectHead: a head that is not in the intact chain is a headMismatch, not a bad seq', async () => {
    const recorded = await verify();
    expect(recorded.ok).toBe(true);
    expect((await verify(`?expectHead=${recorded.headHash}`)).ok).toBe(true);
    const mismatch = await verify(`?expectHead=${'b'.repeat(64)}`);
    expect(mismatch).toMatchObject({ ok: false, headMismatch: true });
    expect(mismatch).not.toHaveProperty('firstBadSeq');
    const { rows } = await t.db.query(`SELECT max(seq)::int AS m FROM audit_events`);
    expect((mismatch as unknown as { intactThroughSeq: number }).intactThroughSeq).toBe(rows[0].m - 1);
    expect(
      (await t.http().get('/v1/audit/verify?expectHead=xyz').set('Authorization', `Bearer ${auditor.token}`))
        .status,
    ).toBe(400);
  });

  it('a planted or removed side-table resource id is reported at its event', async () => {
    await asAttacker(`INSERT INTO audit_event_resources (seq, pos, resource_id) VALUES (6, 1, 'planted')`);
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 6 });
    await asAttacker(`DELETE FROM audit_event_resources WHERE seq = 6`);
    expect((await verify()).ok).toBe(true);
  });

  it('an event inserted in the middle is detected (runs last: the log is left tampered)', async () => {
    const { rows } = await t.db.query(`SELECT * FROM audit_events WHERE seq = 2`);
    const r = rows[0];
    await asAttacker(`UPDATE audit_events SET seq = seq + 1000000 WHERE seq >= 2`);
    await asAttacker(`UPDATE audit_events SET seq = seq - 1000000 + 1 WHERE seq >= 1000000`);
    await asAttacker(
      `INSERT INTO audit_events (seq, at, actor_id, actor_role, action, resource_type, resource_id, outcome, request_id, details, prev_hash, hash, hash_version)
       VALUES (2,$1,NULL,NULL,'auth.logout',NULL,NULL,'allowed',NULL,'{}',$2,$3,2)`,
      [r.at, r.prev_hash, r.hash],
    );
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 2 });
  });
});
