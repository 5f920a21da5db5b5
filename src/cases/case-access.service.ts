import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { AuditAction, AuditDetails } from '../audit/audit-actions.js';
import { AuditService } from '../audit/audit.service.js';
import { DomainError, failureReasonOf, forbidden, notFound, unauthenticated } from '../common/errors.js';
import type { AuthenticatedPrincipal, RequestContext } from '../common/request-context.js';
import { forbiddenWrites, needsDecryption } from '../policy/index.js';
import { CaseCryptoService } from './case-crypto.service.js';
import { scopedCases } from './case.repository.js';
import { caseView, type CaseColumn, type CaseRow, type CaseView, type OpenedCase } from './case-view.js';

/** A refused access: rolled back, then audited as denied in a transaction of its own. */
export class CaseDenied extends Error {
  override readonly name = 'CaseDenied';
  constructor(
    readonly response: DomainError,
    readonly details: AuditDetails,
  ) {
    super(response.message);
  }
}

export const caseNotFound = () => notFound('Case');

/**
 * What every case use case shares: the caller, the transaction with its audit of denials and failures,
 * loading a case through the office scope, the write rules and the response view.
 */
@Injectable()
export class CaseAccessService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly crypto: CaseCryptoService,
  ) {}

  /**
   * Runs `work` in a transaction (whose last statement is its audit event). A CaseDenied is audited as
   * denied and a precondition failure as failed, each after the rollback, then answered.
   */
  async run<T>(
    ctx: RequestContext,
    action: AuditAction,
    caseId: string | null,
    work: (em: EntityManager, actor: AuthenticatedPrincipal) => Promise<T>,
  ): Promise<T> {
    const actor = ctx.actor;
    if (actor === null) throw unauthenticated();
    const event = { action, resourceType: 'case', resourceId: caseId };
    try {
      return await this.dataSource.transaction((em) => work(em, actor));
    } catch (error) {
      if (error instanceof CaseDenied) {
        await this.audit.recordAlone(ctx, { ...event, outcome: 'denied', details: error.details });
        throw error.response;
      }
      const reason = error instanceof DomainError ? failureReasonOf(error.code) : undefined;
      if (reason !== undefined) {
        await this.audit.recordAlone(ctx, { ...event, outcome: 'failed', details: { reason } });
      }
      throw error;
    }
  }

  /** 403 naming the fields the role may not write (refused before anything is read). */
  checkWrites(actor: AuthenticatedPrincipal, body: object): void {
    const written = Object.entries(body)
      .filter(([, value]) => value !== undefined)
      .map(([key]) => key);
    const refused = forbiddenWrites(actor.role, written);
    if (refused.length > 0) {
      throw new CaseDenied(forbidden(`Not allowed for this role to write: ${refused.join(', ')}`), {
        reason: 'role',
        forbiddenFields: refused,
      });
    }
  }

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

  /** Decrypts only when the role reads subject or narrative and the case is not erased. */
  open(actor: AuthenticatedPrincipal, row: CaseRow): OpenedCase | null {
    if (!needsDecryption(actor.role) || row.erasedAt !== null) return null;
    return this.crypto.open(row);
  }

  view(actor: AuthenticatedPrincipal, row: CaseRow, opened?: OpenedCase | null): CaseView {
    return caseView(actor.role, row, opened === undefined ? this.open(actor, row) : opened);
  }
}
