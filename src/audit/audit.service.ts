import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { DataSource, type EntityManager } from 'typeorm';
import type { RequestContext } from '../common/request-context.js';
import { AppConfig } from '../config/app-config.js';
import {
  checkDetails,
  type AuditAction,
  type AuditDetails,
  type AuditOutcome,
  type DenialReason,
} from './audit-actions.js';
import { chainStart, checkLink, contentHash, type StoredChainedEvent } from './hash-chain.js';

export interface AuditEventInput {
  action: AuditAction;
  outcome: AuditOutcome;
  resourceType?: string | null;
  resourceId?: string | null;
  details?: AuditDetails;
  /** Overrides the actor of the context (e.g. a failed login names the account it tried). */
  actor?: { id: string | null; role: string | null };
}

export interface AuditEvent extends StoredChainedEvent {
  details: AuditDetails;
}

export interface AuditFilter {
  actorId?: string;
  action?: string;
  resourceId?: string;
  from?: Date;
  to?: Date;
}

export type VerifyResult =
  { ok: true; checked: number; headHash: string } | { ok: false; checked: number; firstBadSeq: number };

const BATCH = 5000;

interface EventRow {
  seq: string;
  at: Date;
  actor_id: string | null;
  actor_role: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  outcome: string;
  request_id: string | null;
  details: AuditDetails;
  prev_hash: string;
  hash: string;
}

const toEvent = (row: EventRow): AuditEvent => ({
  seq: Number(row.seq),
  at: row.at.toISOString(),
  actorId: row.actor_id,
  actorRole: row.actor_role,
  action: row.action,
  resourceType: row.resource_type,
  resourceId: row.resource_id,
  outcome: row.outcome,
  requestId: row.request_id,
  details: row.details,
  prevHash: row.prev_hash,
  hash: row.hash,
});

@Injectable()
export class AuditService {
  private readonly chainKey: Buffer;

  constructor(
    private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    this.chainKey = config.keys.auditChainKey;
  }

  /**
   * Appends an event inside the caller's transaction: if the event cannot be written, the transaction
   * (and so the access) fails. Call it as the last statement before commit: audit_append() takes the chain
   * lock, which is held from this one statement to commit, so requests are serialized for the append only,
   * not for their whole duration. The transaction must be READ COMMITTED (the default).
   */
  async record(em: EntityManager, ctx: RequestContext, input: AuditEventInput): Promise<void> {
    const details = input.details ?? {};
    checkDetails(input.action, details);
    const actor = input.actor ?? { id: ctx.actor?.id ?? null, role: ctx.actor?.role ?? null };
    const content = {
      actorId: actor.id,
      actorRole: actor.role,
      action: input.action,
      resourceType: input.resourceType ?? null,
      resourceId: input.resourceId ?? null,
      outcome: input.outcome,
      requestId: ctx.requestId,
      details,
    };
    await em.query(`SELECT audit_append($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
      content.actorId,
      content.actorRole,
      content.action,
      content.resourceType,
      content.resourceId,
      content.outcome,
      content.requestId,
      JSON.stringify(details),
      contentHash(this.chainKey, content),
    ]);
  }

  /** Records an event in a transaction of its own (denials and failed logins: nothing else happens). */
  async recordAlone(ctx: RequestContext, input: AuditEventInput): Promise<void> {
    await this.dataSource.transaction((em) => this.record(em, ctx, input));
  }

  /** Records a denial of `action` with a reason from the closed list. */
  async deny(
    ctx: RequestContext,
    action: AuditAction,
    reason: DenialReason,
    resource: { type?: string; id?: string | null } = {},
  ): Promise<void> {
    await this.recordAlone(ctx, {
      action,
      outcome: 'denied',
      resourceType: resource.type ?? null,
      resourceId: resource.id ?? null,
      details: { reason },
    });
  }

  /** Events in seq order after `afterSeq`, filtered; the read itself is audited in the same transaction. */
  async list(
    ctx: RequestContext,
    filter: AuditFilter,
    page: { limit: number; afterSeq: number },
  ): Promise<{ items: AuditEvent[]; lastSeq: number | null }> {
    return this.dataSource.transaction(async (em) => {
      const { where, params } = whereClause(filter, page.afterSeq);
      const rows = (await em.query(
        `SELECT * FROM audit_events WHERE ${where} ORDER BY seq ASC LIMIT $${params.length + 1}`,
        [...params, page.limit + 1],
      )) as EventRow[];
      const items = rows.slice(0, page.limit).map(toEvent);
      await this.record(em, ctx, {
        action: 'audit.read',
        outcome: 'allowed',
        details: { filters: filterNames(filter), count: items.length },
      });
      return { items, lastSeq: rows.length > page.limit ? items[items.length - 1].seq : null };
    });
  }

  /** Recomputes the whole chain; with expectHead, also checks that a previously recorded head is still in it. */
  async verify(ctx: RequestContext, expectHead?: string): Promise<VerifyResult> {
    const result = await this.checkChain(expectHead);
    await this.recordAlone(ctx, {
      action: 'audit.verify',
      outcome: 'allowed',
      details: {
        ok: result.ok,
        checked: result.checked,
        firstBadSeq: result.ok ? null : result.firstBadSeq,
        expectHead: expectHead ?? null,
      },
    });
    return result;
  }

  private async checkChain(expectHead?: string): Promise<VerifyResult> {
    const state = chainStart(this.chainKey);
    let checked = 0;
    let expectedHeadSeen = expectHead === undefined;
    for (;;) {
      const rows = (await this.dataSource.query(
        `SELECT * FROM audit_events WHERE seq >= $1 ORDER BY seq ASC LIMIT $2`,
        [state.nextSeq, BATCH],
      )) as EventRow[];
      for (const row of rows) {
        const bad = checkLink(state, toEvent(row));
        if (bad !== null) return { ok: false, checked, firstBadSeq: bad };
        checked += 1;
        if (row.hash === expectHead) expectedHeadSeen = true;
      }
      if (rows.length < BATCH) break;
    }
    if (!expectedHeadSeen) return { ok: false, checked, firstBadSeq: state.nextSeq };
    return { ok: true, checked, headHash: state.prevHash };
  }

  /** Records the export, then streams the events of [from, to) as JSON Lines, batch by batch. */
  async export(ctx: RequestContext, range: { from?: Date; to?: Date }): Promise<Readable> {
    await this.recordAlone(ctx, {
      action: 'audit.export',
      outcome: 'allowed',
      details: { from: range.from?.toISOString() ?? null, to: range.to?.toISOString() ?? null },
    });
    const dataSource = this.dataSource;
    async function* lines(): AsyncGenerator<string> {
      let afterSeq = 0;
      for (;;) {
        const { where, params } = whereClause(range, afterSeq);
        const rows = (await dataSource.query(
          `SELECT * FROM audit_events WHERE ${where} ORDER BY seq ASC LIMIT ${BATCH}`,
          params,
        )) as EventRow[];
        for (const row of rows) yield JSON.stringify(toEvent(row)) + '\n';
        if (rows.length < BATCH) return;
        afterSeq = Number(rows[rows.length - 1].seq);
      }
    }
    return Readable.from(lines());
  }
}

function whereClause(filter: AuditFilter, afterSeq: number): { where: string; params: unknown[] } {
  const clauses = ['seq > $1'];
  const params: unknown[] = [afterSeq];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    clauses.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.actorId !== undefined) add('actor_id = ?', filter.actorId);
  if (filter.action !== undefined) add('action = ?', filter.action);
  if (filter.resourceId !== undefined) add('resource_id = ?', filter.resourceId);
  if (filter.from !== undefined) add('at >= ?', filter.from);
  if (filter.to !== undefined) add('at < ?', filter.to);
  return { where: clauses.join(' AND '), params };
}

const filterNames = (filter: AuditFilter): string[] =>
  Object.entries(filter)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
