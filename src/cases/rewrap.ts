import type { DataSource, EntityManager } from 'typeorm';
import type { AuditService } from '../audit/audit.service.js';
import type { RequestContext } from '../common/request-context.js';
import { isRolloverDue, rewrapDataKey } from '../crypto/index.js';
import type { EpochInfo, EpochKeyring } from '../keyring/epoch-keyring.js';

export interface RolloverOptions {
  /** The clock (tests pass a later time to cross an epoch boundary). */
  now?: Date;
  /** Start a new epoch even if the current one is not over (`keys:rewrap -- --new-epoch`). */
  newEpoch?: boolean;
  /**
   * How long a new epoch must have been current before older epochs are destroyed: every replica then
   * knows it (they refresh every few seconds) and no longer wraps new cases under an older one.
   */
  graceMs?: number;
  /** Wait for another process's rollover instead of returning at once. */
  wait?: boolean;
}

export interface RolloverResult {
  /** False when another process holds the rollover lock (nothing done). */
  ran: boolean;
  createdEpoch: string | null;
  currentEpoch: string | null;
  /** Data keys re-wrapped under the current epoch key by this run. */
  rewrapped: number;
  /** Epochs whose keys this run destroyed for ever (including orphaned key files). */
  destroyedEpochs: string[];
  /** Key files in the store that belong to another database (left alone; see EpochKeyring.sweepStore). */
  foreignKeyFiles: number;
  /** Epoch keys re-wrapped under the current master key (master key rotation). */
  epochKeysRewrapped: number;
}

/** The rollover lock (a session-level advisory lock: one rollover at a time across replicas and commands). */
const ROLLOVER_LOCK = 7401301;
const BATCH = 500;
const MAX_PASSES = 20;
export const DEFAULT_GRACE_MS = 15_000;

const systemContext = (): RequestContext => ({
  requestId: `keys-rollover-${Date.now()}`,
  ip: 'local',
  actor: null,
});

/**
 * The key rollover, run by the service at each epoch boundary and by `npm run keys:rewrap`:
 * 1. a new epoch key when the current epoch is over (or none exists yet), audited `keys.epoch.create`;
 * 2. every live data key not under the current epoch key (older epochs, and rows from before epochs,
 *    still wrapped under a master key) is re-wrapped under it, in committed batches audited `keys.rewrap`,
 *    so an interrupted run simply continues next time;
 * 3. every older epoch is deleted (the foreign key refuses while any case still uses it) and its key
 *    destroyed for ever (`keys.epoch.destroy`): copies of data keys wrapped under it, wherever they
 *    survive, can no longer be unwrapped; so an erased case is unrecoverable from any copy;
 * 4. epoch keys are re-wrapped under the current master key (master key rotation), and `cases` is vacuumed.
 * Safe with several replicas: the whole run holds an advisory lock; a second caller returns at once.
 */
export async function rolloverKeys(
  dataSource: DataSource,
  keyring: EpochKeyring,
  audit: AuditService,
  options: RolloverOptions = {},
): Promise<RolloverResult> {
  const result: RolloverResult = {
    ran: false,
    createdEpoch: null,
    currentEpoch: null,
    rewrapped: 0,
    destroyedEpochs: [],
    foreignKeyFiles: 0,
    epochKeysRewrapped: 0,
  };
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    if (options.wait) {
      await runner.query(`SELECT pg_advisory_lock($1)`, [ROLLOVER_LOCK]);
    } else {
      const [row] = (await runner.query(`SELECT pg_try_advisory_lock($1) AS locked`, [ROLLOVER_LOCK])) as {
        locked: boolean;
      }[];
      if (!row.locked) return result;
    }
    try {
      result.ran = true;
      await runLocked(dataSource, keyring, audit, options, result);
    } finally {
      await runner.query(`SELECT pg_advisory_unlock($1)`, [ROLLOVER_LOCK]);
    }
  } finally {
    await runner.release();
  }
  return result;
}

async function runLocked(
  dataSource: DataSource,
  keyring: EpochKeyring,
  audit: AuditService,
  options: RolloverOptions,
  result: RolloverResult,
): Promise<void> {
  const ctx = systemContext();
  const now = options.now ?? new Date();
  await keyring.refresh(dataSource);
  const sweep = await keyring.sweepStore(dataSource);
  result.destroyedEpochs.push(...sweep.destroyed);
  result.foreignKeyFiles = sweep.foreign;

  const previous = keyring.current();
  if (!previous || options.newEpoch || isRolloverDue(previous.startedAt, now, keyring.epochSeconds)) {
    const created = await dataSource.transaction(async (em) => {
      const epoch = await keyring.createEpoch(em);
      await audit.record(em, ctx, {
        action: 'keys.epoch.create',
        outcome: 'allowed',
        resourceType: 'key_epoch',
        resourceId: epoch.id,
        details: {
          epochId: epoch.id,
          previousEpochId: previous?.id ?? null,
          epochSeconds: keyring.epochSeconds,
        },
      });
      return epoch;
    });
    result.createdEpoch = created.id;
  }
  const current = keyring.current() as EpochInfo;
  result.currentEpoch = current.id;
  result.epochKeysRewrapped = keyring.rewrapUnderCurrentMaster();

  const older = keyring.live().filter((epoch) => epoch.id !== current.id);
  const legacy = await hasLegacyRows(dataSource);
  if (older.length === 0 && !legacy) return;

  if (older.length > 0) {
    const waitMs = current.startedAt.getTime() + (options.graceMs ?? DEFAULT_GRACE_MS) - Date.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
  for (let pass = 0; pass < MAX_PASSES; pass += 1) {
    result.rewrapped += await rewrapPass(dataSource, keyring, audit, ctx, current.id);
    const remaining = keyring.live().filter((epoch) => epoch.id !== current.id);
    for (const epoch of remaining) {
      if (await destroyEpoch(dataSource, keyring, audit, ctx, epoch.id))
        result.destroyedEpochs.push(epoch.id);
    }
    if (keyring.live().length === 1 && !(await hasLegacyRows(dataSource))) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await vacuumCases(dataSource);
}

/** One pass over the table in id order; rows locked by a concurrent request are left for the next pass. */
async function rewrapPass(
  dataSource: DataSource,
  keyring: EpochKeyring,
  audit: AuditService,
  ctx: RequestContext,
  currentId: string,
): Promise<number> {
  let after = '00000000-0000-0000-0000-000000000000';
  let total = 0;
  for (;;) {
    const batch = await dataSource.transaction(async (em) => {
      const rows = (await em.query(
        `SELECT id, key_id, wrapped_key FROM cases
          WHERE id > $1 AND key_id IS NOT NULL AND key_id <> $2
          ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED`,
        [after, currentId, BATCH],
      )) as { id: string; key_id: string; wrapped_key: Buffer }[];
      if (rows.length === 0) return { count: 0, last: after };
      const rewrapped = rows.map((row) => {
        keyring.ensure(row.key_id);
        return rewrapDataKey(keyring.dataKeyRing(), row.key_id, row.wrapped_key, row.id).wrapped;
      });
      // One statement per batch (the rows are locked; key_id re-checked so a concurrent change wins).
      await em.query(
        `UPDATE cases c SET key_id = $1, wrapped_key = v.wrapped
           FROM unnest($2::uuid[], $3::bytea[], $4::text[]) AS v(id, wrapped, old_key_id)
          WHERE c.id = v.id AND c.key_id = v.old_key_id`,
        [currentId, rows.map((row) => row.id), rewrapped, rows.map((row) => row.key_id)],
      );
      await audit.record(em, ctx, {
        action: 'keys.rewrap',
        outcome: 'allowed',
        details: { rewrapped: rows.length, keyId: currentId },
      });
      return { count: rows.length, last: rows[rows.length - 1].id };
    });
    total += batch.count;
    if (batch.count < BATCH) return total;
    after = batch.last;
  }
}

/** Deletes an older epoch and destroys its key; false while a case still uses it (foreign key). */
async function destroyEpoch(
  dataSource: DataSource,
  keyring: EpochKeyring,
  audit: AuditService,
  ctx: RequestContext,
  epochId: string,
): Promise<boolean> {
  try {
    await dataSource.transaction(async (em: EntityManager) => {
      await keyring.deleteEpoch(em, epochId);
      await audit.record(em, ctx, {
        action: 'keys.epoch.destroy',
        outcome: 'allowed',
        resourceType: 'key_epoch',
        resourceId: epochId,
        details: { epochId },
      });
    });
  } catch (error) {
    if ((error as { code?: string }).code === '23503') return false;
    throw error;
  }
  keyring.shred(epochId);
  return true;
}

async function hasLegacyRows(db: DataSource): Promise<boolean> {
  const rows = (await db.query(
    `SELECT 1 FROM cases c WHERE c.key_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM key_epochs e WHERE e.id = c.key_id) LIMIT 1`,
  )) as unknown[];
  return rows.length > 0;
}

/**
 * VACUUM of `cases` (outside any transaction): removes dead row versions, such as an erased case's
 * previous version with its wrapped key, from the table's pages. The runtime role does not own the
 * table; it may vacuum it on PostgreSQL 17+ (MAINTAIN, granted by the KeyEpochs migration). Without that
 * privilege PostgreSQL skips it with a warning, and autovacuum (tuned for `cases`) does it within
 * a minute. Failures are not the caller's: they are swallowed and reported as false.
 */
export async function vacuumCases(db: DataSource): Promise<boolean> {
  try {
    await db.query(`VACUUM (SKIP_LOCKED) cases`);
    return true;
  } catch {
    return false;
  }
}
