/**
 * The perturbation table of the cell-key method (Fraser & Wooton 2005; Thompson, Broadfoot &
 * Elazar 2013): a fixed map (true count, cell key) -> small integer noise.
 */
import { cellKey, KEY_MODULUS } from './cell-key.js';
import { symmetricHalfProbabilities, symmetricWeights } from './noise-distribution.js';
import type { RawCount } from './types.js';

/** One row: the noise distribution for counts fromCount..toCount (toCount null = and above). */
export interface PerturbationRow {
  fromCount: number;
  toCount: number | null;
  /** Noise values in increasing order: -m..m. */
  values: readonly number[];
  /** Exact probabilities weight/2^32, same order as values; symmetric, so the mean is exactly 0. */
  probabilities: readonly number[];
  /** Cumulative integer weights: value i is chosen for floor(cellKey·2^32) in [cumulative[i-1], cumulative[i]). */
  cumulative: readonly number[];
}

export interface PerturbationTable {
  /** e.g. 'ctr-ckm-v1-k11-D3-V2' — deterministic from the parameters. */
  id: string;
  k: number;
  /** D: the largest absolute noise. */
  maxPerturbation: number;
  /** V: the target variance of the noise (reached where the truncation near the threshold allows). */
  variance: number;
  /** js = k-1: no perturbed count of a released cell lands in 1..js. */
  js: number;
  /** The table itself: rows for counts k..k+D-1 each, then one row shared by all counts >= k+D. */
  rows: readonly PerturbationRow[];
  /** Noise for (true count, cell key in [0,1)); pure and deterministic. */
  noise(count: number, cellKey: number): number;
}

/**
 * Builds the perturbation table (defaults D = 3, V = 2). Guarantees, for every cell key:
 * - count 0 gets noise 0 (zero stays zero); counts 1..k-1 get 0 (they are suppressed, never released);
 * - for count c >= k: |noise| <= min(D, c-k), hence c + noise >= k (nothing lands in 1..js), and c = k gets 0;
 * - each row is symmetric, so the noise has mean exactly 0 over the 2^32 cell keys (unbiased);
 * - the row variance is min(V, m²) for half-width m = min(D, c-k), up to 2^-32 rounding.
 */
export function buildPerturbationTable(params: {
  k: number;
  maxPerturbation?: number;
  variance?: number;
}): PerturbationTable {
  const { k } = params;
  const maxPerturbation = params.maxPerturbation ?? 3;
  const variance = params.variance ?? 2;
  if (!Number.isSafeInteger(k) || k < 1) throw new RangeError('k must be an integer >= 1');
  if (!Number.isSafeInteger(maxPerturbation) || maxPerturbation < 0 || maxPerturbation > 100) {
    throw new RangeError('maxPerturbation must be an integer in 0..100');
  }
  if (!Number.isFinite(variance) || variance < 0) throw new RangeError('variance must be finite and >= 0');

  const rows: PerturbationRow[] = [];
  for (let m = 0; m <= maxPerturbation; m++) {
    rows.push(buildRow(k + m, m === maxPerturbation ? null : k + m, m, variance));
  }
  const noise = (count: number, key: number): number => {
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError('count must be an integer >= 0');
    if (!(key >= 0 && key < 1)) throw new RangeError('cell key must be in [0, 1)');
    if (count < k) return 0;
    const row = rows[Math.min(count - k, maxPerturbation)];
    const u = Math.floor(key * KEY_MODULUS);
    let i = 0;
    while (u >= row.cumulative[i]) i++;
    return row.values[i];
  };
  return {
    id: `ctr-ckm-v1-k${k}-D${maxPerturbation}-V${variance}`,
    k,
    maxPerturbation,
    variance,
    js: k - 1,
    rows,
    noise,
  };
}

function buildRow(fromCount: number, toCount: number | null, m: number, variance: number): PerturbationRow {
  const weights = symmetricWeights(symmetricHalfProbabilities(m, variance));
  let acc = 0;
  return {
    fromCount,
    toCount,
    values: weights.map((_, i) => i - m),
    probabilities: weights.map((w) => w / KEY_MODULUS),
    cumulative: weights.map((w) => (acc += w)),
  };
}

/**
 * The released value of a count: raw.count + noise(raw.count, cellKey(raw.keySum)).
 * Guarantee: a pure function of (count, keySum mod 2^32) — asking again, or rephrasing a question
 * with the same result set, returns the identical value, so averaging repeated answers gains nothing.
 */
export function perturb(table: PerturbationTable, raw: RawCount): number {
  return raw.count + table.noise(raw.count, cellKey(raw.keySum ?? 0));
}
