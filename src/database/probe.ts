import pg from 'pg';
import { RUNTIME_ROLE } from './data-source.js';
import { MIGRATIONS } from './migrations.js';

/** Longest a health check waits for the database (connect or query). */
const PROBE_TIMEOUT_MS = 2_000;

/**
 * The health checks' own small connection pool (as the runtime role): a full or stuck runtime pool does not
 * make the liveness check wait, and the check still sees whether PostgreSQL answers.
 */
export class DatabaseProbe {
  private readonly pool: pg.Pool;

  constructor(ownerUrl: string, runtimeUrl: string | undefined) {
    this.pool = new pg.Pool({
      connectionString: runtimeUrl ?? ownerUrl,
      max: 2,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: PROBE_TIMEOUT_MS,
      statement_timeout: PROBE_TIMEOUT_MS,
      query_timeout: PROBE_TIMEOUT_MS,
      ...(runtimeUrl ? {} : { options: `-c role=${RUNTIME_ROLE}` }),
    });
    // An idle client whose backend was terminated emits an error here; the next check reconnects.
    this.pool.on('error', () => undefined);
    this.pool.on('connect', (client) => client.on('error', () => undefined));
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  /** Migrations this build knows that the database has not applied (empty when the schema is current). */
  async pendingMigrations(): Promise<string[]> {
    const { rows } = await this.pool.query<{ name: string }>('SELECT name FROM migrations');
    const applied = new Set(rows.map((row) => row.name));
    return MIGRATIONS.map((migration) => migration.name).filter((name) => !applied.has(name));
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
