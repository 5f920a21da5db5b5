import { AuditService } from '../../src/audit/audit.service.js';
import { verifyExport } from '../../src/audit/export-verifier.js';
import { asAttacker, exportText, publicKeys, verifyAs } from '../audit-support.js';
import {
  adminToken,
  createCase,
  createOffice,
  createUser,
  usersOfEveryRole,
  type TestUser,
} from '../factories.js';
import { startTestApp, type TestApp } from '../test-app.js';

/**
 * Issue 9, "How we will know": resource ids answer "who saw survivor X"; failed logins leave no trace of the
 * text typed; an export verifies with only the public key and every kind of tampering is reported at the
 * right seq; deleting the newest events is detected. Tampering is done as the database superuser with the
 * triggers switched off: the strongest insider.
 */

interface Line {
  type?: string;
  seq: number;
  hash: string;
  [key: string]: unknown;
}

const SLOW = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Rewrites every scheme-3 hash of the stripe of event `fromSeq` from that event on, and that stripe's head, as
 * an attacker who knows the (public) hash scheme.
 */
const REHASH_FROM = `
  DO $$ DECLARE r record; prev text; s smallint; BEGIN
    SELECT stripe, prev_hash INTO s, prev FROM audit_events WHERE seq = %FROM%;
    FOR r IN SELECT * FROM audit_events WHERE stripe = s AND seq >= %FROM% ORDER BY stripe_seq LOOP
      UPDATE audit_events SET prev_hash = prev, hash = encode(sha256(convert_to(
          'v3|' || prev || '|' || r.stripe || '|' || r.stripe_seq || '|' || r.seq || '|'
          || to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
          || '|' || audit_content_v2(r.actor_id, r.actor_role, r.action, r.resource_type, r.resource_id,
               r.resource_count,
               (SELECT encode(sha256(convert_to(string_agg(resource_id, E'\\n' ORDER BY pos), 'UTF8')), 'hex')
                  FROM audit_event_resources x WHERE x.seq = r.seq),
               r.outcome, r.request_id, r.client_request_id, r.details), 'UTF8')), 'hex')
       WHERE seq = r.seq RETURNING hash INTO prev;
    END LOOP;
    UPDATE audit_stripe_heads SET hash = prev WHERE stripe = s;
  END $$`;

/** Moves every stripe's head back to its newest remaining event (or its start), as after a truncation. */
const ROLL_BACK_HEADS = `
  UPDATE audit_stripe_heads h SET stripe_seq = coalesce(t.stripe_seq, 0),
         seq = coalesce(t.seq, (SELECT seq FROM audit_head)), hash = coalesce(t.hash, (SELECT hash FROM audit_head))
    FROM (SELECT s.stripe, e.stripe_seq, e.seq, e.hash FROM audit_stripe_heads s
          LEFT JOIN LATERAL (SELECT stripe_seq, seq, hash FROM audit_events WHERE stripe = s.stripe
                              ORDER BY stripe_seq DESC LIMIT 1) e ON true) t
   WHERE t.stripe = h.stripe`;

describe('audit: who saw a case, and failed logins (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let users: Awaited<ReturnType<typeof usersOfEveryRole>>;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminToken(t);
    const office = await createOffice(t, admin);
    users = await usersOfEveryRole(t, admin, office.id);
  }, SLOW);
  afterAll(async () => {
    await t.close();
  });

  it(
    '?resourceId= of a planted case finds exactly its create, read, list, search, export and update events',
    async () => {
      const caseworker = users.caseworker.token;
      const as = (path: string) => t.http().get(path).set('Authorization', `Bearer ${caseworker}`);
      const other = await createCase(t, caseworker, {
        subject: { givenName: 'Other', familyName: 'Person' },
      });
      await as(`/v1/cases/${other.id}`).expect(200);
      const planted = await createCase(t, caseworker, {
        subject: { givenName: 'Planted', familyName: 'Survivor' },
      });
      await as(`/v1/cases/${planted.id}`).expect(200);
      const list = await as('/v1/cases?limit=100').expect(200);
      expect(list.body.items.map((c: { id: string }) => c.id)).toContain(planted.id);
      const search = await as('/v1/cases?familyName=Survivor').expect(200);
      expect(search.body.items.map((c: { id: string }) => c.id)).toEqual([planted.id]);
      const miss = await as('/v1/cases?familyName=Person').expect(200); // a search that did not return it
      expect(miss.body.items.map((c: { id: string }) => c.id)).toEqual([other.id]);
      await t
        .http()
        .patch(`/v1/cases/${planted.id}`)
        .set('Authorization', `Bearer ${caseworker}`)
        .set('If-Match', `"${planted.version}"`)
        .send({ gender: 'male' })
        .expect(200);
      // An export records every record it returned (the API other features call, e.g. case exports).
      const exported = [
        ...Array.from({ length: 250 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`),
      ];
      exported.splice(137, 0, planted.id);
      const audit = t.app.get(AuditService);
      await audit.recordAlone(
        { requestId: 'export-test', ip: '127.0.0.1', actor: null },
        {
          action: 'case.list',
          outcome: 'allowed',
          resourceType: 'case',
          resourceIds: exported,
          details: { count: 251 },
        },
      );

      const res = await t
        .http()
        .get(`/v1/audit/events?resourceId=${planted.id}&limit=500`)
        .set('Authorization', `Bearer ${users.auditor.token}`)
        .expect(200);
      const events = res.body.items as {
        action: string;
        resourceId: string | null;
        resourceIds: string[];
        requestId: string;
        details: Record<string, unknown>;
      }[];
      expect(events.map((e) => e.action)).toEqual([
        'case.create',
        'case.read',
        'case.list', // the list page
        'case.list', // the search
        'case.update',
        'case.list', // the export, 251 ids
      ]);
      for (const event of events) {
        expect(event.resourceId === planted.id || event.resourceIds.includes(planted.id)).toBe(true);
      }
      expect(events[3].details).toMatchObject({ filters: ['familyName'], count: 1 });
      expect(events[3].resourceIds).toEqual([planted.id]);
      expect(events[5].resourceIds).toEqual(exported);
      // The side table is part of the chain: the whole log still verifies.
      expect((await verifyAs(t, users.auditor)).ok).toBe(true);
    },
    SLOW,
  );

  it(
    'filters by outcome, by several actions, newest first, with a cursor in both orders',
    async () => {
      const auditor = users.auditor.token;
      const get = (query: string) =>
        t.http().get(`/v1/audit/events?${query}`).set('Authorization', `Bearer ${auditor}`).expect(200);
      await t
        .http()
        .get('/v1/audit/events')
        .set('Authorization', `Bearer ${users.caseworker.token}`)
        .expect(403);
      const denied = await get('outcome=denied&limit=500');
      expect(denied.body.items.length).toBeGreaterThan(0);
      expect(denied.body.items.every((e: { outcome: string }) => e.outcome === 'denied')).toBe(true);
      const two = await get('action=case.read&action=case.create&limit=500');
      const actions = new Set(two.body.items.map((e: { action: string }) => e.action));
      expect([...actions].sort()).toEqual(['case.create', 'case.read']);

      for (const order of ['asc', 'desc'] as const) {
        const all = (await get(`order=${order}&limit=500`)).body.items.map((e: { seq: number }) => e.seq);
        const seqs: number[] = [];
        let cursor: string | null = null;
        do {
          const page = await get(`order=${order}&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
          seqs.push(...page.body.items.map((e: { seq: number }) => e.seq));
          cursor = page.body.nextCursor as string | null;
        } while (cursor !== null);
        const sorted = [...seqs].sort((x, y) => (order === 'asc' ? x - y : y - x));
        expect(seqs).toEqual(sorted);
        expect(new Set(seqs).size).toBe(seqs.length);
        expect(seqs).toEqual(expect.arrayContaining(all));
      }
      const ascCursor = (await get('limit=1')).body.nextCursor as string;
      const mixed = await t
        .http()
        .get(`/v1/audit/events?order=desc&cursor=${ascCursor}`)
        .set('Authorization', `Bearer ${auditor}`);
      expect(mixed.status).toBe(400);
      for (const bad of ['outcome=maybe', 'order=sideways', 'action=case.read&action=nope']) {
        const res = await t.http().get(`/v1/audit/events?${bad}`).set('Authorization', `Bearer ${auditor}`);
        expect(res.status).toBe(400);
      }
    },
    SLOW,
  );

  it(
    'auditors may read users and offices (to resolve actors), read-only and audited',
    async () => {
      const auditor = users.auditor;
      const list = await t
        .http()
        .get('/v1/users')
        .set('Authorization', `Bearer ${auditor.token}`)
        .expect(200);
      expect(list.body.map((u: { id: string }) => u.id)).toContain(users.caseworker.id);
      expect(JSON.stringify(list.body)).not.toMatch(/password/i);
      await t.http().get('/v1/offices').set('Authorization', `Bearer ${auditor.token}`).expect(200);
      await t
        .http()
        .post('/v1/offices')
        .set('Authorization', `Bearer ${auditor.token}`)
        .send({ code: 'AUDX', name: 'x', countryCode: 'TH' })
        .expect(403);
      await t
        .http()
        .patch(`/v1/users/${users.caseworker.id}`)
        .set('Authorization', `Bearer ${auditor.token}`)
        .send({ disabled: true })
        .expect(403);
      const { rows } = await t.db.query(
        `SELECT action, outcome FROM audit_events WHERE actor_id = $1 AND action IN ('user.list', 'office.list') ORDER BY seq`,
        [auditor.id],
      );
      expect(rows).toEqual([
        { action: 'user.list', outcome: 'allowed' },
        { action: 'office.list', outcome: 'allowed' },
      ]);
    },
    SLOW,
  );

  it(
    'a failed login with a password-like username leaves no trace of that string in any table or log',
    async () => {
      const typed = 'MySecretPass2026!';
      for (let i = 0; i < 3; i++) {
        const res = await t
          .http()
          .post('/v1/auth/login')
          .send({ username: typed, password: 'whatever-it-was' });
        expect(res.status).toBe(401);
      }
      const { rows: tables } = await t.db.query(
        `SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS name
         FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
          AND table_type = 'BASE TABLE'`,
      );
      expect(tables.length).toBeGreaterThan(5);
      for (const { name } of tables as { name: string }[]) {
        const { rows } = await t.db.query(
          `SELECT count(*)::int AS n FROM ${name} x WHERE position(lower($1) IN lower(x::text)) > 0`,
          [typed],
        );
        expect({ table: name, matches: rows[0].n }).toEqual({ table: name, matches: 0 });
      }
      expect(t.logs.join('\n').toLowerCase()).not.toContain(typed.toLowerCase());
      // ...while the attempts still correlate: one keyed hash, three events.
      const { rows } = await t.db.query(
        `SELECT details->>'attemptedUsernameHash' AS h FROM audit_events
        WHERE action = 'auth.login' AND outcome = 'denied' AND actor_id IS NULL ORDER BY seq DESC LIMIT 3`,
      );
      expect(new Set(rows.map((r: { h: string }) => r.h)).size).toBe(1);
    },
    SLOW,
  );
});

describe('audit: an export verifies outside the service, with only the public key (e2e)', () => {
  let t: TestApp;
  let auditor: TestUser;

  beforeAll(async () => {
    t = await startTestApp({ AUDIT_CHECKPOINT_INTERVAL_MS: '200' });
    const admin = await adminToken(t);
    const office = await createOffice(t, admin);
    const caseworker = await createUser(t, admin, 'caseworker', office.id);
    for (let i = 0; i < 3; i++) await createCase(t, caseworker.token);
    await t.http().get('/v1/cases').set('Authorization', `Bearer ${caseworker.token}`).expect(200);
    auditor = await createUser(t, admin, 'auditor');
  }, SLOW);
  afterAll(async () => {
    await t.close();
  });

  const linesOf = (text: string) => text.trim().split('\n');
  const eventIndex = (lines: string[], seq: number) =>
    lines.findIndex((line) => {
      const parsed = JSON.parse(line) as Line;
      return parsed.type === undefined && parsed.seq === seq;
    });

  it(
    'a clean export verifies; one changed byte, a deleted line or two swapped lines are reported at the right seq',
    async () => {
      const keys = await publicKeys(t);
      const text = await exportText(t, auditor);
      const lines = linesOf(text);
      const clean = verifyExport(lines, keys);
      expect(clean).toMatchObject({ ok: true, firstSeq: 1, checkpoints: { invalid: 0 } });
      expect(clean.coveredThroughSeq).toBe(clean.lastSeq);
      expect(clean.events).toBeGreaterThan(11);

      // One byte of one event: a single character of its request id.
      const i9 = eventIndex(lines, 9);
      const changed = [...lines];
      changed[i9] = lines[i9].replace(
        /("requestId":"[0-9a-f-]*)[0-9a-f]"/,
        (_m, head: string) => `${head}x"`,
      );
      expect(changed[i9]).not.toBe(lines[i9]);
      expect(changed[i9].length).toBe(lines[i9].length);
      expect(verifyExport(changed, keys)).toMatchObject({ ok: false, firstBadSeq: 9, problem: 'hash' });

      const deleted = lines.filter((_, index) => index !== eventIndex(lines, 6));
      expect(verifyExport(deleted, keys)).toMatchObject({ ok: false, firstBadSeq: 6 });

      const swapped = [...lines];
      const [a, b] = [eventIndex(lines, 4), eventIndex(lines, 11)];
      [swapped[a], swapped[b]] = [swapped[b], swapped[a]];
      expect(verifyExport(swapped, keys)).toMatchObject({ ok: false, firstBadSeq: 4 });

      // The same, done in the database before the export: the standalone verifier reports the seq too.
      await asAttacker(t, `UPDATE audit_events SET outcome = 'failed' WHERE seq = 10`);
      expect(verifyExport(linesOf(await exportText(t, auditor)), keys)).toMatchObject({
        ok: false,
        firstBadSeq: 10,
      });
      expect(await verifyAs(t, auditor)).toMatchObject({ ok: false, firstBadSeq: 10 });
    },
    SLOW,
  );
});

describe('audit: rewriting the chain in the database after a checkpoint (e2e)', () => {
  let t: TestApp;
  let auditor: TestUser;

  beforeAll(async () => {
    t = await startTestApp({ AUDIT_CHECKPOINT_INTERVAL_MS: '200' });
    const admin = await adminToken(t);
    for (let i = 0; i < 3; i++) await createUser(t, admin, 'auditor');
    auditor = await createUser(t, admin, 'auditor');
  }, SLOW);
  afterAll(async () => {
    await t.close();
  });

  it(
    'is detected by the service and the standalone verifier, at the first seq after the last matching checkpoint',
    async () => {
      const before = await verifyAs(t, auditor); // signs a checkpoint at the head it verified
      expect(before.ok).toBe(true);
      // The audit.verify event, the first after that checkpoint (a vector of every stripe's head).
      const { rows } = await t.db.query(
        `SELECT min(e.seq)::int AS seq FROM audit_events e
          WHERE e.seq > (SELECT max(seq) FROM audit_checkpoints WHERE head_hash = $1)`,
        [before.headHash],
      );
      const target = rows[0].seq as number;
      await t.http().get('/v1/auth/me').set('Authorization', `Bearer ${auditor.token}`).expect(200);
      await t.http().get('/v1/audit/checkpoints').set('Authorization', `Bearer ${auditor.token}`).expect(200);
      await sleep(600); // the timer signs the newer events
      const checkpoints = await t
        .http()
        .get('/v1/audit/checkpoints?limit=5')
        .set('Authorization', `Bearer ${auditor.token}`)
        .expect(200);
      expect(checkpoints.body.items[0].seq).toBeGreaterThan(target);
      expect(Object.keys(checkpoints.body.items[0]).sort()).toEqual([
        'at',
        'headHash',
        'heads',
        'keyId',
        'seq',
        'signature',
      ]);
      expect(checkpoints.body.items[0].heads).toHaveLength(16);
      const logged = t.logs.filter((line) => line.includes('audit checkpoint'));
      expect(logged.length).toBeGreaterThan(0); // also on the service's log stream

      // Alter the event and recompute its hash, every later one and the head (the scheme is public).
      await asAttacker(
        t,
        `UPDATE audit_events SET details = jsonb_set(details, '{checked}', '1') WHERE seq = $1`,
        [target],
      );
      await asAttacker(t, REHASH_FROM.replaceAll('%FROM%', String(target)));
      const { rows: broken } = await t.db.query(
        `SELECT count(*)::int AS n FROM audit_events a
           JOIN audit_events b ON b.stripe = a.stripe AND b.stripe_seq = a.stripe_seq + 1 WHERE b.prev_hash <> a.hash`,
      );
      expect(broken[0].n).toBe(0); // the chain is consistent in itself...

      expect(await verifyAs(t, auditor)).toMatchObject({ ok: false, firstBadSeq: target }); // ...but not signed
      const keys = await publicKeys(t);
      expect(verifyExport(linesOf(await exportText(t, auditor)), keys)).toMatchObject({
        ok: false,
        firstBadSeq: target,
        problem: 'checkpoint',
      });
      // Deleting the checkpoints from the table does not help: the service remembers the newest it signed.
      await asAttacker(t, `DELETE FROM audit_checkpoints`);
      expect((await verifyAs(t, auditor)).ok).toBe(false);
    },
    SLOW,
  );

  const linesOf = (text: string) => text.trim().split('\n');
});

describe('audit: deleting the newest events (e2e)', () => {
  let t: TestApp;
  let auditor: TestUser;
  let caseworker: TestUser;

  beforeAll(async () => {
    t = await startTestApp({ AUDIT_CHECKPOINT_INTERVAL_MS: '200' });
    const admin = await adminToken(t);
    const office = await createOffice(t, admin);
    caseworker = await createUser(t, admin, 'caseworker', office.id);
    auditor = await createUser(t, admin, 'auditor');
  }, SLOW);
  afterAll(async () => {
    await t.close();
  });

  it(
    'with triggers disabled, deleting the newest three events makes verify fail, and no seq is reused',
    async () => {
      const c = await createCase(t, caseworker.token);
      await t.http().get(`/v1/cases/${c.id}`).set('Authorization', `Bearer ${caseworker.token}`).expect(200);
      expect((await verifyAs(t, auditor)).ok).toBe(true);
      await sleep(600); // a checkpoint covers the newest events (the verify event included)
      const { rows } = await t.db.query(`SELECT max(seq)::int AS m FROM audit_events`);
      const max = rows[0].m as number;
      await asAttacker(t, `DELETE FROM audit_events WHERE seq > $1`, [max - 3]);

      const result = await verifyAs(t, auditor);
      expect(result).toMatchObject({ ok: false, firstBadSeq: max - 2 });
      const { rows: after } = await t.db.query(
        `SELECT seq::int FROM audit_events WHERE seq > $1 ORDER BY seq`,
        [max - 3],
      );
      expect(after.map((r: { seq: number }) => r.seq)).toEqual([max + 1]); // the verify event: never a reused seq
    },
    SLOW,
  );

  it(
    'verify distinguishes a head that is not in the chain (headMismatch) from a broken chain',
    async () => {
      const fresh = await startTestApp();
      try {
        const admin = await adminToken(fresh);
        const someone = await createUser(fresh, admin, 'auditor');
        const ok = await verifyAs(fresh, someone);
        expect(ok.ok).toBe(true);
        const wrong = 'a'.repeat(64);
        const mismatch = await verifyAs(fresh, someone, `?expectHead=${wrong}`);
        expect(mismatch).toMatchObject({ ok: false, headMismatch: true });
        expect(mismatch.firstBadSeq).toBeUndefined();
        expect(mismatch.intactThroughSeq).toBeGreaterThan(3);
        expect((await verifyAs(fresh, someone, `?expectHead=${ok.headHash}`)).ok).toBe(true);
      } finally {
        await fresh.close();
      }
    },
    SLOW,
  );
});

describe('audit: deleting the newest events, rolling back the head and deleting the checkpoints (e2e)', () => {
  let t: TestApp;
  let auditor: TestUser;

  beforeAll(async () => {
    t = await startTestApp({ AUDIT_CHECKPOINT_INTERVAL_MS: '200' });
    const admin = await adminToken(t);
    for (let i = 0; i < 3; i++) await createUser(t, admin, 'auditor');
    auditor = await createUser(t, admin, 'auditor');
  }, SLOW);
  afterAll(async () => {
    await t.close();
  });

  it(
    'is still detected: the service remembers the newest checkpoint it signed',
    async () => {
      await t.http().get('/v1/auth/me').set('Authorization', `Bearer ${auditor.token}`).expect(200);
      await sleep(600);
      const { rows } = await t.db.query(`SELECT max(seq)::int AS m FROM audit_events`);
      const max = rows[0].m as number;
      await asAttacker(t, `DELETE FROM audit_events WHERE seq > $1`, [max - 3]);
      await asAttacker(t, ROLL_BACK_HEADS);
      await asAttacker(t, `DELETE FROM audit_checkpoints`);
      const result = await verifyAs(t, auditor);
      expect(result).toMatchObject({ ok: false, firstBadSeq: max - 2 });
    },
    SLOW,
  );
});
