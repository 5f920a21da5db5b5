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
import { GENESIS, walkChain } from './chain-walk.js';
import type { Checkpoint } from './checkpoint.js';

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
    const [snapshot] = (await this.dataSource.query(
      `SELECT (SELECT seq FROM audit_head) AS head_seq, (SELECT max(seq) FROM audit_events) AS max_seq`,
    )) as { head_seq: string | null; max_seq: string | null }[];
    const maxSeq = Number(snapshot?.max_seq ?? 0);
    const runner = this.dataSource.createQueryRunner();
    let walked;
    try {
      const client = (await runner.connect()) as pg.ClientBase;
      walked = await walkChain(client, {
        chainKey: this.chainKey,
        start: GENESIS,
        toSeq: maxSeq,
        checkpoints: known.bySeq,
      });
    } finally {
      await runner.release();
    }
    if (!walked.ok) return { ok: false, checked: walked.checked, firstBadSeq: walked.firstBadSeq };
    const newestExpected = Math.max(known.newestSeq, Number(snapshot?.head_seq ?? 0));
    if (newestExpected > walked.lastSeq) {
      return { ok: false, checked: walked.checked, firstBadSeq: walked.lastSeq + 1 };
    }
    if (expectHead !== undefined) {
      const [found] = (await this.dataSource.query(
        `SELECT 1 AS found FROM audit_events WHERE hash = $1 AND seq <= $2 LIMIT 1`,
        [expectHead, walked.lastSeq],
      )) as unknown[];
      if (found === undefined) {
        return { ok: false, checked: walked.checked, headMismatch: true, intactThroughSeq: walked.lastSeq };
      }
    }
    await this.checkpoints.signVerifiedHead({ seq: walked.lastSeq, headHash: walked.headHash }, true);
    return { ok: true, checked: walked.checked, headHash: walked.headHash };
  }

  private async knownCheckpoints(): Promise<{ bySeq: Map<number, string>; newestSeq: number }> {
    const all: Checkpoint[] = await this.checkpoints.stored();
    const inMemory = this.checkpoints.newestKnown();
    if (inMemory !== null) all.push(inMemory);
    const bySeq = new Map<number, string>();
    let newestSeq = 0;
    for (const checkpoint of all) {
      const seen = bySeq.get(checkpoint.seq);
      bySeq.set(
        checkpoint.seq,
        seen === undefined || seen === checkpoint.headHash ? checkpoint.headHash : CONFLICT,
      );
      newestSeq = Math.max(newestSeq, checkpoint.seq);
    }
    return { bySeq, newestSeq };
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
    };
    async function* lines(): AsyncGenerator<string> {
      yield JSON.stringify(header) + '\n';
      let cursor = 0;
      let first: number | null = null;
      for (;;) {
        const { where, params } = whereClause(range, { order: 'asc', cursor });
        const rows = (await dataSource.query(
          `SELECT ${EVENT_COLUMNS} FROM audit_events WHERE ${where} AND seq <= ${upTo}
            ORDER BY seq ASC LIMIT ${EXPORT_BATCH}`,
          params,
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
