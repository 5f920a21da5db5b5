import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import type { RequestContext } from '../common/request-context.js';
import { AppConfig } from '../config/app-config.js';
import { AuditCheckpointService } from './audit-checkpoints.service.js';
import {
  AuditService,
  EVENT_COLUMNS,
  resourceIdsOf,
  toEvent,
  whereClause,
  type EventRow,
} from './audit.service.js';
import { walkChainParallel, type WalkResult } from './chain-walk.js';
import type { Checkpoint } from './checkpoint.js';
import {
  orphanResourceSeq,
  problemSeq,
  readSnapshot,
  strayRowSeq,
  walkStripes,
  type StripeProblem,
} from './stripe-walk.js';

export type VerifyResult =
  | { ok: true; checked: number; headHash: string }
  | { ok: false; checked: number; firstBadSeq: number }
  | { ok: false; checked: number; headMismatch: true; intactThroughSeq: number };

const EXPORT_BATCH = 5000;

/** A seq signed with two different hashes: no chain can match it. */
const CONFLICT = 'conflict';

/**
 * GET /v1/audit/verify and the export. Verify recomputes the whole chain (chain-walk.ts), holds it against
 * every genuine signed checkpoint (the table's and the newest this process signed), and detects a
 * truncated tail: a checkpoint or the chain head (audit_head) beyond the newest stored event.
 */
@Injectable()
export class AuditVerifyService {
  private readonly chainKey: Buffer;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly checkpoints: AuditCheckpointService,
    config: AppConfig,
  ) {
    this.chainKey = config.keys.auditChainKey;
  }

  async verify(ctx: RequestContext, expectHead?: string): Promise<VerifyResult> {
    const result = await this.check(expectHead);
    await this.audit.recordAlone(ctx, {
      action: 'audit.verify',
      outcome: 'allowed',
      details: {
        ok: result.ok,
        checked: result.checked,
        firstBadSeq: 'firstBadSeq' in result ? result.firstBadSeq : null,
        headMismatch: 'headMismatch' in result,
        expectHead: expectHead ?? null,
      },
    });
    return result;
  }

  private async check(expectHead?: string): Promise<VerifyResult> {
    // Checkpoints first, then the table: a checkpoint signed meanwhile covers only events already stored.
    const known = await this.knownCheckpoints();
    const query = (sql: string, params: unknown[] = []) => this.dataSource.query(sql, params);
    const snapshot = await readSnapshot(query);
    const { legacy, tails } = snapshot;
    const problems: StripeProblem[] = [];

    // What every stripe must contain: the signed heads (a head beyond the stored tail: its newest events
    // are gone) and the head rows the appends advanced.
    const pins = tails.map(() => new Map<number, string>());
    for (const checkpoint of known.vectors) {
      for (const head of checkpoint.heads!) {
        const tail = tails[head.stripe];
        if (tail === undefined) continue;
        if (head.stripeSeq === 0) {
          if (head.hash !== legacy.hash || head.seq !== legacy.seq) {
            problems.push({ kind: 'after', seq: Math.min(head.seq, legacy.seq) });
          }
        } else if (head.stripeSeq > tail.stripeSeq) {
          problems.push({ kind: 'after', seq: tail.seq });
        } else {
          const seen = pins[head.stripe].get(head.stripeSeq);
          pins[head.stripe].set(
            head.stripeSeq,
            seen === undefined || seen === head.hash ? head.hash : CONFLICT,
          );
        }
      }
    }
    for (const head of snapshot.heads) {
      const tail = tails[head.stripe];
      if (tail === undefined) continue;
      if (head.stripeSeq > tail.stripeSeq) problems.push({ kind: 'after', seq: tail.seq });
      else if (head.stripeSeq < tail.stripeSeq) {
        problems.push({ kind: 'checkpoint', stripe: head.stripe, stripeSeq: head.stripeSeq });
      } else if (head.stripeSeq > 0 && head.hash !== tail.hash) problems.push({ kind: 'at', seq: tail.seq });
    }

    // The legacy chain, then the 16 stripes in seq ranges spread over two connections.
    const runners = [this.dataSource.createQueryRunner(), this.dataSource.createQueryRunner()];
    let legacyWalk: WalkResult;
    let stripes: Awaited<ReturnType<typeof walkStripes>>;
    try {
      const clients = (await Promise.all(runners.map((r) => r.connect()))) as pg.ClientBase[];
      legacyWalk = await walkChainParallel(clients, {
        chainKey: this.chainKey,
        toSeq: legacy.seq,
        checkpoints: known.legacyBySeq,
      });
      stripes = await walkStripes(clients, snapshot, pins);
    } finally {
      await Promise.all(runners.map((r) => r.release()));
    }

    const checked = legacyWalk.checked + stripes.checked;
    if (!legacyWalk.ok) problems.push({ kind: 'at', seq: legacyWalk.firstBadSeq });
    else {
      if (known.legacyNewestSeq > legacyWalk.lastSeq)
        problems.push({ kind: 'after', seq: legacyWalk.lastSeq });
      if (legacyWalk.headHash !== legacy.hash) problems.push({ kind: 'at', seq: legacy.seq });
    }
    problems.push(...stripes.problems);
    const heads = stripes.heads;
    // Rows in no chain (outside the legacy range and every stripe), and ids planted on an event without any.
    if (snapshot.total !== legacy.seq + tails.reduce((n, t) => n + t.stripeSeq, 0)) {
      const stray = await strayRowSeq(query, legacy.seq);
      if (stray !== null || problems.length === 0)
        problems.push({ kind: 'at', seq: stray ?? legacy.seq + 1 });
    }
    const orphan = await orphanResourceSeq(query);
    if (orphan !== null) problems.push({ kind: 'at', seq: orphan });
    if (problems.length > 0) {
      const seqs = await Promise.all(problems.map((problem) => problemSeq(query, problem)));
      return { ok: false, checked, firstBadSeq: Math.min(...seqs) };
    }

    const lastSeq = Math.max(legacy.seq, ...heads.map((h) => h.seq));
    if (expectHead !== undefined && !known.roots.has(expectHead)) {
      const [found] = (await query(`SELECT 1 AS found FROM audit_events WHERE hash = $1 LIMIT 1`, [
        expectHead,
      ])) as unknown[];
      if (found === undefined) return { ok: false, checked, headMismatch: true, intactThroughSeq: lastSeq };
    }
    const signed = await this.checkpoints.signVerifiedHeads(heads);
    return { ok: true, checked, headHash: signed.headHash };
  }

  private async knownCheckpoints(): Promise<{
    legacyBySeq: Map<number, string>;
    legacyNewestSeq: number;
    vectors: Checkpoint[];
    roots: Set<string>;
  }> {
    const all: Checkpoint[] = await this.checkpoints.stored();
    const inMemory = this.checkpoints.newestKnown();
    if (inMemory !== null) all.push(inMemory);
    const legacyBySeq = new Map<number, string>();
    let legacyNewestSeq = 0;
    const vectors: Checkpoint[] = [];
    const roots = new Set<string>();
    for (const checkpoint of all) {
      roots.add(checkpoint.headHash);
      if (checkpoint.heads !== undefined) {
        vectors.push(checkpoint);
        continue;
      }
      const seen = legacyBySeq.get(checkpoint.seq);
      legacyBySeq.set(
        checkpoint.seq,
        seen === undefined || seen === checkpoint.headHash ? checkpoint.headHash : CONFLICT,
      );
      legacyNewestSeq = Math.max(legacyNewestSeq, checkpoint.seq);
    }
    return { legacyBySeq, legacyNewestSeq, vectors, roots };
  }

  /**
   * Records the export, signs a checkpoint of the head (after checking the events since the last one), then
   * streams the events of [from, to) as JSON Lines, batch by batch, and after them the signed checkpoints
   * that fall within the exported events: what the standalone verifier needs (`npm run audit:verify`).
   */
  async export(ctx: RequestContext, range: { from?: Date; to?: Date }): Promise<Readable> {
    await this.audit.recordAlone(ctx, {
      action: 'audit.export',
      outcome: 'allowed',
      details: { from: range.from?.toISOString() ?? null, to: range.to?.toISOString() ?? null },
    });
    await this.checkpoints.checkpointNow();
    // Wait for the appends in flight (the settled horizon, in the header as settledSeq): every event of the
    // range with seq <= settled is then in the cut below, and so is every event of a range that ended before
    // the export began, even one committed out of seq order.
    const settled = await this.audit.settledSeq();
    // One consistent cut: each stripe up to its newest event committed now (a stripe commits in order, so
    // an event committing later with a lower seq is left out with everything after it in its stripe).
    const snapshot = await readSnapshot((sql) => this.dataSource.query(sql));
    const bounds = snapshot.tails.map((tail) => tail.stripeSeq);
    const [head] = (await this.dataSource.query(`SELECT max(seq) AS seq FROM audit_events`)) as {
      seq: string | null;
    }[];
    const upTo = Number(head?.seq ?? 0);
    const dataSource = this.dataSource;
    const checkpoints = this.checkpoints;
    const header = {
      type: 'export',
      from: range.from?.toISOString() ?? null,
      to: range.to?.toISOString() ?? null,
      upToSeq: upTo,
      settledSeq: settled,
    };
    async function* lines(): AsyncGenerator<string> {
      yield JSON.stringify(header) + '\n';
      let cursor = 0;
      let first: number | null = null;
      for (;;) {
        const { where, params } = whereClause(range, { order: 'asc', cursor });
        const rows = (await dataSource.query(
          `SELECT ${EVENT_COLUMNS} FROM audit_events WHERE ${where} AND seq <= ${upTo}
              AND (stripe IS NULL OR stripe_seq <= coalesce(($${params.length + 1}::bigint[])[stripe + 1], ${Number.MAX_SAFE_INTEGER}))
            ORDER BY seq ASC LIMIT ${EXPORT_BATCH}`,
          [...params, bounds],
        )) as EventRow[];
        const ids = await resourceIdsOf(
          (sql, p) => dataSource.query(sql, p),
          rows.map((row) => Number(row.seq)),
        );
        for (const row of rows) yield JSON.stringify(exportLine(row, ids.get(Number(row.seq)) ?? [])) + '\n';
        if (rows.length > 0) {
          first ??= Number(rows[0].seq);
          cursor = Number(rows[rows.length - 1].seq);
        }
        if (rows.length < EXPORT_BATCH) break;
      }
      if (first === null) return;
      for (const checkpoint of await checkpoints.stored({ fromSeq: first, toSeq: cursor })) {
        // A head past the cut: either signed during the export (its event is stored, committed after the
        // cut: the checkpoint is left out) or naming events that are gone (kept: the verifier reports them).
        const past = checkpoint.heads?.find((h) => h.stripeSeq > (bounds[h.stripe] ?? 0));
        if (past !== undefined) {
          const stored = (await dataSource.query(
            `SELECT 1 FROM audit_events WHERE stripe = $1 AND stripe_seq = $2 AND hash = $3`,
            [past.stripe, past.stripeSeq, past.hash],
          )) as unknown[];
          if (stored.length > 0) continue;
        }
        yield JSON.stringify({ type: 'checkpoint', ...checkpoint }) + '\n';
      }
    }
    return Readable.from(lines());
  }
}

/**
 * One exported event: the columns that queries filter on and the API shows (verify holds them against the
 * stored content), its resource ids from the side table, and the chain links. The standalone verifier
 * recomputes the hash from exactly this, so what auditors see is what is verified.
 */
function exportLine(row: EventRow, resourceIds: string[]): object {
  return toEvent(row, resourceIds);
}
