/**
 * Exact sampling of the discrete Gaussian N_Z(0, σ²): Pr[X = x] ∝ exp(-x²/(2σ²)) on the integers
 * (Canonne, Kamath & Steinke 2020, "The Discrete Gaussian for Differential Privacy", Algorithms 1–3;
 * reference code github.com/IBM/discrete-gaussian-differential-privacy, discretegauss.py).
 *
 * Every decision is made with integer / rational arithmetic on BigInt: no floating-point value is ever
 * computed, so the output distribution is exactly the stated one (no low-bit artefacts, Mironov 2012).
 * All randomness comes from one source of uniform bits, consumed only through uniformBelow().
 */

/** A source of independent uniform random bits (a keyed PRF stream in production, see src/crypto). */
export interface RandomBits {
  /** `count` (1..64) uniformly random bits as a BigInt in [0, 2^count). */
  bits(count: number): bigint;
}

/** A non-negative rational n/d (d > 0), kept as BigInts. */
export interface Rational {
  n: bigint;
  d: bigint;
}

const rational = (n: bigint, d: bigint): Rational => {
  if (d <= 0n || n < 0n) throw new RangeError('rational must be non-negative with a positive denominator');
  return { n, d };
};

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const TWO_32 = 1n << 32n;

/**
 * gcd(a, b) of non-negative integers. Below 2^53 on Numbers, where integer remainders are exact (the same
 * result, without BigInt allocations); no sampling decision is made here, only this exact integer.
 */
function gcd(a: bigint, b: bigint): bigint {
  if (a <= SAFE && b <= SAFE) {
    let x = Number(a);
    let y = Number(b);
    while (y !== 0) [x, y] = [y, x % y];
    return BigInt(x);
  }
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

const reduced = (n: bigint, d: bigint): Rational => {
  if (n === 1n || d === 1n) return { n, d }; // gcd 1 (the common γ = 1/k of the Bernoulli(exp(-1)) loops)
  const g = gcd(n, d);
  return g > 1n ? { n: n / g, d: d / g } : { n, d };
};

/** The number of bits of x ≥ 0 (0 for 0): exact, via clz32 below 2^32, else the binary digits. */
function bitLength(x: bigint): number {
  if (x <= 0n) return 0;
  if (x < TWO_32) return 32 - Math.clz32(Number(x));
  return x.toString(2).length;
}

/** Uniform on {0, …, m-1} by rejection from the smallest power of two ≥ m (exact; m ≥ 1). */
export function uniformBelow(m: bigint, random: RandomBits): bigint {
  if (m < 1n) throw new RangeError('uniformBelow needs m >= 1');
  if (m === 1n) return 0n;
  const length = bitLength(m - 1n);
  for (;;) {
    let x = 0n;
    for (let left = length; left > 0; left -= Math.min(left, 48)) {
      const take = Math.min(left, 48);
      x = (x << BigInt(take)) | random.bits(take);
    }
    if (x < m) return x;
  }
}

/** Bernoulli(p) for a rational p in [0, 1]. */
export function bernoulli(p: Rational, random: RandomBits): boolean {
  return uniformBelow(p.d, random) < p.n;
}

/** Bernoulli(exp(-γ)) for a rational γ in [0, 1] (CKS Algorithm 1, first part). */
function bernoulliExpSmall(gamma: Rational, random: RandomBits): boolean {
  let k = 1n;
  while (bernoulli(reduced(gamma.n, gamma.d * k), random)) k++;
  return k % 2n === 1n;
}

/** Bernoulli(exp(-γ)) for any rational γ ≥ 0 (CKS Algorithm 1). */
export function bernoulliExp(gamma: Rational, random: RandomBits): boolean {
  let { n } = gamma;
  const { d } = gamma;
  while (n > d) {
    if (!bernoulliExpSmall({ n: 1n, d: 1n }, random)) return false;
    n -= d;
  }
  return bernoulliExpSmall({ n, d }, random);
}

/** Geometric: the number of successes of Bernoulli(exp(-1)) before the first failure. */
function geometricExpOne(random: RandomBits): bigint {
  let k = 0n;
  while (bernoulliExp({ n: 1n, d: 1n }, random)) k++;
  return k;
}

/**
 * Discrete Laplace with integer scale t ≥ 1: Pr[Y = y] ∝ exp(-|y|/t) (CKS Algorithm 2).
 */
export function discreteLaplace(t: bigint, random: RandomBits): bigint {
  if (t < 1n) throw new RangeError('discrete Laplace scale must be an integer >= 1');
  for (;;) {
    // Geometric with parameter 1 - exp(-1/t): U uniform in 0..t-1 accepted with prob exp(-U/t), plus t·V.
    const u = uniformBelow(t, random);
    if (!bernoulliExp({ n: u, d: t }, random)) continue;
    const magnitude = u + t * geometricExpOne(random);
    const negative = bernoulli({ n: 1n, d: 2n }, random);
    if (negative && magnitude === 0n) continue;
    return negative ? -magnitude : magnitude;
  }
}

/** floor(sqrt(n/d)) exactly. */
function floorSqrt(r: Rational): bigint {
  let lo = 0n;
  let hi = 1n;
  while (hi * hi * r.d <= r.n) hi *= 2n;
  while (lo + 1n < hi) {
    const mid = (lo + hi) / 2n;
    if (mid * mid * r.d <= r.n) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * One sample of N_Z(0, σ²) for a rational σ² > 0 (CKS Algorithm 3): a discrete Laplace candidate with
 * t = ⌊σ⌋ + 1, accepted with probability exp(-(|Y| - σ²/t)² / (2σ²)).
 */
export function discreteGaussian(sigma2: Rational, random: RandomBits): bigint {
  const s2 = rational(sigma2.n, sigma2.d);
  if (s2.n === 0n) return 0n;
  const t = floorSqrt(s2) + 1n;
  for (;;) {
    const y = discreteLaplace(t, random);
    const abs = y < 0n ? -y : y;
    // (|y| - σ²/t)² / (2σ²) with σ² = a/b:  (|y|·t·b - a)² / (t²·b²) · b / (2a) = (|y|tb - a)² / (2·a·t²·b)
    const diff = abs * t * s2.d - s2.n;
    const gamma = reduced(diff * diff, 2n * s2.n * t * t * s2.d);
    if (bernoulliExp(gamma, random)) return y;
  }
}

/** σ given as a decimal number with at most 6 decimals, as the exact rational σ² (for the sampler). */
export function sigmaSquared(sigma: number): Rational {
  if (!Number.isFinite(sigma) || sigma <= 0) throw new RangeError('sigma must be a positive number');
  const scaled = Math.round(sigma * 1e6);
  if (Math.abs(scaled - sigma * 1e6) > 1e-6 * Math.max(1, sigma)) {
    throw new RangeError('sigma must have at most 6 decimals');
  }
  const n = BigInt(scaled);
  return reduced(n * n, 1_000_000_000_000n);
}

/**
 * Pr[X = x] of N_Z(0, σ²), in floating point — for descriptions, tests and measurements only, never for
 * sampling. Normalised over |x| ≤ 40σ + 10 (the mass beyond is below 1e-300).
 */
export function discreteGaussianPmf(sigma: number): (x: number) => number {
  const span = Math.ceil(40 * sigma) + 10;
  const weight = (x: number) => Math.exp(-(x * x) / (2 * sigma * sigma));
  let norm = 0;
  for (let x = -span; x <= span; x++) norm += weight(x);
  return (x) => weight(x) / norm;
}

/** The smallest h with Pr[|X| ≤ h] ≥ 0.95 for X ~ N_Z(0, σ²): the 95% interval half-width of a count. */
export function halfWidth95(sigma: number): number {
  const pmf = discreteGaussianPmf(sigma);
  let mass = pmf(0);
  let h = 0;
  while (mass < 0.95) {
    h++;
    mass += 2 * pmf(h);
  }
  return h;
}
