import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuditAction, AuditDetails } from '../audit/audit-actions.js';
import { AuditService } from '../audit/audit.service.js';
import type { AuthenticatedPrincipal, RequestContext } from '../common/request-context.js';
import { needsDecryption } from '../policy/index.js';
import { CaseCryptoService } from './case-crypto.service.js';
import { CaseDenied, caseNotFound } from './case-transaction.service.js';
import { scopedCases } from './case.repository.js';
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

/**
 * Reading cases for an actor: loading through the office scope, opening (decrypting) only what the role
 * may read, the view of the visibility policy, and the one "respond" tail that every use case answering
 * with a case shares (load, view, audit).
 */
@Injectable()
export class CaseReader {
  constructor(
    private readonly crypto: CaseCryptoService,
    private readonly audit: AuditService,
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
   * nothing).
   */
  async readAudited(
    em: EntityManager,
    ctx: RequestContext,
    actor: AuthenticatedPrincipal,
    action: AuditAction,
    id: string,
  ): Promise<VersionedCase> {
    const cases = scopedCases(em, actor);
    const event = { action, outcome: 'allowed', resourceType: 'case', resourceId: id } as const;
    const row = await cases.findAudited(id, this.columns(actor), (first) =>
      this.audit.appendCall(
        ctx,
        { ...event, details: { fields: [...viewFields(actor.role, false)] } },
        first,
        {
          when: 'found."erasedAt" IS NOT NULL',
          details: { fields: [...viewFields(actor.role, true)] },
        },
      ),
    );
    if (row === null) {
      const exists = await cases.existsInAnyOffice(id);
      throw new CaseDenied(caseNotFound(), { reason: exists ? 'office_scope' : 'not_found' });
    }
    return { view: this.view(actor, row), version: row.version };
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
