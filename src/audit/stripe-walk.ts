import type pg from 'pg';
import type { StripeHead } from './checkpoint.js';
import { ISO_AT, RAW_TEXT } from './chain-walk.js';
import { STRIPES } from './hash-chain.js';

/**
 * The striped chain (scheme 3, migration 1797010000000): each stripe is walked on its own, hashed in
 * PostgreSQL, and the stripes are spread over connections. Shared by verify and the checkpoint timer.
 */

/** Events per stripe batch of the incremental walk: hashed and compared in PostgreSQL, only exceptions return. */
export const STRIPE_BATCH = 50_000;

const q = (column: string) => `coalesce(pg_catalog.to_json(${column})::text, 'null')`;

/**
 * One statement per stripe batch: the events of stripe $1 with stripe_seq in ($2, $3], each hashed in
 * PostgreSQL with built-ins only (pg_catalog.sha256 over the text audit_append_v2 hashed; see linkHashV3
 * and contentV2 in hash-chain.ts) and compared with its stored hash, each linked to the previous row by a
 * window. Only the rows that need a look come back: the first and last of the batch (links across
 * batches), any that is not ok (hash, link, gap, order) and those a checkpoint pins ($4).
 */
/** Whether a scheme-3 event's stored hash is that of its own columns (hash-chain.ts: linkHashV3, contentV2). */
const HASH_OK = `coalesce(e.hash_version = 3 AND e.hash = pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
  'v3|' || e.prev_hash || '|' || e.stripe::text || '|' || e.stripe_seq::text || '|' || e.seq::text || '|' ||
  ${ISO_AT} || '|' ||
  pg_catalog.concat_ws(',', ${q('e.actor_id')}, ${q('e.actor_role')}, ${q('e.action')}, ${q('e.resource_type')},
    ${q('e.resource_id')}, e.resource_count::text,
    CASE WHEN e.resource_count = 0 THEN 'null' ELSE ${q(`(SELECT pg_catalog.encode(pg_catalog.sha256(
      pg_catalog.convert_to(pg_catalog.string_agg(r.resource_id, E'\\n' ORDER BY r.pos), 'UTF8')), 'hex')
      FROM audit_event_resources r WHERE r.seq = e.seq)`)} END,
    ${q('e.outcome')}, ${q('e.request_id')}, ${q('e.client_request_id')}) || '|' || e.details::text,
  'UTF8')), 'hex'), false)`;

export const STRIPE_SQL = `
  SELECT x.stripe_seq::text, x.seq::text, x.prev_hash, x.hash, x.ok,
         x.lag_hash, x.lag_sseq::text, x.lag_seq::text, x.last_row
  FROM (
    SELECT e.stripe_seq, e.seq, e.prev_hash, e.hash, ${HASH_OK} AS ok,
      pg_catalog.lag(e.hash) OVER w AS lag_hash, pg_catalog.lag(e.stripe_seq) OVER w AS lag_sseq,
      pg_catalog.lag(e.seq) OVER w AS lag_seq, pg_catalog.lead(e.stripe_seq) OVER w IS NULL AS last_row
    FROM audit_events e
    WHERE e.stripe = $1 AND e.stripe_seq > $2 AND e.stripe_seq <= $3
    WINDOW w AS (ORDER BY e.stripe_seq)
  ) x
  WHERE NOT x.ok OR x.lag_sseq IS NULL OR x.last_row OR x.lag_hash <> x.prev_hash
     OR x.lag_sseq <> x.stripe_seq - 1 OR x.lag_seq >= x.seq OR x.stripe_seq = ANY($4::bigint[])
  ORDER BY x.stripe_seq`;

type StripeRow = [
  stripeSeq: string,
  seq: string,
  prevHash: string,
  hash: string,
  ok: string,
  lagHash: string | null,
  lagStripeSeq: string | null,
  lagSeq: string | null,
  lastRow: string,
];

/**
 * Where a stripe walk stopped, as the verifier reports it: `at` an event that is not intact (its seq); an
 * event missing `after` the global seq of the last intact one (and before `before`, when known: the seq of the
 * next event found); or a checkpoint the stripe disagrees with, first bad at the event after `stripeSeq`
 * (the newest that a checkpoint still vouched for).
 */
export type StripeProblem = (
  | { kind: 'at'; seq: number }
  | { kind: 'after'; seq: number; before?: number }
  | { kind: 'checkpoint'; stripe: number; stripeSeq: number }
) & {
  /** Events of this stripe from this stripe_seq on are not vouched for either (one may have a lower seq). */
  rest?: { stripe: number; stripeSeq: number };
};

export type StripeWalk =
  { ok: true; checked: number; head: StripeHead } | { ok: false; checked: number; problem: StripeProblem };

/**
 * Walks stripe `from.stripe` from its head `from` (already trusted) up to `toStripeSeq`. `pins` maps a
 * stripe_seq to the hash a signed checkpoint gives it ('conflict' when two checkpoints disagree).
 */
export async function walkStripe(
  client: pg.ClientBase,
  options: { from: StripeHead; toStripeSeq: number; pins: ReadonlyMap<number, string> },
): Promise<StripeWalk> {
  const { from, toStripeSeq, pins } = options;
  const stripe = from.stripe;
  let head: StripeHead = { ...from };
  let anchored = from.stripeSeq;
  let checked = 0;
  // Past a break nothing in the stripe is vouched for; a reordering may have put a lower seq further on.
  const fail = (problem: StripeProblem, stripeSeq: number): StripeWalk => ({
    ok: false,
    checked,
    problem: { ...problem, rest: { stripe, stripeSeq } },
  });
  const pinned = [...pins.keys()].filter((k) => k > from.stripeSeq && k <= toStripeSeq);
  for (let lo = from.stripeSeq; lo < toStripeSeq;) {
    const hi = Math.min(lo + STRIPE_BATCH, toStripeSeq);
    const { rows } = await client.query<StripeRow>({
      text: STRIPE_SQL,
      values: [stripe, lo, hi, pinned.filter((k) => k > lo && k <= hi)],
      rowMode: 'array',
      types: RAW_TEXT,
    });
    let last = head;
    for (const row of rows) {
      const stripeSeq = Number(row[0]);
      const seq = Number(row[1]);
      const [prevSeq, prevStripeSeq, prevHash] =
        row[6] === null ? [last.seq, last.stripeSeq, last.hash] : [Number(row[7]), Number(row[6]), row[5]];
      if (row[6] === null && last !== head) return fail({ kind: 'at', seq }, stripeSeq); // a second first row
      if (stripeSeq !== prevStripeSeq + 1) {
        return fail({ kind: 'after', seq: prevSeq, before: seq }, prevStripeSeq + 1);
      }
      if (row[2] !== prevHash || seq <= prevSeq) {
        // The first event of a stripe links to the legacy head: a mismatch there is the legacy tail's.
        return fail(
          stripeSeq === 1 ? { kind: 'after', seq: prevSeq, before: seq } : { kind: 'at', seq },
          stripeSeq,
        );
      }
      if (row[4] !== 't') return fail({ kind: 'at', seq }, stripeSeq);
      const signed = pins.get(stripeSeq);
      if (signed !== undefined) {
        if (signed !== row[3]) return fail({ kind: 'checkpoint', stripe, stripeSeq: anchored }, anchored + 1);
        anchored = stripeSeq;
      }
      last = { stripe, stripeSeq, seq, hash: row[3] };
      if (row[8] === 't') break;
    }
    if (last.stripeSeq !== hi) return fail({ kind: 'after', seq: last.seq }, last.stripeSeq + 1);
    checked += hi - lo;
    head = last;
    lo = hi;
  }
  return { ok: true, checked, head };
}

/** The chain as one statement sees it: the legacy head, every stripe's newest event and head row. */
export interface ChainSnapshot {
  /** audit_head: the legacy chain's head, where every stripe starts. */
  legacy: { seq: number; hash: string };
  /** Each stripe's newest stored event (stripeSeq 0: none; seq and hash then the legacy head's). */
  tails: StripeHead[];
  /** audit_stripe_heads, as the appends left it. */
  heads: StripeHead[];
  /** Every row of audit_events. */
  total: number;
}

const snapshotSql = (withTotal: boolean) => `
  WITH tails AS (
    SELECT s, t.stripe_seq, t.seq, t.hash FROM pg_catalog.generate_series(0, ${STRIPES - 1}) s
    LEFT JOIN LATERAL (SELECT stripe_seq, seq, hash FROM audit_events WHERE stripe = s
                        ORDER BY stripe_seq DESC LIMIT 1) t ON true)
  SELECT ${withTotal ? '(SELECT pg_catalog.count(*) FROM audit_events)' : '0'}::text AS total,
         h.seq::text AS legacy_seq, h.hash AS legacy_hash,
         (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(s, stripe_seq, seq, hash) ORDER BY s) FROM tails)::text
           AS tails,
         (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(stripe, stripe_seq, seq, hash) ORDER BY stripe)
            FROM audit_stripe_heads)::text AS heads
    FROM audit_head h`;

type HeadTuple = [number, number | null, number | null, string | null];

export async function readSnapshot(
  query: (sql: string) => Promise<unknown>,
  withTotal = true,
): Promise<ChainSnapshot> {
  const [row] = (await query(snapshotSql(withTotal))) as {
    total: string;
    legacy_seq: string;
    legacy_hash: string;
    tails: string;
    heads: string | null;
  }[];
  const legacy = { seq: Number(row.legacy_seq), hash: row.legacy_hash };
  const toHead = ([stripe, stripeSeq, seq, hash]: HeadTuple): StripeHead =>
    stripeSeq === null || stripeSeq === 0
      ? { stripe, stripeSeq: 0, seq: legacy.seq, hash: legacy.hash }
      : { stripe, stripeSeq, seq: Number(seq), hash: String(hash) };
  return {
    legacy,
    tails: (JSON.parse(row.tails) as HeadTuple[]).map(toHead),
    heads: ((JSON.parse(row.heads ?? '[]') as HeadTuple[]) ?? []).map(([stripe, stripeSeq, seq, hash]) => ({
      stripe,
      stripeSeq: Number(stripeSeq),
      seq: Number(seq),
      hash: String(hash),
    })),
    total: Number(row.total),
  };
}

/** The stripes' starting heads: none has an event, each starts at the legacy head. */
export const genesisHeads = (legacy: { seq: number; hash: string }): StripeHead[] =>
  Array.from({ length: STRIPES }, (_, stripe) => ({
    stripe,
    stripeSeq: 0,
    seq: legacy.seq,
    hash: legacy.hash,
  }));

/**
 * The global seq at which a problem is reported: the event itself; for events missing after seq a (deleted
 * or a truncated tail), the first seq after a that no stored event has (bounded by the next event found: seq
 * holes are also left by rolled-back appends, so this is at or before the missing event); for a checkpoint
 * disagreement, the event after the newest one vouched for.
 */
export async function problemSeq(
  query: (sql: string, params: unknown[]) => Promise<unknown>,
  problem: StripeProblem,
): Promise<number> {
  const found = await reportedSeq(query, problem);
  if (problem.rest === undefined) return found;
  const [rest] = (await query(
    `SELECT min(seq)::text AS seq FROM audit_events WHERE stripe = $1 AND stripe_seq >= $2`,
    [problem.rest.stripe, problem.rest.stripeSeq],
  )) as { seq: string | null }[];
  return rest?.seq === null || rest === undefined ? found : Math.min(found, Number(rest.seq));
}

async function reportedSeq(
  query: (sql: string, params: unknown[]) => Promise<unknown>,
  problem: StripeProblem,
): Promise<number> {
  if (problem.kind === 'at') return problem.seq;
  if (problem.kind === 'checkpoint') {
    const [next] = (await query(`SELECT seq::text FROM audit_events WHERE stripe = $1 AND stripe_seq = $2`, [
      problem.stripe,
      problem.stripeSeq + 1,
    ])) as { seq: string }[];
    if (next !== undefined) return Number(next.seq);
    const [anchor] = (await query(
      `SELECT seq::text FROM audit_events WHERE stripe = $1 AND stripe_seq = $2`,
      [problem.stripe, problem.stripeSeq],
    )) as { seq: string }[];
    return reportedSeq(query, { kind: 'after', seq: anchor === undefined ? 0 : Number(anchor.seq) });
  }
  const [hole] = (await query(
    `SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM audit_events WHERE seq = $1::bigint + 1) THEN $1::bigint + 1
            ELSE (SELECT e.seq + 1 FROM audit_events e WHERE e.seq > $1::bigint
                   AND NOT EXISTS (SELECT 1 FROM audit_events f WHERE f.seq = e.seq + 1)
                   ORDER BY e.seq LIMIT 1) END::text AS hole`,
    [problem.seq],
  )) as { hole: string }[];
  const found = Number(hole.hole);
  return problem.before === undefined ? found : Math.min(found, problem.before);
}

/** The first row that belongs to no chain: outside every stripe and not in the legacy range. */
export async function strayRowSeq(
  query: (sql: string, params: unknown[]) => Promise<unknown>,
  legacySeq: number,
): Promise<number | null> {
  const [row] = (await query(
    `SELECT min(seq)::text AS seq FROM audit_events
      WHERE (stripe IS NULL AND seq > $1) OR (stripe IS NOT NULL AND (seq <= $1 OR stripe < 0
         OR stripe >= ${STRIPES} OR stripe_seq IS NULL OR stripe_seq <= 0))`,
    [legacySeq],
  )) as { seq: string | null }[];
  return row?.seq === null || row === undefined ? null : Number(row.seq);
}

/** Runs `tasks` on `clients` connections at once, each taking the next task when it is done. */
export async function onConnections<T>(
  clients: readonly pg.ClientBase[],
  tasks: readonly ((client: pg.ClientBase) => Promise<T>)[],
): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  await Promise.all(
    clients.map(async (client) => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i](client);
      }
    }),
  );
  return results;
}

/**
 * The first event of scheme 3 recorded with no resource ids (resource_count 0, so its hash covers none) that
 * has side-table rows: planted ids, which a list by resourceId would show. Events with ids hash them.
 */
export async function orphanResourceSeq(
  query: (sql: string, params: unknown[]) => Promise<unknown>,
): Promise<number | null> {
  const [row] = (await query(
    `SELECT min(r.seq)::text AS seq FROM (SELECT DISTINCT seq FROM audit_event_resources) r
       JOIN audit_events e ON e.seq = r.seq WHERE e.stripe IS NOT NULL AND e.resource_count = 0`,
    [],
  )) as { seq: string | null }[];
  return row?.seq === null || row === undefined ? null : Number(row.seq);
}

/**
 * Global seqs per statement of the full walk (verify), at most: small enough that a statement's sort by
 * stripe (the window below) stays in work_mem's default 4 MB (50,000 spilled 16 MB to disk), large enough that
 * statements cost little each. Measured 2026-12-02 (the statements alone, two connections, 100,000 events on
 * the system PostgreSQL 15): 50,000 a statement 218,000-234,000 events/s, 10,000 246,000-289,000.
 */
export const RANGE_BATCH = 10_000;

/**
 * The seq ranges (lo, hi] of the full walk over (from, to]: contiguous, at most `batch` seqs each, as
 * many as a multiple of `connections` (when there are that many seqs), their sizes within one of each other,
 * so that every connection works until the end. (Cut at RANGE_BATCH alone, 53,000 events made a range of
 * 50,000 on one connection and of 3,000 on the other: the walk took as long as on one connection.)
 */
export function seqRanges(
  from: number,
  to: number,
  connections: number,
  batch = RANGE_BATCH,
): [number, number][] {
  const span = to - from;
  if (span <= 0) return [];
  const count = Math.ceil(Math.ceil(span / batch) / connections) * connections;
  const ranges: [number, number][] = [];
  for (let i = 0; i < count; i++) {
    const lo = from + Math.floor((i * span) / count);
    const hi = from + Math.floor(((i + 1) * span) / count);
    if (hi > lo) ranges.push([lo, hi]);
  }
  return ranges;
}

/**
 * The full walk reads the stripes together in seq order (the table's physical order; a walk stripe by stripe
 * visits every heap page 16 times): one statement per seq range, each event hashed in PostgreSQL (built-ins
 * only, in the inner query, so that the sort carries only the links) and linked to the previous event of its
 * stripe in the range by a window. Only the rows that need a look come back, each with the place, link and
 * hash of its predecessor: the first and last of each stripe in the range (links across ranges; the last
 * also counts its stripe's rows), and any that is not ok (hash, link, gap). Until 2026-12-02 every event came
 * back and was linked here: 2-3 us an event, a fifth to a quarter of the walk's CPU on two cores. Only the
 * events of each stripe up to its newest in the snapshot ($3): one consistent cut.
 */
export const RANGE_SQL = `
  SELECT x.stripe::text, x.stripe_seq::text, x.seq::text, x.prev_hash, x.hash, x.ok,
         x.lag_sseq::text, x.lag_seq::text, x.lag_hash, x.last_row, x.n::text
  FROM (
    SELECT h.stripe, h.stripe_seq, h.seq, h.prev_hash, h.hash, h.ok,
      pg_catalog.lag(h.stripe_seq) OVER w AS lag_sseq, pg_catalog.lag(h.seq) OVER w AS lag_seq,
      pg_catalog.lag(h.hash) OVER w AS lag_hash, pg_catalog.lead(h.seq) OVER w IS NULL AS last_row,
      pg_catalog.row_number() OVER w AS n
    FROM (
      SELECT e.stripe, e.stripe_seq, e.seq, e.prev_hash, e.hash, ${HASH_OK} AS ok
      FROM audit_events e
      WHERE e.seq > $1 AND e.seq <= $2 AND e.stripe IS NOT NULL AND e.stripe_seq <= ($3::bigint[])[e.stripe + 1]
      OFFSET 0
    ) h
    WINDOW w AS (PARTITION BY h.stripe ORDER BY h.seq)
  ) x
  WHERE NOT x.ok OR x.lag_sseq IS NULL OR x.last_row OR x.lag_hash <> x.prev_hash
     OR x.lag_sseq <> x.stripe_seq - 1
  ORDER BY x.seq`;

type RangeRow = [
  stripe: string,
  stripeSeq: string,
  seq: string,
  prevHash: string,
  hash: string,
  ok: string,
  lagStripeSeq: string | null,
  lagSeq: string | null,
  lagHash: string | null,
  lastRow: string,
  rowNumber: string,
];

/**
 * The places signed checkpoints pin ($1 stripes, $2 stripe_seqs, $3 hashes) whose stored event, within the
 * walk's cut ((from $4, to $5], each stripe up to $6), is intact on its own (its hash that of its columns)
 * but not the one signed: a stripe rewritten and re-hashed. Its seq tells the range that would have seen it.
 * Each place is looked up on its own by the stripe index (the LATERAL subquery, kept apart by OFFSET 0), so
 * that only the pinned events are hashed: as one join, the planner scanned every event and hashed each
 * (1.1 s for 240 places over 200,000 events, 2026-12-02).
 */
export const PINS_SQL = `
  SELECT e.stripe::text, e.stripe_seq::text, e.seq::text
  FROM ROWS FROM (pg_catalog.unnest($1::smallint[]), pg_catalog.unnest($2::bigint[]), pg_catalog.unnest($3::text[]))
    AS p(stripe, stripe_seq, hash)
  CROSS JOIN LATERAL (
    SELECT * FROM audit_events e WHERE e.stripe = p.stripe AND e.stripe_seq = p.stripe_seq OFFSET 0
  ) e
  WHERE e.seq > $4 AND e.seq <= $5 AND e.stripe_seq <= ($6::bigint[])[e.stripe + 1]
    AND e.hash::text <> p.hash AND ${HASH_OK}`;

interface Segment {
  first: { stripeSeq: number; seq: number; prevHash: string };
  last: StripeHead;
}

/** One seq range walked: each stripe's first and last event in it, and what was wrong inside it. */
interface RangeWalk {
  segments: Map<number, Segment>;
  problems: StripeProblem[];
  /** Stripe -> seq of its first event in the range that is not intact: the range looks no further. */
  brokenAt: Map<number, number>;
  checked: number;
}

async function walkRange(
  client: pg.ClientBase,
  lo: number,
  hi: number,
  tails: readonly number[],
): Promise<RangeWalk> {
  const { rows } = await client.query<RangeRow>({
    text: RANGE_SQL,
    values: [lo, hi, tails],
    rowMode: 'array',
    types: RAW_TEXT,
  });
  const segments = new Map<number, Segment>();
  const problems: StripeProblem[] = [];
  const brokenAt = new Map<number, number>();
  let checked = 0;
  for (const row of rows) {
    const stripe = Number(row[0]);
    if (row[9] === 't') checked += Number(row[10]);
    if (brokenAt.has(stripe)) continue;
    const stripeSeq = Number(row[1]);
    const seq = Number(row[2]);
    const hash = row[5] === 't' ? row[4] : '';
    const fail = (problem: StripeProblem) => {
      brokenAt.set(stripe, seq);
      problems.push({ ...problem, rest: { stripe, stripeSeq } });
    };
    const segment = segments.get(stripe);
    if (row[6] === null || segment === undefined) {
      // The stripe's first event in the range (a window partition has one, and it comes first by seq).
      segments.set(stripe, {
        first: { stripeSeq, seq, prevHash: row[3] },
        last: { stripe, stripeSeq, seq, hash },
      });
    } else {
      // The events between the previous row that came back and this one are intact and linked, up to the
      // window's predecessor of this one (intact too: a row that is not came back and broke the stripe).
      const last = { stripe, stripeSeq: Number(row[6]), seq: Number(row[7]), hash: row[8]! };
      segment.last = last;
      if (stripeSeq !== last.stripeSeq + 1) {
        fail({ kind: 'after', seq: last.seq, before: seq });
        continue;
      }
      if (row[3] !== last.hash) {
        fail({ kind: 'at', seq });
        continue;
      }
      segment.last = { stripe, stripeSeq, seq, hash };
    }
    if (hash === '') fail({ kind: 'at', seq });
  }
  return { segments, problems, brokenAt, checked };
}

/** The pinned places whose stored event differs from the signed one (PINS_SQL): stripe, stripe_seq, seq. */
async function pinMismatches(
  client: pg.ClientBase,
  cut: { from: number; to: number; tails: readonly number[] },
  pins: readonly ReadonlyMap<number, string>[],
): Promise<[stripe: number, stripeSeq: number, seq: number][]> {
  const stripes: number[] = [];
  const stripeSeqs: number[] = [];
  const hashes: string[] = [];
  pins.forEach((pinned, stripe) => {
    for (const [stripeSeq, hash] of pinned) {
      stripes.push(stripe);
      stripeSeqs.push(stripeSeq);
      hashes.push(hash);
    }
  });
  if (stripes.length === 0) return [];
  const { rows } = await client.query<[string, string, string]>({
    text: PINS_SQL,
    values: [stripes, stripeSeqs, hashes, cut.from, cut.to, cut.tails],
    rowMode: 'array',
    types: RAW_TEXT,
  });
  return rows.map(([stripe, stripeSeq, seq]) => [Number(stripe), Number(stripeSeq), Number(seq)]);
}

/**
 * The full walk of every stripe from its start (the legacy head) to its tail in `snapshot`, in seq ranges
 * of at most `batch` seqs spread over `clients`, and the places the checkpoints pin (`pins`, per stripe:
 * stripe_seq -> signed hash); the links across ranges are checked once all are back. Returns every stripe's
 * head, or the problems found (one per broken stripe at least).
 */
export async function walkStripes(
  clients: readonly pg.ClientBase[],
  snapshot: ChainSnapshot,
  pins: readonly ReadonlyMap<number, string>[],
  batch = RANGE_BATCH,
): Promise<{ checked: number; heads: StripeHead[]; problems: StripeProblem[] }> {
  const tails = snapshot.tails.map((tail) => tail.stripeSeq);
  const from = snapshot.legacy.seq;
  const to = Math.max(from, ...snapshot.tails.map((tail) => tail.seq));
  const ranges = seqRanges(from, to, clients.length, batch);
  let pinned: Awaited<ReturnType<typeof pinMismatches>> = [];
  const walks = await onConnections<RangeWalk | null>(clients, [
    ...ranges.map(
      ([lo, hi]) =>
        (client: pg.ClientBase) =>
          walkRange(client, lo, hi, tails),
    ),
    async (client: pg.ClientBase) => {
      pinned = await pinMismatches(client, { from, to, tails }, pins);
      return null;
    },
  ]).then((all) => all.filter((walk): walk is RangeWalk => walk !== null));
  // A pinned event that differs counts where its range still looked (up to the stripe's first break there).
  const mismatches = new Map<number, number>();
  for (const [stripe, stripeSeq, seq] of pinned) {
    const range = ranges.findIndex(([lo, hi]) => seq > lo && seq <= hi);
    const broken = range < 0 ? undefined : walks[range].brokenAt.get(stripe);
    if (range < 0 || (broken !== undefined && broken <= seq)) continue;
    mismatches.set(stripe, Math.min(mismatches.get(stripe) ?? Infinity, stripeSeq));
  }
  const problems: StripeProblem[] = walks.flatMap((walk) => walk.problems);
  const heads = genesisHeads(snapshot.legacy);
  const checked = walks.reduce((n, walk) => n + walk.checked, 0);
  for (const stripe of heads.keys()) {
    let head = heads[stripe];
    let failed = false;
    const fail = (problem: StripeProblem, stripeSeq: number) => {
      failed = true;
      problems.push({ ...problem, rest: { stripe, stripeSeq } });
    };
    for (const walk of walks) {
      const segment = walk.segments.get(stripe);
      if (segment === undefined) continue;
      const { first } = segment;
      if (first.stripeSeq !== head.stripeSeq + 1) {
        fail({ kind: 'after', seq: head.seq, before: first.seq }, head.stripeSeq + 1);
      } else if (first.prevHash !== head.hash || first.seq <= head.seq) {
        // The first event of a stripe links to the legacy head: a mismatch there is the legacy tail's.
        fail(
          first.stripeSeq === 1
            ? { kind: 'after', seq: head.seq, before: first.seq }
            : { kind: 'at', seq: first.seq },
          first.stripeSeq,
        );
      }
      if (failed) break;
      head = segment.last;
    }
    const mismatch = mismatches.get(stripe) ?? Infinity;
    if (mismatch !== Infinity) {
      // Reported after the newest place a checkpoint still vouched for.
      const anchored = Math.max(0, ...[...pins[stripe].keys()].filter((k) => k < mismatch));
      problems.push({
        kind: 'checkpoint',
        stripe,
        stripeSeq: anchored,
        rest: { stripe, stripeSeq: anchored + 1 },
      });
    }
    if (!failed && head.stripeSeq !== tails[stripe]) {
      fail({ kind: 'after', seq: head.seq }, head.stripeSeq + 1);
    }
    heads[stripe] = head;
  }
  return { checked, heads, problems };
}
