/**
 * Privacy-loss accounting in zero-concentrated differential privacy (ρ-zCDP; Bun & Steinke 2016).
 *
 * Releasing a vector of counts f(D) + Z, with Z independent N_Z(0, σ²) per count, is ρ-zCDP with
 * ρ = Δ₂²/(2σ²), where Δ₂ is the L2 sensitivity of f (Canonne, Kamath & Steinke 2020, Theorem 14 —
 * the discrete Gaussian has the same zCDP guarantee as the continuous one). ρ adds up under composition.
 *
 * One answer releases, with one σ, up to four kinds of groupings: the cells (≥ 1 dimension), one margin
 * per dimension (≥ 2 dimensions) and the total. Adding or removing one case changes, in a grouping over
 * the dimensions G, at most Π_{d ∈ G} L_d counts by exactly 1 each, where L_d = 1 for a single-valued
 * dimension and, for a multi-valued one, the number of values one case can hold (its code list: nothing
 * is clipped, so the counts are exactly those of the contract). So Δ_g² = Π_{d ∈ G} L_d and
 *     ρ(answer) = Σ_g Δ_g² / (2σ²).
 *
 * Amounts of ρ are kept as integers of 10⁻⁹ ρ ("nano-ρ"); a charge is rounded UP, so the ledger never
 * records less than the loss.
 */

import { sigmaSquared } from './discrete-gaussian.js';

export const NANO = 1_000_000_000;

/** One dimension of a query as the accounting sees it: how many values one case can count under. */
export interface AccountedDimension {
  name: string;
  /** 1 for a single-valued dimension; the most values one case can hold for a multi-valued one. */
  maxValuesPerCase: number;
}

export interface GroupingCost {
  /** 'cells', 'margin:<dimension>' or 'total'. */
  grouping: string;
  /** Δ_g²: the most counts of this grouping that one case changes (each by 1). */
  sensitivitySquared: number;
}

/** The groupings an answer releases and the squared L2 sensitivity of each. */
export function groupingCosts(dimensions: readonly AccountedDimension[]): GroupingCost[] {
  for (const d of dimensions) {
    if (!Number.isSafeInteger(d.maxValuesPerCase) || d.maxValuesPerCase < 1) {
      throw new RangeError(`maxValuesPerCase of ${d.name} must be an integer >= 1`);
    }
  }
  const costs: GroupingCost[] = [];
  if (dimensions.length > 0) {
    costs.push({
      grouping: 'cells',
      sensitivitySquared: dimensions.reduce((acc, d) => acc * d.maxValuesPerCase, 1),
    });
  }
  if (dimensions.length >= 2) {
    for (const d of dimensions) {
      costs.push({ grouping: `margin:${d.name}`, sensitivitySquared: d.maxValuesPerCase });
    }
  }
  costs.push({ grouping: 'total', sensitivitySquared: 1 });
  return costs;
}

/** ρ of releasing groupings with noise N_Z(0, σ²) on every count, in nano-ρ rounded up. */
export function answerRhoNano(dimensions: readonly AccountedDimension[], sigma: number): number {
  const s2 = sigmaSquared(sigma);
  const sensitivity = BigInt(groupingCosts(dimensions).reduce((acc, g) => acc + g.sensitivitySquared, 0));
  // ρ·10⁹ = S·10⁹ / (2σ²) = S·10⁹·d / (2n) for σ² = n/d, rounded up exactly in integers.
  const numerator = sensitivity * BigInt(NANO) * s2.d;
  const denominator = 2n * s2.n;
  return Number((numerator + denominator - 1n) / denominator);
}

/** The σ that makes an answer cost exactly `rhoNano` (rounding aside): σ = sqrt(S / (2ρ)). */
export function sigmaForRho(dimensions: readonly AccountedDimension[], rhoNano: number): number {
  const sensitivity = groupingCosts(dimensions).reduce((acc, g) => acc + g.sensitivitySquared, 0);
  return Math.sqrt(sensitivity / (2 * (rhoNano / NANO)));
}

export interface BudgetState {
  /** nano-ρ spent in the current period. */
  spentNano: number;
  /** nano-ρ available in the period. */
  totalNano: number;
}

export type ChargeDecision =
  | { allowed: true; researcher: BudgetState; global: BudgetState | null }
  | { allowed: false; exhausted: 'researcher' | 'global' };

/**
 * Whether a charge of `costNano` fits both the researcher's budget and (when one is configured and the
 * release is new) the global cap across researchers; if it does, the states after the charge.
 * Guarantee: an allowed charge never takes `spentNano` above `totalNano` of either budget.
 */
export function decideCharge(
  costNano: number,
  researcher: BudgetState,
  global: BudgetState | null,
): ChargeDecision {
  if (!Number.isSafeInteger(costNano) || costNano < 0)
    throw new RangeError('cost must be a non-negative integer');
  if (researcher.spentNano + costNano > researcher.totalNano)
    return { allowed: false, exhausted: 'researcher' };
  if (global && global.spentNano + costNano > global.totalNano)
    return { allowed: false, exhausted: 'global' };
  return {
    allowed: true,
    researcher: { ...researcher, spentNano: researcher.spentNano + costNano },
    global: global && { ...global, spentNano: global.spentNano + costNano },
  };
}

/** nano-ρ as a decimal number of ρ (exact to 9 decimals, for answers and audit details). */
export const rhoOf = (nano: number): number => Number((nano / NANO).toFixed(9));

/** A decimal ρ (at most 9 decimals) as nano-ρ. */
export const nanoOf = (rho: number): number => Math.round(rho * NANO);
