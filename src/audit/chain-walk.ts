import type pg from 'pg';
import { sha256Hex } from '../crypto/index.js';
import { contentHash, GENESIS_HASH } from './hash-chain.js';

/**
 * Recomputes the legacy audit chain (schemes 1 and 2, before the stripes) from the database, in large
 * seq-range batches, with every value fetched as raw text (no per-row object, Date or JSON parsing in JS):
 * scheme-2 events are hashed in PostgreSQL, scheme-1 events (keyed) here.
 */

export const WALK_BATCH = 20_000;

export const ISO_AT = `to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const j = (column: string) => `coalesce(pg_catalog.to_json(${column})::text, 'null')`;

/**
 * One statement per batch: events of (lo, hi]; a scheme-2 event hashed in PostgreSQL from the exact text its
 * hash covers, serialized by built-ins from the stored columns and the side table's count and digest (the
 * text audit_append_v2 hashed then; see contentV2 and linkHashV2 in hash-chain.ts), and compared with its
 * stored hash: '' when it matches. A scheme-1 event comes with its content for the keyed hash here. Built-ins
 * only: a database writer can replace audit_content_v2(), not pg_catalog.
 */
const BATCH_SQL = `
  SELECT e.seq::text, e.prev_hash, e.hash, e.hash_version::text,
    CASE WHEN e.hash_version = 2 THEN
      CASE WHEN e.hash = pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
        'v2|' || e.prev_hash || '|' || e.seq::text || '|' || ${ISO_AT} || '|' ||
        pg_catalog.concat_ws(',', ${j('e.actor_id')}, ${j('e.actor_role')}, ${j('e.action')}, ${j('e.resource_type')},
          ${j('e.resource_id')}, coalesce(r.n, 0)::text, ${j('r.h')}, ${j('e.outcome')}, ${j('e.request_id')},
          ${j('e.client_request_id')}) || '|' || e.details::text, 'UTF8')), 'hex') THEN '' ELSE 'x' END
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
          if (row[4] !== '') return bad(seq);
          hash = row[2];
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

/**
 * walkChain from the genesis to `toSeq` on two connections at once: the second half starts from the stored
 * hash of the middle event, which the first half recomputes (and must end with).
 */
export async function walkChainParallel(
  clients: readonly pg.ClientBase[],
  options: { chainKey: Buffer; toSeq: number; checkpoints: ReadonlyMap<number, string> },
): Promise<WalkResult> {
  const { chainKey, toSeq, checkpoints } = options;
  const whole = () => walkChain(clients[0], { chainKey, start: GENESIS, toSeq, checkpoints });
  if (clients.length < 2 || toSeq < 2 * WALK_BATCH) return whole();
  const mid = Math.floor(toSeq / 2);
  const { rows } = await clients[0].query<{ hash: string; hash_version: number }>(
    `SELECT hash, hash_version FROM audit_events WHERE seq = $1`,
    [mid],
  );
  if (rows.length === 0) return whole(); // reported where the gap is
  const middle: WalkStart = { seq: mid, hash: rows[0].hash, seenV2: Number(rows[0].hash_version) === 2 };
  const [first, second] = await Promise.all([
    walkChain(clients[0], { chainKey, start: GENESIS, toSeq: mid, checkpoints }),
    walkChain(clients[1], { chainKey, start: middle, toSeq, checkpoints }),
  ]);
  if (!first.ok) return first;
  if (first.headHash !== middle.hash)
    return { ok: false, checked: first.checked, firstBadSeq: mid, reason: 'chain' };
  const checked = first.checked + second.checked;
  if (!second.ok) {
    // A checkpoint disagreement right after the middle: the newest matching checkpoint may be before it.
    const firstBadSeq =
      second.reason === 'checkpoint' && second.firstBadSeq === mid + 1
        ? first.lastAnchoredSeq + 1
        : second.firstBadSeq;
    return { ...second, checked, firstBadSeq };
  }
  return { ...second, checked, lastAnchoredSeq: Math.max(first.lastAnchoredSeq, second.lastAnchoredSeq) };
}
