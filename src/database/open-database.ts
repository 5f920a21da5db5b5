import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
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
 * when DATABASE_URL is unset), migrated as the owner role, and connected as the runtime role.
 */
export async function openDatabase(env: Env, logger: Logger): Promise<OpenDatabase> {
  const target = await provisionDatabase(env, logger);
  try {
    await runMigrations(target.ownerUrl);
    const dataSource = createRuntimeDataSource(target.ownerUrl, target.runtimeUrl);
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
