import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { RequestContext } from '../common/request-context.js';
import { CaseAccessService } from './case-access.service.js';

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
        const rows = (await em.query(
          `SELECT o.code AS "officeCode", count(*)::int AS count
             FROM cases c JOIN offices o ON o.id = c.office_id
            WHERE c.pseudonym = $1 AND c.office_id <> $2 AND c.erased_at IS NULL
            GROUP BY o.code ORDER BY o.code`,
          [row.pseudonym, row.officeId],
        )) as DuplicateOffice[];
        items = rows.map(({ officeCode, count }) => ({ officeCode, count }));
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
