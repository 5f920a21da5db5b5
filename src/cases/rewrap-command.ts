/**
 * `npm run keys:rewrap [-- --new-epoch]`: the key rollover (see rewrap.ts). Starts a new key epoch when
 * the current one is over (or at once with --new-epoch), re-wraps every live data key under it, destroys
 * older epoch keys for ever, re-wraps epoch keys under the current master key (FIELD_MASTER_KEY_ID; keep
 * the old master key in FIELD_MASTER_KEYS until this has run) and vacuums `cases`. Safe to run on a
 * schedule beside running replicas (they do the same at each epoch boundary; one at a time) and to
 * interrupt: the next run continues.
 */
import 'reflect-metadata';
import { AuditService } from '../audit/audit.service.js';
import { createLogger } from '../common/logging.js';
import { runCommand } from '../config/command.js';
import { openDatabase } from '../database/open-database.js';
import { EpochKeyring } from '../keyring/epoch-keyring.js';
import { EpochKeyStore } from '../keyring/epoch-store.js';
import { rolloverKeys } from './rewrap.js';

runCommand('keys:rewrap', async (config) => {
  const logger = createLogger({ level: config.env.LOG_LEVEL });
  const { dataSource, close } = await openDatabase(config.env, logger);
  try {
    const keyring = new EpochKeyring(
      new EpochKeyStore(config.keys.epochDir),
      config.keys.masterKeys,
      config.env.KEY_EPOCH_SECONDS,
    );
    const result = await rolloverKeys(dataSource, keyring, new AuditService(dataSource, config), {
      newEpoch: process.argv.includes('--new-epoch'),
      wait: true,
    });
    logger.info({ ...result, masterKeyId: config.keys.masterKeys.currentKeyId }, 'key rollover done');
  } finally {
    await close();
  }
});
