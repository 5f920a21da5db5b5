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

/** Runs pending migrations as the owner role (the role named in DATABASE_URL). */
export async function runMigrations(ownerUrl: string): Promise<void> {
  const owner = new DataSource(dataSourceOptions(ownerUrl));
  await owner.initialize();
  try {
    await owner.runMigrations({ transaction: 'each' });
  } finally {
    await owner.destroy();
  }
}

/**
 * The application's connection. With DATABASE_RUNTIME_URL, that login role is used as is (it should be a
 * member of ctr_app). Otherwise the owner's credentials are used with the session role set to ctr_app at
 * connection start, so every query runs with ctr_app's privileges only (e.g. INSERT and SELECT on audit events).
 */
export function createRuntimeDataSource(
  ownerUrl: string,
  runtimeUrl: string | undefined,
  entities: DataSourceOptions['entities'] = [],
): DataSource {
  if (runtimeUrl) return new DataSource(dataSourceOptions(runtimeUrl, { poolSize: 20, entities }));
  return new DataSource(
    dataSourceOptions(ownerUrl, { poolSize: 20, entities, extra: { options: `-c role=${RUNTIME_ROLE}` } }),
  );
}
