import pg from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations.js';

export const RUNTIME_ROLE = 'ctr_app';

export function dataSourceOptions(url: string, extra: Partial<DataSourceOptions> = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: [],
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    uuidExtension: 'pgcrypto',
    logging: false,
    ...extra,
  } as DataSourceOptions;
}

/**
 * A pg client that never throws an unhandled 'error' event. pg-pool listens for errors only on idle clients;
 * a checked-out client whose backend is terminated (pg_terminate_backend, a restart) between two statements
 * of a transaction emits 'error' with no listener, which would crash the process. The statement in progress
 * still fails through its own callback, and the pool discards the broken client when it is released.
 */
class ResilientClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => undefined);
    // A statement marked by prepared() runs as a named prepared statement: this connection parses and plans
    // it once, later executions send only its name and values (TypeORM's query() passes the text on).
    const query = this.query.bind(this) as (config: unknown, values?: unknown, callback?: unknown) => unknown;
    Object.assign(this, {
      query: (config: unknown, values?: unknown, callback?: unknown) => {
        const name = typeof config === 'string' && callback === undefined ? PREPARED.get(config) : undefined;
        return name === undefined ? query(config, values, callback) : query({ name, text: config, values });
      },
    });
  }
}

/** Statements run as named prepared statements (by text), at most MAX_PREPARED distinct texts. */
const PREPARED = new Map<string, string>();
const MAX_PREPARED = 200;

/**
 * Marks `sql` (a fixed text with $n parameters, never values spliced in) as a hot-path statement to be run
 * as a named prepared statement on each runtime connection, as `pgbench -M prepared` runs its baseline;
 * returns `sql` itself, for `em.query(prepared(sql), params)`. Beyond MAX_PREPARED texts, statements simply
 * run unnamed.
 */
export function prepared(sql: string): string {
  if (!PREPARED.has(sql) && PREPARED.size < MAX_PREPARED) PREPARED.set(sql, `ctr_p${PREPARED.size + 1}`);
  return sql;
}

export interface PoolSettings {
  /** Connections of the runtime pool. */
  size: number;
  /** How long a request waits for a connection (pool acquire and connect) before it fails (then 503). */
  connectTimeoutMs: number;
  /** Longest statement; a longer one is cancelled by PostgreSQL (then 503). */
  statementTimeoutMs: number;
  /**
   * How long an idle connection is kept before it is closed; 0 keeps it, so the pool stays at the size it
   * has reached. pg-pool's default, 10 s, closed the connections a lull left idle, and the requests of the
   * next burst waited for new ones (a backend started and authenticated each): in the bench's reads at about
   * 300/s the service's own p99 was 168-207 ms with them closed, 32-50 ms with them kept (2026-12-02).
   */
  idleTimeoutMs: number;
}

/** How much longer than PostgreSQL's statement_timeout the client waits for an answer. */
const QUERY_TIMEOUT_MARGIN_MS = 1_000;

export const DEFAULT_POOL: PoolSettings = {
  size: 20,
  connectTimeoutMs: 5_000,
  statementTimeoutMs: 30_000,
  idleTimeoutMs: 0,
};

/** Runs pending migrations as the owner role (the role named in DATABASE_URL); returns the names applied. */
export async function runMigrations(
  ownerUrl: string,
  connectTimeoutMs = DEFAULT_POOL.connectTimeoutMs,
): Promise<string[]> {
  const owner = new DataSource(
    dataSourceOptions(ownerUrl, {
      poolSize: 1,
      extra: { Client: ResilientClient, connectionTimeoutMillis: connectTimeoutMs },
    }),
  );
  await owner.initialize();
  try {
    const applied = await owner.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await owner.destroy();
  }
}

/**
 * The application's connection. With DATABASE_RUNTIME_URL, that login role is used as is (it should be a
 * member of ctr_app). Otherwise the owner's credentials are used with the session role set to ctr_app at
 * connection start, so every query runs with ctr_app's privileges only (e.g. INSERT and SELECT on audit events).
 * Nothing waits forever: acquiring a connection, a statement and an idle transaction are all bounded.
 */
export function createRuntimeDataSource(
  ownerUrl: string,
  runtimeUrl: string | undefined,
  pool: PoolSettings = DEFAULT_POOL,
  entities: DataSourceOptions['entities'] = [],
): DataSource {
  const extra = {
    Client: ResilientClient,
    connectionTimeoutMillis: pool.connectTimeoutMs,
    statement_timeout: pool.statementTimeoutMs,
    // The same bound on the client's side, for a server that cannot cancel (stopped, frozen, cut off): the
    // statement then fails (a 503) before the HTTP connection times out with no answer at all.
    query_timeout: pool.statementTimeoutMs + QUERY_TIMEOUT_MARGIN_MS,
    idle_in_transaction_session_timeout: Math.max(pool.statementTimeoutMs, 10_000),
    keepAlive: true,
    idleTimeoutMillis: pool.idleTimeoutMs,
    ...(runtimeUrl ? {} : { options: `-c role=${RUNTIME_ROLE}` }),
  };
  return new DataSource(dataSourceOptions(runtimeUrl ?? ownerUrl, { poolSize: pool.size, entities, extra }));
}
