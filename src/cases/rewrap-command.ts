/**
 * `npm run keys:rewrap`: re-wraps every case data key under the configured current master key
 * (FIELD_MASTER_KEY_ID). Keep the old key in FIELD_MASTER_KEYS until this has run.
 */
import 'reflect-metadata';
import { AuditService } from '../audit/audit.service.js';
import { createLogger } from '../common/logging.js';
import { runCommand } from '../config/command.js';
import { openDatabase } from '../database/open-database.js';
import { rewrapAllDataKeys } from './rewrap.js';

runCommand('keys:rewrap', async (config) => {
  const logger = createLogger({ level: config.env.LOG_LEVEL });
  const { dataSource, close } = await openDatabase(config.env, logger);
  try {
    const ring = config.keys.masterKeys;
    const result = await rewrapAllDataKeys(dataSource, ring, new AuditService(dataSource, config));
    logger.info({ ...result, currentKeyId: ring.currentKeyId }, 'data keys re-wrapped');
  } finally {
    await close();
  }
});
