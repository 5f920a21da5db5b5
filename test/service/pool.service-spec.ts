import type pg from 'pg';
import type { DataSource } from 'typeorm';
import { startServiceTier, type ServiceTier } from './service-tier.js';

/**
 * The runtime pool keeps its idle connections (DB_POOL_IDLE_TIMEOUT_MS, default 0): after a lull the next
 * burst finds them open, instead of waiting for new backends to start and authenticate.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pool = (dataSource: DataSource) =>
  (dataSource.driver as unknown as { master: pg.Pool & { options: pg.PoolConfig } }).master;

/** Opens `n` connections at once (n statements in flight), then lets them go idle. */
const burst = (dataSource: DataSource, n: number) =>
  Promise.all(Array.from({ length: n }, () => dataSource.query('SELECT pg_sleep(0.05)')));

describe('the runtime pool after a lull (service tier, real database)', () => {
  const tiers: ServiceTier[] = [];
  afterAll(async () => {
    for (const tier of tiers) await tier.close();
  });

  it('keeps its idle connections by default, so the next burst reuses them', async () => {
    const tier = await startServiceTier();
    tiers.push(tier);
    expect(tier.config.env.DB_POOL_IDLE_TIMEOUT_MS).toBe(0);
    // pg-pool's own default would close them after 10 s, longer than this test waits.
    expect(pool(tier.dataSource).options.idleTimeoutMillis).toBe(0);
    await burst(tier.dataSource, 4);
    const opened = pool(tier.dataSource).totalCount;
    expect(opened).toBeGreaterThanOrEqual(4);
    await sleep(600);
    expect(pool(tier.dataSource).totalCount).toBe(opened);
    const { rows } = await tier.db.query<{ pids: number[] }>(
      `SELECT array_agg(pid ORDER BY pid) AS pids FROM pg_stat_activity WHERE datname = current_database()
          AND pid <> pg_backend_pid()`,
    );
    await burst(tier.dataSource, 4);
    const after = await tier.db.query<{ pids: number[] }>(
      `SELECT array_agg(pid ORDER BY pid) AS pids FROM pg_stat_activity WHERE datname = current_database()
          AND pid <> pg_backend_pid()`,
    );
    // The same backends served the second burst: none was started for it. (The database's other clients,
    // such as the health check's own connections, may close theirs meanwhile: fewer is not a new backend.)
    const before = new Set(rows[0].pids);
    expect(after.rows[0].pids.filter((pid) => !before.has(pid))).toEqual([]);
    expect(after.rows[0].pids.length).toBeGreaterThanOrEqual(opened);
  });

  it('closes a connection idle for DB_POOL_IDLE_TIMEOUT_MS when one is set', async () => {
    const tier = await startServiceTier({ DB_POOL_IDLE_TIMEOUT_MS: '100' });
    tiers.push(tier);
    await burst(tier.dataSource, 4);
    expect(pool(tier.dataSource).totalCount).toBeGreaterThanOrEqual(4);
    await sleep(600);
    expect(pool(tier.dataSource).totalCount).toBe(0);
  });
});
