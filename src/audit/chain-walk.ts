import type pg from 'pg';
import { sha256Hex } from '../crypto/index.js';
import { contentHash, GENESIS_HASH } from './hash-chain.js';

/**
 * Recomputes the audit chain from the database, in large seq-range batches, with every value fetched as
 * raw text (no per-row object, Date or JSON parsing in JS): each scheme-2 event costs one SHA-256.
 */

export const WALK_BATCH = 20_000;

export const ISO_AT = `to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const j = (column: string) => `coalesce(pg_catalog.to_json(${column})::text, 'null')`;

/**
 * One statement per batch: events of (lo, hi] with, for a scheme-2 event, the exact text its hash covers,
 * serialized by PostgreSQL built-ins from the stored columns (the same text audit_append_v2 hashed; see
 * contentV2 in hash-chain.ts) and the side-table count and digest. Only four short columns per event cross
 * the wire, so the service hashes at the speed of SHA-256. Built-ins only: a database writer can replace
 * audit_content_v2(), not pg_catalog.
 */
const BATCH_SQL = `
  SELECT e.seq::text, e.prev_hash, e.hash, e.hash_version::text,
    CASE WHEN e.hash_version = 2 THEN
      'v2|' || e.prev_hash || '|' || e.seq || '|' || ${ISO_AT} || '|' ||
      pg_catalog.concat_ws(',', ${j('e.actor_id')}, ${j('e.actor_role')}, ${j('e.action')}, ${j('e.resource_type')},
        ${j('e.resource_id')}, coalesce(r.n, 0)::text, ${j('r.h')}, ${j('e.outcome')}, ${j('e.request_id')},
        ${j('e.client_request_id')}) || '|' || e.details::text
    ELSE pg_catalog.json_build_array(${ISO_AT}, e.actor_id, e.actor_role, e.action, e.resource_type, e.resource_id,
      e.outcome, e.request_id, e.details, coalesce(r.n, 0))::text END
  FROM audit_events e
  LEFT JOIN (SELECT seq, count(*) AS n,
                    encode(sha256(convert_to(string_agg(resource_id, E'\\n' ORDER BY pos), 'UTF8')), 'hex') AS h
               FROM audit_event_resources WHERE seq > $1 AND seq <= $2 GROUP BY seq) r ON r.seq = e.seq
  WHERE e.seq > $1 AND e.seq <= $2
  ORDER BY e.seq`;

export const RAW_TEXT: pg.CustomTypesConfig = { getTypeParser: () => (value: string) => value };

type BatchRow = [seq: string, prevHash: string, hash: string, version: string, hashed: string];

export interface WalkStart {
  /** The last seq already trusted (0 for the genesis). */
  seq: number;
  /** Its hash. */
  hash: string;
  /** Whether a scheme-2 event has been seen (scheme 1 may not follow it). */
  seenV2?: boolean;
}

export type WalkResult =
  | { ok: true; checked: number; lastSeq: number; headHash: string; lastAnchoredSeq: number }
  | { ok: false; checked: number; firstBadSeq: number; reason: 'chain' | 'checkpoint' };

/**
 * Walks the chain from `start` up to `toSeq`. `checkpoints` maps seq -> signed head hash: a chain that is
 * consistent in itself but disagrees with a checkpoint was rewritten; it is reported at the first seq after
 * the newest checkpoint that still matched (everything up to that one is vouched for by a signature).
 */
export async function walkChain(
  client: pg.ClientBase,
  options: { chainKey: Buffer; start: WalkStart; toSeq: number; checkpoints: ReadonlyMap<number, string> },
): Promise<WalkResult> {
  const { chainKey, toSeq, checkpoints } = options;
  let nextSeq = options.start.seq + 1;
  let prevHash = options.start.hash;
  let seenV2 = options.start.seenV2 ?? false;
  let lastAnchoredSeq = options.start.seq;
  let checked = 0;
  const bad = (seq: number) => ({ ok: false as const, checked, firstBadSeq: seq, reason: 'chain' as const });

  const fetch = (lo: number) =>
    client.query<BatchRow>({
      text: BATCH_SQL,
      values: [lo, Math.min(lo + WALK_BATCH, toSeq)],
      rowMode: 'array',
      types: RAW_TEXT,
    });
  // The next batch is requested before this one is hashed: the database serializes while we hash.
  let pending = options.start.seq < toSeq ? fetch(options.start.seq) : null;
  try {
    for (let lo = options.start.seq; pending !== null; lo += WALK_BATCH) {
      const { rows } = await pending;
      pending = lo + WALK_BATCH < toSeq ? fetch(lo + WALK_BATCH) : null;
      for (const row of rows) {
        const seq = Number(row[0]);
        if (seq !== nextSeq) return bad(nextSeq);
        if (row[1] !== prevHash) return bad(seq);
        let hash: string;
        if (row[3] === '2') {
          hash = sha256Hex(row[4]);
          seenV2 = true;
        } else if (row[3] === '1' && !seenV2) {
          const [
            at,
            actorId,
            actorRole,
            action,
            resourceType,
            resourceId,
            outcome,
            requestId,
            details,
            resources,
          ] = JSON.parse(row[4]) as [
            string,
            string | null,
            string | null,
            string,
            string | null,
            string | null,
            string,
            string | null,
            unknown,
            number,
          ];
          if (resources !== 0) return bad(seq);
          const link = contentHash(chainKey, {
            actorId,
            actorRole,
            action,
            resourceType,
            resourceId,
            outcome,
            requestId,
            details,
          });
          hash = sha256Hex(`${prevHash}|${seq}|${at}|${link}`);
        } else {
          return bad(seq);
        }
        if (hash !== row[2]) return bad(seq);
        const signed = checkpoints.get(seq);
        if (signed !== undefined) {
          if (signed !== hash) {
            return { ok: false, checked, firstBadSeq: lastAnchoredSeq + 1, reason: 'checkpoint' };
          }
          lastAnchoredSeq = seq;
        }
        prevHash = hash;
        nextSeq = seq + 1;
        checked += 1;
      }
    }
  } finally {
    await pending?.catch(() => undefined); // an early answer leaves no query in flight on the connection
  }
  if (nextSeq <= toSeq) return bad(nextSeq);
  return { ok: true, checked, lastSeq: nextSeq - 1, headHash: prevHash, lastAnchoredSeq };
}

export const GENESIS: WalkStart = { seq: 0, hash: GENESIS_HASH };
