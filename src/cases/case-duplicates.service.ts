import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { RequestContext } from '../common/request-context.js';
import { CaseAccessService } from './case-access.service.js';
import { scopedCases } from './case.repository.js';

export interface DuplicateOffice {
  officeCode: string;
  count: number;
}

/**
 * GET /v1/cases/:id/duplicates: the case is reached through the office scope like any other; the answer
 * about other offices is only office codes and counts of live cases with the same pseudonym (no content,
 * no ids). An erased case has no pseudonym and so no duplicates.
 */
@Injectable()
export class CaseDuplicatesService {
  constructor(
    private readonly access: CaseAccessService,
    private readonly audit: AuditService,
  ) {}

  duplicates(ctx: RequestContext, id: string): Promise<{ items: DuplicateOffice[] }> {
    return this.access.run(ctx, 'case.duplicates', id, async (em, actor) => {
      const row = await this.access.load(em, actor, id, [
        'id',
        'officeId',
        'erasedAt',
        'version',
        'pseudonym',
      ]);
      let items: DuplicateOffice[] = [];
      if (row.pseudonym) {
        items = await scopedCases(em, actor).otherOfficesWithPseudonym(row.pseudonym);
      }
      await this.audit.record(em, ctx, {
        action: 'case.duplicates',
        outcome: 'allowed',
        resourceType: 'case',
        resourceId: id,
        details: { offices: items.length },
      });
      return { items };
    });
  }
}
