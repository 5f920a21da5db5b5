import { Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../config/app-config.js';
import { unauthenticated, validationFailed } from '../common/errors.js';
import type { AuthenticatedPrincipal, RequestContext } from '../common/request-context.js';
import { ageEncryptStream, MAX_PASSPHRASE_LENGTH, MIN_PASSPHRASE_LENGTH } from './age-export.js';
import { CaseTransaction } from './case-transaction.service.js';
import { CaseReader } from './case-reader.service.js';
import { csvColumnsFor, csvHeader, csvRow } from './case-csv.js';
import { scopedCases } from './case.repository.js';
import { columnsFor } from './case-view.js';

export type ExportFormat = 'csv' | 'ndjson';

/** Cases read (and decrypted) per query while the file streams. */
const EXPORT_BATCH = 500;

export interface ExportFile {
  filename: string;
  stream: Readable;
  count: number;
}

/** 400 naming the header unless the passphrase has MIN..MAX characters (code points). */
export function checkPassphrase(passphrase: unknown): string {
  const length = typeof passphrase === 'string' ? [...passphrase].length : 0;
  if (typeof passphrase !== 'string' || length < MIN_PASSPHRASE_LENGTH || length > MAX_PASSPHRASE_LENGTH) {
    throw validationFailed(
      `Validation failed: the X-Export-Passphrase header must have ${MIN_PASSPHRASE_LENGTH} to ` +
        `${MAX_PASSPHRASE_LENGTH} characters`,
    );
  }
  return passphrase;
}

/**
 * GET /v1/cases/export: the live cases of the caller's office, as the caller may read them (the same
 * projection as GET /v1/cases/:id), in CSV (CTDC columns, policy-filtered) or NDJSON, encrypted with `age`
 * to the caller's passphrase as it streams; no unencrypted export exists.
 *
 * The audit event is written, naming every exported case, before the first byte leaves: if it cannot be
 * written, nothing is exported. The file then holds those cases as they are when they are read (a case
 * erased or transferred meanwhile is left out).
 */
@Injectable()
export class CaseExportService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tx: CaseTransaction,
    private readonly reader: CaseReader,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async export(ctx: RequestContext, format: ExportFormat, passphrase: string): Promise<ExportFile> {
    const actor = ctx.actor;
    if (actor === null) throw unauthenticated();
    const ids = await this.tx.run(ctx, 'case.export', null, async (em) => {
      const rows = await scopedCases(em, actor)
        .select(['id'])
        .andWhere('c.erased_at IS NULL')
        .orderBy('c.createdAt', 'ASC')
        .addOrderBy('c.id', 'ASC')
        .getMany();
      const caseIds = rows.map((row) => row.id);
      // Every exported case is named (audit_event_resources): GET /v1/audit/events?resourceId= finds it.
      await this.audit.record(em, ctx, {
        action: 'case.export',
        outcome: 'allowed',
        resourceType: 'case',
        resourceIds: caseIds,
        details: { format, count: caseIds.length },
      });
      return caseIds;
    });
    const day = new Date().toISOString().slice(0, 10);
    return {
      filename: `cases-${day}.${format}.age`,
      stream: await ageEncryptStream(
        this.plaintext(actor, format, ids),
        passphrase,
        this.config.env.EXPORT_SCRYPT_WORK_FACTOR,
      ),
      count: ids.length,
    };
  }

  private async *plaintext(
    actor: AuthenticatedPrincipal,
    format: ExportFormat,
    ids: readonly string[],
  ): AsyncGenerator<string> {
    const csvColumns = csvColumnsFor(actor.role);
    if (format === 'csv') yield csvHeader(csvColumns);
    for (let start = 0; start < ids.length; start += EXPORT_BATCH) {
      const chunk = ids.slice(start, start + EXPORT_BATCH);
      const rows = await scopedCases(this.dataSource.manager, actor)
        .select(columnsFor(actor.role))
        .andWhere('c.id IN (:...chunk) AND c.erased_at IS NULL', { chunk })
        .orderBy('c.createdAt', 'ASC')
        .addOrderBy('c.id', 'ASC')
        .getMany();
      let out = '';
      for (const row of rows) {
        const view = this.reader.view(actor, row);
        out += format === 'csv' ? csvRow(csvColumns, view) : `${JSON.stringify(view)}\n`;
      }
      if (out !== '') yield out;
    }
  }
}
