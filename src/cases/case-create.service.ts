import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { RequestContext } from '../common/request-context.js';
import { withDefaults } from '../ctdc/index.js';
import { newUuid, randomUInt32 } from '../crypto/index.js';
import { CaseAccessService } from './case-access.service.js';
import { CaseCryptoService, toSubject } from './case-crypto.service.js';
import { CaseDuplicatesService, type DuplicateHints } from './case-duplicates.service.js';
import { claimIdempotencyKey } from './case-idempotency.js';
import { scopedCases, type NewCase } from './case.repository.js';
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
    private readonly dupes: CaseDuplicatesService,
  ) {}

  create(
    ctx: RequestContext,
    input: CreateCaseDto,
    idempotencyKey?: string,
  ): Promise<VersionedCase & { duplicates: DuplicateHints }> {
    const caseId = newUuid();
    return this.access.run(ctx, 'case.create', null, async (em, actor) => {
      this.access.checkWrites(actor, input);
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
        await scopedCases(em, actor).insert(newCaseRow(this.crypto, actor, id, input));
      }
      const row = await this.access.load(em, actor, id, [
        ...columnsFor(actor.role),
        'phoneticKey',
        'duplicatesConfirmedAt',
      ]);
      const view = this.access.view(actor, row);
      const duplicates = await this.dupes.hintsForNewCase(em, actor, row);
      await this.audit.record(em, ctx, {
        action: 'case.create',
        outcome: 'allowed',
        resourceType: 'case',
        resourceId: id,
        details: { idempotentReplay: replay },
      });
      return { view, version: row.version, duplicates };
    });
  }
}

/**
 * The row of a new case by `author`: identity sealed under a fresh data key, pseudonym and blind indexes,
 * attributes with their defaults and derivations (a 400 naming the field if impossible), a random record
 * key. The API's create and the seed command both build rows here.
 */
export function newCaseRow(
  crypto: CaseCryptoService,
  author: { id: string },
  id: string,
  input: CreateCaseDto,
): NewCase {
  const subject = toSubject(input.subject);
  return {
    id,
    createdBy: author.id,
    version: 1,
    ...crypto.indexes(subject),
    ...crypto.sealNew(id, subject, input.narrative ?? null),
    ...withDefaults(input),
    consentResearch: input.consent.research,
    ...derive(input.registrationDate, subject.dateOfBirth),
    recordKey: String(randomUInt32()),
  };
}
