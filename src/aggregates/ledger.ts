import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { decideCharge, nanoOf, rhoOf, type BudgetState } from '../disclosure/index.js';

export interface Budgets {
  researcher: BudgetState & { periodEnd: string };
  /** null when the release is not new (it was already counted against the global cap). */
  global: (BudgetState & { periodEnd: string }) | null;
}

/**
 * The privacy-loss ledger. There is no mutable balance: every charge is the `charged` detail of an
 * allowed `aggregate.query` audit event (and `globalCharged` for a new release), inside the keyed hash
 * chain, so the ledger cannot be edited or reset without breaking `GET /v1/audit/verify`. A researcher's
 * spending in a period is the sum of their charges whose `periodEnd` is that period (the period ends with
 * `approvedUntil`; a new approval date opens a new period). The global spending is the sum of
 * `globalCharged` in the calendar year (UTC).
 *
 * Concurrency: a charge is decided while holding the row lock of the researcher's `research_ledger` row
 * (and of the global row for a new release), taken in that order, and held until the transaction that
 * appends the audit event commits; two parallel queries cannot both spend the last budget.
 *
 * Raw SQL on `users` (the override) and `audit_events` (the charges): both are read-only here, and the
 * ledger is by design a view over the audit chain rather than an entity of its own.
 */
@Injectable()
export class BudgetLedger {
  constructor(private readonly config: AppConfig) {}

  /** The researcher's budget (override or default) and what they have spent in the current period. */
  async researcher(em: EntityManager, userId: string, periodEnd: string): Promise<Budgets['researcher']> {
    const [user] = (await em.query(`SELECT research_budget_rho::text AS rho FROM users WHERE id = $1`, [
      userId,
    ])) as { rho: string | null }[];
    const totalNano = nanoOf(
      user?.rho != null ? Number(user.rho) : this.config.env.AGGREGATE_RESEARCHER_BUDGET_RHO,
    );
    const [row] = (await em.query(
      `SELECT coalesce(round(sum((details->>'charged')::numeric) * 1000000000), 0)::bigint::text AS spent
         FROM audit_events
        WHERE actor_id = $1 AND action = 'aggregate.query' AND outcome = 'allowed' AND details->>'periodEnd' = $2`,
      [userId, periodEnd],
    )) as { spent: string }[];
    return { spentNano: Number(row.spent), totalNano, periodEnd };
  }

  /** The global cap and what all researchers have spent on new releases this calendar year. */
  async global(em: EntityManager, now: Date): Promise<NonNullable<Budgets['global']>> {
    const periodEnd = globalPeriodEnd(now);
    const [row] = (await em.query(
      `SELECT coalesce(round(sum((details->>'globalCharged')::numeric) * 1000000000), 0)::bigint::text AS spent
         FROM audit_events
        WHERE action = 'aggregate.query' AND outcome = 'allowed' AND details->>'globalPeriodEnd' = $1`,
      [periodEnd],
    )) as { spent: string }[];
    return {
      spentNano: Number(row.spent),
      totalNano: nanoOf(this.config.env.AGGREGATE_GLOBAL_BUDGET_RHO),
      periodEnd,
    };
  }

  /** Locks the ledger row of a scope and period until commit (creating it on first use). */
  async lock(em: EntityManager, scope: string, periodEnd: string): Promise<void> {
    await em.query(
      `INSERT INTO research_ledger (scope, period_end) VALUES ($1, $2) ON CONFLICT (scope, period_end) DO NOTHING`,
      [scope, periodEnd],
    );
    await em.query(`SELECT 1 FROM research_ledger WHERE scope = $1 AND period_end = $2 FOR UPDATE`, [
      scope,
      periodEnd,
    ]);
  }

  /**
   * Locks the researcher's row (and the global row when `fresh`), reads both budgets after the lock, and
   * decides the charge. The caller appends the audit event carrying the charge before committing.
   */
  async decide(
    em: EntityManager,
    userId: string,
    periodEnd: string,
    costNano: number,
    fresh: boolean,
    now: Date,
  ) {
    await this.lock(em, `user:${userId}`, periodEnd);
    const researcher = await this.researcher(em, userId, periodEnd);
    let global: Budgets['global'] = null;
    if (fresh && costNano > 0) {
      await this.lock(em, 'global', globalPeriodEnd(now));
      global = await this.global(em, now);
    }
    return { researcher, global, decision: decideCharge(costNano, researcher, global) };
  }
}

/** The global cap's period: the calendar year (UTC). */
export const globalPeriodEnd = (now: Date): string => `${now.getUTCFullYear()}-12-31`;

export const remainingRho = (b: BudgetState): number => rhoOf(Math.max(0, b.totalNano - b.spentNano));
