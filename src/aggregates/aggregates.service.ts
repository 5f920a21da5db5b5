import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { DomainError, failureReasonOf, validationFailed } from '../common/errors.js';
import type { RequestContext } from '../common/request-context.js';
import { validateBody } from '../common/validation.js';
import { AppConfig } from '../config/app-config.js';
import { newUuid } from '../crypto/index.js';
import {
  buildPerturbationTable,
  describeDisclosureControl,
  DisclosureRefusal,
  perturb,
  protectTable,
  type PerturbationTable,
  type ProtectedCount,
  type RawCount,
  type TableInput,
} from '../disclosure/index.js';
import { NOT_SPECIFIED } from '../ctdc/index.js';
import { domainsFor } from './domains.js';
import { buildAggregateSql, parseValue, partName, type AggregateRow } from './aggregate-sql.js';
import { isMultiValued, type Dimension } from './dimensions.js';
import { AggregateQueryDto, type AggregateFiltersDto } from './dto/aggregate-query.dto.js';

/** Above this many non-empty cells a query is refused as too detailed (add filters or drop a dimension). */
export const MAX_CELLS = 5000;

type Released = { count: number | null; suppressed: boolean };
type Labelled = Record<string, string | number | boolean | null>;

export interface AggregateAnswer {
  k: number;
  cells: (Labelled & Released)[];
  margins?: Record<string, (Labelled & Released)[]>;
  total: Released;
  disclosureControl: Record<string, unknown>;
  queryId: string;
}

/** Which counts were suppressed and why (primary: 1..k-1; complementary: protects another suppressed count). */
const reasonOf = (count: ProtectedCount, where: Labelled): Labelled[] =>
  count.suppressed ? [{ ...where, reason: count.status === 'suppressed' ? 'complementary' : 'primary' }] : [];

/**
 * POST /v1/aggregates/query: counts of consenting, non-erased cases, protected by disclosure/ (primary and
 * complementary suppression, cell-key perturbation). Every query, answered or refused, is audited with its
 * parameters (dimension names and filter codes: never anything about a single case).
 */
@Injectable()
export class AggregatesService {
  private readonly ptable: PerturbationTable;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {
    this.ptable = buildPerturbationTable({ k: config.env.K_ANONYMITY_THRESHOLD });
  }

  async query(ctx: RequestContext, body: unknown): Promise<AggregateAnswer> {
    const queryId = newUuid();
    const event = { action: 'aggregate.query', resourceType: 'aggregate', resourceId: queryId } as const;
    let input: AggregateQueryDto | undefined;
    try {
      input = await validateBody(AggregateQueryDto, body);
      const query = input;
      return await this.dataSource.transaction(async (em) => {
        const { sql, params } = buildAggregateSql(query.dimensions, query.filters);
        const rows = (await em.query(sql, params)) as AggregateRow[];
        const answer = this.answer(query.dimensions, query.filters, rows, queryId);
        await this.audit.record(em, ctx, {
          ...event,
          outcome: 'allowed',
          details: {
            ...parameters(query),
            suppressedCells: answer.cells.filter((cell) => cell.suppressed).length,
          },
        });
        return answer;
      });
    } catch (error) {
      if (error instanceof DomainError && error.code === 'VALIDATION_FAILED') {
        await this.audit.recordAlone(ctx, {
          ...event,
          outcome: 'failed',
          details: { reason: 'invalid_query', ...(input ? parameters(input) : {}) },
        });
      }
      const refused = error instanceof DomainError ? failureReasonOf(error.code) : undefined;
      if (refused === 'not_protectable' || refused === 'protection_time_budget') {
        await this.audit.recordAlone(ctx, {
          ...event,
          outcome: 'failed',
          details: { reason: refused, ...(input ? parameters(input) : {}) },
        });
      }
      throw error;
    }
  }

  private answer(
    dimensions: readonly Dimension[],
    filters: AggregateFiltersDto | undefined,
    rows: AggregateRow[],
    queryId: string,
  ): AggregateAnswer {
    const k = this.config.env.K_ANONYMITY_THRESHOLD;
    const raw = (row: AggregateRow) => ({ count: row.n, keySum: Number(row.ks) });
    const cellRows = rows.filter((row) => row.part === 'cells');
    if (cellRows.length > MAX_CELLS) {
      throw validationFailed(
        `Validation failed: the query has more than ${MAX_CELLS} cells; add filters or use fewer dimensions`,
      );
    }
    const values = (row: AggregateRow, count: number) =>
      [row.v0, row.v1, row.v2].slice(0, count).map((text, i) => parseValue(dimensions[i], text as string));
    const marginRows =
      dimensions.length >= 2
        ? dimensions.map((_, d) =>
            rows.filter((row) => row.part === partName({ kind: 'margin', dimension: d })),
          )
        : [];
    const totalRow = rows.find((row) => row.part === 'total') as AggregateRow;

    const input: TableInput = {
      dimensions,
      multiValued: dimensions.map(isMultiValued),
      cells: cellRows.map((row) => ({ ...raw(row), values: values(row, dimensions.length) })),
      margins: marginRows.map((list, d) =>
        list.map((row) => ({ ...raw(row), value: parseValue(dimensions[d], row.v0 as string) })),
      ),
      total: raw(totalRow),
    };
    const table = protectOrRefuse(
      { ...input, domains: domainsFor(dimensions, filters), notSpecified: NOT_SPECIFIED },
      k,
    );
    // Until the budgeted noise replaces it: released counts get the cell-key perturbation, withheld ones are null.
    const released = (decision: ProtectedCount, raw: RawCount): Released =>
      decision.status === 'released'
        ? { count: perturb(this.ptable, raw), suppressed: false }
        : raw.count === 0
          ? { count: 0, suppressed: false }
          : { count: null, suppressed: true };

    const label = (vals: readonly (string | number | boolean)[]): Labelled =>
      Object.fromEntries(vals.map((value, i) => [dimensions[i], value]));
    const answer: AggregateAnswer = {
      k,
      cells: input.cells.map((cell, i) => ({ ...label(cell.values), ...released(table.cells[i], cell) })),
      total: released(table.total, input.total),
      disclosureControl: {
        ...describeDisclosureControl(table, { k, ptable: this.ptable }),
        suppressedCounts: [
          ...input.cells.flatMap((cell, i) =>
            reasonOf(table.cells[i], { in: 'cells', ...label(cell.values) }),
          ),
          ...input.margins.flatMap((entries, d) =>
            entries.flatMap((entry, i) =>
              reasonOf(table.margins[d][i], { in: 'margins', [dimensions[d]]: entry.value }),
            ),
          ),
          ...reasonOf(table.total, { in: 'total' }),
        ],
      },
      queryId,
    };
    if (dimensions.length >= 2) {
      answer.margins = Object.fromEntries(
        dimensions.map((dimension, d) => [
          dimension,
          input.margins[d].map((entry, i) => ({
            [dimension]: entry.value,
            ...released(table.margins[d][i], entry),
          })),
        ]),
      );
    }
    return answer;
  }
}

/** protectTable, its refusals as domain errors (422: narrow the query). */
function protectOrRefuse(input: TableInput, k: number): ReturnType<typeof protectTable> {
  try {
    return protectTable(input, { k });
  } catch (error) {
    if (error instanceof DisclosureRefusal) {
      throw new DomainError(
        error.reason === 'time-budget' ? 'AGGREGATE_TOO_COMPLEX' : 'AGGREGATE_NOT_PROTECTABLE',
        `The answer cannot be protected (${error.message}); narrow the query: add filters or use fewer dimensions`,
      );
    }
    throw error;
  }
}

/** The query's parameters for the audit log: dimension names and filters as readable strings of codes. */
function parameters(query: AggregateQueryDto): { dimensions: string[]; filters: string[] } {
  const filters = Object.entries(query.filters ?? ({} as AggregateFiltersDto))
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) =>
      Array.isArray(value)
        ? `${name} in [${value.join(',')}]`
        : `${name} ${Object.entries(value as object)
            .map(([op, year]) => `${op} ${String(year)}`)
            .join(' and ')}`,
    );
  return { dimensions: [...query.dimensions], filters };
}
