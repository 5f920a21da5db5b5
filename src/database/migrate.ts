import { AppConfig } from '../config/app-config.js';
import { createLogger } from '../common/logging.js';
import { runMigrations } from './data-source.js';
import { provisionDatabase } from './provision.js';

/** `npm run migration:run`: applies pending migrations as the owner role, then exits. */
async function main(): Promise<void> {
  const config = AppConfig.load();
  const logger = createLogger({ level: config.env.LOG_LEVEL });
  const target = await provisionDatabase(config.env, logger);
  try {
    await runMigrations(target.ownerUrl);
    logger.info('migrations applied');
  } finally {
    await target.embedded?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
