/**
 * The listing rule of an answer (API.md, Aggregates): which protected counts appear, and how.
 *
 * - A count whose TRUE count is below k — zero included — is not listed at all (primary suppression and
 *   zero look the same: absent).
 * - A count of k or more withheld by complementary suppression is listed as {count: null, suppressed: true}.
 * - A released count gets its noise; if the noisy count is below k it is not listed either, so no listed
 *   number is below k.
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
  const noisy = trueCount + noise();
  return noisy >= k ? { count: noisy, suppressed: false } : null;
}

/** The sentence every answer carries about what is not listed. */
export const unlistedStatement = (k: number): string =>
  `Unlisted combinations have fewer than ${k} cases, possibly none.`;
