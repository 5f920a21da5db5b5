import type { EntityManager } from 'typeorm';
import { DomainError } from '../common/errors.js';
import { timingSafeEqualStrings } from '../crypto/index.js';

/** Idempotency-Key: 1–128 printable ASCII characters. */
export const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,128}$/;

export type IdempotencyClaim = { kind: 'new' } | { kind: 'replay'; caseId: string };

/**
 * Claims `key` for `userId` inside the create transaction. A key younger than 24 hours is a replay
 * (same fingerprint: the original case) or a 422 (another body). Concurrent claims of one key serialize
 * on the primary key: the second waits for the first to commit and then replays it.
 * Only the keyed fingerprint is stored, never the body or the response.
 */
export async function claimIdempotencyKey(
  em: EntityManager,
  claim: { userId: string; key: string; fingerprint: string; caseId: string },
): Promise<IdempotencyClaim> {
  await em.query(
    `DELETE FROM case_idempotency_keys
      WHERE user_id = $1 AND key = $2 AND created_at <= now() - interval '24 hours'`,
    [claim.userId, claim.key],
  );
  const inserted = (await em.query(
    `INSERT INTO case_idempotency_keys (user_id, key, request_fingerprint, case_id)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (user_id, key) DO NOTHING
     RETURNING case_id`,
    [claim.userId, claim.key, claim.fingerprint, claim.caseId],
  )) as { case_id: string }[];
  if (inserted.length === 1) return { kind: 'new' };
  const [existing] = (await em.query(
    `SELECT request_fingerprint, case_id FROM case_idempotency_keys WHERE user_id = $1 AND key = $2`,
    [claim.userId, claim.key],
  )) as { request_fingerprint: string; case_id: string }[];
  if (existing === undefined) {
    throw new DomainError(
      'IDEMPOTENCY_IN_PROGRESS',
      'A concurrent request with this Idempotency-Key is in progress; retry',
    );
  }
  if (!timingSafeEqualStrings(existing.request_fingerprint, claim.fingerprint)) {
    throw new DomainError(
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was already used with a different request body',
    );
  }
  return { kind: 'replay', caseId: existing.case_id };
}
