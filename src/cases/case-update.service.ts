import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DomainError, validationFailed } from '../common/errors.js';
import type { AuthenticatedPrincipal, RequestContext } from '../common/request-context.js';
import { CASE_FIELD_NAMES, fieldsOfGroup } from '../policy/index.js';
import { CaseTransaction } from './case-transaction.service.js';
import { CaseReader } from './case-reader.service.js';
import { CaseCryptoService, toSubject } from './case-crypto.service.js';
import { scopedCases } from './case.repository.js';
import { CaseEntity } from './case.entity.js';
import { columnsFor, type CaseRow, type Subject } from './case-view.js';
import type { VersionedCase } from './case-reader.service.js';
import { derive } from './derivation.js';
import type { UpdateCaseDto } from './dto/case.dto.js';
import { parseIfMatch } from './if-match.js';

const ATTRIBUTES = fieldsOfGroup('attribute');

const stale = () => new DomainError('STALE_VERSION', 'The case has changed: If-Match names an old version');
const erased = () => new DomainError('CASE_ERASED', 'The case is erased');

/**
 * PATCH /v1/cases/:id with optimistic locking. The UPDATE itself carries `version = <If-Match>`, so of
 * concurrent writers based on one version exactly one succeeds (the others re-check the predicate
 * against the committed row and update nothing: 412).
 */
@Injectable()
export class CaseUpdateService {
  constructor(
    private readonly tx: CaseTransaction,
    private readonly reader: CaseReader,
    private readonly crypto: CaseCryptoService,
  ) {}

  update(
    ctx: RequestContext,
    id: string,
    input: UpdateCaseDto,
    ifMatch: string | undefined,
  ): Promise<VersionedCase> {
    return this.tx.run(ctx, 'case.update', id, async (em, actor) => {
      this.tx.checkWrites(actor, input);
      const changedFields = CASE_FIELD_NAMES.filter(
        (field) => (input as Record<string, unknown>)[field] !== undefined,
      );
      if (changedFields.length === 0) throw validationFailed('Validation failed: the body changes no field');
      // What can never succeed comes first: no such case (404), an erased one (409); then the precondition.
      const row = await this.reader.load(em, actor, id, [
        ...columnsFor(actor.role),
        'registrationDate',
        'keyId',
        'wrappedKey',
        'subjectCt',
      ]);
      if (row.erasedAt !== null) throw erased();
      const accepted = parseIfMatch(ifMatch);
      if (accepted === null) {
        throw new DomainError('IF_MATCH_REQUIRED', 'If-Match with the current ETag is required');
      }
      // "*" would match any version (RFC 9110) and defeat the optimistic locking: refused as a failed
      // precondition (412, like a stale version), with a message that says why.
      if (ifMatch?.trim() === '*') {
        throw new DomainError(
          'STALE_VERSION',
          'If-Match * is not accepted: name the version the change is based on, as its ETag ("<version>")',
        );
      }
      if (!accepted.includes(row.version)) throw stale();

      const changes = this.changes(row, input);
      const affected = await scopedCases(em, actor).update(
        id,
        { ...changes, version: () => 'version + 1', updatedAt: () => "date_trunc('milliseconds', now())" },
        { version: row.version },
      );
      if (affected !== 1) await this.whyNotUpdated(em, actor, id);

      const { view, version } = await this.reader.respond(em, ctx, actor, {
        action: 'case.update',
        id,
        details: (_view, updated) => ({ changedFields, version: updated.version }),
      });
      return { view, version };
    });
  }

  /** The column values of the PATCH: attributes as given, re-sealed identity, recomputed derivations. */
  private changes(row: CaseRow, input: UpdateCaseDto): Partial<CaseEntity> {
    const changes: Partial<CaseEntity> = {};
    for (const attribute of ATTRIBUTES) {
      const value = input[attribute];
      if (value !== undefined) Object.assign(changes, { [attribute]: value });
    }
    if (input.consent !== undefined) changes.consentResearch = input.consent.research;

    const subject =
      input.subject === undefined ? undefined : mergeSubject(this.crypto.open(row).subject, input.subject);
    if (subject !== undefined || input.narrative !== undefined) {
      Object.assign(changes, this.crypto.reseal(row, { subject, narrative: input.narrative }));
    }
    if (subject !== undefined) Object.assign(changes, this.crypto.indexes(subject));
    if (subject !== undefined || input.registrationDate !== undefined) {
      const dateOfBirth = (subject ?? this.crypto.open(row).subject).dateOfBirth;
      Object.assign(changes, derive(input.registrationDate ?? (row.registrationDate as string), dateOfBirth));
    }
    return changes;
  }

  /** The conditional UPDATE matched nothing: the row was erased or re-versioned meanwhile. */
  private async whyNotUpdated(em: EntityManager, actor: AuthenticatedPrincipal, id: string): Promise<never> {
    const now = await this.reader.load(em, actor, id, ['id', 'officeId', 'erasedAt', 'version']);
    throw now.erasedAt !== null ? erased() : stale();
  }
}

/** RFC 7396 on the subject: a key set to null is removed, an absent key stays, others replace. */
export function mergeSubject(
  current: Subject,
  patch: Partial<Record<keyof Subject, string | null>>,
): Subject {
  const merged: Record<string, string | null> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined && Object.hasOwn(merged, key)) merged[key] = value;
  }
  return toSubject(merged as Partial<Subject>);
}
