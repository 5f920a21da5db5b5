import type { Logger } from 'pino';
import type { DataSource, DataSourceOptions } from 'typeorm';
import type { Env } from '../config/env.schema.js';
import { createRuntimeDataSource, runMigrations } from './data-source.js';
import { provisionDatabase } from './provision.js';

export interface OpenDatabase {
  /** The runtime connection (role ctr_app). */
  dataSource: DataSource;
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
    await runMigrations(target.ownerUrl);
    const dataSource = createRuntimeDataSource(target.ownerUrl, target.runtimeUrl, entities);
    await dataSource.initialize();
    return {
      dataSource,
      async close() {
        if (dataSource.isInitialized) await dataSource.destroy();
        await target.embedded?.stop();
      },
    };
  } catch (error) {
    await target.embedded?.stop();
    throw error;
  }
}
