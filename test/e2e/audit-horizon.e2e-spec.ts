import pg from 'pg';
import { exportText } from '../audit-support.js';
import { adminToken, createCase, createOffice, createUser, type TestUser } from '../factories.js';
import { startTestApp, type TestApp } from '../test-app.js';

/**
 * The settled horizon (migration 1797040000000): events commit out of seq order across the 16 stripes (A draws
 * seq 100 on stripe 1, B draws 101 on stripe 2 and commits first), and an auditor following cursors must
 * still see every event exactly once. Appends are held open from raw connections with the app's role.
 */

const SLOW = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface EventItem {
  seq: number;
}
type Order = 'asc' | 'desc';

describe('audit listing at the settled horizon (e2e)', () => {
  let t: TestApp;
  let auditor: TestUser;
  let caseworker: TestUser;
  const clients: pg.Client[] = [];

  beforeAll(async () => {
    // The walks below page one event at a time, faster than the per-account rate limit allows.
    t = await startTestApp({ RATE_LIMIT_PER_ACCOUNT: '1000000' });
    const admin = await adminToken(t);
    const office = await createOffice(t, admin);
    caseworker = await createUser(t, admin, 'caseworker', office.id);
    auditor = await createUser(t, admin, 'auditor');
  }, SLOW);
  afterEach(async () => {
    // A failed test may leave an append open: it would hold up every later listing.
    await Promise.all(clients.splice(0).map((client) => client.end()));
  });
  afterAll(async () => {
    await t.close();
  });

  /** An append left open (not committed) from a connection with ctr_app's rights, on `stripe` if given. */
  async function holdAppend(options: { stripe?: number; resourceId?: string } = {}) {
    const client = new pg.Client({ connectionString: t.databaseUrl });
    await client.connect();
    clients.push(client);
    await client.query(`SET ROLE ctr_app`);
    await client.query('BEGIN');
    if (options.stripe !== undefined) {
      await client.query(`SELECT set_config('ctr.audit_stripe', $1, true)`, [String(options.stripe)]);
    }
    const id = options.resourceId ?? null;
    const { rows } = await client.query(
      `SELECT audit_append_v2(NULL, NULL, 'case.read', 'case', $1, $2::text[], 'allowed', 'held', NULL, '{}'::jsonb)::int AS seq`,
      [id, id === null ? [] : [id]],
    );
    return { client, seq: (rows[0] as { seq: number }).seq };
  }

  const list = (query: string) =>
    t.http().get(`/v1/audit/events?${query}`).set('Authorization', `Bearer ${auditor.token}`);

  /** Follows nextCursor from `cursor` (or the start) until null; every seq shown, in order. */
  async function walk(query: string, cursor?: string): Promise<number[]> {
    const seqs: number[] = [];
    for (let next = cursor; ;) {
      const res = await list(`${query}${next === undefined ? '' : `&cursor=${next}`}`);
      expect(res.status).toBe(200);
      seqs.push(...(res.body.items as EventItem[]).map((e) => e.seq));
      if (res.body.nextCursor === null) return seqs;
      next = res.body.nextCursor as string;
    }
  }

  /** Whether a request of the service comes to wait in audit_settled_seq() before `work` is done. */
  async function serviceWaits(work: Promise<unknown>): Promise<boolean> {
    let done = false;
    work.then(
      () => (done = true),
      () => (done = true),
    );
    for (let i = 0; !done && i < 500; i++) {
      const { rows } = await t.db.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE wait_event_type = 'Lock' AND query LIKE '%audit_settled_seq%' AND pid <> pg_backend_pid()`,
      );
      if ((rows[0] as { n: number }).n > 0) return true;
      await sleep(10);
    }
    return false;
  }

  /** Commits `held` once the service waits for it, or once `work` is done without waiting; whether it waited. */
  async function commitWhenWaitedOn(held: pg.Client, work: Promise<unknown>): Promise<boolean> {
    const waited = await serviceWaits(work);
    await held.query('COMMIT');
    return waited;
  }

  /** The committed events at or below `upTo` (matching `where`), in `order`: what a walk must have shown. */
  async function stored(upTo: number, order: Order, where = 'true', params: unknown[] = []) {
    const { rows } = await t.db.query(
      `SELECT seq::int FROM audit_events WHERE seq <= $1 AND (${where}) ORDER BY seq ${order}`,
      [upTo, ...params],
    );
    return (rows as EventItem[]).map((r) => r.seq);
  }

  it.each(['asc', 'desc'] as const)(
    'order=%s: an append held open below committed ones is waited for, never skipped by following cursors',
    async (order) => {
      const held = await holdAppend();
      // Another request appends and commits higher seqs while the held one is open.
      for (let i = 0; i < 3; i++) await createCase(t, caseworker.token);
      const { rows } = await t.db.query(`SELECT max(seq)::int AS m FROM audit_events`);
      expect((rows[0] as { m: number }).m).toBeGreaterThan(held.seq);

      const walking = walk(`order=${order}&limit=2`);
      const waited = await commitWhenWaitedOn(held.client, walking);
      const seqs = await walking;
      expect(seqs).toContain(held.seq);
      expect(seqs).toEqual(await stored(Math.max(...seqs), order));
      expect(waited).toBe(true); // its first page waited for the held append
    },
    SLOW,
  );

  it(
    'order=asc: a walk ends at its last horizon though a later seq is in flight; the next walk shows that event, each event once',
    async () => {
      // The first page's horizon waits for `first` (stripe 15), past stripe 0 already; `second` then takes
      // stripe 0 and draws a seq above that horizon, still open when the page is answered.
      const first = await holdAppend({ stripe: 15 });
      const page1 = list('order=asc&limit=500').then((res) => res);
      expect(await serviceWaits(page1)).toBe(true);
      const second = await holdAppend({ stripe: 0 });
      await first.client.query('COMMIT');
      const res1 = await page1;
      expect(res1.status).toBe(200);
      const shown = (res1.body.items as EventItem[]).map((e) => e.seq);
      expect(shown).toContain(first.seq);
      expect(Math.max(...shown)).toBeLessThan(second.seq);
      // The walk ends (a walk filtered to one case must end while others write), complete up to its horizon.
      expect(res1.body.nextCursor).toBeNull();
      expect(shown).toEqual(await stored(Math.max(...shown), 'asc'));

      // Another request commits a higher seq while `second` is still open; the next walk waits for `second`.
      await createCase(t, caseworker.token);
      const again = walk('order=asc&limit=2');
      expect(await commitWhenWaitedOn(second.client, again)).toBe(true);
      const seqs = await again;
      expect(seqs).toContain(second.seq);
      expect(seqs).toEqual(await stored(Math.max(...seqs), 'asc'));
    },
    SLOW,
  );

  it(
    'a walk filtered to one case ends while other requests keep writing',
    async () => {
      const { id } = await createCase(t, caseworker.token);
      let writing = true;
      const writer = (async () => {
        while (writing) await createCase(t, caseworker.token);
      })();
      try {
        const pages: number[] = [];
        for (let next: string | null | undefined = undefined, i = 0; next !== null; i++) {
          expect(i).toBeLessThan(20);
          const res = await list(
            `order=asc&limit=1&resourceId=${id}${next === undefined ? '' : `&cursor=${next}`}`,
          );
          expect(res.status).toBe(200);
          pages.push(...(res.body.items as EventItem[]).map((e) => e.seq));
          next = res.body.nextCursor as string | null;
        }
        expect(pages.length).toBeGreaterThanOrEqual(1);
      } finally {
        writing = false;
        await writer;
      }
    },
    SLOW,
  );

  it.each(['asc', 'desc'] as const)(
    'resourceId filter, order=%s: every access to one case, one of them held open below later ones',
    async (order) => {
      const { id } = await createCase(t, caseworker.token);
      const held = await holdAppend({ resourceId: id });
      for (let i = 0; i < 2; i++) {
        await t.http().get(`/v1/cases/${id}`).set('Authorization', `Bearer ${caseworker.token}`).expect(200);
      }
      const walking = walk(`order=${order}&limit=1&resourceId=${id}`);
      const waited = await commitWhenWaitedOn(held.client, walking);
      const seqs = await walking;
      expect(seqs).toContain(held.seq);
      expect(seqs.length).toBeGreaterThanOrEqual(4); // created, the held access, read twice
      const naming = `resource_id = $2 OR seq IN (SELECT seq FROM audit_event_resources WHERE resource_id = $2)`;
      expect(seqs).toEqual(await stored(Math.max(...seqs), order, naming, [id]));
      expect(waited).toBe(true);
    },
    SLOW,
  );

  it(
    'the export waits for an append held open below committed ones: it holds it, and settledSeq says up to where it is whole',
    async () => {
      const held = await holdAppend();
      await createCase(t, caseworker.token);
      const exporting = exportText(t, auditor);
      const waited = await commitWhenWaitedOn(held.client, exporting);
      const lines = (await exporting)
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type?: string; seq?: number; settledSeq?: number });
      const seqs = lines.filter((line) => line.type === undefined).map((line) => line.seq!);
      expect(seqs).toContain(held.seq);
      expect(lines[0].settledSeq).toBeGreaterThan(held.seq);
      expect(seqs.filter((seq) => seq <= lines[0].settledSeq!)).toEqual(
        await stored(lines[0].settledSeq!, 'asc'),
      );
      expect(waited).toBe(true);
    },
    SLOW,
  );

  it(
    'with an append held open past the bound, the listing and the export answer 503 with Retry-After within it',
    async () => {
      const held = await holdAppend();
      await createCase(t, caseworker.token);
      const started = Date.now();
      const [listed, exported] = await Promise.all([
        list('order=asc'),
        t.http().get('/v1/audit/events/export').set('Authorization', `Bearer ${auditor.token}`),
      ]);
      const elapsed = Date.now() - started;
      for (const res of [listed, exported]) {
        expect(res.status).toBe(503);
        expect(res.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
      }
      expect(elapsed).toBeGreaterThanOrEqual(2_500);
      expect(elapsed).toBeLessThan(6_000);
      await held.client.query('ROLLBACK');
      expect((await list('order=asc')).status).toBe(200);
    },
    SLOW,
  );

  it(
    'checkpoints that share a seq are each listed once across pages',
    async () => {
      await createCase(t, caseworker.token);
      await t.http().get('/v1/audit/verify').set('Authorization', `Bearer ${auditor.token}`).expect(200);
      // The same heads signed again later (as another replica would, or once a stripe behind the highest seq
      // catches up); the listing shows rows as stored, so copies a second apart stand for them.
      await t.db.query(
        `INSERT INTO audit_checkpoints (seq, head_hash, at, key_id, signature, heads)
         SELECT seq, head_hash, at + g * interval '1 second', key_id, signature, heads
           FROM (SELECT * FROM audit_checkpoints ORDER BY seq DESC, at DESC LIMIT 1) c, generate_series(1, 3) g`,
      );
      const seen: string[] = [];
      for (let cursor: string | null = null, pages = 0; pages === 0 || cursor !== null; pages++) {
        const res = await t
          .http()
          .get(`/v1/audit/checkpoints?limit=1${cursor === null ? '' : `&cursor=${cursor}`}`)
          .set('Authorization', `Bearer ${auditor.token}`)
          .expect(200);
        seen.push(...(res.body.items as { seq: number; at: string }[]).map((c) => `${c.seq} ${c.at}`));
        cursor = res.body.nextCursor as string | null;
      }
      const { rows } = await t.db.query(
        `SELECT seq::int, at FROM audit_checkpoints ORDER BY seq DESC, at DESC, key_id DESC`,
      );
      const inTable = (rows as { seq: number; at: Date }[]).map((r) => `${r.seq} ${r.at.toISOString()}`);
      // The service keeps signing checkpoints while events are written: those signed after the walk's first
      // page (newer than everything it shows) belong to the next walk.
      expect(inTable).toContain(seen[0]);
      expect(seen).toEqual(inTable.slice(inTable.indexOf(seen[0])));
    },
    SLOW,
  );
});
