import type { Logger } from 'pino';
import type { DataSource, DataSourceOptions } from 'typeorm';
import type { Env } from '../config/env.schema.js';
import { createRuntimeDataSource, runMigrations } from './data-source.js';
import { DatabaseProbe } from './probe.js';
import { provisionDatabase } from './provision.js';

export interface OpenDatabase {
  /** The runtime connection (role ctr_app). */
  dataSource: DataSource;
  /** The health checks' connection, outside the runtime pool (a full pool does not fail them). */
  probe: DatabaseProbe;
  /** Closes the pool, the probe, and the embedded database if this process started it. */
  close(): Promise<void>;
}

/**
 * The database as every entry point needs it (service, migration:run, keys:rewrap): provisioned (embedded
 * when DATABASE_URL is unset), migrated as the owner role, and connected as the runtime role with the
 * `entities` of the caller (database/ imports no feature: the entity list is src/entities.ts).
 */
export async function openDatabase(
  env: Env,
  logger: Logger,
  entities: DataSourceOptions['entities'] = [],
): Promise<OpenDatabase> {
  const target = await provisionDatabase(env, logger);
  try {
    const applied = await runMigrations(target.ownerUrl, env.DB_CONNECT_TIMEOUT_MS);
    if (applied.length > 0) logger.info({ migrations: applied }, `applied ${applied.length} migration(s)`);
    else logger.info('database schema up to date (no migration to apply)');
    const dataSource = createRuntimeDataSource(
      target.ownerUrl,
      target.runtimeUrl,
      {
        size: env.DB_POOL_SIZE,
        connectTimeoutMs: env.DB_CONNECT_TIMEOUT_MS,
        statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
        idleTimeoutMs: env.DB_POOL_IDLE_TIMEOUT_MS,
      },
      entities,
    );
    await dataSource.initialize();
    const probe = new DatabaseProbe(target.ownerUrl, target.runtimeUrl);
    return {
      dataSource,
      probe,
      async close() {
        await probe.close().catch(() => undefined);
        if (dataSource.isInitialized) await dataSource.destroy();
        await target.embedded?.stop();
      },
    };
  } catch (error) {
    await target.embedded?.stop();
    throw error;
  }
}
