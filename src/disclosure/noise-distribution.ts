/**
 * The distribution of one row of the perturbation table: a symmetric distribution on the integers
 * -m..m, realised as integer weights over the 2^32 possible cell keys.
 */
import { KEY_MODULUS } from './cell-key.js';

/**
 * Probabilities p_0..p_m of a symmetric distribution on -m..m (p_{-j} = p_j), with variance
 * min(V, m^2) — the target V where the support allows it, else the largest variance it allows.
 *
 * - V below the variance of the uniform distribution on -m..m: a discretized Gaussian
 *   p_j ∝ exp(θ j²), θ <= 0, with θ found by bisection (the variance is increasing in θ).
 * - V between that and m²: a mixture of the uniform distribution and the two-point ±m distribution.
 * - V >= m²: the two-point ±m distribution (the most variance a support of -m..m can carry).
 * Guarantee: p_0 + 2·Σ_{j>=1} p_j = 1 (up to rounding) and every p_j >= 0.
 */
export function symmetricHalfProbabilities(m: number, variance: number): number[] {
  const half = new Array<number>(m + 1).fill(0);
  if (m === 0 || variance <= 0) {
    half[0] = 1;
    return half;
  }
  const uniformVariance = (m * (m + 1)) / 3;
  if (variance < uniformVariance) {
    return gaussianHalf(m, solveTheta(m, variance));
  }
  const t = variance >= m * m ? 1 : (variance - uniformVariance) / (m * m - uniformVariance);
  for (let j = 0; j <= m; j++) half[j] = (1 - t) / (2 * m + 1);
  half[m] += t / 2;
  return half;
}

function gaussianHalf(m: number, theta: number): number[] {
  const q = Array.from({ length: m + 1 }, (_, j) => Math.exp(theta * j * j));
  const norm = q[0] + 2 * q.slice(1).reduce((a, b) => a + b, 0);
  return q.map((x) => x / norm);
}

function halfVariance(half: readonly number[]): number {
  return half.reduce((acc, p, j) => acc + 2 * p * j * j, 0);
}

/** Bisection for θ in [-60, 0] such that the discretized Gaussian on -m..m has the given variance. */
function solveTheta(m: number, variance: number): number {
  let lo = -60;
  let hi = 0;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (halfVariance(gaussianHalf(m, mid)) < variance) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Integer weights w_{-m}..w_m over the 2^32 cell keys, in value order.
 * Guarantees: w_{-j} = w_j exactly (so the mean noise over all 2^32 cell keys is exactly 0),
 * Σ w = 2^32 exactly, every w >= 0 (w_j = floor(p_j·2^32) for j != 0; w_0 takes the remainder).
 */
export function symmetricWeights(half: readonly number[]): number[] {
  const side = half.slice(1).map((p) => Math.floor(p * KEY_MODULUS));
  const centre = KEY_MODULUS - 2 * side.reduce((a, b) => a + b, 0);
  return [...[...side].reverse(), centre, ...side];
}
