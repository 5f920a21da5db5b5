import { createLogger } from '../common/logging.js';
import { runCommand } from '../config/command.js';
import { openDatabase } from './open-database.js';

/** `npm run migration:run`: applies pending migrations as the owner role, then exits. */
runCommand('Migration', async (config) => {
  const logger = createLogger({ level: config.env.LOG_LEVEL });
  const database = await openDatabase(config.env, logger);
  await database.close();
  logger.info('migrations applied');
});
