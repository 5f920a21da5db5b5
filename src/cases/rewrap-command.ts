/**
 * `npm run keys:rewrap`: re-wraps every case data key under the configured current master key
 * (FIELD_MASTER_KEY_ID). Keep the old key in FIELD_MASTER_KEYS until this has run.
 */
import 'reflect-metadata';
import { AppConfig } from '../config/app-config.js';
import { createLogger } from '../common/logging.js';
import { createRuntimeDataSource, runMigrations } from '../database/data-source.js';
import { provisionDatabase } from '../database/provision.js';
import { AuditService } from '../audit/audit.service.js';
import { rewrapAllDataKeys } from './rewrap.js';

async function main(): Promise<void> {
  const config = AppConfig.load();
  const logger = createLogger({ level: config.env.LOG_LEVEL });
  const target = await provisionDatabase(config.env, logger);
  try {
    await runMigrations(target.ownerUrl);
    const dataSource = createRuntimeDataSource(target.ownerUrl, target.runtimeUrl);
    await dataSource.initialize();
    try {
      const result = await rewrapAllDataKeys(
        dataSource,
        config.keys.masterKeys,
        new AuditService(dataSource),
      );
      logger.info({ ...result, currentKeyId: config.keys.masterKeys.currentKeyId }, 'data keys re-wrapped');
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await target.embedded?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`keys:rewrap failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
