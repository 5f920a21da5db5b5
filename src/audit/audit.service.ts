import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { RequestContext } from '../common/request-context.js';
import { prepared } from '../database/data-source.js';
import { AppConfig } from '../config/app-config.js';
import { usernameDigest } from '../crypto/index.js';
import {
  AuditDetailsError,
  checkDetails,
  type AuditAction,
  type AuditDetails,
  type AuditOutcome,
  type DenialReason,
} from './audit-actions.js';

export interface AuditEventInput {
  action: AuditAction;
  outcome: AuditOutcome;
  resourceType?: string | null;
  /** The one record the access concerned (read, update, erase, ...). */
  resourceId?: string | null;
  /**
   * Every record the access returned or changed when there are several: a list or search page, an export,
   * an import, a transfer. All are recorded (in audit_event_resources, in the same transaction, covered by
   * the event's hash) and `GET /v1/audit/events?resourceId=` finds the event by any of them.
   */
  resourceIds?: readonly string[];
  details?: AuditDetails;
  /** Overrides the actor of the context (e.g. a failed login names the account it tried). */
  actor?: { id: string | null; role: string | null };
}

export interface AuditEvent {
  seq: number;
  at: string;
  actorId: string | null;
  actorRole: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  resourceIds: string[];
  outcome: string;
  requestId: string | null;
  clientRequestId: string | null;
  details: AuditDetails;
  prevHash: string;
  hash: string;
  hashVersion: number;
  /** Scheme 3: the chain (0-15) the event is in and its place there; null for older events. */
  stripe: number | null;
  stripeSeq: number | null;
}

export interface AuditFilter {
  actorId?: string;
  actions?: readonly string[];
  resourceId?: string;
  outcome?: string;
  from?: Date;
  to?: Date;
}

export interface AuditPage {
  limit: number;
  order: 'asc' | 'desc';
  /** The seq to continue from: the previous page's nextCursor (see list). */
  cursor?: number;
}

/** One audit append as a SQL call for a statement of the caller's (AuditService.appendCall). */
export interface AppendCall {
  sql: string;
  params: unknown[];
  /** Marks the request's session confirmed: call it once the statement succeeded and evaluated `sql`. */
  confirm: () => void;
}

/** Audit details chosen by the statement: `details` where the SQL condition `when` holds. */
export interface DetailsWhen {
  /** A boolean SQL expression over the statement's row (fixed text, no values spliced in). */
  when: string;
  details: AuditDetails;
}

/** Resource ids are ids, never values: bounded, printable, no separators of the side-table digest. */
const RESOURCE_ID = /^[A-Za-z0-9._:-]{1,200}$/;

export interface EventRow {
  seq: string;
  at: Date;
  actor_id: string | null;
  actor_role: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  outcome: string;
  request_id: string | null;
  client_request_id: string | null;
  details: AuditDetails;
  prev_hash: string;
  hash: string;
  hash_version: number;
  stripe: number | null;
  stripe_seq: string | null;
}

export const EVENT_COLUMNS = `seq, at, actor_id, actor_role, action, resource_type, resource_id, outcome,
  request_id, client_request_id, details, prev_hash, hash, hash_version, stripe, stripe_seq`;

export const toEvent = (row: EventRow, resourceIds: string[] = []): AuditEvent => ({
  seq: Number(row.seq),
  at: row.at.toISOString(),
  actorId: row.actor_id,
  actorRole: row.actor_role,
  action: row.action,
  resourceType: row.resource_type,
  resourceId: row.resource_id,
  resourceIds,
  outcome: row.outcome,
  requestId: row.request_id,
  clientRequestId: row.client_request_id,
  details: row.details,
  prevHash: row.prev_hash,
  hash: row.hash,
  hashVersion: Number(row.hash_version),
  stripe: row.stripe === null ? null : Number(row.stripe),
  stripeSeq: row.stripe_seq === null ? null : Number(row.stripe_seq),
});

/** The resource ids of the events `seqs`, each in the order recorded. */
export async function resourceIdsOf(
  query: (sql: string, params: unknown[]) => Promise<unknown>,
  seqs: readonly number[],
): Promise<Map<number, string[]>> {
  const byEvent = new Map<number, string[]>();
  if (seqs.length === 0) return byEvent;
  const rows = (await query(
    `SELECT seq, resource_id FROM audit_event_resources WHERE seq = ANY($1::bigint[]) ORDER BY seq, pos`,
    [seqs],
  )) as { seq: string; resource_id: string }[];
  for (const row of rows) {
    const seq = Number(row.seq);
    const ids = byEvent.get(seq) ?? [];
    ids.push(row.resource_id);
    byEvent.set(seq, ids);
  }
  return byEvent;
}

/**
 * An event's values in audit_append_v2's order (actor, role, action, resource type and id, outcome, request
 * ids, details as JSON; the resource list apart), checked; with the session to confirm in the same statement
 * when the request's principal came from the session cache unconfirmed (audit_append_for_session's first six).
 */
function eventOf(
  ctx: RequestContext,
  input: AuditEventInput,
): { session: unknown[] | null; values: unknown[]; resourceIds: readonly string[]; confirm: () => void } {
  const details = input.details ?? {};
  checkDetails(input.action, details);
  const resourceIds = input.resourceIds ?? [];
  for (const id of resourceIds) {
    if (typeof id !== 'string' || !RESOURCE_ID.test(id)) {
      throw new AuditDetailsError(`a resource id of ${input.action} is not an id`);
    }
  }
  const actor = input.actor ?? { id: ctx.actor?.id ?? null, role: ctx.actor?.role ?? null };
  const check = ctx.actor?.sessionCheck;
  const session = check !== undefined && !check.confirmed ? ctx.actor : null;
  return {
    session: session
      ? [
          session.sessionId,
          session.id,
          session.username,
          session.role,
          session.officeId,
          session.approvedUntil,
        ]
      : null,
    values: [
      actor.id,
      actor.role,
      input.action,
      input.resourceType ?? null,
      input.resourceId ?? null,
      input.outcome,
      ctx.requestId,
      ctx.clientRequestId ?? null,
      JSON.stringify(details),
    ],
    resourceIds,
    confirm: () => {
      if (session && check) check.confirmed = true;
    },
  };
}

@Injectable()
export class AuditService {
  private readonly attemptedUsernameKey: Buffer;

  constructor(
    private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    this.attemptedUsernameKey = config.keys.attemptedUsernameKey;
  }

  /**
   * Appends an event inside the caller's transaction: if the event cannot be written, the transaction
   * (and so the access) fails. Call it as the last statement before commit: audit_append_v2() locks the head
   * of one of 16 stripes (a free one; every event of the transaction goes to the same), held from this one
   * statement to commit. The transaction must be READ COMMITTED (the default).
   */
  async record(em: EntityManager, ctx: RequestContext, input: AuditEventInput): Promise<void> {
    const call = this.appendCall(ctx, input, 1);
    await em.query(prepared(`SELECT ${call.sql}`), call.params);
    call.confirm();
  }

  /**
   * The append of one event as a SQL call, `audit_append_v2($first, …)`, with its parameters (checked as
   * record() checks them), for a statement that writes and audits at once (a create: one statement, atomic
   * on its own, with no transaction round trips). The call must be evaluated exactly once in a statement
   * that fails as a whole if the write fails; it takes a stripe's lock, held to the statement's commit.
   * `otherwise`: details that replace `input.details` where a condition of the statement's row holds (both
   * checked here), for details that depend on the row the statement itself reads (a read of an erased case).
   *
   * When the caller's principal came from the session cache and is not confirmed yet (ctx.actor.sessionCheck),
   * the call is audit_append_for_session(), which first confirms the session in the same statement (else
   * SQLSTATE CT401 fails the statement as a whole); call `confirm()` once the statement has succeeded AND
   * evaluated the call, which marks the request's session confirmed. (Not calling it is safe: the request is
   * then confirmed by a lookup before it is answered.)
   */
  appendCall(
    ctx: RequestContext,
    input: AuditEventInput,
    first: number,
    otherwise?: DetailsWhen,
  ): AppendCall {
    const event = eventOf(ctx, input);
    if (otherwise) checkDetails(input.action, otherwise.details);
    const session = event.session;
    const sessionParams = session ?? [];
    const n = (i: number) => `$${first + sessionParams.length + i}`;
    const s = (i: number) => `$${first + i}`;
    // audit_append_v2 hashes exactly these columns (hash-chain.ts, contentV2) under the stripe's lock.
    const detailsSql = otherwise
      ? `CASE WHEN ${otherwise.when} THEN ${n(10)}::jsonb ELSE ${n(9)}::jsonb END`
      : `${n(9)}::jsonb`;
    const fn = session
      ? `audit_append_for_session(${s(0)}::uuid, ${s(1)}::uuid, ${s(2)}::text, ${s(3)}::text, ${s(4)}::uuid, ${s(5)}::text, `
      : 'audit_append_v2(';
    return {
      sql: `${fn}${n(0)}::uuid, ${n(1)}::text, ${n(2)}::text, ${n(3)}::text, ${n(4)}::text, ${n(5)}::text[], ${n(6)}::text, ${n(7)}::text, ${n(8)}::text, ${detailsSql})`,
      confirm: event.confirm,
      params: [
        ...sessionParams,
        ...event.values.slice(0, 5),
        event.resourceIds,
        ...event.values.slice(5),
        ...(otherwise ? [JSON.stringify(otherwise.details)] : []),
      ],
    };
  }

  /**
   * appendCall() for many events, each of its own request (requests coalesced into one statement), in the
   * given order: `source` is a FROM item with one row per event, alias `alias`, whose column `rid` is the
   * event's resource id and `n` its place (1, 2, …); `sql` is the append of that row's event
   * (audit_append_v2, or audit_append_for_session where the request's session is still to be confirmed,
   * which fails the whole statement if it is not valid). Evaluate `sql` at most once per row of `source`, in
   * a statement that fails as a whole if the write fails. `when` (fixed SQL over the statement's row) picks
   * an entry's `otherwise` details instead of its input's, as appendCall's DetailsWhen does. Once the
   * statement succeeded: `confirmEach(i)` for each entry whose append it evaluated, or `confirm()` if all.
   * Events naming resourceIds are refused.
   */
  appendEachCall(
    entries: readonly { ctx: RequestContext; input: AuditEventInput; otherwise?: AuditDetails }[],
    first: number,
    alias: string,
    when?: string,
  ): AppendCall & { source: string; confirmEach: (index: number) => void } {
    const columns: unknown[][] = Array.from({ length: 16 }, () => []);
    const events = entries.map(({ ctx, input, otherwise }) => {
      const event = eventOf(ctx, input);
      if (event.resourceIds.length > 0) {
        throw new AuditDetailsError('an event of a coalesced statement names no resource list');
      }
      if (otherwise) checkDetails(input.action, otherwise);
      [
        ...(event.session ?? [null, null, null, null, null, null]),
        ...event.values,
        otherwise ? JSON.stringify(otherwise) : null,
      ].forEach((value, i) => columns[i].push(value));
      return event;
    });
    const p = (i: number, type: string) => `$${first + i}::${type}[]`;
    // The session's six (audit_append_for_session), the event's nine (eventOf), the `otherwise` details.
    const session = ['uuid', 'uuid', 'text', 'text', 'uuid', 'text'];
    const values = ['uuid', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text'];
    const types = [...session, ...values, 'text'];
    const a = (name: string) => `${alias}.${name}`;
    const details = when
      ? `CASE WHEN ${when} THEN ${a('d2')}::jsonb ELSE ${a('d')}::jsonb END`
      : `${a('d')}::jsonb`;
    const event = `${a('a')}, ${a('r')}, ${a('act')}, ${a('rt')}, ${a('rid')}, '{}'::text[], ${a('o')}, ${a('req')}, ${a('creq')}, ${details}`;
    return {
      source: `unnest(${types.map((type, i) => p(i, type)).join(', ')}) WITH ORDINALITY AS ${alias}(sid, suid, sun, srole, soff, sappr, a, r, act, rt, rid, o, req, creq, d, d2, n)`,
      sql: `CASE WHEN ${a('sid')} IS NULL THEN audit_append_v2(${event}) ELSE audit_append_for_session(${a('sid')}, ${a('suid')}, ${a('sun')}, ${a('srole')}, ${a('soff')}, ${a('sappr')}, ${event}) END`,
      params: columns,
      confirm: () => {
        for (const e of events) e.confirm();
      },
      confirmEach: (index) => events[index].confirm(),
    };
  }

  /**
   * record() for many events of one transaction, in order, in one statement (bulk import: one event per
   * case without a round trip each). Events naming resourceIds go through record() one by one.
   */
  async recordMany(
    em: EntityManager,
    ctx: RequestContext,
    inputs: readonly AuditEventInput[],
  ): Promise<void> {
    if (inputs.some((input) => (input.resourceIds ?? []).length > 0)) {
      for (const input of inputs) await this.record(em, ctx, input);
      return;
    }
    if (inputs.length === 0) return;
    const columns: unknown[][] = [[], [], [], [], [], [], [], [], []];
    for (const input of inputs) {
      eventOf(ctx, input).values.forEach((value, i) => columns[i].push(value));
    }
    // The same function as record(), called once per row in ordinal order within one statement.
    await em.query(
      `SELECT audit_append_v2(a, r, act, rt, rid, '{}'::text[], o, req, creq, d::jsonb)
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                     $8::text[], $9::text[]) WITH ORDINALITY AS u(a, r, act, rt, rid, o, req, creq, d, n)
        ORDER BY n`,
      columns,
    );
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

  /**
   * What a failed login records instead of the name typed (which is sometimes a password): a keyed hash of
   * the normalized name, so that repeated attempts on one name correlate.
   */
  attemptedUsername(username: string): string {
    return usernameDigest(this.attemptedUsernameKey, username);
  }

  /**
   * The settled horizon: the largest seq S such that every event with seq <= S is committed or rolled back
   * (audit_settled_seq(), migration 1797040000000). Events commit out of seq order across the 16 stripes, so
   * a reader that pages or resumes by seq must stay at or below it. Taken in a statement of its own, outside
   * any transaction of the caller: it waits (at most 3 s, then lock_not_available, a 503) for the appends in
   * flight when it starts, holding no lock while it waits and each stripe's only for an instant.
   */
  async settledSeq(): Promise<number> {
    const [row] = (await this.dataSource.query(prepared(`SELECT audit_settled_seq()::text AS seq`))) as {
      seq: string;
    }[];
    return Number(row.seq);
  }

  /**
   * One page of events, filtered, at or below the settled horizon taken first (see settledSeq); the read
   * itself is audited in the same transaction. `nextSeq` (the cursor) is the last seq shown when the page is
   * full (more matching events at or below the horizon), in either order; null otherwise: the walk is then
   * complete up to this page's horizon. Nothing at or below a horizon can commit later, so every seq below a
   * cursor is settled and a walk never skips an event; an event above its last page's horizon (committed
   * after it, or still in flight) belongs to the next walk. (Null at the end rather than a cursor at the
   * horizon: a walk filtered to one case would otherwise never end while others write.)
   */
  async list(
    ctx: RequestContext,
    filter: AuditFilter,
    page: AuditPage,
  ): Promise<{ items: AuditEvent[]; nextSeq: number | null }> {
    const horizon = await this.settledSeq();
    return this.dataSource.transaction(async (em) => {
      const { where, params } = whereClause(filter, { ...page, horizon });
      const rows = (await em.query(
        `SELECT ${EVENT_COLUMNS} FROM audit_events WHERE ${where}
          ORDER BY seq ${page.order === 'desc' ? 'DESC' : 'ASC'} LIMIT $${params.length + 1}`,
        [...params, page.limit + 1],
      )) as EventRow[];
      const shown = rows.slice(0, page.limit);
      const ids = await resourceIdsOf(
        (sql, p) => em.query(sql, p),
        shown.map((row) => Number(row.seq)),
      );
      const items = shown.map((row) => toEvent(row, ids.get(Number(row.seq))));
      await this.record(em, ctx, {
        action: 'audit.read',
        outcome: 'allowed',
        details: { filters: filterNames(filter), count: items.length, order: page.order },
      });
      return { items, nextSeq: rows.length > page.limit ? items[items.length - 1].seq : null };
    });
  }
}

export function whereClause(
  filter: AuditFilter,
  page: { order: 'asc' | 'desc'; cursor?: number; horizon?: number },
): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    clauses.push(sql.replaceAll('?', `$${params.length}`));
  };
  if (page.cursor !== undefined) add(page.order === 'desc' ? 'seq < ?' : 'seq > ?', page.cursor);
  if (page.horizon !== undefined) add('seq <= ?', page.horizon);
  if (filter.actorId !== undefined) add('actor_id = ?', filter.actorId);
  if (filter.actions !== undefined && filter.actions.length > 0) add('action = ANY(?)', filter.actions);
  if (filter.outcome !== undefined) add('outcome = ?', filter.outcome);
  if (filter.resourceId !== undefined) {
    add(
      '(resource_id = ? OR seq IN (SELECT r.seq FROM audit_event_resources r WHERE r.resource_id = ?))',
      filter.resourceId,
    );
  }
  if (filter.from !== undefined) add('at >= ?', filter.from);
  if (filter.to !== undefined) add('at < ?', filter.to);
  return { where: clauses.length === 0 ? 'true' : clauses.join(' AND '), params };
}

const filterNames = (filter: AuditFilter): string[] =>
  Object.entries(filter)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => (k === 'actions' ? 'action' : k));
