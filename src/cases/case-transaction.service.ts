import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { AuditAction, AuditDetails } from '../audit/audit-actions.js';
import { AuditService } from '../audit/audit.service.js';
import { DomainError, failureReasonOf, forbidden, notFound, unauthenticated } from '../common/errors.js';
import type { AuthenticatedPrincipal, RequestContext } from '../common/request-context.js';
import { forbiddenWrites } from '../policy/index.js';

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
 * The transaction every case use case runs in, with the audit of its denials and failures, and the write
 * rules checked before anything is read. (Reading a case and answering with it: CaseReader.)
 */
@Injectable()
export class CaseTransaction {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /**
   * Runs `work` in a transaction (whose last statement is its audit event). A CaseDenied is audited as
   * denied and a precondition failure as failed, each after the rollback, then answered.
   */
  run<T>(
    ctx: RequestContext,
    action: AuditAction,
    caseId: string | null,
    work: (em: EntityManager, actor: AuthenticatedPrincipal) => Promise<T>,
  ): Promise<T> {
    return this.audited(ctx, action, caseId, (actor) => this.dataSource.transaction((em) => work(em, actor)));
  }

  /**
   * run() for work that is ONE statement, atomic on its own (its audit event inside it, see
   * AuditService.appendCall): no transaction is opened, which saves the BEGIN and COMMIT round trips.
   * `work` must issue exactly one statement that writes through `em` (read-only lookups that only explain a
   * refusal may follow it, as a read's 404 does); denials and failures are audited as in run().
   */
  runOneStatement<T>(
    ctx: RequestContext,
    action: AuditAction,
    caseId: string | null,
    work: (em: EntityManager, actor: AuthenticatedPrincipal) => Promise<T>,
  ): Promise<T> {
    return this.audited(ctx, action, caseId, (actor) => work(this.dataSource.manager, actor));
  }

  private async audited<T>(
    ctx: RequestContext,
    action: AuditAction,
    caseId: string | null,
    work: (actor: AuthenticatedPrincipal) => Promise<T>,
  ): Promise<T> {
    const actor = ctx.actor;
    if (actor === null) throw unauthenticated();
    const event = { action, resourceType: 'case', resourceId: caseId };
    try {
      return await work(actor);
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
}
