import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { RequestContext } from '../common/request-context.js';
import { withDefaults } from '../ctdc/index.js';
import { newUuid, randomUInt32 } from '../crypto/index.js';
import { CaseAccessService } from './case-access.service.js';
import { CaseCryptoService, toSubject } from './case-crypto.service.js';
import { claimIdempotencyKey } from './case-idempotency.js';
import { scopedCases } from './case.repository.js';
import { columnsFor } from './case-view.js';
import type { VersionedCase } from './cases.service.js';
import { derive } from './derivation.js';
import type { CreateCaseDto } from './dto/case.dto.js';

/** POST /v1/cases, with optional idempotency. */
@Injectable()
export class CaseCreateService {
  constructor(
    private readonly access: CaseAccessService,
    private readonly crypto: CaseCryptoService,
    private readonly audit: AuditService,
  ) {}

  create(ctx: RequestContext, input: CreateCaseDto, idempotencyKey?: string): Promise<VersionedCase> {
    const caseId = newUuid();
    return this.access.run(ctx, 'case.create', null, async (em, actor) => {
      this.access.checkWrites(actor, input);
      const subject = toSubject(input.subject);
      const narrative = input.narrative ?? null;
      const derived = derive(input.registrationDate, subject.dateOfBirth);

      let id = caseId;
      let replay = false;
      if (idempotencyKey !== undefined) {
        const claim = await claimIdempotencyKey(em, {
          userId: actor.id,
          key: idempotencyKey,
          fingerprint: this.crypto.fingerprint(input),
          caseId,
        });
        if (claim.kind === 'replay') {
          id = claim.caseId;
          replay = true;
        }
      }

      if (!replay) {
        await scopedCases(em, actor).insert({
          id,
          createdBy: actor.id,
          version: 1,
          ...this.crypto.indexes(subject),
          ...this.crypto.sealNew(id, subject, narrative),
          ...withDefaults(input),
          consentResearch: input.consent.research,
          ...derived,
          recordKey: String(randomUInt32()),
        });
      }
      const row = await this.access.load(em, actor, id, columnsFor(actor.role));
      const view = this.access.view(actor, row);
      await this.audit.record(em, ctx, {
        action: 'case.create',
        outcome: 'allowed',
        resourceType: 'case',
        resourceId: id,
        details: { idempotentReplay: replay },
      });
      return { view, version: row.version };
    });
  }
}
