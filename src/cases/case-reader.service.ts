import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { AuditAction, AuditDetails } from '../audit/audit-actions.js';
import { AuditService, type AuditEventInput } from '../audit/audit.service.js';
import { Coalescer } from '../common/coalescer.js';
import { isStatementRefused } from '../common/database-errors.js';
import type { AuthenticatedPrincipal, RequestContext } from '../common/request-context.js';
import { AppConfig } from '../config/app-config.js';
import { needsDecryption } from '../policy/index.js';
import { CaseCryptoService } from './case-crypto.service.js';
import { CaseDenied, caseNotFound } from './case-transaction.service.js';
import { findAuditedEach, scopedCases } from './case.repository.js';
import {
  caseView,
  columnsFor,
  type CaseColumn,
  type CaseRow,
  type CaseView,
  type OpenedCase,
  viewFields,
} from './case-view.js';

/** A case as answered: the caller's view and the version for the ETag. */
export interface VersionedCase {
  view: CaseView;
  version: number;
}

/** The audited tail of a use case that answers with one case. */
export interface CaseAnswer<X> {
  action: AuditAction;
  id: string;
  /** Columns needed beyond the caller's view (e.g. for duplicate hints). */
  extraColumns?: readonly CaseColumn[];
  /** Work on the loaded row before the audit event (the last statement of the transaction). */
  alongside?: (row: CaseRow) => Promise<X>;
  /** The audit details of the answer. */
  details?: (view: CaseView, row: CaseRow) => AuditDetails;
}

/** A read of one case, as it waits to be answered (alone, or coalesced with others). */
interface PendingRead {
  ctx: RequestContext;
  actor: AuthenticatedPrincipal;
  id: string;
}

/** The read's audit event, and its details should the case turn out to be erased (fewer fields). */
function readEvent(
  actor: AuthenticatedPrincipal,
  action: AuditAction,
  id: string,
): { input: AuditEventInput; otherwise: AuditDetails } {
  return {
    input: {
      action,
      outcome: 'allowed',
      resourceType: 'case',
      resourceId: id,
      details: { fields: [...viewFields(actor.role, false)] },
    },
    otherwise: { fields: [...viewFields(actor.role, true)] },
  };
}

/** Which row's details are the erased case's: fixed SQL over the statement's row. */
const FOUND_ERASED = 'found."erasedAt" IS NOT NULL';

/**
 * Reading cases for an actor: loading through the office scope, opening (decrypting) only what the role
 * may read, the view of the visibility policy, and the one "respond" tail that every use case answering
 * with a case shares (load, view, audit).
 */
@Injectable()
export class CaseReader {
  /** By action and role (the columns read and the details recorded depend on them). */
  private readonly reads = new Map<string, Coalescer<PendingRead, CaseRow | null>>();

  constructor(
    private readonly crypto: CaseCryptoService,
    private readonly audit: AuditService,
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  /**
   * The case `id` with `columns`, if it exists for the actor (office scope). Otherwise a CaseDenied with
   * the same 404 for a missing id and another office's case; only the audit tells them apart.
   */
  async load(
    em: EntityManager,
    actor: AuthenticatedPrincipal,
    id: string,
    columns: readonly CaseColumn[],
  ): Promise<CaseRow> {
    const cases = scopedCases(em, actor);
    const row = await cases.find(id, columns);
    if (row) return row;
    const exists = await cases.existsInAnyOffice(id);
    throw new CaseDenied(caseNotFound(), { reason: exists ? 'office_scope' : 'not_found' });
  }

  /** The columns of the actor's view, and `extra`. */
  columns(actor: AuthenticatedPrincipal, extra: readonly CaseColumn[] = []): CaseColumn[] {
    return [...columnsFor(actor.role), ...extra];
  }

  /** Decrypts only when the role reads subject or narrative and the case is not erased. */
  open(actor: AuthenticatedPrincipal, row: CaseRow): OpenedCase | null {
    if (!needsDecryption(actor.role) || row.erasedAt !== null) return null;
    return this.crypto.open(row);
  }

  view(actor: AuthenticatedPrincipal, row: CaseRow, opened?: OpenedCase | null): CaseView {
    return caseView(actor.role, row, opened === undefined ? this.open(actor, row) : opened);
  }

  /**
   * Case `id` as `actor` may see it, with the answer's audit event (listing the view's fields), in ONE
   * statement (ScopedCases.findAudited): for CaseTransaction.runOneStatement. A case out of scope is the
   * same CaseDenied as load()'s, its denial audited by the caller after this statement (which appended
   * nothing). Under load, reads that arrive while COALESCE_IN_FLIGHT such statements run are answered
   * together by one statement (findAuditedEach: each its own row, scope and event); a statement PostgreSQL
   * refuses (a session that ended) is run again read by read.
   */
  async readAudited(
    em: EntityManager,
    ctx: RequestContext,
    actor: AuthenticatedPrincipal,
    action: AuditAction,
    id: string,
  ): Promise<VersionedCase> {
    const row = await this.readsOf(action, actor).submit({ ctx, actor, id });
    if (row === null) {
      const exists = await scopedCases(em, actor).existsInAnyOffice(id);
      throw new CaseDenied(caseNotFound(), { reason: exists ? 'office_scope' : 'not_found' });
    }
    return { view: this.view(actor, row), version: row.version };
  }

  private readsOf(
    action: AuditAction,
    actor: AuthenticatedPrincipal,
  ): Coalescer<PendingRead, CaseRow | null> {
    const key = `${action}|${actor.role}`;
    let reads = this.reads.get(key);
    if (reads === undefined) {
      const em = this.dataSource.manager;
      const columns = this.columns(actor);
      reads = new Coalescer<PendingRead, CaseRow | null>(
        {
          runOne: (read) => {
            const event = readEvent(read.actor, action, read.id);
            return scopedCases(em, read.actor).findAudited(read.id, columns, (first) =>
              this.audit.appendCall(read.ctx, event.input, first, {
                when: FOUND_ERASED,
                details: event.otherwise,
              }),
            );
          },
          runBatch: (items) =>
            findAuditedEach(em, items, columns, (first) =>
              this.audit.appendEachCall(
                items.map((read) => ({ ctx: read.ctx, ...readEvent(read.actor, action, read.id) })),
                first,
                'e',
                FOUND_ERASED,
              ),
            ),
          retryAlone: isStatementRefused,
        },
        {
          name: action,
          maxInFlight: this.config.env.COALESCE_IN_FLIGHT,
          maxBatch: this.config.env.COALESCE_MAX,
          // No longer than a request would wait for a pool connection (then 503, as that would be).
          maxWaitMs: this.config.env.DB_CONNECT_TIMEOUT_MS,
        },
      );
      this.reads.set(key, reads);
    }
    return reads;
  }

  /**
   * Loads case `id` as `actor` may see it, runs `alongside`, records the answer's audit event (with the
   * case as its resource) and returns the view with its version.
   */
  async respond<X = undefined>(
    em: EntityManager,
    ctx: RequestContext,
    actor: AuthenticatedPrincipal,
    answer: CaseAnswer<X>,
  ): Promise<VersionedCase & { extra: X }> {
    const row = await this.load(em, actor, answer.id, this.columns(actor, answer.extraColumns));
    const view = this.view(actor, row);
    const extra = (answer.alongside ? await answer.alongside(row) : undefined) as X;
    await this.audit.record(em, ctx, {
      action: answer.action,
      outcome: 'allowed',
      resourceType: 'case',
      resourceId: answer.id,
      ...(answer.details ? { details: answer.details(view, row) } : {}),
    });
    return { view, version: row.version, extra };
  }
}
