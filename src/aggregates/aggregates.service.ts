import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { AuditDetails } from '../audit/audit-actions.js';
import { ConcurrencyLimit, ConcurrencyLimitBusy } from '../common/concurrency-limit.js';
import { DomainError, failureReasonOf, validationFailed } from '../common/errors.js';
import type { RequestContext } from '../common/request-context.js';
import { validateBody } from '../common/validation.js';
import { AppConfig } from '../config/app-config.js';
import { newUuid } from '../crypto/index.js';
import {
  answerRhoNano,
  closeProtectionPool,
  describeDisclosureControl,
  DisclosureInputError,
  DisclosureRefusal,
  groupingCosts,
  halfWidth95,
  protectTableAsync,
  rhoOf,
  type AccountedDimension,
  type BudgetState,
  type ProtectedTable,
  type TableInput,
} from '../disclosure/index.js';
import { buildAggregateSql, dataVersionMarkerSql, type AggregateRow } from './aggregate-sql.js';
import { canonicalQuery, filtersOf, type CanonicalQuery } from './canonical-query.js';
import { maxValuesPerCase } from './dimensions.js';
import { domainsFor } from './domains.js';
import { AggregateQueryDto, type AggregateFiltersDto } from './dto/aggregate-query.dto.js';
import { BudgetLedger, remainingRho, type Budgets } from './ledger.js';
import { buildRelease, tableInputOf, type Release } from './release.js';
import { checkCsvRows } from './release-csv.js';

/** Above this many non-empty cells a query is refused as too detailed (add filters or drop a dimension). */
export const MAX_CELLS = 50_000;

export interface BudgetView {
  spent: number;
  remaining: number;
  total: number;
  periodEnd: string;
}

export interface AggregateAnswer extends Omit<Release, 'complementarySuppressed'> {
  disclosureControl: Record<string, unknown>;
  budget: { charged: number; remaining: number; total: number; periodEnd: string };
  queryId: string;
}

/** A stored release: the listed counts and how they were made. */
interface StoredAnswer {
  id: string;
  dataVersion: string;
  rhoNano: number;
  countedAt: string;
  release: Release;
}

interface StoredRow {
  id: string;
  data_version: string;
  rho_nano: string;
  counted_at: Date;
  answer: Release;
}

const toStored = (row: StoredRow): StoredAnswer => ({
  id: row.id,
  dataVersion: row.data_version,
  rhoNano: Number(row.rho_nano),
  countedAt: row.counted_at.toISOString(),
  release: row.answer,
});

/**
 * POST /v1/aggregates/query and GET /v1/aggregates/budget: counts of consenting, non-erased cases, protected
 * by primary and complementary suppression on the true counts, then discrete Gaussian noise whose privacy
 * loss (zCDP) is charged to the researcher's budget (docs/DISCLOSURE.md).
 *
 * Consistency: the noise is a keyed PRF of (canonical query, data version); the first answer for that pair
 * is stored, and everyone who asks the same canonical query at the same data version gets that stored
 * answer. Asking again what one has already received is free; receiving a stored answer first asked by
 * someone else costs the researcher's budget (not the global cap: nothing new is released).
 *
 * The data version is the UTC day of counting and the latest case change (dataVersionMarkerSql). A missed
 * change (a transaction that commits after a later one) only delays freshness: a stored answer is never
 * recomputed, so no noise is ever reused on other data.
 *
 * Every query, answered or refused, is audited with its parameters and its charge.
 */
@Injectable()
export class AggregatesService implements OnApplicationShutdown {
  /** Fresh answers computed at once (AGGREGATE_CONCURRENCY); the rest wait in line, briefly. */
  private readonly answering: ConcurrencyLimit;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly ledger: BudgetLedger,
  ) {
    this.answering = new ConcurrencyLimit({
      name: 'aggregate answers',
      concurrency: config.env.AGGREGATE_CONCURRENCY,
      maxQueue: ANSWER_QUEUE,
      maxWaitMs: ANSWER_WAIT_MS,
    });
  }

  /** The protection workers go with the application (shutdown, tests): none is left running. */
  async onApplicationShutdown(): Promise<void> {
    await closeProtectionPool();
  }

  async budget(ctx: RequestContext): Promise<BudgetView> {
    const actor = ctx.actor!;
    return this.dataSource.transaction(async (em) => {
      const b = await this.ledger.researcher(em, actor.id, periodOf(ctx));
      const view = budgetView(b);
      await this.audit.record(em, ctx, {
        action: 'aggregate.budget',
        outcome: 'allowed',
        details: {
          spent: view.spent,
          remaining: view.remaining,
          budgetTotal: view.total,
          periodEnd: view.periodEnd,
        },
      });
      return view;
    });
  }

  /** `csv`: the answer is wanted as CSV, whose size over the full grid is checked before anything is counted. */
  async query(ctx: RequestContext, body: unknown, options: { csv?: boolean } = {}): Promise<AggregateAnswer> {
    const requestId = newUuid();
    let input: AggregateQueryDto | undefined;
    let canonical: CanonicalQuery | undefined;
    try {
      input = await validateBody(AggregateQueryDto, body);
      canonical = canonicalQuery(input, this.config.env.AGGREGATE_DEFAULT_SIGMA);
      const query = canonical;
      domainsFor(query.dimensions, filtersOf(query)); // refuses two dimensions of one attribute family (400)
      if (options.csv) checkCsvRows(query.dimensions, query.filters);
      const checked = input;
      return await this.answering
        .run(() => this.answer(ctx, query, checked))
        .catch((error: unknown) => {
          throw error instanceof ConcurrencyLimitBusy ? answersBusy() : error;
        });
    } catch (error) {
      if (error instanceof DomainError && error.code === 'VALIDATION_FAILED') {
        await this.audit.recordAlone(ctx, {
          action: 'aggregate.query',
          outcome: 'failed',
          resourceType: 'aggregate',
          resourceId: requestId,
          details: { reason: 'invalid_query', ...(input ? parameters(input) : {}) },
        });
      }
      if (
        error instanceof DomainError &&
        (error.code === 'AGGREGATE_NOT_PROTECTABLE' || error.code === 'AGGREGATE_TOO_COMPLEX') &&
        input &&
        canonical
      ) {
        await this.audit.recordAlone(ctx, {
          action: 'aggregate.query',
          outcome: 'failed',
          resourceType: 'aggregate',
          resourceId: requestId,
          details: {
            reason: failureReasonOf(error.code) ?? 'not_protectable',
            ...parameters(input),
            sigma: canonical.sigma,
            charged: 0,
          },
        });
      }
      if (error instanceof BudgetRefusal && input && canonical) {
        await this.audit.recordAlone(ctx, {
          action: 'aggregate.query',
          outcome: 'denied',
          resourceType: 'aggregate',
          resourceId: requestId,
          details: {
            reason: 'budget_exhausted',
            ...parameters(input),
            sigma: canonical.sigma,
            charged: 0,
            budget: error.exhausted,
            needed: rhoOf(error.costNano),
            remaining: remainingRho(error.state),
            periodEnd: error.state.periodEnd,
          },
        });
        throw error.toDomainError();
      }
      throw error;
    }
  }

  private async answer(
    ctx: RequestContext,
    query: CanonicalQuery,
    input: AggregateQueryDto,
  ): Promise<AggregateAnswer> {
    const actor = ctx.actor!;
    const periodEnd = periodOf(ctx);
    const accounted: AccountedDimension[] = query.dimensions.map((d) => ({
      name: d,
      maxValuesPerCase: maxValuesPerCase(d),
    }));
    const costNano = answerRhoNano(accounted, query.sigma);
    const now = new Date();

    return this.dataSource.transaction(async (em) => {
      // 1. The stored answer of this canonical query at the current data version, if any.
      const [{ marker }] = (await em.query(`SELECT (${dataVersionMarkerSql}) AS marker`)) as {
        marker: string;
      }[];
      let stored = await this.findStored(em, query.hash, versionOf(now, marker));
      if (stored && (await this.received(em, actor.id, stored.id))) {
        return this.deliver(
          em,
          ctx,
          input,
          query,
          stored,
          { chargedNano: 0, repeat: true, fresh: false },
          periodEnd,
          now,
        );
      }
      // 2. Cheap refusal before any counting when the researcher's budget cannot pay.
      const before = await this.ledger.researcher(em, actor.id, periodEnd);
      if (before.spentNano + costNano > before.totalNano)
        throw new BudgetRefusal('researcher', costNano, before);

      let fresh = false;
      if (!stored) {
        // 3. Count (one scan, marker read in the same snapshot), protect, add noise, store.
        // One statement, its result bounded to MAX_CELLS + 1 cells (a larger answer is refused from it).
        const { sql, params } = buildAggregateSql(query.dimensions, filtersOf(query), {
          maxCells: MAX_CELLS,
        });
        const rows = (await em.query(sql, params)) as (AggregateRow & { marker: string })[];
        if (rows.filter((r) => r.part === 'cells').length > MAX_CELLS) throw tooManyCells();
        const dataVersion = versionOf(now, rows[0]?.marker ?? marker);
        stored = await this.findStored(em, query.hash, dataVersion);
        if (!stored) {
          const k = this.config.env.K_ANONYMITY_THRESHOLD;
          const table = tableInputOf(query.dimensions, rows, domainsFor(query.dimensions, filtersOf(query)));
          const release = buildRelease({
            input: table,
            table: await protect(table, k),
            k,
            sigma: query.sigma,
            noiseKey: this.config.keys.noisePrfKey,
            noiseLabel: `${query.text}|${dataVersion}`,
          });
          stored = await this.store(em, query.hash, dataVersion, costNano, now, release, actor.id);
          fresh = stored.release === release;
        }
        if (stored && (await this.received(em, actor.id, stored.id))) {
          return this.deliver(
            em,
            ctx,
            input,
            query,
            stored,
            { chargedNano: 0, repeat: true, fresh: false },
            periodEnd,
            now,
          );
        }
      }
      return this.deliver(
        em,
        ctx,
        input,
        query,
        stored,
        { chargedNano: stored.rhoNano, repeat: false, fresh },
        periodEnd,
        now,
      );
    });
  }

  /** Charges (under the ledger locks), records the receipt and the audit event, and shapes the answer. */
  private async deliver(
    em: EntityManager,
    ctx: RequestContext,
    input: AggregateQueryDto,
    query: CanonicalQuery,
    stored: StoredAnswer,
    charge: { chargedNano: number; repeat: boolean; fresh: boolean },
    periodEnd: string,
    now: Date,
  ): Promise<AggregateAnswer> {
    const actor = ctx.actor!;
    const { researcher, global, decision } = await this.ledger.decide(
      em,
      actor.id,
      periodEnd,
      charge.chargedNano,
      charge.fresh,
      now,
    );
    if (!decision.allowed) {
      throw new BudgetRefusal(
        decision.exhausted,
        charge.chargedNano,
        decision.exhausted === 'global' && global ? global : researcher,
      );
    }
    if (!charge.repeat) {
      await em.query(
        `INSERT INTO aggregate_receipts (user_id, answer_id, charged_nano) VALUES ($1, $2, $3)`,
        [actor.id, stored.id, charge.chargedNano],
      );
    }
    const after: Budgets['researcher'] = decision.researcher as Budgets['researcher'];
    const view = budgetView({ ...after, periodEnd });
    const details: AuditDetails = {
      ...parameters(input),
      sigma: query.sigma,
      answerId: stored.id,
      dataVersion: stored.dataVersion,
      repeat: charge.repeat,
      complementarySuppressed: stored.release.complementarySuppressed,
      charged: rhoOf(charge.chargedNano),
      spent: view.spent,
      remaining: view.remaining,
      budgetTotal: view.total,
      periodEnd,
      globalCharged: global && decision.global ? rhoOf(charge.chargedNano) : 0,
      globalPeriodEnd: global ? global.periodEnd : null,
    };
    await this.audit.record(em, ctx, {
      action: 'aggregate.query',
      outcome: 'allowed',
      resourceType: 'aggregate',
      resourceId: stored.id,
      details,
    });
    return this.shape(stored, query, charge.chargedNano, view);
  }

  private shape(
    stored: StoredAnswer,
    query: CanonicalQuery,
    chargedNano: number,
    view: BudgetView,
  ): AggregateAnswer {
    const { complementarySuppressed, ...release } = stored.release;
    const accounted = query.dimensions.map((d) => ({ name: d, maxValuesPerCase: maxValuesPerCase(d) }));
    return {
      ...release,
      disclosureControl: describeDisclosureControl({
        k: release.k,
        sigma: query.sigma,
        halfWidth95: halfWidth95(query.sigma),
        rhoCharged: rhoOf(chargedNano),
        rhoOfRelease: rhoOf(stored.rhoNano),
        groupings: groupingCosts(accounted),
        complementarySuppressed,
        budget: { total: view.total, remaining: view.remaining, periodEnd: view.periodEnd },
        dataVersion: stored.dataVersion,
        countedAt: stored.countedAt,
      }),
      budget: {
        charged: rhoOf(chargedNano),
        remaining: view.remaining,
        total: view.total,
        periodEnd: view.periodEnd,
      },
      queryId: stored.id,
    };
  }

  private async findStored(
    em: EntityManager,
    hash: string,
    dataVersion: string,
  ): Promise<StoredAnswer | null> {
    const [row] = (await em.query(
      `SELECT id, data_version, rho_nano::text, counted_at, answer FROM aggregate_answers
        WHERE query_hash = $1 AND data_version = $2`,
      [hash, dataVersion],
    )) as StoredRow[];
    return row ? toStored(row) : null;
  }

  private async received(em: EntityManager, userId: string, answerId: string): Promise<boolean> {
    const rows = (await em.query(`SELECT 1 FROM aggregate_receipts WHERE user_id = $1 AND answer_id = $2`, [
      userId,
      answerId,
    ])) as unknown[];
    return rows.length > 0;
  }

  /** Stores a release; if another request stored one for the same key first, that one is the answer. */
  private async store(
    em: EntityManager,
    hash: string,
    dataVersion: string,
    rhoNano: number,
    now: Date,
    release: Release,
    userId: string,
  ): Promise<StoredAnswer> {
    const id = newUuid();
    const inserted = (await em.query(
      `INSERT INTO aggregate_answers (id, query_hash, data_version, rho_nano, answer, counted_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (query_hash, data_version) DO NOTHING RETURNING id`,
      [id, hash, dataVersion, rhoNano, JSON.stringify(release), now, userId],
    )) as unknown[];
    if (inserted.length === 1) return { id, dataVersion, rhoNano, countedAt: now.toISOString(), release };
    return (await this.findStored(em, hash, dataVersion)) as StoredAnswer;
  }
}

/** Thrown inside the transaction (so nothing is stored or charged), audited and mapped to 403 outside. */
class BudgetRefusal extends Error {
  constructor(
    readonly exhausted: 'researcher' | 'global',
    readonly costNano: number,
    readonly state: BudgetState & { periodEnd: string },
  ) {
    super('budget exhausted');
  }

  toDomainError(): DomainError {
    const which =
      this.exhausted === 'researcher'
        ? `your research privacy budget (rho = ${rhoOf(this.state.totalNano)} for the approval period ending ${this.state.periodEnd})`
        : `the global privacy budget shared by all researchers (rho = ${rhoOf(this.state.totalNano)} for the year ending ${this.state.periodEnd})`;
    return new DomainError(
      'BUDGET_EXHAUSTED',
      `This query needs rho = ${rhoOf(this.costNano)}, more than is left of ${which}: ` +
        `${remainingRho(this.state)} remaining. Ask with a larger sigma (accuracy), fewer dimensions, or ask an admin.`,
    );
  }
}

/**
 * The exact protection (disclosure/protectTable) in the worker pool, with its time budget; a refusal becomes the
 * contract's 422 saying to narrow the query (audited as a failure by query()).
 */
async function protect(input: TableInput, k: number): Promise<ProtectedTable> {
  try {
    return await protectTableAsync(input, { k });
  } catch (error) {
    if (error instanceof DisclosureInputError) {
      // Counts the module cannot reason about (a bug, not the researcher's input): fail closed, say so in the
      // log (the message names shapes and dimensions, never values of cases).
      aggregatesLogger.error(`disclosure input refused: ${error.message}`);
      throw new DomainError(
        'AGGREGATE_NOT_PROTECTABLE',
        'This answer cannot be protected: use fewer dimensions or other filters',
      );
    }
    if (!(error instanceof DisclosureRefusal)) throw error;
    if (error.reason === 'time-budget') {
      throw new DomainError(
        'AGGREGATE_TOO_COMPLEX',
        'The protection of this answer ran over its time budget: add filters or use fewer dimensions',
      );
    }
    throw new DomainError(
      'AGGREGATE_NOT_PROTECTABLE',
      error.reason === 'multiple-multi-valued'
        ? 'At most one multi-valued dimension per query can be protected exactly: drop one of them'
        : 'No suppression pattern keeps every withheld count of this answer undetermined: ' +
            'add filters, group countries into regions or use fewer dimensions',
    );
  }
}

const aggregatesLogger = new Logger('aggregates');

/** Queries waiting for a turn at most, and how long each waits at most (then 503 with Retry-After). */
const ANSWER_QUEUE = 64;
const ANSWER_WAIT_MS = 20_000;
const RETRY_AFTER_SECONDS = 5;

const answersBusy = () =>
  new DomainError('SERVICE_BUSY', 'The service is busy computing other answers: retry later', {
    'Retry-After': String(RETRY_AFTER_SECONDS),
  });

const tooManyCells = () =>
  validationFailed(
    `Validation failed: the query has more than ${MAX_CELLS} cells; add filters or use fewer dimensions`,
  );

/** The researcher's approval period ends with approvedUntil (a new date opens a new period and budget). */
const periodOf = (ctx: RequestContext): string => ctx.actor?.approvedUntil ?? '0000-00-00';

/** The data version: the UTC day of counting and the latest case change (see dataVersionMarkerSql). */
const versionOf = (now: Date, marker: string): string => `${now.toISOString().slice(0, 10)}/${marker}`;

function budgetView(b: BudgetState & { periodEnd: string }): BudgetView {
  return {
    spent: rhoOf(b.spentNano),
    remaining: remainingRho(b),
    total: rhoOf(b.totalNano),
    periodEnd: b.periodEnd,
  };
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
