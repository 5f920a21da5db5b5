/**
 * Interval (bounds) propagation over the attacker's view — a complement to the exact rank test.
 *
 * The rank test treats unknowns as unbounded reals. An attacker also knows public bounds: every
 * suppressed count is >= 1 (zeros are never suppressed), a 'primary' one is <= k-1 and a
 * 'complementary' one is >= k (all counts 1..k-1 are primary). Those bounds can pin a value the
 * rank test calls free (e.g. two primary cells summing to 2 are both 1). Propagating each row's
 * bounds to a fixpoint finds such pins.
 *
 * Guarantee (soundness): every interval computed contains the true count, so an unknown reported as
 * determined really is. The propagation is not complete (it is not a full integer program); the
 * perturbation of released counts is the further layer.
 */
import type { UnknownRow } from './unknown-system.js';

export interface Interval {
  lo: number;
  hi: number;
}

/**
 * Returns the member ids whose interval collapses to a single value after propagation.
 * `initial` gives each unknown's public bounds (hi may be Infinity); at most `maxRounds` sweeps.
 */
export function pinnedUnknowns(
  rows: readonly UnknownRow[],
  initial: ReadonlyMap<number, Interval>,
  maxRounds = 50,
): Set<number> {
  const bounds = new Map<number, Interval>();
  for (const [m, iv] of initial) bounds.set(m, { ...iv });
  const get = (m: number): Interval => bounds.get(m) ?? { lo: 0, hi: Infinity };
  for (let round = 0, changed = true; changed && round < maxRounds; round++) {
    changed = false;
    for (const row of rows) {
      // Range of Σ coef·x as (finite part, number of infinite contributions) at each end.
      let minFinite = 0;
      let minInf = 0;
      let maxFinite = 0;
      let maxInf = 0;
      const contributions = row.terms.map(([m, coef]) => {
        const iv = get(m);
        const lo = coef === 1 ? iv.lo : -iv.hi;
        const hi = coef === 1 ? iv.hi : -iv.lo;
        if (Number.isFinite(lo)) minFinite += lo;
        else minInf++;
        if (Number.isFinite(hi)) maxFinite += hi;
        else maxInf++;
        return { lo, hi };
      });
      row.terms.forEach(([m, coef], i) => {
        const { lo, hi } = contributions[i];
        const othersMin =
          minInf - (Number.isFinite(lo) ? 0 : 1) > 0 ? -Infinity : minFinite - (Number.isFinite(lo) ? lo : 0);
        const othersMax =
          maxInf - (Number.isFinite(hi) ? 0 : 1) > 0 ? Infinity : maxFinite - (Number.isFinite(hi) ? hi : 0);
        // coef·x_m = constant - Σ others
        const termLo = row.constant - othersMax;
        const termHi = row.constant - othersMin;
        const newLo = coef === 1 ? termLo : -termHi;
        const newHi = coef === 1 ? termHi : -termLo;
        const iv = get(m);
        if (newLo > iv.lo || newHi < iv.hi) {
          bounds.set(m, { lo: Math.max(iv.lo, newLo), hi: Math.min(iv.hi, newHi) });
          changed = true;
        }
      });
    }
  }
  const pinned = new Set<number>();
  for (const [m, iv] of bounds) if (iv.lo >= iv.hi) pinned.add(m);
  return pinned;
}
