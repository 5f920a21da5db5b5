import { Injectable } from '@nestjs/common';
import type { ValidationError } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { DomainError, unauthenticated } from '../common/errors.js';
import type { AuthenticatedPrincipal, RequestContext } from '../common/request-context.js';
import { assertSafeInput } from '../common/safe-input.js';
import { describeValidationErrors, VALIDATION_OPTIONS } from '../common/validation.js';
import { DerivationError, deriveAttributes } from '../ctdc/index.js';
import { newUuid } from '../crypto/index.js';
import { forbiddenWrites } from '../policy/index.js';
import { csvBody, CsvHeaderError, planCsvHeader, type CsvHeaderPlan } from './case-csv.js';
import { newCaseRow } from './case-create.service.js';
import { CaseCryptoService, toSubject } from './case-crypto.service.js';
import { claimIdempotencyKeys, IDEMPOTENCY_KEY } from './case-idempotency.js';
import { scopedCases, type NewCase } from './case.repository.js';
import { CreateCaseDto } from './dto/case.dto.js';
import { parseCsvRecord, splitRecords, type ImportLimits, type RawRecord } from './import-records.js';

/** Bounds of one import request (README, "Bulk import"); 413 beyond them. */
export const IMPORT_LIMITS: ImportLimits = {
  maxBytes: 64 * 1024 * 1024,
  maxRecords: 50_000,
  maxRecordBytes: 256 * 1024,
};
/** Cases written per transaction: each transaction holds its cases, their keys and their audit events. */
export const IMPORT_BATCH = 250;
/** Line errors listed in the answer (all are counted in `failed`). */
export const MAX_LISTED_ERRORS = 1000;

export type ImportFormat = 'ndjson' | 'csv';

export interface LineError {
  line: number;
  fields: string[];
  message: string;
}

export interface ImportResult {
  imported: number;
  replayed: number;
  failed: number;
  errors: LineError[];
  errorsTruncated: boolean;
}

interface PreparedCase {
  line: number;
  key: string;
  fingerprint: string;
  values: NewCase;
}

const PATH_OF_SAFE_INPUT_ERROR = /^Validation failed: (?:property )?([^\s]+)/;

/** The field paths of class-validator errors (`subject.givenName`), never their values. */
function fieldPaths(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.keys(error.constraints ?? {}).length > 0 ? [path] : [];
    return [...own, ...fieldPaths(error.children ?? [], path)];
  });
}

const unique = (values: string[]) => [...new Set(values)];

/**
 * POST /v1/cases/import: a stream of create bodies (NDJSON) or of CSV records (the export's columns).
 * The body is read record by record, never whole; each record is validated like a POST and becomes a case
 * of the caller's office, or a line error naming fields only. Valid records are written in batches of
 * IMPORT_BATCH, each batch one transaction holding its cases (one multi-row INSERT), their idempotency keys
 * and one `case.create` audit event per case, so a bad record never costs a good one and a cut connection
 * loses at most the batch in flight. Every record has an idempotency key: its own `idempotencyKey`, or else
 * one derived from its content, so re-sending a file (after a cut, or by mistake) creates nothing twice
 * within 24 hours. A summary `case.import` event closes the request.
 */
@Injectable()
export class CaseImportService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly crypto: CaseCryptoService,
    private readonly audit: AuditService,
  ) {}

  async import(
    ctx: RequestContext,
    source: AsyncIterable<Buffer | string>,
    format: ImportFormat,
  ): Promise<ImportResult> {
    const actor = ctx.actor;
    if (actor === null) throw unauthenticated();
    const result: ImportResult = { imported: 0, replayed: 0, failed: 0, errors: [], errorsTruncated: false };
    const fail = (error: LineError) => {
      result.failed += 1;
      if (result.errors.length < MAX_LISTED_ERRORS) result.errors.push(error);
      else result.errorsTruncated = true;
    };
    let batch: PreparedCase[] = [];
    let lines = 0;
    let plan: CsvHeaderPlan | null = null;
    try {
      for await (const record of splitRecords(source, { csv: format === 'csv', limits: IMPORT_LIMITS })) {
        if (format === 'csv' && plan === null) {
          plan = this.header(record);
          continue;
        }
        lines += 1;
        const prepared = await this.prepare(actor, record, plan);
        if ('fields' in prepared) fail(prepared);
        else {
          batch.push(prepared);
          if (batch.length >= IMPORT_BATCH) {
            await this.flush(ctx, actor, batch, result, fail);
            batch = [];
          }
        }
      }
      await this.flush(ctx, actor, batch, result, fail);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'PAYLOAD_TOO_LARGE') {
        await this.summary(ctx, format, lines, result, 'failed');
        throw new DomainError(
          'PAYLOAD_TOO_LARGE',
          `${error.message}; ${result.imported} cases were imported before the limit (re-send the rest: ` +
            'records already imported are recognised by their idempotency keys)',
        );
      }
      throw error;
    }
    await this.summary(ctx, format, lines, result, 'allowed');
    return result;
  }

  private header(record: RawRecord): CsvHeaderPlan {
    const cells = record.error === undefined ? parseCsvRecord(record.text) : null;
    if (cells === null)
      throw new DomainError('VALIDATION_FAILED', 'Validation failed: the CSV header is malformed');
    try {
      return planCsvHeader(cells);
    } catch (error) {
      if (error instanceof CsvHeaderError) {
        throw new DomainError('VALIDATION_FAILED', `Validation failed: CSV header: ${error.message}`);
      }
      throw error;
    }
  }

  /** One record as a case ready to insert, or its line error (fields and rules, never values). */
  private async prepare(
    actor: AuthenticatedPrincipal,
    record: RawRecord,
    plan: CsvHeaderPlan | null,
  ): Promise<PreparedCase | LineError> {
    const line = record.line;
    if (record.error !== undefined) return { line, fields: [], message: record.error };
    let body: Record<string, unknown>;
    let explicitKey: unknown;
    if (plan !== null) {
      const cells = parseCsvRecord(record.text);
      if (cells === null) return { line, fields: [], message: 'the CSV record is malformed' };
      const parsed = csvBody(plan, cells);
      if (parsed.badColumns.length > 0) {
        return { line, fields: parsed.badColumns, message: 'cells of 0/1 columns must be 0, 1 or empty' };
      }
      body = parsed.body;
      explicitKey = parsed.idempotencyKey;
    } else {
      let value: unknown;
      try {
        value = JSON.parse(record.text);
      } catch {
        return { line, fields: [], message: 'the line is not valid JSON' };
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return { line, fields: [], message: 'the line must be a JSON object' };
      }
      const { idempotencyKey, ...rest } = value as Record<string, unknown>;
      body = rest;
      explicitKey = idempotencyKey;
    }
    if (
      explicitKey !== undefined &&
      (typeof explicitKey !== 'string' || !IDEMPOTENCY_KEY.test(explicitKey))
    ) {
      return {
        line,
        fields: ['idempotencyKey'],
        message: 'idempotencyKey must be 1-128 printable characters',
      };
    }
    try {
      assertSafeInput(body);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const field = PATH_OF_SAFE_INPUT_ERROR.exec(error.message)?.[1] ?? 'value';
      return { line, fields: [field], message: error.message.replace(/^Validation failed: /, '') };
    }
    const refused = forbiddenWrites(actor.role, Object.keys(body));
    if (refused.length > 0) {
      return { line, fields: refused, message: 'not allowed for this role to write these fields' };
    }
    const input = plainToInstance(CreateCaseDto, body);
    const errors = await validate(input, VALIDATION_OPTIONS);
    if (errors.length > 0) {
      return {
        line,
        fields: unique(fieldPaths(errors)),
        message: describeValidationErrors(errors).join('; '),
      };
    }
    const subject = toSubject(input.subject);
    try {
      deriveAttributes(input.registrationDate, subject.dateOfBirth);
    } catch (error) {
      if (error instanceof DerivationError) return { line, fields: [error.field], message: error.message };
      throw error;
    }
    const fingerprint = this.crypto.fingerprint(body);
    const key = typeof explicitKey === 'string' ? explicitKey : `import:${fingerprint}`;
    return {
      line,
      key,
      fingerprint,
      values: newCaseRow(this.crypto, actor, newUuid(), input),
    };
  }

  /** One transaction: the batch's keys, its new cases in one INSERT, then one audit event per case. */
  private async flush(
    ctx: RequestContext,
    actor: AuthenticatedPrincipal,
    batch: PreparedCase[],
    result: ImportResult,
    fail: (error: LineError) => void,
  ): Promise<void> {
    if (batch.length === 0) return;
    // Two records of one batch with one key: the later one is a replay of the earlier (same content) or
    // a reuse of the key (other content), exactly as if they had come in two requests.
    const first = new Map<string, PreparedCase>();
    const repeats: PreparedCase[] = [];
    for (const prepared of batch) {
      if (first.has(prepared.key)) repeats.push(prepared);
      else first.set(prepared.key, prepared);
    }
    const outcome = await this.dataSource.transaction(async (em) => {
      const claims = await claimIdempotencyKeys(
        em,
        actor.id,
        [...first.values()].map((p) => ({ key: p.key, fingerprint: p.fingerprint, caseId: p.values.id })),
      );
      const created: PreparedCase[] = [];
      const replayed: { prepared: PreparedCase; caseId: string }[] = [];
      const errors: LineError[] = [];
      for (const prepared of batch) {
        const original = first.get(prepared.key) as PreparedCase;
        const claim = claims.get(prepared.key);
        if (original !== prepared) {
          if (original.fingerprint !== prepared.fingerprint) errors.push(keyReused(prepared.line));
          else if (claim?.kind === 'new') replayed.push({ prepared, caseId: original.values.id });
          else if (claim?.kind === 'replay') replayed.push({ prepared, caseId: claim.caseId });
          else errors.push(keyReused(prepared.line));
        } else if (claim?.kind === 'new') created.push(prepared);
        else if (claim?.kind === 'replay') replayed.push({ prepared, caseId: claim.caseId });
        else if (claim?.kind === 'reused') errors.push(keyReused(prepared.line));
        else
          errors.push({
            line: prepared.line,
            fields: ['idempotencyKey'],
            message: 'a concurrent import holds this key; retry',
          });
      }
      await scopedCases(em, actor).insertMany(created.map((p) => p.values));
      // One case.create event per case, in one statement (the last of the transaction, as record() wants).
      await this.audit.recordMany(em, ctx, [
        ...created.map((prepared) => ({
          action: 'case.create' as const,
          outcome: 'allowed' as const,
          resourceType: 'case',
          resourceId: prepared.values.id,
          details: { idempotentReplay: false, importLine: prepared.line },
        })),
        ...replayed.map(({ prepared, caseId }) => ({
          action: 'case.create' as const,
          outcome: 'allowed' as const,
          resourceType: 'case',
          resourceId: caseId,
          details: { idempotentReplay: true, importLine: prepared.line },
        })),
      ]);
      return { created: created.length, replayed: replayed.length, errors };
    });
    result.imported += outcome.created;
    result.replayed += outcome.replayed;
    for (const error of outcome.errors.sort((a, b) => a.line - b.line)) fail(error);
  }

  private summary(
    ctx: RequestContext,
    format: ImportFormat,
    lines: number,
    result: ImportResult,
    outcome: 'allowed' | 'failed',
  ): Promise<void> {
    return this.audit.recordAlone(ctx, {
      action: 'case.import',
      outcome,
      resourceType: 'case',
      details: {
        ...(outcome === 'failed' ? { reason: 'too_large' as const } : {}),
        format,
        lines,
        imported: result.imported,
        replayed: result.replayed,
        failed: result.failed,
      },
    });
  }
}

const keyReused = (line: number): LineError => ({
  line,
  fields: ['idempotencyKey'],
  message: 'this idempotency key was already used with different content',
});
