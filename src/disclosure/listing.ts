/**
 * The listing rule of an answer (API.md, Aggregates): which protected counts appear, and how.
 *
 * - A count whose TRUE count is below k — zero included — is not listed at all (primary suppression and
 *   zero look the same: absent).
 * - A count of k or more withheld by complementary suppression is listed as {count: null, suppressed: true}.
 * - A released count gets its noise, and a noisy count below k is shown as k: no listed number is below k,
 *   and what is listed stays decided by the true counts alone (DISCLOSURE.md: suppression decides what is
 *   listed, the noise protects what is released), so everything unlisted has fewer than k cases. The floor is
 *   post-processing of the noisy count (no privacy cost) and biases only counts near k, upwards. (Until
 *   2026-12-03 such counts were left out instead: a count of k or more could be unlisted, a total missing, and
 *   the answer's "unlisted combinations have fewer than k cases" was then untrue.)
 * Nothing else about unlisted counts is returned: not how many, not why.
 */
import type { ProtectedCount } from './types.js';

export type Listed = { count: number; suppressed: false } | { count: null; suppressed: true };

/**
 * One count after the listing rule, or null when it is not listed.
 * `trueCount` is the count from the data; `decision` protect-table's decision on the true counts;
 * `noise()` is drawn only for a count that is released (so unlisted counts consume no noise).
 */
export function listCount(
  trueCount: number,
  decision: ProtectedCount,
  k: number,
  noise: () => number,
): Listed | null {
  if (!Number.isSafeInteger(k) || k < 1) throw new RangeError('k must be an integer >= 1');
  if (trueCount < k) return null;
  if (decision.suppressed) {
    // Primary suppression is exactly "true count below k", handled above; anything else withheld is listed.
    return { count: null, suppressed: true };
  }
  return { count: Math.max(k, trueCount + noise()), suppressed: false };
}

/** The sentence every answer carries about what is not listed. */
export const unlistedStatement = (k: number): string =>
  `Unlisted combinations have fewer than ${k} cases, possibly none.`;
