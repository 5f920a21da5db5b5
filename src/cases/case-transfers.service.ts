import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { isUniqueViolation } from '../common/database-errors.js';
import { DomainError, notFound, validationFailed } from '../common/errors.js';
import type { AuthenticatedPrincipal, RequestContext } from '../common/request-context.js';
import { parseTimestamp } from '../common/timestamp.js';
import { isUuidText } from '../common/uuid.js';
import { newUuid } from '../crypto/index.js';
import { CaseDenied, CaseTransaction } from './case-transaction.service.js';
import { CaseReader } from './case-reader.service.js';
import { CaseCryptoService } from './case-crypto.service.js';
import { CaseTransferEntity } from './case-transfer.entity.js';
import { transferredCases, type TransferredCase } from './case.repository.js';
import type { CreateTransferDto, ListTransfersQueryDto, TransferDto } from './dto/transfer.dto.js';

const REASON_LABEL = (transferId: string) => `transfer:${transferId}`;
const PENDING_INDEX = 'case_transfers_one_pending';

type Cursor = [string, string];
const isCursor = (v: unknown): v is Cursor =>
  Array.isArray(v) && v.length === 2 && parseTimestamp(v[0]) !== null && isUuidText(v[1]);

interface TransferRow {
  id: string;
  case_id: string;
  from_office_id: string;
  to_office_id: string;
  status: string;
  reason_ct: Buffer | null;
  requested_by: string;
  requested_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
}

const transferNotFound = () => notFound('Transfer');

/**
 * Transfers of a case between offices (API.md, "transfers"). A supervisor of the case's office requests
 * one; a supervisor of the receiving office sees it (metadata, pseudonym and the reason only) and accepts
 * or rejects it. Accepting moves the case in the same transaction that decides the transfer, under row
 * locks on both, so of two concurrent accepts exactly one succeeds; the sending office loses access at
 * once (the office scope then hides the case). Every step is one audit event naming both offices.
 */
@Injectable()
export class CaseTransfersService {
  constructor(
    private readonly tx: CaseTransaction,
    private readonly reader: CaseReader,
    private readonly crypto: CaseCryptoService,
    private readonly audit: AuditService,
    private readonly dataSource: DataSource,
  ) {}

  request(ctx: RequestContext, caseId: string, input: CreateTransferDto): Promise<TransferDto> {
    return this.tx.run(ctx, 'case.transfer.request', caseId, async (em, actor) => {
      const row = await this.reader.load(em, actor, caseId, [
        'id',
        'officeId',
        'erasedAt',
        'version',
        'pseudonym',
        'keyId',
        'wrappedKey',
      ]);
      if (row.erasedAt !== null) throw new DomainError('CASE_ERASED', 'The case is erased');
      if (input.toOfficeId === row.officeId) {
        throw validationFailed('Validation failed: toOfficeId must be another office');
      }
      const [office] = (await em.query(`SELECT 1 FROM offices WHERE id = $1`, [
        input.toOfficeId,
      ])) as unknown[];
      if (office === undefined) throw validationFailed('Validation failed: toOfficeId is not a known office');
      const id = newUuid();
      try {
        await em.getRepository(CaseTransferEntity).insert({
          id,
          caseId,
          fromOfficeId: row.officeId,
          toOfficeId: input.toOfficeId,
          status: 'pending',
          reasonCt: this.crypto.sealNote(row, REASON_LABEL(id), input.reason),
          requestedBy: actor.id,
        });
      } catch (error) {
        if (isUniqueViolation(error, PENDING_INDEX)) {
          throw new DomainError('TRANSFER_PENDING', 'The case already has a pending transfer');
        }
        throw error;
      }
      const transfer = (await this.fetch(em, id)) as TransferRow;
      await this.audit.record(em, ctx, {
        action: 'case.transfer.request',
        outcome: 'allowed',
        resourceType: 'case',
        resourceId: caseId,
        details: { transferId: id, fromOfficeId: row.officeId, toOfficeId: input.toOfficeId },
      });
      return (await this.views(em, [transfer]))[0];
    });
  }

  list(
    ctx: RequestContext,
    query: ListTransfersQueryDto,
  ): Promise<{ items: TransferDto[]; nextCursor: string | null }> {
    return this.tx.run(ctx, 'case.transfer.list', null, async (em, actor) => {
      const limit = query.limit ?? 50;
      const office = actor.officeId as string;
      const params: unknown[] = [office];
      const side =
        query.direction === 'incoming'
          ? 't.to_office_id = $1'
          : query.direction === 'outgoing'
            ? 't.from_office_id = $1'
            : '(t.to_office_id = $1 OR t.from_office_id = $1)';
      const clauses = [side];
      if (query.status !== undefined) {
        params.push(query.status);
        clauses.push(`t.status = $${params.length}`);
      }
      if (query.cursor !== undefined) {
        const [at, id] = decodeCursor(query.cursor, isCursor);
        params.push(parseTimestamp(at), id);
        clauses.push(`(t.requested_at, t.id) < ($${params.length - 1}, $${params.length})`);
      }
      params.push(limit + 1);
      const rows = (await em.query(
        `SELECT t.* FROM case_transfers t WHERE ${clauses.join(' AND ')}
          ORDER BY t.requested_at DESC, t.id DESC LIMIT $${params.length}`,
        params,
      )) as TransferRow[];
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      await this.audit.record(em, ctx, {
        action: 'case.transfer.list',
        outcome: 'allowed',
        resourceType: 'case',
        details: { direction: query.direction ?? null, status: query.status ?? null, count: page.length },
      });
      return {
        items: await this.views(em, page),
        nextCursor:
          rows.length > limit && last ? encodeCursor([last.requested_at.toISOString(), last.id]) : null,
      };
    });
  }

  /** One transfer, for supervisors of either of its offices. */
  get(ctx: RequestContext, transferId: string): Promise<TransferDto> {
    return this.tx.run(ctx, 'case.transfer.list', null, async (em, actor) => {
      const row = await this.fetch(em, transferId);
      if (row === undefined) throw new CaseDenied(transferNotFound(), { reason: 'not_found' });
      if (row.from_office_id !== actor.officeId && row.to_office_id !== actor.officeId) {
        throw new CaseDenied(transferNotFound(), { reason: 'office_scope' });
      }
      await this.audit.record(em, ctx, {
        action: 'case.transfer.list',
        outcome: 'allowed',
        resourceType: 'case',
        resourceId: row.case_id,
        details: { transferId, count: 1 },
      });
      return (await this.views(em, [row]))[0];
    });
  }

  async decide(
    ctx: RequestContext,
    transferId: string,
    decision: 'accepted' | 'rejected',
  ): Promise<TransferDto> {
    const action = decision === 'accepted' ? 'case.transfer.accept' : 'case.transfer.reject';
    // The case id, so that denials and failures are audited against the case too (it never changes).
    const [known] = (await this.dataSource.query(`SELECT case_id FROM case_transfers WHERE id = $1`, [
      transferId,
    ])) as { case_id: string }[];
    return this.tx.run(ctx, action, known?.case_id ?? null, async (em, actor) => {
      const transfer = await this.lockForReceiver(em, actor, transferId);
      if (transfer.status !== 'pending') {
        throw new DomainError('TRANSFER_DECIDED', `The transfer is already ${transfer.status}`);
      }
      if (decision === 'accepted') await this.moveCase(em, transfer);
      await em.query(
        `UPDATE case_transfers SET status = $2, decided_by = $3, decided_at = date_trunc('milliseconds', now())
          WHERE id = $1`,
        [transferId, decision, actor.id],
      );
      const decided = (await this.fetch(em, transferId)) as TransferRow;
      await this.audit.record(em, ctx, {
        action,
        outcome: 'allowed',
        resourceType: 'case',
        resourceId: transfer.case_id,
        details: {
          transferId,
          fromOfficeId: transfer.from_office_id,
          toOfficeId: transfer.to_office_id,
        },
      });
      return (await this.views(em, [decided]))[0];
    });
  }

  /** The transfer, locked, if it is addressed to the actor's office; otherwise one 404 for both cases. */
  private async lockForReceiver(
    em: EntityManager,
    actor: AuthenticatedPrincipal,
    transferId: string,
  ): Promise<TransferRow> {
    const [row] = (await em.query(`SELECT * FROM case_transfers WHERE id = $1 FOR UPDATE`, [
      transferId,
    ])) as TransferRow[];
    if (row === undefined) throw new CaseDenied(transferNotFound(), { reason: 'not_found' });
    if (row.to_office_id !== actor.officeId) {
      throw new CaseDenied(transferNotFound(), { reason: 'office_scope' });
    }
    return row;
  }

  /** Moves the case to the receiving office (its row locked); 409 once erased meanwhile. */
  private async moveCase(em: EntityManager, transfer: TransferRow): Promise<void> {
    const moved = await transferredCases(em).move(
      transfer.case_id,
      transfer.from_office_id,
      transfer.to_office_id,
    );
    if (!moved) throw new DomainError('CASE_ERASED', 'The case is erased');
  }

  private async fetch(em: EntityManager, id: string): Promise<TransferRow | undefined> {
    const [row] = (await em.query(`SELECT * FROM case_transfers WHERE id = $1`, [id])) as TransferRow[];
    return row;
  }

  private async views(em: EntityManager, rows: readonly TransferRow[]): Promise<TransferDto[]> {
    const cases = await transferredCases(em).keysOf(rows.map((row) => row.case_id));
    return rows.map((row) => this.dto(row, cases.get(row.case_id)));
  }

  private dto(row: TransferRow, transferred: TransferredCase | undefined): TransferDto {
    const reason =
      transferred === undefined
        ? null
        : this.crypto.openNote(transferred, REASON_LABEL(row.id), row.reason_ct);
    return {
      id: row.id,
      caseId: row.case_id,
      pseudonym: transferred?.pseudonym ?? null,
      fromOfficeId: row.from_office_id,
      toOfficeId: row.to_office_id,
      status: row.status,
      reason,
      requestedAt: row.requested_at.toISOString(),
      requestedBy: row.requested_by,
      decidedAt: row.decided_at?.toISOString() ?? null,
      decidedBy: row.decided_by,
    };
  }
}
