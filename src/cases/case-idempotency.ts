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

export type BatchClaim = IdempotencyClaim | { kind: 'reused' } | { kind: 'in_progress' };

/**
 * claimIdempotencyKey for many keys of one user at once (bulk import): one DELETE of expired keys, one
 * multi-row INSERT ... ON CONFLICT DO NOTHING, one SELECT of the keys already taken. Keys must be
 * distinct. Keys are claimed in sorted order, so two imports sharing keys cannot deadlock on them.
 */
export async function claimIdempotencyKeys(
  em: EntityManager,
  userId: string,
  claims: readonly { key: string; fingerprint: string; caseId: string }[],
): Promise<Map<string, BatchClaim>> {
  const result = new Map<string, BatchClaim>();
  if (claims.length === 0) return result;
  const sorted = [...claims].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const keys = sorted.map((claim) => claim.key);
  await em.query(
    `DELETE FROM case_idempotency_keys
      WHERE user_id = $1 AND key = ANY($2::text[]) AND created_at <= now() - interval '24 hours'`,
    [userId, keys],
  );
  const inserted = (await em.query(
    `INSERT INTO case_idempotency_keys (user_id, key, request_fingerprint, case_id)
     SELECT $1, k, f, c::uuid FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS u(k, f, c, n)
      ORDER BY n
     ON CONFLICT (user_id, key) DO NOTHING
     RETURNING key`,
    [userId, keys, sorted.map((claim) => claim.fingerprint), sorted.map((claim) => claim.caseId)],
  )) as { key: string }[];
  for (const { key } of inserted) result.set(key, { kind: 'new' });
  const taken = sorted.filter((claim) => !result.has(claim.key));
  if (taken.length === 0) return result;
  const existing = (await em.query(
    `SELECT key, request_fingerprint, case_id FROM case_idempotency_keys WHERE user_id = $1 AND key = ANY($2::text[])`,
    [userId, taken.map((claim) => claim.key)],
  )) as { key: string; request_fingerprint: string; case_id: string }[];
  const byKey = new Map(existing.map((row) => [row.key, row]));
  for (const claim of taken) {
    const row = byKey.get(claim.key);
    if (row === undefined) result.set(claim.key, { kind: 'in_progress' });
    else if (!timingSafeEqualStrings(row.request_fingerprint, claim.fingerprint)) {
      result.set(claim.key, { kind: 'reused' });
    } else result.set(claim.key, { kind: 'replay', caseId: row.case_id });
  }
  return result;
}
