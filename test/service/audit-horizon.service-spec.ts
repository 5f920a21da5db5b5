import pg from 'pg';
import { DataSource } from 'typeorm';
import { AuditService } from '../../src/audit/audit.service.js';
import { dataSourceOptions } from '../../src/database/data-source.js';
import { createDatabaseIfMissing } from '../../src/database/provision.js';
import { startServiceTier, type ServiceTier } from './service-tier.js';

/**
 * audit_settled_seq() (migration 1797040000000) on the real database: the largest seq at and below which
 * every event is committed or rolled back, read without holding up the appenders.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const APPEND = `SELECT audit_append_v2(NULL, NULL, 'auth.logout', NULL, NULL, '{}'::text[], 'allowed', 'horizon', NULL,
  '{}'::jsonb)::int AS seq`;

describe('the settled horizon, audit_settled_seq() (service tier, real database)', () => {
  let tier: ServiceTier;
  let audit: AuditService;
  const clients: pg.Client[] = [];

  /** A connection with the application's privileges only (ctr_app). */
  const appClient = async (): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString: tier.config.env.DATABASE_URL });
    await client.connect();
    await client.query(`SET ROLE ctr_app`);
    clients.push(client);
    return client;
  };

  /** An append left open (not committed) on `stripe`, or on the first free one; its seq. */
  const holdAppend = async (client: pg.Client, stripe?: number): Promise<number> => {
    await client.query('BEGIN');
    if (stripe !== undefined) {
      await client.query(`SELECT set_config('ctr.audit_stripe', $1, true)`, [String(stripe)]);
    }
    return ((await client.query(APPEND)).rows[0] as { seq: number }).seq;
  };

  const appendNow = async (): Promise<number> =>
    ((await tier.dataSource.query(APPEND)) as { seq: number }[])[0].seq;

  /** Until some backend waits for a lock inside audit_settled_seq(). */
  const horizonWaiting = async (): Promise<void> => {
    for (let i = 0; i < 500; i++) {
      const { rows } = await tier.db.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE wait_event_type = 'Lock' AND query LIKE '%audit_settled_seq%' AND pid <> pg_backend_pid()`,
      );
      if ((rows[0] as { n: number }).n > 0) return;
      await sleep(10);
    }
    throw new Error('audit_settled_seq() never waited');
  };

  /** Inserts a copy of the newest event at `seq` (its own place in its stripe) as the superuser, triggers off. */
  const plant = async (seq: number): Promise<void> => {
    await tier.db.query(`SET session_replication_role = replica`);
    try {
      await tier.db.query(
        `INSERT INTO audit_events
         SELECT (json_populate_record(null::audit_events,
                   (to_jsonb(e) || jsonb_build_object('seq', $1::bigint, 'stripe_seq', e.stripe_seq + $1::bigint))::json)).*
           FROM audit_events e ORDER BY seq DESC LIMIT 1`,
        [seq],
      );
    } finally {
      await tier.db.query(`SET session_replication_role = DEFAULT`);
    }
  };

  beforeAll(async () => {
    tier = await startServiceTier();
    audit = tier.get(AuditService);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.end()));
    await tier.close();
  });

  it('with no events yet it is 0, whether the sequence was set (is_called) or never used', async () => {
    // A database with every migration and nothing else (the service tier's start-up already audits).
    const adminUrl = process.env.TEST_ADMIN_URL!;
    const name = `s_empty_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
    await createDatabaseIfMissing(adminUrl, name);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const empty = new DataSource(dataSourceOptions(url.toString()));
    await empty.initialize();
    try {
      await empty.runMigrations({ transaction: 'each' });
      const settled = async () =>
        Number(((await empty.query(`SELECT audit_settled_seq()::text AS s`)) as { s: string }[])[0].s);
      expect(await empty.query(`SELECT count(*)::int AS n FROM audit_events`)).toEqual([{ n: 0 }]);
      expect(await settled()).toBe(0);
      await empty.query(`ALTER SEQUENCE audit_seq RESTART WITH 1`); // last_value 1, is_called false
      expect(await settled()).toBe(0);
      await empty.query(APPEND);
      expect(await settled()).toBe(1);
    } finally {
      await empty.destroy();
    }
  });

  it('with nothing in flight it is the last seq drawn, a rolled-back append included', async () => {
    const committed = await appendNow();
    const client = await appClient();
    const rolledBack = await holdAppend(client);
    await client.query('ROLLBACK');
    expect(rolledBack).toBeGreaterThan(committed);
    expect(await audit.settledSeq()).toBe(rolledBack);
  });

  it('waits for an append in flight below it, without holding up appends on other stripes', async () => {
    const held = await appClient();
    const seq = await holdAppend(held, 15);
    const horizon = audit.settledSeq();
    await horizonWaiting();
    // Another writer appends and commits meanwhile (a stripe the horizon already passed, or a later one).
    const other = await appClient();
    await other.query(`SET lock_timeout = '500ms'`);
    const later = await holdAppend(other, 3);
    await other.query('COMMIT');
    expect(later).toBeGreaterThan(seq);
    await held.query('COMMIT');
    // Read before the later append was drawn: the held one, now committed, is the horizon.
    expect(await horizon).toBe(seq);
    expect(await audit.settledSeq()).toBe(later);
  });

  it('gives up after about 3 s with lock_not_available (a 503 for the API) while an append stays open', async () => {
    const held = await appClient();
    await holdAppend(held);
    const started = Date.now();
    await expect(audit.settledSeq()).rejects.toMatchObject({ driverError: { code: '55P03' } });
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(2_900);
    expect(waited).toBeLessThan(4_500);
    await held.query('ROLLBACK');
  }, 20_000);

  it('holds no lock once it returns, even when called inside a transaction left open', async () => {
    const reader = await appClient();
    await reader.query('BEGIN');
    await reader.query(`SELECT audit_settled_seq()`);
    const writer = await appClient();
    await writer.query(`SET lock_timeout = '300ms'`);
    for (let stripe = 0; stripe < 16; stripe++) {
      await writer.query('BEGIN');
      await writer.query(`SELECT set_config('ctr.audit_stripe', $1, true)`, [String(stripe)]);
      await writer.query(APPEND); // would time out on a stripe still share-locked by the reader
      await writer.query('COMMIT');
    }
    await reader.query('COMMIT');
  });

  it('leaves a row planted past the sequence beyond it, until an append that collides moves the sequence past', async () => {
    const before = await audit.settledSeq();
    // Far past the sequence: taking max(seq) instead would push every cursor past all later events.
    await plant(before + 1_000_000);
    expect(await audit.settledSeq()).toBe(before);
    const next = await appendNow();
    expect(next).toBe(before + 1);
    expect(await audit.settledSeq()).toBe(next);
    // In the way of the next draw: audit_append_v2 goes past every row and setvals the sequence there.
    await plant(next + 1);
    const jumped = await appendNow();
    expect(jumped).toBe(before + 1_000_001);
    expect(await audit.settledSeq()).toBe(jumped);
  });

  it('refuses a sequence with a cache (values handed out in blocks would be drawn below it later)', async () => {
    await tier.db.query(`ALTER SEQUENCE audit_seq CACHE 10`);
    try {
      await expect(audit.settledSeq()).rejects.toMatchObject({ driverError: { code: '55000' } });
    } finally {
      await tier.db.query(`ALTER SEQUENCE audit_seq CACHE 1`);
    }
    await expect(audit.settledSeq()).resolves.toBeGreaterThan(0);
  });

  it('runs with its owner’s rights for ctr_app only: PUBLIC may not execute it', async () => {
    const { rows } = await tier.db.query(
      `SELECT has_function_privilege('ctr_app', 'audit_settled_seq()', 'EXECUTE') AS app,
              has_function_privilege('public', 'audit_settled_seq()', 'EXECUTE') AS anyone,
              (SELECT prosecdef FROM pg_proc WHERE proname = 'audit_settled_seq') AS definer`,
    );
    expect(rows[0]).toEqual({ app: true, anyone: false, definer: true });
  });
});
