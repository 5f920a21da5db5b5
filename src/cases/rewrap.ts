import type { DataSource } from 'typeorm';
import type { AuditService } from '../audit/audit.service.js';
import { rewrapDataKey, type MasterKeyRing } from '../crypto/index.js';

export interface RewrapResult {
  /** Data keys now wrapped under the ring's current master key by this run. */
  rewrapped: number;
  /** Live cases already under the current key. */
  alreadyCurrent: number;
}

const BATCH = 500;

/**
 * Key rotation: re-wraps every data key not yet under `ring.currentKeyId` (ciphertexts untouched; the
 * data keys themselves do not change). Batches of rows are locked, re-wrapped and committed one at a time,
 * so the command can be interrupted and run again; each batch is audited (keys.rewrap) in its transaction.
 * Erased cases have no data key and are skipped.
 */
export async function rewrapAllDataKeys(
  dataSource: DataSource,
  ring: MasterKeyRing,
  audit: AuditService,
): Promise<RewrapResult> {
  const ctx = { requestId: `keys-rewrap-${Date.now()}`, ip: 'local', actor: null };
  let rewrapped = 0;
  for (;;) {
    const done = await dataSource.transaction(async (em) => {
      const rows = (await em.query(
        `SELECT id, key_id, wrapped_key FROM cases
          WHERE wrapped_key IS NOT NULL AND key_id <> $1
          ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [ring.currentKeyId, BATCH],
      )) as { id: string; key_id: string; wrapped_key: Buffer }[];
      for (const row of rows) {
        const next = rewrapDataKey(ring, row.key_id, row.wrapped_key, row.id);
        await em.query(`UPDATE cases SET key_id = $1, wrapped_key = $2 WHERE id = $3 AND key_id = $4`, [
          next.keyId,
          next.wrapped,
          row.id,
          row.key_id,
        ]);
      }
      if (rows.length > 0) {
        await audit.record(em, ctx, {
          action: 'keys.rewrap',
          outcome: 'allowed',
          details: { rewrapped: rows.length, keyId: ring.currentKeyId },
        });
      }
      return rows.length;
    });
    rewrapped += done;
    if (done < BATCH) break;
  }
  const [current] = (await dataSource.query(
    `SELECT count(*)::int AS n FROM cases WHERE wrapped_key IS NOT NULL AND key_id = $1`,
    [ring.currentKeyId],
  )) as { n: number }[];
  return { rewrapped, alreadyCurrent: current.n - rewrapped };
}
