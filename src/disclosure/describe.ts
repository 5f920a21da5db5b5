/**
 * The `disclosureControl` field of an aggregate answer: what was applied, citable in a methods section.
 */
import type { GroupingCost } from './zcdp.js';
import { unlistedStatement } from './listing.js';

export interface DisclosureDescriptionInput {
  k: number;
  /** Standard deviation of the discrete Gaussian noise of every released count. */
  sigma: number;
  /** Smallest h with Pr[|noise| ≤ h] ≥ 0.95. */
  halfWidth95: number;
  /** ρ (zCDP) this answer cost the researcher: 0 for an identical repeat. */
  rhoCharged: number;
  /** ρ of the release itself (what it cost when first computed). */
  rhoOfRelease: number;
  groupings: readonly GroupingCost[];
  /** How many listed counts complementary suppression withheld. */
  complementarySuppressed: number;
  budget: { total: number; remaining: number; periodEnd: string };
  dataVersion: string;
  countedAt: string;
}

export const REFERENCES = [
  'Canonne, C., Kamath, G. & Steinke, T. (2020). The Discrete Gaussian for Differential Privacy. NeurIPS.',
  'Bun, M. & Steinke, T. (2016). Concentrated Differential Privacy: Simplifications, Extensions, and Lower Bounds. TCC.',
  'Hundepool, A. et al. (2012). Statistical Disclosure Control. Wiley (tabular data: primary and secondary suppression).',
  'Denning, D., Denning, P. & Schwartz, M. (1979). The tracker: a threat to statistical database security. ACM TODS.',
] as const;

/**
 * Describes the disclosure control of one answer. Guarantee: names k, the methods and their parameters,
 * the budget, the population and data version; contains no count of the data and nothing that tells a
 * small (primary-suppressed) count from a zero — only how many listed counts were withheld to protect others.
 */
export function describeDisclosureControl(input: DisclosureDescriptionInput): Record<string, unknown> {
  const { k, sigma, halfWidth95, rhoCharged, rhoOfRelease, budget } = input;
  return {
    k,
    methods: [
      'threshold suppression (counts below k)',
      'complementary suppression',
      'discrete Gaussian noise (zCDP)',
    ],
    listing: unlistedStatement(k),
    complementarySuppressed: input.complementarySuppressed,
    noise: {
      mechanism: 'discrete Gaussian (Canonne, Kamath & Steinke 2020), sampled exactly',
      accounting: 'zero-concentrated differential privacy (rho-zCDP, Bun & Steinke 2016)',
      sigma,
      halfWidth95,
      rhoCharged,
      rhoOfRelease,
      groupings: input.groupings.map((g) => ({
        grouping: g.grouping,
        sensitivitySquared: g.sensitivitySquared,
      })),
    },
    budget,
    additivity:
      'Cells, margins and the total carry independent noise of their own; cells need not add up to margins or totals.',
    population: 'cases with consent to research use that are not erased',
    dataVersion: input.dataVersion,
    countedAt: input.countedAt,
    references: REFERENCES,
    statement:
      `Counts are of cases with consent to research use that are not erased, as counted at ${input.countedAt} ` +
      `(data version ${input.dataVersion}). Counts below k = ${k} were not released and are not listed ` +
      `(${unlistedStatement(k).toLowerCase().replace(/\.$/, '')}); complementary suppression withheld further ` +
      `counts so that no withheld count can be derived from the same answer. Every released count carries ` +
      `independent discrete Gaussian noise (Canonne, Kamath & Steinke 2020) with standard deviation ${sigma} ` +
      `(95% of released counts within ±${halfWidth95} of the true count); a noisy count below k is shown as k ` +
      `(so no listed count is below k, and what is listed depends on the true counts alone). Privacy loss is accounted in zero-concentrated differential privacy (Bun & Steinke 2016): ` +
      `this release has rho = ${rhoOfRelease}, of which ${rhoCharged} was charged to this researcher's budget ` +
      `of ${budget.total} for the period ending ${budget.periodEnd} (${budget.remaining} remaining).`,
  };
}
