import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { DomainError } from '../common/errors.js';
import type { RequestContext } from '../common/request-context.js';
import { erasedAttributes } from '../ctdc/index.js';
import { CaseKeysScheduler } from './case-keys.scheduler.js';
import { CaseTransaction } from './case-transaction.service.js';
import { CaseReader } from './case-reader.service.js';
import { scopedCases } from './case.repository.js';

import type { VersionedCase } from './case-reader.service.js';

export type { VersionedCase };

/** Reading one case and erasing it. */
@Injectable()
export class CasesService {
  constructor(
    private readonly tx: CaseTransaction,
    private readonly reader: CaseReader,
    private readonly audit: AuditService,
    private readonly keys: CaseKeysScheduler,
  ) {}

  /** The row and its audit event in one statement: no transaction round trips on the hottest path. */
  get(ctx: RequestContext, id: string): Promise<VersionedCase> {
    return this.tx.runOneStatement(ctx, 'case.read', id, (em, actor) =>
      this.reader.readAudited(em, ctx, actor, 'case.read', id),
    );
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
    return this.tx.run(ctx, 'case.erase', id, async (em, actor) => {
      const row = await this.reader.load(em, actor, id, ['id', 'officeId', 'erasedAt', 'version']);
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
