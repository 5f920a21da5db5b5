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
    await t.db.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
    try {
      await t.db.query(sql, params);
    } finally {
      await t.db.query('ALTER TABLE audit_events ENABLE TRIGGER USER');
    }
  };

  beforeAll(async () => {
    t = await startTestApp();
    const admin = await adminToken(t);
    const office = await createOffice(t, admin);
    for (let i = 0; i < 5; i++) await createUser(t, admin, 'caseworker', office.id);
    auditor = await createUser(t, admin, 'auditor');
  });
  afterAll(async () => {
    await t.close();
  });

  it('a clean log verifies, reporting how many events it checked and the head hash', async () => {
    const result = await verify();
    expect(result.ok).toBe(true);
    expect(result.checked).toBeGreaterThan(10);
    expect(result.headHash).toMatch(/^[0-9a-f]{64}$/);
    const head = await t.db.query('SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1 OFFSET 1');
    expect(result.headHash).toBe(head.rows[0].hash);
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
    const { rows } = await t.db.query(`SELECT * FROM audit_events WHERE seq = 4`);
    await asAttacker(`DELETE FROM audit_events WHERE seq = 4`);
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 4 });
    const r = rows[0];
    await asAttacker(
      `INSERT INTO audit_events (seq, at, actor_id, actor_role, action, resource_type, resource_id, outcome, request_id, details, prev_hash, hash)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
      [
        r.seq,
        r.at,
        r.actor_id,
        r.actor_role,
        r.action,
        r.resource_type,
        r.resource_id,
        r.outcome,
        r.request_id,
        r.details,
        r.prev_hash,
        r.hash,
      ],
    );
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

  it('with expectHead, deleting the tail after a recorded head is detected', async () => {
    const recorded = await verify();
    expect(recorded.ok).toBe(true);
    expect((await verify(`?expectHead=${recorded.headHash}`)).ok).toBe(true);
    const { rows } = await t.db.query(`SELECT max(seq)::int AS m FROM audit_events`);
    await asAttacker(`DELETE FROM audit_events WHERE seq >= (SELECT seq FROM audit_events WHERE hash = $1)`, [
      recorded.headHash,
    ]);
    expect((await verify()).ok).toBe(true); // a truncated chain is self-consistent...
    const anchored = await verify(`?expectHead=${recorded.headHash}`);
    expect(anchored.ok).toBe(false); // ...but no longer contains the head recorded elsewhere
    expect(anchored.firstBadSeq).toBeLessThanOrEqual(rows[0].m);
    expect(
      (await t.http().get('/v1/audit/verify?expectHead=xyz').set('Authorization', `Bearer ${auditor.token}`))
        .status,
    ).toBe(400);
  });
  it('an attacker who alters an event and recomputes every later link (without the chain key) is still detected', async () => {
    await asAttacker(`UPDATE audit_events SET outcome = 'denied' WHERE seq = 8`);
    await asAttacker(`
      DO $$ DECLARE r record; prev text; BEGIN
        SELECT hash INTO prev FROM audit_events WHERE seq = 7;
        FOR r IN SELECT * FROM audit_events WHERE seq >= 8 ORDER BY seq LOOP
          UPDATE audit_events SET prev_hash = prev, hash = encode(sha256(convert_to(
              prev || '|' || r.seq || '|' || to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '|' ||
              encode(sha256(convert_to(r.action || r.outcome || r.details::text, 'UTF8')), 'hex'), 'UTF8')), 'hex')
           WHERE seq = r.seq RETURNING hash INTO prev;
        END LOOP;
      END $$`);
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS broken FROM audit_events a JOIN audit_events b ON b.seq = a.seq + 1 WHERE b.prev_hash <> a.hash`,
    );
    expect(rows[0].broken).toBe(0); // the links themselves are consistent again...
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 8 }); // ...but the content hashes are not
  });

  it('an event inserted in the middle is detected (runs last: the log is left tampered)', async () => {
    const { rows } = await t.db.query(`SELECT * FROM audit_events WHERE seq = 2`);
    const r = rows[0];
    await asAttacker(`UPDATE audit_events SET seq = seq + 1000000 WHERE seq >= 2`);
    await asAttacker(`UPDATE audit_events SET seq = seq - 1000000 + 1 WHERE seq >= 1000000`);
    await asAttacker(
      `INSERT INTO audit_events (seq, at, actor_id, actor_role, action, resource_type, resource_id, outcome, request_id, details, prev_hash, hash)
       VALUES (2,$1,NULL,NULL,'auth.logout',NULL,NULL,'allowed',NULL,'{}',$2,$3)`,
      [r.at, r.prev_hash, r.hash],
    );
    expect(await verify()).toMatchObject({ ok: false, firstBadSeq: 2 });
  });
});
