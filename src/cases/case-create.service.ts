import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService, type AuditEventInput } from '../audit/audit.service.js';
import { Coalescer } from '../common/coalescer.js';
import { isStatementRefused } from '../common/database-errors.js';
import type { AuthenticatedPrincipal, RequestContext } from '../common/request-context.js';
import { AppConfig } from '../config/app-config.js';
import { withDefaults } from '../ctdc/index.js';
import { newUuid } from '../crypto/index.js';
import { needsDecryption } from '../policy/index.js';
import { CaseTransaction } from './case-transaction.service.js';
import { CaseReader } from './case-reader.service.js';
import { CaseCryptoService, toSubject } from './case-crypto.service.js';
import { CaseDuplicatesService, type DuplicateHints } from './case-duplicates.service.js';
import { claimIdempotencyKey } from './case-idempotency.js';
import { insertAuditedEach, scopedCases, type NewCase } from './case.repository.js';
import type { VersionedCase } from './case-reader.service.js';
import type { CaseColumn, CaseRow } from './case-view.js';
import { derive } from './derivation.js';
import type { CreateCaseDto } from './dto/case.dto.js';

/** Besides the caller's view, what the duplicate hints of a new case need. */
const CREATE_EXTRA_COLUMNS = ['phoneticKey', 'duplicatesConfirmedAt'] as const;

/** What a create need not read back: it answers with the plaintext it has just sealed. */
const SEALED_COLUMNS = new Set<CaseColumn>(['subjectCt', 'narrativeCt', 'keyId', 'wrappedKey']);

/** A create without an Idempotency-Key, as it waits to be written (alone, or coalesced with others). */
interface PendingCreate {
  ctx: RequestContext;
  actor: AuthenticatedPrincipal;
  values: NewCase;
}

interface Written {
  row: CaseRow;
  sameOffice: string[];
}

const createdEvent = (id: string): AuditEventInput => ({
  action: 'case.create',
  outcome: 'allowed',
  resourceType: 'case',
  resourceId: id,
  details: { idempotentReplay: false },
});

/** POST /v1/cases, with optional idempotency. */
@Injectable()
export class CaseCreateService {
  /** By the columns answered (they depend on the role): creates coalesce only with their like. */
  private readonly batches = new Map<string, Coalescer<PendingCreate, Written>>();

  constructor(
    private readonly tx: CaseTransaction,
    private readonly reader: CaseReader,
    private readonly crypto: CaseCryptoService,
    private readonly dupes: CaseDuplicatesService,
    private readonly audit: AuditService,
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  create(
    ctx: RequestContext,
    input: CreateCaseDto,
    idempotencyKey?: string,
  ): Promise<VersionedCase & { duplicates: DuplicateHints }> {
    const caseId = newUuid();
    if (idempotencyKey === undefined) return this.createOnce(ctx, caseId, input);
    return this.tx.run(ctx, 'case.create', null, async (em, actor) => {
      this.tx.checkWrites(actor, input);
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
      const answer = await this.reader.respond(em, ctx, actor, {
        action: 'case.create',
        id,
        extraColumns: CREATE_EXTRA_COLUMNS,
        alongside: (row) => this.dupes.hintsForNewCase(em, actor, row),
        details: () => ({ idempotentReplay: replay }),
      });
      return { view: answer.view, version: answer.version, duplicates: answer.extra };
    });
  }

  /**
   * A create without an Idempotency-Key (the common case, and bulk ingest): the row, its same-office
   * duplicates and its audit event in one statement (ScopedCases.insertAudited), the same answer as above.
   * Under load, creates that arrive while COALESCE_IN_FLIGHT such statements run are written together
   * in one statement (insertAuditedEach: still a row, its duplicates and its own event each, atomic as a
   * whole); if PostgreSQL refuses that statement, each is written again alone, so a create fails only for
   * its own fault.
   */
  private createOnce(
    ctx: RequestContext,
    id: string,
    input: CreateCaseDto,
  ): Promise<VersionedCase & { duplicates: DuplicateHints }> {
    return this.tx.runOneStatement(ctx, 'case.create', null, async (_em, actor) => {
      this.tx.checkWrites(actor, input);
      const columns = this.reader
        .columns(actor, CREATE_EXTRA_COLUMNS)
        .filter((column) => !SEALED_COLUMNS.has(column));
      const values = newCaseRow(this.crypto, actor, id, input);
      const { row, sameOffice } = await this.batchesFor(columns).submit({ ctx, actor, values });
      // The plaintext just sealed, rather than decrypting the row's own ciphertext back (as a read would).
      const opened = needsDecryption(actor.role)
        ? { subject: toSubject(input.subject), narrative: input.narrative ?? null }
        : null;
      return {
        view: this.reader.view(actor, row, opened),
        version: row.version,
        duplicates: this.dupes.hintsOf(row, sameOffice),
      };
    });
  }

  private batchesFor(columns: readonly CaseColumn[]): Coalescer<PendingCreate, Written> {
    const key = columns.join(',');
    let batches = this.batches.get(key);
    if (batches === undefined) {
      const em = this.dataSource.manager;
      batches = new Coalescer<PendingCreate, Written>(
        {
          runOne: ({ ctx, actor, values }) =>
            scopedCases(em, actor).insertAudited(values, columns, (first) =>
              this.audit.appendCall(ctx, createdEvent(values.id), first),
            ),
          runBatch: (items) =>
            insertAuditedEach(em, items, columns, (first) =>
              this.audit.appendEachCall(
                items.map(({ ctx, values }) => ({ ctx, input: createdEvent(values.id) })),
                first,
                'e',
              ),
            ),
          retryAlone: isStatementRefused,
        },
        {
          name: 'case.create',
          maxInFlight: this.config.env.COALESCE_IN_FLIGHT,
          maxBatch: this.config.env.COALESCE_MAX,
          // No longer than a request would wait for a pool connection (then 503, as that would be).
          maxWaitMs: this.config.env.DB_CONNECT_TIMEOUT_MS,
        },
      );
      this.batches.set(key, batches);
    }
    return batches;
  }
}

/**
 * The row of a new case by `author`: identity sealed under a fresh data key, pseudonym and blind indexes,
 * attributes with their defaults and derivations (a 400 naming the field if impossible). The API's create and the seed command both build rows here.
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
  };
}
