import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { validationFailed } from '../common/errors.js';
import { parseTimestamp, toTimestamp } from '../common/timestamp.js';
import { isUuidText } from '../common/uuid.js';
import type { AuthenticatedPrincipal, RequestContext } from '../common/request-context.js';
import type { BlindIndexField } from '../crypto/index.js';
import { CaseTransaction } from './case-transaction.service.js';
import { CaseReader } from './case-reader.service.js';
import { CaseCryptoService } from './case-crypto.service.js';
import { scopedCases } from './case.repository.js';
import { columnsFor, type CaseRow, type CaseView } from './case-view.js';
import type { ListCasesQueryDto } from './dto/case.dto.js';

export const DEFAULT_LIMIT = 50;

/** Sort orders of GET /v1/cases (a leading `-` is descending); the cursor carries its sort. */
export const CASE_SORTS = ['createdAt', '-createdAt', 'updatedAt', '-updatedAt'] as const;
export type CaseSort = (typeof CASE_SORTS)[number];

type Cursor = [at: string, id: string, sort?: CaseSort];
const isCursor = (v: unknown): v is Cursor =>
  Array.isArray(v) &&
  (v.length === 2 || (v.length === 3 && (CASE_SORTS as readonly unknown[]).includes(v[2]))) &&
  parseTimestamp(v[0]) !== null &&
  isUuidText(v[1]);

const SORT_SQL: Record<CaseSort, { column: 'createdAt' | 'updatedAt'; sql: string; desc: boolean }> = {
  createdAt: { column: 'createdAt', sql: 'c.created_at', desc: false },
  '-createdAt': { column: 'createdAt', sql: 'c.created_at', desc: true },
  updatedAt: { column: 'updatedAt', sql: 'c.updated_at', desc: false },
  '-updatedAt': { column: 'updatedAt', sql: 'c.updated_at', desc: true },
};

const BLIND_INDEX_COLUMNS = {
  givenName: 'bi_given_name',
  familyName: 'bi_family_name',
  documentNumber: 'bi_document_number',
} as const satisfies Record<BlindIndexField, string>;

const FILTER_NAMES = ['givenName', 'familyName', 'documentNumber', 'pseudonym', 'updatedSince'] as const;

export interface CasePage {
  items: CaseView[];
  nextCursor: string | null;
}

/**
 * GET /v1/cases: the caller's office's cases ordered by (createdAt, id), with blind-index search.
 * Blind indexes collide by design, so candidates are decrypted and compared on normalized values; pages
 * are filled from further candidates until `limit` true matches are found or the candidates run out.
 */
@Injectable()
export class CaseSearchService {
  constructor(
    private readonly tx: CaseTransaction,
    private readonly reader: CaseReader,
    private readonly crypto: CaseCryptoService,
    private readonly audit: AuditService,
  ) {}

  list(ctx: RequestContext, query: ListCasesQueryDto): Promise<CasePage> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const sort: CaseSort = query.sort ?? 'createdAt';
    const { column } = SORT_SQL[sort];
    let after = query.cursor === undefined ? null : decodeCursor(query.cursor, isCursor);
    if (after !== null && (after[2] ?? 'createdAt') !== sort) {
      throw validationFailed('Validation failed: cursor belongs to another sort order');
    }
    const searched = (Object.keys(BLIND_INDEX_COLUMNS) as BlindIndexField[]).filter(
      (field) => query[field] !== undefined,
    );
    const tests = searched.map((field) => this.crypto.matcher(field, query[field] as string));
    return this.tx.run(ctx, 'case.list', null, async (em, actor) => {
      const matches: CaseView[] = [];
      const cursors: Cursor[] = [];
      for (;;) {
        const batch = await this.candidates(em, actor, query, sort, after, limit + 1);
        for (const row of batch) {
          const opened = this.reader.open(actor, row);
          const real = opened !== null ? tests.every((test) => test(opened.subject)) : tests.length === 0;
          if (real) {
            matches.push(this.reader.view(actor, row, opened));
            cursors.push([(row[column] as Date).toISOString(), row.id, sort]);
          }
        }
        if (matches.length > limit || batch.length <= limit) break;
        const last = batch[batch.length - 1];
        after = [(last[column] as Date).toISOString(), last.id, sort];
      }
      const items = matches.slice(0, limit);
      const nextCursor = matches.length > limit ? encodeCursor(cursors[limit - 1]) : null;
      await this.audit.record(em, ctx, {
        action: 'case.list',
        outcome: 'allowed',
        resourceType: 'case',
        resourceIds: cursors.slice(0, limit).map(([, id]) => id),
        details: {
          filters: FILTER_NAMES.filter((name) => query[name] !== undefined),
          count: items.length,
          limit,
        },
      });
      return { items, nextCursor };
    });
  }

  private candidates(
    em: EntityManager,
    actor: AuthenticatedPrincipal,
    query: ListCasesQueryDto,
    sort: CaseSort,
    after: Cursor | null,
    take: number,
  ): Promise<CaseRow[]> {
    const columns = [...new Set([...columnsFor(actor.role), 'createdAt' as const, 'updatedAt' as const])];
    const conditions: { sql: string; params: unknown[] }[] = [];
    for (const field of Object.keys(BLIND_INDEX_COLUMNS) as BlindIndexField[]) {
      const value = query[field];
      if (value !== undefined) {
        conditions.push({
          sql: `c.${BLIND_INDEX_COLUMNS[field]} = ?::int`,
          params: [this.crypto.blindIndex(field, value)],
        });
      }
    }
    if (query.pseudonym !== undefined) conditions.push({ sql: 'c.pseudonym = ?', params: [query.pseudonym] });
    if (query.updatedSince !== undefined) {
      conditions.push({ sql: 'c.updated_at >= ?::timestamptz', params: [toTimestamp(query.updatedSince)] });
    }
    const order = SORT_SQL[sort];
    if (after !== null) {
      conditions.push({
        sql: `(${order.sql}, c.id) ${order.desc ? '<' : '>'} (?::timestamptz, ?::uuid)`,
        params: [toTimestamp(after[0]), after[1]],
      });
    }
    const direction = order.desc ? 'DESC' : 'ASC';
    return scopedCases(em, actor).page(
      columns,
      conditions,
      `${order.sql} ${direction}, c.id ${direction}`,
      take,
    );
  }
}
