import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { DomainError } from '../common/errors.js';
import type { RequestContext } from '../common/request-context.js';
import { erasedAttributes } from '../ctdc/index.js';
import { CaseKeysScheduler } from './case-keys.scheduler.js';
import { CaseAccessService } from './case-access.service.js';
import { scopedCases } from './case.repository.js';
import { columnsFor, type CaseView } from './case-view.js';

export interface VersionedCase {
  view: CaseView;
  version: number;
}

/** Reading one case and erasing it. */
@Injectable()
export class CasesService {
  constructor(
    private readonly access: CaseAccessService,
    private readonly audit: AuditService,
    private readonly keys: CaseKeysScheduler,
  ) {}

  get(ctx: RequestContext, id: string): Promise<VersionedCase> {
    return this.access.run(ctx, 'case.read', id, async (em, actor) => {
      const row = await this.access.load(em, actor, id, columnsFor(actor.role));
      const view = this.access.view(actor, row);
      await this.audit.record(em, ctx, {
        action: 'case.read',
        outcome: 'allowed',
        resourceType: 'case',
        resourceId: id,
        details: { fields: Object.keys(view) },
      });
      return { view, version: row.version };
    });
  }

  /**
   * Erasure: the wrapped data key (and with it subject and narrative), the ciphertexts, blind indexes,
   * pseudonym and attributes are destroyed in one UPDATE; the row keeps its metadata and erasedAt.
   */
  async erase(ctx: RequestContext, id: string): Promise<void> {
    await this.eraseRow(ctx, id);
    // The previous row version (with its wrapped key) is now dead: have it removed from the pages.
    this.keys.vacuumSoon();
  }

  private eraseRow(ctx: RequestContext, id: string): Promise<void> {
    return this.access.run(ctx, 'case.erase', id, async (em, actor) => {
      const row = await this.access.load(em, actor, id, ['id', 'officeId', 'erasedAt', 'version']);
      if (row.erasedAt !== null) throw new DomainError('CASE_ERASED', 'The case is already erased');
      const affected = await scopedCases(em, actor).update(id, {
        erasedAt: () => "date_trunc('milliseconds', now())",
        updatedAt: () => "date_trunc('milliseconds', now())",
        version: () => 'version + 1',
        pseudonym: null,
        keyId: null,
        wrappedKey: null,
        subjectCt: null,
        narrativeCt: null,
        biGivenName: null,
        biFamilyName: null,
        biDocumentNumber: null,
        phoneticKey: null,
        ...erasedAttributes(),
      });
      if (affected !== 1) throw new DomainError('CASE_ERASED', 'The case is already erased');
      await this.audit.record(em, ctx, {
        action: 'case.erase',
        outcome: 'allowed',
        resourceType: 'case',
        resourceId: id,
      });
    });
  }
}
